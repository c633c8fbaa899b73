import XCTest
@testable import Vision

/// When the tracker runs the detector (MediaPipe's policy): the first frame, then every
/// `trackedDetectEvery` frames while a face is tracked, every `detectEvery` while none is or a
/// tracked face's presence is low, and at once on the frame after a tracked face is lost — but
/// not after a fresh detection the landmarks reject. Injected stages, no models.
final class FaceTrackerDetectionPolicyTests: XCTestCase {
    /// Always one face in the middle of the frame.
    final class FixedDetector: FaceDetecting {
        var calls = 0
        func detect(_ image: GreyImage) throws -> [FaceDetection] {
            calls += 1
            return [FaceDetection(xmin: 40, ymin: 30, xmax: 80, ymax: 70, keypoints: [(50, 45), (70, 45), (60, 55), (60, 62), (42, 50), (78, 50)],
                                  score: 0.9)]
        }
    }

    /// Landmarks on a grid inside the region, with the presence of the script's next entry.
    final class ScriptedLandmarker: LandmarkEstimating {
        var presences: [Float]
        init(_ presences: [Float]) { self.presences = presences }
        func landmarks(_ image: GreyImage, roi: RotatedRect) throws -> FaceLandmarks {
            let presence = presences.isEmpty ? 0.99 : presences.removeFirst()
            var points = (0..<FaceLandmarks.count).map { i -> (x: Float, y: Float, z: Float) in
                let u = Float(i % 22) / 21, v = Float(i / 22) / 21
                return (roi.centreX + (u - 0.5) * roi.width / 1.5, roi.centreY + (v - 0.5) * roi.height / 1.5, 0)
            }
            // eye corners level: the next region keeps rotation 0 and the same box
            points[FaceLandmarks.rightEyeOuter] = (roi.centreX - roi.width / 6, roi.centreY - roi.height / 12, 0)
            points[FaceLandmarks.leftEyeOuter] = (roi.centreX + roi.width / 6, roi.centreY - roi.height / 12, 0)
            return FaceLandmarks(points: points, presence: presence, roi: roi)
        }
    }

    private func detectorFrames(presences: [Float], frames: Int) throws -> [Int] {
        let tracker = FaceTracker(detector: FixedDetector(), landmarker: ScriptedLandmarker(presences), detectEvery: 2,
                                  trackedDetectEvery: 5)
        tracker.cutDetector = nil
        let image = try GreyImage(width: 120, height: 100, pixels: [UInt8](repeating: 100, count: 120 * 100))
        var ran: [Int] = []
        for k in 0..<frames {
            _ = try tracker.process(image)
            if tracker.lastFrameRanDetector { ran.append(k) }
        }
        return ran
    }

    func testDetectorRunsRarelyWhileTrackingAndAtOnceWhenTheFaceIsLost() throws {
        // frames 0–5 tracked well; 6 fading (0.6 < 0.8): back to every 2nd; 8 lost (0.2): detector on 9
        let script: [Float] = [0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.6, 0.99, 0.2, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99]
        XCTAssertEqual(try detectorFrames(presences: script, frames: 15), [0, 5, 7, 9, 14])
    }

    func testAFreshDetectionTheLandmarksRejectIsNotRetriedEveryFrame() throws {
        XCTAssertEqual(try detectorFrames(presences: Array(repeating: 0.2, count: 8), frames: 8), [0, 2, 4, 6])
    }
}
