import XCTest
import CV4L2
import CaptionCore
import Features
@testable import Capture

final class V4L2CameraTests: XCTestCase {
    private func config(_ width: Int = 64, _ height: Int = 48) -> V4L2Configuration {
        V4L2Configuration(path: "/dev/video0", width: width, height: height, pollTimeoutMilliseconds: 10,
                          maxReopenAttempts: 5, initialBackoff: 0.001, maxBackoff: 0.004)
    }

    func testNegotiatesYUYVMapsFourBuffersAndStreams() throws {
        let fake = FakeV4L2Device()
        let camera = try V4L2Camera(device: fake.device, configuration: config(), lumaConverter: LumaConversion())
        XCTAssertEqual(camera.format.pixelFormat, .yuyv)
        XCTAssertEqual(camera.format.width, 64)
        XCTAssertEqual(camera.format.bytesPerLine, 128)
        XCTAssertEqual(camera.format.framesPerSecond, 30)
        XCTAssertEqual(fake.mappedCount, 4)
        XCTAssertEqual(fake.queued.count, 4)
        XCTAssertEqual(fake.requests, ["QUERYCAP", "S_FMT", "REQBUFS", "STREAMON"])
        camera.close()
        XCTAssertEqual(fake.mappedCount, 0)
        XCTAssertEqual(fake.closeCount, 1)
        XCTAssertTrue(fake.requests.contains("STREAMOFF"))
    }

    func testPrefersGreyWhenYUYVIsAbsentAndRefusesUnusableFormats() throws {
        let fake = FakeV4L2Device()
        fake.offered = [CV4L2_PIX_FMT_MJPEG, CV4L2_PIX_FMT_GREY]
        XCTAssertEqual(try V4L2Camera(device: fake.device, configuration: config(), lumaConverter: LumaConversion()).format.pixelFormat, .grey)
        let mjpegOnly = FakeV4L2Device()
        mjpegOnly.offered = [CV4L2_PIX_FMT_MJPEG]
        XCTAssertThrowsError(try V4L2Camera(device: mjpegOnly.device, configuration: config(), lumaConverter: LumaConversion())) { error in
            XCTAssertTrue("\(error)".contains("offers MJPG"), "\(error)")
        }
        XCTAssertEqual(mjpegOnly.closeCount, 1)
    }

    func testNV12IsNegotiatedWhenItIsTheOnlyUsableFormatAndItsLumaPlaneIsKept() throws {
        let fake = FakeV4L2Device()
        fake.offered = [CV4L2_PIX_FMT_MJPEG, CV4L2_PIX_FMT_NV12]
        fake.bytesPerLinePadding = 8
        let camera = try V4L2Camera(device: fake.device, configuration: config(16, 6), lumaConverter: LumaConversion())
        XCTAssertEqual(camera.format.pixelFormat, .nv12)
        XCTAssertEqual(camera.format.frameBytes, 24 * 6 * 3 / 2)
        var luma: [UInt8] = []
        _ = try camera.nextFrame { l, _, _, _, _ in luma = Array(l) }
        XCTAssertEqual(luma.count, 96)
        XCTAssertEqual(Array(luma[0..<4]), [0, 1, 0, 1])
    }

    func testRefusesDevicesWithoutCaptureOrStreaming() {
        let fake = FakeV4L2Device()
        fake.capabilities = UInt32(V4L2_CAP_VIDEO_CAPTURE)
        XCTAssertThrowsError(try V4L2Camera(device: fake.device, configuration: config(), lumaConverter: LumaConversion())) { error in
            XCTAssertTrue("\(error)".contains("streaming"), "\(error)")
        }
        XCTAssertThrowsError(try V4L2Camera(device: FakeV4L2Device().device,
                                            configuration: V4L2Configuration(path: "/dev/video7"), lumaConverter: LumaConversion()))
    }

    func testDriverChangingTheSizeIsFollowed() throws {
        let fake = FakeV4L2Device()
        fake.adjustSize = { _, _ in (40, 30) }
        fake.bytesPerLinePadding = 16
        let camera = try V4L2Camera(device: fake.device, configuration: config(640, 480), lumaConverter: LumaConversion())
        XCTAssertEqual(camera.format.width, 40)
        XCTAssertEqual(camera.format.height, 30)
        XCTAssertEqual(camera.format.bytesPerLine, 96)
        var got: (Int, Int, Int)?
        let outcome = try camera.nextFrame { luma, w, h, _, _ in got = (luma.count, w, h) }
        XCTAssertEqual(outcome, .frame(sequence: 0, timestamp: 1000))
        XCTAssertEqual(got?.0, 1200)
        XCTAssertEqual(got?.1, 40)
    }

