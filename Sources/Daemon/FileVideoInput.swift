import Foundation
import CaptionCore
import Capture
import Streaming

/// `video.source = "file"`: a Y4M file (or FIFO, "-" for standard input) at its own frame rate,
/// read on its own thread (the pacing sleeps there), which hands each frame to the `FrameRouter`
/// (the face analysis' queue, and the pipeline while it wants frames). Dropped: frames the reader
/// skipped (sequence gaps) and frames the pipeline fell too far behind on.
final class FileVideoInput: VideoInput {
    let config: DaemonConfig.Video
    private let log: ServiceLog?
    private let router = FrameRouter()
    private let lock = NSLock()
    private var skipped = 0
    private var stopRequested = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    init(config: DaemonConfig.Video, log: ServiceLog? = nil) {
        self.config = config; self.log = log
    }

    func start() throws {
        guard !config.file.isEmpty else {
            throw DaemonError.stage(name: "video (file)", reason: "video.file is empty: set it to a Y4M file")
        }
        let source: VideoFileSource
        do { source = try VideoFileSource(path: config.file, pacing: .realTime) } catch {
            throw DaemonError.stage(name: "video (file \(config.file))", reason: "\(error)")
        }
        let t = Thread { [self] in self.loop(source) }
        t.name = "captiond-video-file"
        thread = t
        t.start()
    }

    private func loop(_ first: VideoFileSource) {
        var source = first
        var read = 0
        defer { finished.signal() }
        while true {
            lock.lock(); let stop = stopRequested; lock.unlock()
            if stop { return }
            do {
                guard let frame = try source.next() else {
                    // `video.loop`: read the file again (a pass without frames ends instead of spinning).
                    guard config.loop, read > 0, let again = try? VideoFileSource(path: config.file, pacing: .realTime) else {
                        log?.notice("video input ended"); return
                    }
                    source = again; read = 0
                    continue
                }
                // Frames the reader skipped (sequence gaps) count as dropped.
                let gap = max(0, Int(frame.sequence) - read)
                read = Int(frame.sequence) + 1
                lock.lock(); skipped += gap; lock.unlock()
                router.deliver(frame)
            } catch {
                log?.error("video capture failed: \(error); continuing without video")
                return
            }
        }
    }

    func route(sink: VideoFrameSink?, keepFrames: Bool) { router.route(sink: sink, keepFrames: keepFrames) }

    func take() -> [VideoFrame] { router.take() }

    func stop() {
        lock.lock(); stopRequested = true; lock.unlock()
        // A reader blocked on a FIFO with no writer is left behind rather than blocking the stop.
        if thread != nil { _ = finished.wait(timeout: .now() + 2); thread = nil }
    }

    var counters: CaptureCounters {
        lock.lock(); let s = skipped; lock.unlock()
        return CaptureCounters(captured: router.delivered, dropped: s + router.dropped)
    }
}
