import CaptionCore
import Foundation
import XCTest
@testable import Streaming
@testable import Vision

/// A face whose mouth openness is written in the frame's first pixel (openness = pixel / 510),
/// so the tests control lip motion exactly (the mouth region's pixels change with it); `gate` (when set) holds `landmarks` until opened,
/// standing in for an analysis thread starved of CPU.
private final class ScriptedFace: FaceDetecting, LandmarkEstimating, @unchecked Sendable {
    let gate: NSCondition?
    private var open: Bool
    private var entered = false
    init(blocked: Bool) { gate = blocked ? NSCondition() : nil; open = !blocked }

    func release() { gate?.lock(); open = true; gate?.broadcast(); gate?.unlock() }

    /// Waits until a caller is held inside `landmarks` (false after `seconds`).
    func waitUntilHeld(seconds: Double) -> Bool {
        guard let gate else { return false }
        let deadline = Date(timeIntervalSinceNow: seconds)
        gate.lock(); defer { gate.unlock() }
        while !entered { if !gate.wait(until: deadline) { return entered } }
        return true
    }

    func detect(_ image: GreyImage) throws -> [FaceDetection] {
        [FaceDetection(xmin: 80, ymin: 100, xmax: 140, ymax: 170, keypoints: [(95, 120), (125, 120)], score: 0.9)]
    }

    func landmarks(_ image: GreyImage, roi: RotatedRect) throws -> FaceLandmarks {
        if let gate { gate.lock(); entered = true; gate.broadcast(); while !open { gate.wait() }; gate.unlock() }
        let openness = Float(image.pixels[0]) / 510
        var points: [(x: Float, y: Float, z: Float)] = []
        for i in 0..<FaceLandmarks.count {
            let x = Float(80 + (i % 20) * 3), y = Float(100 + (i / 20) * 3)
            points.append((x: x, y: y, z: 0))
        }
        points[FaceLandmarks.rightEyeOuter] = (95, 120, 0)
        points[FaceLandmarks.leftEyeOuter] = (125, 120, 0)
        points[FaceLandmarks.leftMouthCorner] = (90, 150, 0)
        points[FaceLandmarks.rightMouthCorner] = (130, 150, 0)
        points[FaceLandmarks.upperInnerLip] = (110, 150 - 20 * openness, 0)
        points[FaceLandmarks.lowerInnerLip] = (110, 150 + 20 * openness, 0)
        return FaceLandmarks(points: points, presence: 0.99, roi: roi)
    }
}

/// The face analysis on its own thread (issue 12): results are merged with the audio on the
/// capture clock, so what the camera decides does not depend on when the analysis ran.
final class FaceAnalysisThreadTests: XCTestCase {
    /// 4 s: a still mouth, then speech from 1.0 s to 3.2 s with the lips moving at 4 Hz in step
    /// with the audio envelope, then a still mouth again. Frames at 25 fps.
    private let fps = 25.0, seconds = 4.0, origin = 100.0
    private func speaking(_ t: Double) -> Bool { t >= 1.0 && t < 3.2 }
    private func openness(_ t: Double) -> Float { speaking(t) ? Float(0.15 + 0.12 * sin(2 * Double.pi * 4 * t)) : 0.05 }

    private func frame(_ k: Int) -> VideoFrame {
        let t = Double(k) / fps
        var luma = [UInt8](repeating: 60, count: 192 * 192)
        luma[0] = UInt8((openness(t) * 510).rounded())
        let mouth = UInt8(60 + (openness(t) * 400).rounded())   // the mouth region's pixels move with the lips
        for y in 140..<160 { for x in 90..<130 { luma[y * 192 + x] = mouth } }
        return VideoFrame(width: 192, height: 192, luma: luma, timestamp: origin + t, sequence: UInt64(k))
    }

    /// The 20-ms audio frames: a 200-Hz tone whose amplitude follows the lips, voiced while speaking.
    private func audio(_ j: Int) -> (samples: [Float], start: Double, end: Double, voiced: Bool) {
        let t = Double(j) * 0.02
        let amplitude = speaking(t) ? openness(t) : 0
        let samples = (0..<320).map { i in amplitude * Float(sin(2 * Double.pi * 200 * (t + Double(i) / 16_000))) }
        return (samples, origin + t, origin + t + 0.02, speaking(t))
    }

    private var frameCount: Int { Int(seconds * fps) }
    private var audioCount: Int { Int(seconds / 0.02) }

    private func activity(_ face: ScriptedFace, threaded: Bool) -> FaceSpeakerActivity {
        var settings = VideoAnalysisSettings()
        settings.enabled = true
        settings.gate = .strict
        return FaceSpeakerActivity(tracker: FaceTracker(detector: face, landmarker: face), settings: settings, threaded: threaded)
    }

    /// Shutdown waits for the frame the worker is analysing: the daemon returned and the process
    /// exited while the worker was inside FaceMesh's sgemv, and OpenBLAS's exit handler unmapped
    /// its buffers under it (signal 11 in LiveCameraFacesTests).
    func testStoppingWaitsForTheFrameBeingAnalysed() throws {
        let face = ScriptedFace(blocked: true)
        let a = activity(face, threaded: true)
        a.analysis.submit(frame(0))
        XCTAssertTrue(face.waitUntilHeld(seconds: 60), "the worker took the frame")
        final class Flag: @unchecked Sendable { let c = NSCondition(); var done = false }
        let flag = Flag()
        Thread.detachNewThread {
            a.stopBackgroundWork()
            flag.c.lock(); flag.done = true; flag.c.broadcast(); flag.c.unlock()
        }
        flag.c.lock()
        _ = flag.c.wait(until: Date(timeIntervalSinceNow: 0.3))
        XCTAssertFalse(flag.done, "stop returned while the worker was still analysing a frame")
        flag.c.unlock()
        face.release()
        flag.c.lock()
        let deadline = Date(timeIntervalSinceNow: 30)
        while !flag.done, flag.c.wait(until: deadline) {}
        XCTAssertTrue(flag.done, "stop returns once the worker has finished its frame")
        flag.c.unlock()
        XCTAssertEqual(a.analysis.cost.frames, 1, "the frame being analysed was finished, not abandoned")
    }

