import Foundation
import CaptionCore
import Streaming

/// Where a camera's frames go, decided on the capture thread as each frame arrives (no thread of
/// its own between the camera and its consumers):
///  - to the recognizer's `frameSink` (the face analysis' `FaceAnalysisQueue`, which only queues
///    the frame under its lock and analyses it on its own thread), and
///  - into a bounded queue the pipeline thread empties with `take()`, only while the recognizer
///    needs frames there (a model that reads the camera, or an analysis without its own thread).
///
/// The capture thread never waits for the pipeline: a Whisper decode that blocks the pipeline
/// thread for seconds costs the analysis nothing, and while the pipeline wants no frames none are
/// kept for it (so none are dropped). When it does want them and falls `capacity` frames behind,
/// the oldest are dropped and counted (`dropped`, reported in `video_dropped`).
///
/// Thread safety: one lock guards the routing, the queue and the counters; the sink is called
/// outside it (its own lock orders nothing against this one). Any thread may call any method.
final class FrameRouter: @unchecked Sendable {
    let capacity: Int
    private let lock = NSLock()
    private var sink: VideoFrameSink?
    private var keepFrames = true
    private var waiting: [VideoFrame] = []
    private var droppedCount = 0
    private var deliveredCount = 0

    /// - Parameter capacity: frames held for the pipeline at most (90 = 3 s at 30 fps).
    init(capacity: Int = 90) { self.capacity = max(1, capacity) }

    /// Where frames go from now on, and whether the pipeline wants them (set by the pipeline thread
    /// for the current recognizer; cheap enough to call every loop). Not wanting them discards the
    /// ones waiting (they were the pipeline's only copy; not counted as dropped: nobody needed them).
    func route(sink: VideoFrameSink?, keepFrames: Bool) {
        lock.lock()
        self.sink = sink
        self.keepFrames = keepFrames
        if !keepFrames { waiting.removeAll() }
        lock.unlock()
    }

    /// A captured frame (the capture thread, at once).
    func deliver(_ frame: VideoFrame) {
        lock.lock()
        let sink = self.sink
        deliveredCount += 1
        if keepFrames {
            waiting.append(frame)   // shares the frame's pixels with the sink's copy (no pixel copy)
            if waiting.count > capacity {
                let excess = waiting.count - capacity
                droppedCount += excess
                waiting.removeFirst(excess)
            }
        }
        lock.unlock()
        sink?.submit(frame)
    }

    /// The frames waiting for the pipeline, oldest first; never blocks.
    func take() -> [VideoFrame] {
        lock.lock(); defer { lock.unlock() }
        guard !waiting.isEmpty else { return [] }
        let out = waiting
        waiting.removeAll(keepingCapacity: true)
        return out
    }

    /// Frames delivered so far.
    var delivered: Int { lock.lock(); defer { lock.unlock() }; return deliveredCount }
    /// Frames dropped because the pipeline fell `capacity` frames behind.
    var dropped: Int { lock.lock(); defer { lock.unlock() }; return droppedCount }
}