    func testBuffersCycleWithLumaTimestampsAndSkippedSequences() throws {
        let fake = FakeV4L2Device()
        fake.sequenceJumps = [5: 3]
        fake.eagainAt = [2]
        let camera = try V4L2Camera(device: fake.device, configuration: config(), lumaConverter: LumaConversion())
        var frames: [VideoFrame] = []
        var timeouts = 0
        while frames.count < 12 {
            let outcome = try camera.nextFrame { luma, w, h, t, s in
                frames.append(VideoFrame(width: w, height: h, luma: Array(luma), timestamp: t, sequence: s))
            }
            if outcome == .timeout { timeouts += 1 }
        }
        XCTAssertEqual(timeouts, 1)
        XCTAssertEqual(frames.map(\.sequence), [0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14])
        XCTAssertEqual(camera.skippedFrames, 3)
        for (n, f) in frames.enumerated() {
            XCTAssertEqual(f.luma[0], UInt8(n)); XCTAssertEqual(f.luma[1], UInt8(n + 1))
            XCTAssertEqual(f.timestamp, 1000 + Double(n / 30) + Double(n % 30) * 0.033333, accuracy: 1e-6)
        }
        XCTAssertEqual(fake.queued.count, 4, "every dequeued buffer went back")
    }

    func testMalformedBufferIsSkippedAndRequeued() throws {
        let fake = FakeV4L2Device()
        fake.shortBufferAt = [1]
        let camera = try V4L2Camera(device: fake.device, configuration: config(), lumaConverter: LumaConversion())
        XCTAssertEqual(try camera.nextFrame { _, _, _, _, _ in }, .frame(sequence: 0, timestamp: 1000))
        guard case .malformed(let why) = try camera.nextFrame({ _, _, _, _, _ in XCTFail("no frame expected") }) else {
            return XCTFail("expected a malformed buffer")
        }
        XCTAssertTrue(why.contains("3072 bytes"), why)
        XCTAssertEqual(fake.queued.count, 4)
        if case .frame(let seq, _) = try camera.nextFrame({ _, _, _, _, _ in }) { XCTAssertEqual(seq, 2) } else { XCTFail() }
    }

    func testBufferTooSmallForTheFormatIsRefusedAtSetup() {
        let fake = FakeV4L2Device()
        fake.grantedBuffers = 1
        XCTAssertThrowsError(try V4L2Camera(device: fake.device, configuration: config(), lumaConverter: LumaConversion())) { error in
            XCTAssertTrue("\(error)".contains("granted 1 buffers"), "\(error)")
        }
    }

    func testCaptureLoopReopensAVanishedCameraAndKeepsFilling() throws {
        let fake = FakeV4L2Device()
        fake.vanishAt = 5
        fake.failedReopens = 2
        let ring = FrameRing(slots: 64, maxWidth: 64, maxHeight: 48)
        let lines = LogLines()
        let capture = V4L2Capture(configuration: config(), ring: ring, device: fake.device, lumaConverter: LumaConversion(), log: lines.append)
        try capture.run(frameLimit: 10)
        let stats = capture.statistics
        XCTAssertEqual(stats.frames, 10)
        XCTAssertEqual(stats.reopens, 1)
        XCTAssertEqual(fake.openCount, 2)
        XCTAssertEqual(ring.totalWritten, 10)
        XCTAssertTrue(lines.all.contains { $0.contains("lost") })
        XCTAssertEqual(lines.all.filter { $0.contains("reopen attempt") }.count, 2)
        XCTAssertTrue(lines.all.contains { $0.contains("reopened after 3 attempt(s)") })
    }

    func testCaptureLoopGivesUpAfterTheAttemptLimit() {
        let fake = FakeV4L2Device()
        fake.vanishAt = 1
        fake.failedReopens = 100
        var c = config()
        c.maxReopenAttempts = 3
        let capture = V4L2Capture(configuration: c, ring: FrameRing(slots: 4, maxWidth: 64, maxHeight: 48),
                                  device: fake.device, lumaConverter: LumaConversion())
        XCTAssertThrowsError(try capture.run(frameLimit: 10)) { error in
            XCTAssertEqual(error as? CaptureError, .gaveUp(device: "/dev/video0", attempts: 3,
                lastError: CaptureError.system(call: "open", path: "/dev/video0", errno: ENOENT).description))
        }
    }

    func testStopEndsTheThreadedLoop() {
        let fake = FakeV4L2Device()
        let ring = FrameRing(slots: 4, maxWidth: 64, maxHeight: 48)
        let capture = V4L2Capture(configuration: config(), ring: ring, device: fake.device, lumaConverter: LumaConversion())
        capture.start()
        // Wait on the frame ring's wake-up for three frames, not on a sleep loop.
        var got = 0
        let deadline = MonotonicClock.now() + 30
        while got < 3 {
            guard ring.waitForFrame(timeout: max(0, deadline - MonotonicClock.now())) else {
                _ = capture.stop()
                return XCTFail("only \(got) of 3 frames within 30 s")
            }
            if ring.pop() != nil { got += 1 }
        }
        XCTAssertNil(capture.stop())
        XCTAssertEqual(fake.closeCount, 1)
    }
}

/// Thread-safe log collector for the capture loops' messages.
final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
}
