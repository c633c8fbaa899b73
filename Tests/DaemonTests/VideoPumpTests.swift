import CaptionCore
import Foundation
import Streaming
import XCTest
@testable import Daemon

/// The video pump drains the camera's frame ring on its own thread, so a decode that blocks the
/// pipeline thread longer than the ring holds loses no frame for the face analysis. Driven
/// step by step (`pumpOnce`, no thread), so nothing depends on timing.
final class VideoPumpTests: XCTestCase {
    /// A camera: the test plays the capture thread, pushing frames into the same 8-slot ring the
    /// V4L2 and file inputs use.
    private final class RingCamera: VideoInput {
        let ring = FrameRing(slots: 8, maxWidth: 16, maxHeight: 16)
        func start() throws {}
        func take() -> [VideoFrame] { var out: [VideoFrame] = []; while let f = ring.pop() { out.append(f) }; return out }
        func waitForFrames(timeout: Double) -> Bool { ring.waitForFrame(timeout: timeout) }
        func interruptWait() { ring.interruptWait() }
        var isRunning: Bool { true }
        func stop() {}
        var counters: CaptureCounters { CaptureCounters(captured: Int(ring.totalWritten), dropped: Int(ring.totalDropped)) }
        func capture(_ k: Int) {
            let luma = [UInt8](repeating: UInt8(k & 255), count: 16 * 16)
            luma.withUnsafeBufferPointer { _ = ring.push(luma: $0, width: 16, height: 16, timestamp: Double(k) / 30, sequence: UInt64(k)) }
        }
    }

    private final class Analysis: VideoFrameSink, @unchecked Sendable {
        var frames: [UInt64] = []
        func submit(_ frame: VideoFrame) { frames.append(frame.sequence) }
    }

    func testABlockedPipelineLosesNoFrameForTheAnalysis() {
        // Without the pump: 30 frames (1 s) arrive while the pipeline is stuck in a decode.
        let plain = RingCamera()
        for k in 0..<30 { plain.capture(k) }
        XCTAssertEqual(plain.take().count, 8, "the ring keeps only its 8 newest frames")
        XCTAssertEqual(plain.counters.dropped, 22)

        // With the pump: the analysis gets every frame; the pipeline wants none (Whisper with
        // the analysis on its own thread), so none wait for it and none count as dropped.
        let camera = RingCamera(), analysis = Analysis()
        let pump = VideoPump(camera, capacity: 10)
        pump.route(sink: analysis, keepFrames: false)
        for k in 0..<30 { camera.capture(k); pump.pumpOnce() }
        XCTAssertEqual(analysis.frames, (0..<30).map(UInt64.init))
        XCTAssertEqual(pump.take().count, 0)
        XCTAssertEqual(pump.counters.dropped, 0)
        XCTAssertEqual(pump.counters.captured, 30)

        // A model that reads the camera wants the frames on the pipeline: they wait in the
        // mailbox (up to its capacity; the excess is counted as dropped video).
        pump.route(sink: analysis, keepFrames: true)
        for k in 30..<42 { camera.capture(k); pump.pumpOnce() }
        XCTAssertEqual(pump.take().map(\.sequence), (32..<42).map(UInt64.init))
        XCTAssertEqual(pump.counters.dropped, 2)
        XCTAssertEqual(analysis.frames.count, 42)
    }

    func testThePumpThreadDrainsUntilStopped() throws {
        // The pump thread sleeps in the ring's wait: a captured frame wakes it, and the frame
        // reaches the mailbox (the pipeline's wait wakes too); stop() ends the thread's wait.
        let camera = RingCamera()
        let pump = VideoPump(camera, waitBound: 3600)   // only the interruption can end a wait
        pump.route(sink: nil, keepFrames: true)
        try pump.start()
        camera.capture(1)
        XCTAssertTrue(pump.waitForFrames(timeout: 30), "the pump thread did not hand the captured frame on within 30 s")
        XCTAssertEqual(pump.take().map(\.sequence), [1])
        let stopped = DispatchSemaphore(value: 0)
        Thread { pump.stop(); stopped.signal() }.start()
        XCTAssertEqual(stopped.wait(timeout: .now() + 60), .success, "stop() did not interrupt the pump's wait for a frame within 60 s")
    }
}
