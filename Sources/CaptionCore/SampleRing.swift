/// The audio ring: 16-kHz mono samples (or any one rate) with capture times, single producer and
/// single consumer, lock-free, dropping the oldest samples when the consumer falls behind.
///
/// Every `write` also records a time anchor (absolute sample index, CLOCK_MONOTONIC time); the time
/// of any sample is its newest anchor's time plus the samples since that anchor over the rate.
public final class SampleRing: @unchecked Sendable {
    struct Anchor: BitwiseCopyable, Equatable {
        var index: UInt64
        var time: Double
    }

    public let sampleRate: Int
    private let samples: RingBuffer<Float>
    private let anchors: RingBuffer<Anchor>
    private let wakeup = ReaderWakeup()

    /// - Parameters:
    ///   - capacity: samples held (e.g. 30 s × 16000); raised to 1 when smaller.
    ///   - anchorCapacity: write times remembered; older ones are extrapolated from the oldest kept.
    public init(capacity: Int, sampleRate: Int = AudioRate.model, anchorCapacity: Int = 4096) {
        self.sampleRate = max(1, sampleRate)
        samples = RingBuffer(capacity: capacity, filler: 0)
        anchors = RingBuffer(capacity: anchorCapacity, filler: Anchor(index: 0, time: 0))
    }

    public var capacity: Int { samples.capacity }
    public var totalWritten: UInt64 { samples.totalWritten }
    public var totalDropped: UInt64 { samples.totalDropped }
    public var available: Int { samples.available }

    // MARK: producer

    /// Appends samples whose first one was captured at `time` (producer thread only; never blocks).
    public func write(_ buffer: UnsafeBufferPointer<Float>, time: Double) {
        guard !buffer.isEmpty else { return }
        var anchor = Anchor(index: samples.totalWritten, time: time)
        _ = withUnsafePointer(to: &anchor) { anchors.write(UnsafeBufferPointer(start: $0, count: 1)) }
        samples.write(buffer)
        wakeup.notify()
    }

    public func write(_ chunk: [Float], time: Double) {
        chunk.withUnsafeBufferPointer { write($0, time: time) }
    }

    // MARK: consumer

    /// Waits (without polling) until unread samples are available or `timeout` seconds pass;
    /// returns whether samples are available (consumer thread only).
    public func waitForSamples(timeout: Double) -> Bool {
        wakeup.wait(timeout: timeout) { samples.available > 0 }
    }

    /// Any thread: ends the consumer's current `waitForSamples` now (e.g. to stop its thread).
    public func interruptWait() { wakeup.interrupt() }

    /// The oldest unread samples, up to `maxCount` (consumer thread only), or nil when none wait.
    /// Samples dropped before them are counted in `totalDropped`.
    public func read(maxCount: Int) -> AudioChunk? {
        guard maxCount > 0 else { return nil }
        var out = [Float](repeating: 0, count: maxCount)
        let result = out.withUnsafeMutableBufferPointer { samples.read(into: $0) }
        guard result.count > 0 else { return nil }
        out.removeLast(maxCount - result.count)
        let t = time(ofSample: result.firstIndex) ?? 0
        return AudioChunk(samples: out, startTime: t, sampleRate: sampleRate, firstSampleIndex: result.firstIndex)
    }

    // MARK: queries (any thread, non-consuming)

    /// Samples captured from `t0` up to `t1` that are still held, or nil when none are.
    public func audio(from t0: Double, to t1: Double) -> AudioChunk? {
        guard t1 > t0, let first = sampleIndex(at: t0), let last = sampleIndex(at: t1) else { return nil }
        let held = samples.retainedRange
        let lo = max(first, held.lowerBound), hi = min(last, held.upperBound)
        guard hi > lo else { return nil }
        var out = [Float](repeating: 0, count: Int(hi - lo))
        let ok = out.withUnsafeMutableBufferPointer { samples.peek(from: lo, into: $0) }
        guard ok, let t = time(ofSample: lo) else { return nil }
        return AudioChunk(samples: out, startTime: t, sampleRate: sampleRate, firstSampleIndex: lo)
    }

    /// Capture time of absolute sample `index`, from the newest anchor at or before it.
    public func time(ofSample index: UInt64) -> Double? {
        let list = heldAnchors()
        guard let oldest = list.first else { return nil }
        let anchor = list.last(where: { $0.index <= index }) ?? oldest
        return anchor.time + (Double(index) - Double(anchor.index)) / Double(sampleRate)
    }

    /// Absolute index of the sample captured at `time` (rounded), from the newest anchor before it.
    public func sampleIndex(at time: Double) -> UInt64? {
        let list = heldAnchors()
        guard let oldest = list.first else { return nil }
        let anchor = list.last(where: { $0.time <= time }) ?? oldest
        let offset = ((time - anchor.time) * Double(sampleRate)).rounded()
        let index = Double(anchor.index) + offset
        return index <= 0 ? 0 : UInt64(index)
    }

    private func heldAnchors() -> [Anchor] {
        for _ in 0..<8 {
            let range = anchors.retainedRange
            guard !range.isEmpty else { return [] }
            var list = [Anchor](repeating: Anchor(index: 0, time: 0), count: range.count)
            if list.withUnsafeMutableBufferPointer({ anchors.peek(from: range.lowerBound, into: $0) }) {
                return list
            }
        }
        return []
    }
}
