import Foundation
import CaptionCore
import Capture
import Streaming

/// `video.source = "v4l2"`: a camera read by `V4L2Capture` on its own thread, which copies each
/// converted frame once and hands it to the `FrameRouter` (the face analysis' queue, and the
/// pipeline while it wants frames). Dropped: the driver's sequence gaps, malformed buffers and
/// frames the pipeline fell too far behind on.
final class V4L2VideoInput: VideoInput {
    let config: DaemonConfig.Video
    private let log: ServiceLog?
    private let device: V4L2Device
    private let router = FrameRouter()
    private var capture: V4L2Capture?

    init(config: DaemonConfig.Video, device: V4L2Device = .live, log: ServiceLog? = nil) {
        self.config = config; self.device = device; self.log = log
    }

    func start() throws {
        // The capture thread opens the device; open it once here, through the same device
        // functions, so a missing or forbidden camera stops start-up with the reason.
        let fd = device.open(config.device)
        if fd < 0 {
            let code = -fd
            throw DaemonError.stage(name: "video (v4l2 \(config.device))",
                                    reason: "open: \(String(cString: strerror(code))) (errno \(code)); set video.enabled = false or video.device")
        }
        _ = device.close(fd)
        let v4l2 = V4L2Configuration(path: config.device, width: config.width, height: config.height,
                                     framesPerSecond: config.fps)
        let log = self.log, router = self.router
        let c = V4L2Capture(configuration: v4l2, device: device, lumaConverter: CaptureConversions.luma,
                            log: { line in log?.warning(line) }) { luma, width, height, time, sequence in
            router.deliver(VideoFrame(width: width, height: height, luma: Array(luma), timestamp: time, sequence: sequence))
        }
        c.start()
        capture = c
    }

    func route(sink: VideoFrameSink?, keepFrames: Bool) { router.route(sink: sink, keepFrames: keepFrames) }

    func take() -> [VideoFrame] { router.take() }

    func stop() {
        if let error = capture?.stop() { log?.warning("video capture ended with: \(error)") }
        capture = nil
    }

    var counters: CaptureCounters {
        let s = capture?.statistics
        let lost = Int((s?.skippedFrames ?? 0) + (s?.malformedBuffers ?? 0))
        return CaptureCounters(captured: router.delivered, dropped: router.dropped + lost)
    }
}
