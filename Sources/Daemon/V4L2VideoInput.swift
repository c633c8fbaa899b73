import Foundation
import CaptionCore
import Capture

/// `video.source = "v4l2"`: a camera read by `V4L2Capture` on its own thread into a frame ring the
/// daemon's `VideoPump` drains as frames arrive (woken by the ring). Dropped: frames the ring overwrote, the
/// driver's sequence gaps, malformed buffers and frames the ring refused.
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

    func take() -> [VideoFrame] {
        var frames: [VideoFrame] = []
        while let f = ring.pop() { frames.append(f) }
        return frames
    }

    func waitForFrames(timeout: Double) -> Bool { ring.waitForFrame(timeout: timeout) }

    func interruptWait() { ring.interruptWait() }

    var isRunning: Bool { capture != nil }

    func stop() {
        if let error = capture?.stop() { log?.warning("video capture ended with: \(error)") }
        capture = nil
    }

    var counters: CaptureCounters {
        let s = capture?.statistics
        let lost = Int((s?.skippedFrames ?? 0) + (s?.malformedBuffers ?? 0))
        return CaptureCounters(captured: Int(ring.totalWritten),
                               dropped: Int(ring.totalDropped) + Int(ring.totalRejected) + lost)
    }
}
