import Features
import TestSupport
import XCTest
@testable import Vision

/// The tracker on a moving real face: a photograph shifted a few pixels per frame inside a
/// 320×240 frame. One stable id, landmarks every frame, the detector only every N frames.
final class FaceTrackerTests: XCTestCase {
    private func frame(_ photo: GreyImage, dx: Int, dy: Int) throws -> GreyImage {
        try VisionFixtures.frame(photo, width: 320, height: 240, dx: dx, dy: dy)
    }

    func testStableIdLipsAndMouthCropOnMovingFace() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let tracker = FaceTracker(detector: detector, landmarker: mesh, detectEvery: 5)
        let photo = try VisionFixtures.image("obama.pgm")
        var ids = Set<Int>()
        var detectorRuns = 0
        var corners: [(Float, Float)] = []
        for k in 0..<12 {
            let image = try frame(photo, dx: 3 * k, dy: k)
            let faces = try tracker.process(image)
            detectorRuns += tracker.lastFrameRanDetector ? 1 : 0
            XCTAssertEqual(faces.count, 1, "frame \(k)")
            guard let f = faces.first else { continue }
            ids.insert(f.id)
            XCTAssertGreaterThan(f.mouthOpenness, 0)
            XCTAssertLessThan(f.mouthOpenness, 1)
            // lips inside the face box, below its middle; corners left/right of the centre
            XCTAssertGreaterThan(f.upperLip.y, (f.box.ymin + f.box.ymax) / 2)
            XCTAssertLessThan(f.leftCorner.x, f.upperLip.x)
            XCTAssertGreaterThan(f.rightCorner.x, f.upperLip.x)
            corners.append((f.leftCorner.x, f.leftCorner.y))
            let crop = f.mouthCrop
            XCTAssertEqual(crop.size, MouthCropSpec.size)
            let pixels = crop.sample(luma: image.pixels, width: image.width, height: image.height)
            XCTAssertEqual(pixels.count, 64 * 64)
            if k == 0 {
                try Data(GreyImage(width: 64, height: 64, pixels: pixels).pgm)
                    .write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "vision-mouth-crop.pgm"))
            }
        }
        XCTAssertEqual(ids.count, 1, "the face kept one id")
        XCTAssertEqual(detectorRuns, 3, "detector on frames 0, 5, 10")
        // the tracked corner moves with the face: 3 px right and 1 px down per frame
        let dx = (corners.last!.0 - corners.first!.0) / Float(corners.count - 1)
        let dy = (corners.last!.1 - corners.first!.1) / Float(corners.count - 1)
        print("tracker: id \(ids), corner motion per frame (\(dx), \(dy)) px, expected (3, 1)")
        XCTAssertEqual(dx, 3, accuracy: 0.6)
        XCTAssertEqual(dy, 1, accuracy: 0.6)
    }

    func testFaceLeavingTheFrameIsDropped() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let tracker = FaceTracker(detector: detector, landmarker: mesh, detectEvery: 3)
        let photo = try VisionFixtures.image("obama.pgm")
        XCTAssertEqual(try tracker.process(try frame(photo, dx: 0, dy: 0)).count, 1)
        let blank = try GreyImage(width: 320, height: 240, pixels: [UInt8](repeating: 90, count: 320 * 240))
        var last = 1
        for _ in 0..<4 { last = try tracker.process(blank).count }
        XCTAssertEqual(last, 0, "no face on a blank frame after the face left")
    }
}

final class FaceTrackerRateTests: XCTestCase {
    func testLandmarkEveryReusesFacesBetweenPasses() throws {
        let detector = try BlazeFaceDetector(contentsOf: try VisionFixtures.detectorPath)
        let mesh = try FaceMeshModel(contentsOf: try VisionFixtures.meshPath)
        let tracker = FaceTracker(detector: detector, landmarker: mesh, detectEvery: 10, landmarkEvery: 2)
        let image = try VisionFixtures.image("obama.pgm")
        var ran: [Bool] = []
        for _ in 0..<5 {
            let faces = try tracker.process(image)
            XCTAssertEqual(faces.count, 1)
            ran.append(tracker.lastFrameRanLandmarks)
        }
        XCTAssertEqual(ran, [true, false, true, false, true])
    }
}
