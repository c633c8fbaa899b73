import CaptionCore
import Features
import Foundation

/// The face analysis off the caller's thread: camera frames are submitted as they arrive (from
/// any thread, cheaply), a worker thread runs the `FaceTracker` on them, and the results — one
/// per submitted frame, on the capture clock, in frame order — wait in `collect()` for the
/// captioner. With `threaded: false` the tracker runs inside `submit` (deterministic: tests,
/// `captionctl simulate`).
///
/// Rate: at most `analysisFps` frames per second are analysed (by frame time, without catching
/// up after a gap); the others pass as results without faces (`analysed == false`), so time
/// moves on. When the worker falls behind by `capacity` frames awaiting analysis, the oldest of
/// them is dropped (counted in `dropped`) and passes the same way.
public final class FaceAnalysisQueue: @unchecked Sendable {
    public struct Result: Sendable {
        public let time: Double
        public let sequence: UInt64
        /// The tracker ran on this frame (false: skipped by the rate, dropped, or malformed).
        public let analysed: Bool
        public let faces: [TrackedFace]
        /// Per face id: mean absolute difference (grey levels) between this frame's mouth crop and
        /// the previous analysed frame's, both taken with this frame's crop geometry; absent for
        /// the first frame or after a change of size. A still picture gives 0 whatever the
        /// landmarks do, a talking mouth several levels.
        public let mouthChange: [Int: Float]
    }

    private struct Item { var frame: VideoFrame?; var time: Double; var sequence: UInt64 }

    public let tracker: FaceTracker
    public let analysisFps: Double
    public let capacity: Int
    public let threaded: Bool

    private let condition = NSCondition()
    private var pending: [Item] = []          // submitted, not yet analysed (frames due or passing)
    private var results: [Result] = []        // analysed, not yet collected
    private var lastSubmitted = -Double.infinity
    private var nextDue = -Double.infinity
    private var busy = false
    private var stopped = false
    private var workerExited = false
    private var droppedCount = 0, malformedCount = 0
    private var cpuSeconds = 0.0, analysedCount = 0
    private var thread: Thread?
    private var previous: VideoFrame?   // the last analysed frame (worker or inline caller only)

    public init(tracker: FaceTracker, analysisFps: Double, capacity: Int = 8, threaded: Bool) {
        self.tracker = tracker
        self.analysisFps = analysisFps
        self.capacity = max(1, capacity)
        self.threaded = threaded
        if threaded {
            let t = Thread { [weak self] in self?.work() }
            t.name = "captiond-faces"
            thread = t
            t.start()
        }
    }

    deinit { stop(waitingFor: 0) }

    /// Ends the worker (frames still waiting are not analysed) and waits up to `seconds` for it to
    /// finish the frame it is analysing, so nothing it uses (the face models, OpenBLAS) is torn
    /// down under it: the daemon stopped and exited while the worker was inside FaceMesh's sgemv,
    /// and OpenBLAS's exit handler unmapped its buffers under it (signal 11 in
    /// LiveCameraFacesTests). From the worker itself or `deinit` (no worker can be inside
    /// `work()` then: it holds the queue), it does not wait.
    public func stop(waitingFor seconds: Double = 10) {
        condition.lock(); defer { condition.unlock() }
        stopped = true
        condition.broadcast()
        guard threaded, seconds > 0, let t = thread, t != Thread.current else { return }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !workerExited, !t.isFinished, condition.wait(until: deadline) {}
    }

    /// A captured frame. Frames not newer than the last one submitted are ignored (the same
    /// frame handed over twice, by the capture thread and then the pipeline).
    public func submit(_ frame: VideoFrame) {
        condition.lock()
        guard frame.timestamp > lastSubmitted else { condition.unlock(); return }
        lastSubmitted = frame.timestamp
        let period = 1 / max(analysisFps, 0.1)
        let due = frame.timestamp >= nextDue - min(0.005, period / 10)
        if due { nextDue = max(nextDue, frame.timestamp - period) + period }
        pending.append(Item(frame: due ? frame : nil, time: frame.timestamp, sequence: frame.sequence))
        if due && pending.lazy.filter({ $0.frame != nil }).count > capacity,
           let oldest = pending.firstIndex(where: { $0.frame != nil }) {
            pending[oldest].frame = nil
            droppedCount += 1
        }
        if threaded {
            condition.signal()
            condition.unlock()
        } else {
            condition.unlock()
            drainInline()
        }
    }

