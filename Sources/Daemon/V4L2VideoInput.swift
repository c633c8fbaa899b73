import Foundation
import CaptionCore
import Capture

/// `video.source = "v4l2"`: a camera read by `V4L2Capture` on its own thread into a frame ring.
final class V4L2VideoInput: VideoInput {
    let config: DaemonConfig.Video
    private let log: ServiceLog?
    private let ring: FrameRing
    private var capture: V4L2Capture?

    init(config: DaemonConfig.Video, log: ServiceLog? = nil) {
        self.config = config; self.log = log
        ring = FrameRing(slots: 8, maxWidth: config.width, maxHeight: config.height)
    }

    func start() throws {
        // The capture thread opens the device; open it once here, through the same device
        // functions, so a missing or forbidden camera stops start-up with the reason.
        let fd = V4L2Device.live.open(config.device)
        if fd < 0 {
            let code = -fd
            throw DaemonError.stage(name: "video (v4l2 \(config.device))",
                                    reason: "open: \(String(cString: strerror(code))) (errno \(code)); set video.enabled = false or video.device")
        }
        _ = V4L2Device.live.close(fd)
        let v4l2 = V4L2Configuration(path: config.device, width: config.width, height: config.height,
                                     framesPerSecond: config.fps)
        let log = self.log
        let c = V4L2Capture(configuration: v4l2, ring: ring, log: { line in log?.warning(line) })
        c.start()
        capture = c
    }

    func read(timeout: Double) throws -> StageRead<VideoFrame> {
        let deadline = MonotonicClock.now() + timeout
        while true {
            if let frame = ring.pop() { return .item(frame) }
            if MonotonicClock.now() >= deadline { return .timeout }
            usleep(5_000)
        }
    }

    func stop() {
        if let error = capture?.stop() { log?.warning("video capture ended with: \(error)") }
        capture = nil
    }

    var counters: CaptureCounters {
        let skipped = Int(capture?.statistics.skippedFrames ?? 0)
        return CaptureCounters(captured: Int(ring.totalWritten), dropped: Int(ring.totalDropped) + skipped)
    }
}