    /// The analysis inline, frames and audio interleaved by time as `captionctl simulate` feeds them.
    private func inlineTimeline() -> [SpeakerTimeline.Decision] {
        let a = activity(ScriptedFace(blocked: false), threaded: false)
        var k = 0
        for j in 0..<audioCount {
            let x = audio(j)
            while k < frameCount && frame(k).timestamp <= x.end { a.accept(frame: frame(k)); k += 1 }
            a.accept(audio: x.samples[...], start: x.start, end: x.end, voiced: x.voiced)
        }
        return a.timeline.decisions
    }

    private func spokenSeconds(_ ds: [SpeakerTimeline.Decision]) -> (speaking: Int, silentFace: Int) {
        // the speaker may outlast the speech by the scorer's 0.3-s VAD window
        let silent = { (d: SpeakerTimeline.Decision) in d.time - self.origin < 1.0 || d.time - self.origin >= 3.5 }
        return (ds.filter { $0.face != nil && speaking($0.time - origin) }.count, ds.filter { $0.face != nil && silent($0) }.count)
    }

    /// A decode blocks the pipeline thread for the whole stream (4 s, far longer than the
    /// camera's 8-frame ring holds): the video pump keeps handing frames to the analysis thread,
    /// which analyses them all; when the pipeline comes back, the decisions are the same as with
    /// the analysis inline, and the gate sees the mouth move during speech.
    func testPipelineBlockedByADecodeLosesNoAnalysedFrame() throws {
        let reference = inlineTimeline()
        let (talking, still) = spokenSeconds(reference)
        XCTAssertGreaterThan(talking, 20, "the moving mouth is judged speaking (inline)")
        XCTAssertEqual(still, 0, "no speaker outside speech")

        let a = activity(ScriptedFace(blocked: false), threaded: true)
        let sink = try XCTUnwrap(a.frameSink, "a threaded analysis takes frames from the video pump")
        for k in 0..<frameCount {   // the pump, while the pipeline is blocked; the analysis keeps up with the camera
            sink.submit(frame(k))
            XCTAssertTrue(a.analysis.waitUntilIdle(timeout: 120))
        }
        XCTAssertEqual(a.analysis.dropped, 0, "no frame dropped")
        XCTAssertEqual(a.analysis.cost.frames, 49, "every due frame analysed (at most 12 per second: 49 of the 100)")
        for k in 0..<frameCount { a.accept(frame: frame(k)) }      // the pipeline's late copies are ignored
        for j in 0..<audioCount {
            let x = audio(j)
            a.accept(audio: x.samples[...], start: x.start, end: x.end, voiced: x.voiced)
        }
        XCTAssertEqual(a.timeline.decisions, reference)
        XCTAssertEqual(a.skippedFrames, 0)
    }

    /// The analysis thread is behind (held): audio decisions wait for it instead of being made
    /// without the frames, and once it catches up they equal the inline ones.
    func testDecisionsWaitForAnalysisThatIsBehind() throws {
        let reference = inlineTimeline()
        let face = ScriptedFace(blocked: true)
        let a = activity(face, threaded: true)
        let half = audioCount / 2
        // The worker holds the first frame before more arrive. Without this wait a worker thread
        // that started late found the first frame already dropped from its full queue (frames
        // 0 analysed, 17 dropped), passed the dropped ones at once and let audio be decided
        // without video: 2 to 4 runs in 60 of this test alone.
        a.accept(frame: frame(0))
        var k = 1
        XCTAssertTrue(face.waitUntilHeld(seconds: 60), "the analysis thread took the first frame")
        for j in 0..<half {   // 2 s of frames (24 due: more than the queue's 8) and audio
            let x = audio(j)
            while k < frameCount && frame(k).timestamp <= x.end { a.accept(frame: frame(k)); k += 1 }
            a.accept(audio: x.samples[...], start: x.start, end: x.end, voiced: x.voiced)
        }
        XCTAssertTrue(a.timeline.decisions.isEmpty, "nothing decided while the analysis is behind")
        XCTAssertEqual(a.judgedUntil, -Double.infinity)
        face.release()
        XCTAssertTrue(a.analysis.waitUntilIdle(timeout: 120))
        let dropped = a.analysis.dropped
        XCTAssertGreaterThan(dropped, 0, "a queue held for 2 s drops its oldest due frames, counted")
        XCTAssertEqual(a.skippedFrames, dropped)
        for j in half..<audioCount {   // the analysis keeps up again
            let x = audio(j)
            while k < frameCount && frame(k).timestamp <= x.end {
                a.accept(frame: frame(k)); k += 1
                XCTAssertTrue(a.analysis.waitUntilIdle(timeout: 120))
            }
            a.accept(audio: x.samples[...], start: x.start, end: x.end, voiced: x.voiced)
        }
        XCTAssertEqual(a.timeline.decisions.count, reference.count, "every audio frame decided in the end")
        // Before 1 s (the dropped frames' span) nothing speaks either way; from the second half on
        // the same decisions as inline.
        let later = { (d: SpeakerTimeline.Decision) in d.time >= self.origin + 2.5 }
        XCTAssertEqual(a.timeline.decisions.filter(later), reference.filter(later))
        XCTAssertGreaterThan(spokenSeconds(a.timeline.decisions).speaking, 10)
    }
}