    /// Results published so far (removed from the queue), oldest first.
    public func collect() -> [Result] {
        condition.lock(); defer { condition.unlock() }
        let out = results
        results.removeAll(keepingCapacity: true)
        return out
    }

    /// True while frames submitted have no result yet (the worker is behind or busy).
    public var isBehind: Bool {
        condition.lock(); defer { condition.unlock() }
        return busy || !pending.isEmpty
    }

    /// Waits until every submitted frame has its result (or `timeout` seconds); false on timeout.
    @discardableResult
    public func waitUntilIdle(timeout: Double = 60) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while busy || !pending.isEmpty {
            if stopped || !condition.wait(until: deadline) { return !(busy || !pending.isEmpty) }
        }
        return true
    }

    /// Frames dropped because the worker fell `capacity` frames behind, and frames the tracker
    /// could not read.
    public var dropped: Int { condition.lock(); defer { condition.unlock() }; return droppedCount }
    public var malformed: Int { condition.lock(); defer { condition.unlock() }; return malformedCount }
    /// Thread CPU time of the analysis and the number of frames analysed.
    public var cost: (seconds: Double, frames: Int) {
        condition.lock(); defer { condition.unlock() }
        return (cpuSeconds, analysedCount)
    }

    // MARK: - Worker

    private func work() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopped { condition.wait() }
            if stopped { workerExited = true; condition.broadcast(); condition.unlock(); return }
            let item = pending.removeFirst()
            busy = true
            condition.unlock()
            let result = analyse(item)
            condition.lock()
            results.append(result)
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func drainInline() {
        while true {
            condition.lock()
            guard !pending.isEmpty else { condition.unlock(); return }
            let item = pending.removeFirst()
            condition.unlock()
            let result = analyse(item)
            condition.lock(); results.append(result); condition.unlock()
        }
    }

    /// Mean absolute difference of the mouth crop between two frames of the same size.
    static func mouthChange(_ crop: AffineCrop, _ a: VideoFrame, _ b: VideoFrame) -> Float {
        let x = crop.sample(luma: a.luma, width: a.width, height: a.height)
        let y = crop.sample(luma: b.luma, width: b.width, height: b.height)
        var sum = 0
        for (p, q) in zip(x, y) { sum += abs(Int(p) - Int(q)) }
        return Float(sum) / Float(max(x.count, 1))
    }

    /// Runs the tracker (only ever on one thread at a time: the worker, or the inline caller).
    private func analyse(_ item: Item) -> Result {
        guard let frame = item.frame else { return Result(time: item.time, sequence: item.sequence, analysed: false, faces: [], mouthChange: [:]) }
        let t0 = ThreadCPUTime.now()
        defer {
            let spent = ThreadCPUTime.now() - t0
            condition.lock(); cpuSeconds += spent; condition.unlock()
        }
        do {
            let image = try GreyImage(width: frame.width, height: frame.height, pixels: frame.luma)
            let faces = try tracker.process(image)
            var change: [Int: Float] = [:]
            if let p = previous, p.width == frame.width, p.height == frame.height, !tracker.lastFrameWasCut {
                for f in faces { change[f.id] = Self.mouthChange(f.mouthCrop, frame, p) }
            }
            previous = frame
            condition.lock(); analysedCount += 1; condition.unlock()
            return Result(time: item.time, sequence: item.sequence, analysed: true, faces: faces, mouthChange: change)
        } catch {
            condition.lock(); malformedCount += 1; condition.unlock()
            return Result(time: item.time, sequence: item.sequence, analysed: false, faces: [], mouthChange: [:])
        }
    }
}
