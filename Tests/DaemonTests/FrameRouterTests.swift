import CaptionCore
import Foundation
import Streaming
import XCTest
@testable import Daemon

/// The capture thread hands each frame to the face analysis and (while it wants them) to the
/// pipeline, with no thread in between: a decode that blocks the pipeline thread for seconds loses
/// no frame for the analysis, and a pipeline that wants no frames keeps none (drops none).
final class FrameRouterTests: XCTestCase {
    /// Records the frames it is handed (from the capture thread) and wakes a waiting test.
    private final class Analysis: VideoFrameSink, @unchecked Sendable {
        private let condition = NSCondition()
        private var received: [UInt64] = []
        func submit(_ frame: VideoFrame) { condition.lock(); received.append(frame.sequence); condition.broadcast(); condition.unlock() }
        var frames: [UInt64] { condition.lock(); defer { condition.unlock() }; return received }
        func waitFor(_ count: Int, timeout: Double) -> Bool {
            let deadline = Date(timeIntervalSinceNow: timeout)
            condition.lock(); defer { condition.unlock() }
            while received.count < count { if !condition.wait(until: deadline) { return received.count >= count } }
            return true
        }
    }

    private func frame(_ k: Int) -> VideoFrame {
        VideoFrame(width: 16, height: 16, luma: [UInt8](repeating: UInt8(k & 255), count: 256), timestamp: Double(k) / 30, sequence: UInt64(k))
    }

    func testABlockedPipelineLosesNoFrameForTheAnalysis() {
        // 30 frames (1 s) arrive while the pipeline is stuck in a decode and takes nothing.
        let router = FrameRouter(capacity: 10), analysis = Analysis()
        router.route(sink: analysis, keepFrames: false)   // Whisper, the analysis on its own thread
        for k in 0..<30 { router.deliver(frame(k)) }
        XCTAssertEqual(analysis.frames, (0..<30).map(UInt64.init), "the analysis gets every frame at once")
        XCTAssertEqual(router.take().count, 0, "the pipeline wants none, so none wait for it")
        XCTAssertEqual(router.dropped, 0)
        XCTAssertEqual(router.delivered, 30)

        // A model that reads the camera wants the frames on the pipeline: they wait (up to the
        // capacity; the excess is counted as dropped video) while the analysis still gets all.
        router.route(sink: analysis, keepFrames: true)
        for k in 30..<42 { router.deliver(frame(k)) }
        XCTAssertEqual(router.take().map(\.sequence), (32..<42).map(UInt64.init))
        XCTAssertEqual(router.dropped, 2)
        XCTAssertEqual(analysis.frames.count, 42)
        XCTAssertEqual(router.take().count, 0)

        // Routing away discards what waited (nobody needs it) without counting it as dropped.
        router.deliver(frame(42))
        router.route(sink: nil, keepFrames: false)
        XCTAssertEqual(router.take().count, 0)
        XCTAssertEqual(router.dropped, 2)
        XCTAssertEqual(analysis.frames.count, 43, "no sink after routing away")
    }

    /// The file input's reader thread delivers straight to the analysis while nothing takes frames
    /// on the pipeline (a decode in progress): every frame arrives, none counted as dropped.
    func testTheCaptureThreadFeedsTheAnalysisWhileThePipelineIsBusy() throws {
        let box = try DaemonSandbox()
        let path = box.dir + "/grey.y4m"
        var y4m = Data("YUV4MPEG2 W16 H16 F300:1 Ip A1:1 Cmono\n".utf8)
        for k in 0..<60 { y4m.append(contentsOf: Array("FRAME\n".utf8)); y4m.append(contentsOf: [UInt8](repeating: UInt8(k), count: 256)) }
        try y4m.write(to: URL(fileURLWithPath: path))
        var config = DaemonConfig.Video()
        config.enabled = true; config.source = .file; config.file = path

        let analysis = Analysis()
        let input = FileVideoInput(config: config)
        input.route(sink: analysis, keepFrames: false)
        try input.start()
        defer { input.stop() }
        XCTAssertTrue(analysis.waitFor(60, timeout: 60), "the reader thread handed \(analysis.frames.count) of 60 frames on within 60 s")
        XCTAssertEqual(analysis.frames, (0..<60).map(UInt64.init))
        XCTAssertEqual(input.take().count, 0)
        XCTAssertEqual(input.counters, CaptureCounters(captured: 60, dropped: 0))

        // Wanted on the pipeline but not taken for longer than the router holds (90 frames).
        let analysis2 = Analysis()
        var y4m2 = Data("YUV4MPEG2 W16 H16 F600:1 Ip A1:1 Cmono\n".utf8)
        for k in 0..<120 { y4m2.append(contentsOf: Array("FRAME\n".utf8)); y4m2.append(contentsOf: [UInt8](repeating: UInt8(k), count: 256)) }
        try y4m2.write(to: URL(fileURLWithPath: box.dir + "/grey2.y4m"))
        config.file = box.dir + "/grey2.y4m"
        let busy = FileVideoInput(config: config)
        busy.route(sink: analysis2, keepFrames: true)
        try busy.start()
        defer { busy.stop() }
        XCTAssertTrue(analysis2.waitFor(120, timeout: 60), "the reader thread handed \(analysis2.frames.count) of 120 frames on within 60 s")
        XCTAssertEqual(busy.take().map(\.sequence), (30..<120).map(UInt64.init))
        XCTAssertEqual(busy.counters, CaptureCounters(captured: 120, dropped: 30))
    }
}
