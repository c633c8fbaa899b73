import Foundation
import CaptionCore
import Streaming

/// The camera's consumer thread: drains a `VideoInput`'s frame ring as frames arrive (it sleeps in
/// the ring's wait until the capture thread pushes one: no polling), whatever the pipeline thread
/// is doing, and hands each frame
///  - to the recognizer's `frameSink` (the face analysis' own thread) at once, and
///  - to a mailbox the pipeline thread takes from (`take()`), only while the recognizer needs
///    frames there (a model that reads the camera, or an analysis without its own thread).
///
/// So a Whisper decode that blocks the pipeline thread for longer than the ring holds (8 frames,
/// 0.27 s at 30 fps) no longer overflows the ring, and the analysis sees every frame. Frames the
/// mailbox has no room for (`capacity`) are dropped and counted with the input's drops in
/// `video_dropped`. Itself a `VideoInput`, wrapping the real one.
final class VideoPump: VideoInput, @unchecked Sendable {
    let input: VideoInput
    let capacity: Int
    /// The bound of one wait for a frame (only an ended input ever reaches it).
    let waitBound: Double
    private let condition = NSCondition()
    private var mailbox: [VideoFrame] = []
    private var sink: VideoFrameSink?
    private var keepFrames = true
    private var mailboxDropped = 0
    private var running = false
    private var thread: Thread?
    private var finished = false
    private var interrupted = false

    init(_ input: VideoInput, capacity: Int = 90, waitBound: Double = 1) {
        self.input = input; self.capacity = max(1, capacity); self.waitBound = waitBound
    }

    /// Starts the inner input and the pump thread.
    func start() throws {
        try input.start()
        condition.lock(); running = true; finished = false; condition.unlock()
        let t = Thread { [weak self] in self?.pump() }
        t.name = "captiond-video"
        thread = t
        t.start()
    }

    /// Where frames go as they arrive, and whether the pipeline still wants them (set by the
    /// pipeline thread for the current recognizer; cheap to call every loop).
    func route(sink: VideoFrameSink?, keepFrames: Bool) {
        condition.lock()
        self.sink = sink
        self.keepFrames = keepFrames
        if !keepFrames { mailbox.removeAll() }
        condition.unlock()
    }

    func take() -> [VideoFrame] {
        condition.lock(); defer { condition.unlock() }
        let out = mailbox
        mailbox.removeAll(keepingCapacity: true)
        return out
    }

    /// Waits until the mailbox holds a frame (woken by the pump thread), `interruptWait()` or
    /// `timeout` seconds.
    func waitForFrames(timeout: Double) -> Bool {
        condition.lock(); defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while mailbox.isEmpty && !interrupted && condition.wait(until: deadline) {}
        interrupted = false
        return !mailbox.isEmpty
    }

    func interruptWait() { condition.lock(); interrupted = true; condition.broadcast(); condition.unlock() }

    var isRunning: Bool { input.isRunning }

    func stop() {
        condition.lock(); running = false; condition.broadcast(); condition.unlock()
        input.interruptWait()   // the pump thread sleeps in the input's wait: end it now
        condition.lock()
        while thread != nil && !finished { condition.wait() }
        condition.unlock()
        thread = nil
        input.stop()
    }

    var counters: CaptureCounters {
        var c = input.counters
        condition.lock(); c.dropped += mailboxDropped; condition.unlock()
        return c
    }

    /// Drains the input once (the pump thread's step; tests call it directly).
    func pumpOnce() {
        let frames = input.take()
        guard !frames.isEmpty else { return }
        condition.lock()
        let sink = self.sink, keep = keepFrames
        condition.unlock()
        for f in frames { sink?.submit(f) }
        guard keep else { return }
        condition.lock()
        mailbox += frames
        if mailbox.count > capacity {
            mailboxDropped += mailbox.count - capacity
            mailbox.removeFirst(mailbox.count - capacity)
        }
        condition.broadcast()
        condition.unlock()
    }

    /// The pump thread: sleeps in the input's wait until the capture thread pushes a frame, drains
    /// it, and again; `stop()` interrupts the wait. (The bound, 1 s, only matters for an input whose
    /// source has ended: the thread then wakes once a second until stopped.)
    private func pump() {
        while true {
            condition.lock()
            if !running { finished = true; condition.broadcast(); condition.unlock(); return }
            condition.unlock()
            if input.waitForFrames(timeout: waitBound) { pumpOnce() }
        }
    }
}
