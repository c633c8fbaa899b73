import Foundation
import CaptionCore

/// Drains a VideoInput on its own thread and keeps the newest frames for the pipeline thread,
/// so a slow recognizer never stalls the camera (capture counts its own drops).
final class VideoPump {
    private let input: VideoInput
    private let log: ServiceLog
    private let cond = NSCondition()
    private var frames: [VideoFrame] = []
    private var running = true
    private var finished = false
    private let keep = 8

    init(input: VideoInput, log: ServiceLog) { self.input = input; self.log = log }

    var counters: CaptureCounters { input.counters }

    func start() throws {
        try input.start()
        let t = Thread { [self] in self.loop() }
        t.name = "captiond-video"
        t.start()
    }

    /// Frames captured since the last call, oldest first.
    func take() -> [VideoFrame] {
        cond.lock(); defer { cond.unlock() }
        let out = frames
        frames.removeAll(keepingCapacity: true)
        return out
    }

    func stop() {
        cond.lock(); running = false
        while !finished { cond.wait() }
        cond.unlock()
        input.stop()
    }

    private func loop() {
        while true {
            cond.lock(); let go = running; cond.unlock()
            if !go { break }
            do {
                switch try input.read(timeout: 0.2) {
                case .item(let frame):
                    cond.lock()
                    frames.append(frame)
                    if frames.count > keep { frames.removeFirst(frames.count - keep) }
                    cond.unlock()
                case .timeout: continue
                case .end:
                    log.notice("video input ended")
                    cond.lock(); running = false; cond.unlock()
                }
            } catch {
                log.error("video capture failed: \(error); continuing without video")
                cond.lock(); running = false; cond.unlock()
            }
        }
        cond.lock(); finished = true; cond.broadcast(); cond.unlock()
    }
}
