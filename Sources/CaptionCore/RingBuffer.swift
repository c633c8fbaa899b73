import Atomics

/// A single-producer single-consumer ring of plain values with a fixed capacity, lock-free
/// (swift-atomics). The producer never waits: when the consumer falls behind, the oldest values
/// are overwritten and the consumer counts them as dropped when it next reads.
///
/// Indices are absolute (0, 1, 2, … since creation); value `i` lives in slot `i % capacity`.
/// The producer announces the end of the region it is about to overwrite (`reserved`) before
/// copying and publishes it (`written`) after. A reader copies, then re-reads `reserved`: any
/// copied value whose index is below `reserved − capacity` may have been overwritten while it was
/// copied, so it is discarded and counted as dropped (a sequence-lock style validation). The copy
/// itself therefore races benignly with the producer only for values that are then discarded.
public final class RingBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    public let capacity: Int
    private let storage: UnsafeMutablePointer<Element>
    private let reserved = ManagedAtomic<UInt64>(0)
    private let written = ManagedAtomic<UInt64>(0)
    private let readIndex = ManagedAtomic<UInt64>(0)
    private let droppedCount = ManagedAtomic<UInt64>(0)

    /// - Parameters:
    ///   - capacity: values held; raised to 1 when smaller.
    ///   - filler: the value empty slots start with (never delivered).
    public init(capacity: Int, filler: Element) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
        storage.initialize(repeating: filler, count: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Values written since creation (producer count).
    public var totalWritten: UInt64 { written.load(ordering: .acquiring) }
    /// Values the consumer skipped because the producer overwrote them first.
    public var totalDropped: UInt64 { droppedCount.load(ordering: .relaxed) }
    /// Values waiting for the consumer (at most `capacity`).
    public var available: Int {
        let w = written.load(ordering: .acquiring), r = readIndex.load(ordering: .acquiring)
        return w > r ? Int(min(w - r, UInt64(capacity))) : 0
    }
    /// Absolute index range still held in the ring (oldest … newest + 1).
    public var retainedRange: Range<UInt64> {
        let w = written.load(ordering: .acquiring)
        return (w > UInt64(capacity) ? w - UInt64(capacity) : 0)..<w
    }

    // MARK: producer

    /// Appends `items` (producer thread only). Never blocks; returns the absolute index of the first.
    @discardableResult
    public func write(_ items: UnsafeBufferPointer<Element>) -> UInt64 {
        let start = written.load(ordering: .relaxed)
        let n = items.count
        guard n > 0, let base = items.baseAddress else { return start }
        let end = start + UInt64(n)
        reserved.store(end, ordering: .sequentiallyConsistent)
        // Only the last `capacity` items can survive; earlier ones are overwritten at once.
        let skip = max(0, n - capacity)
        var index = start + UInt64(skip)
        var src = base + skip
        var left = n - skip
        while left > 0 {
            let slot = Int(index % UInt64(capacity))
            let run = min(left, capacity - slot)
            (storage + slot).update(from: src, count: run)
            src += run; left -= run; index += UInt64(run)
        }
        written.store(end, ordering: .releasing)
        return start
    }

    /// Appends an array (producer thread only).
    @discardableResult
    public func write(_ items: [Element]) -> UInt64 {
        items.withUnsafeBufferPointer { write($0) }
    }

    // MARK: consumer

    /// What one `read` delivered.
    public struct ReadResult: Equatable, Sendable {
        /// Values copied into the destination (at its start).
        public var count: Int
        /// Absolute index of the first copied value.
        public var firstIndex: UInt64
        /// Values skipped (overwritten before they could be read) just before `firstIndex`.
        public var dropped: UInt64
    }

    /// Moves up to `destination.count` of the oldest unread values into `destination`
    /// (consumer thread only). Never blocks.
    public func read(into destination: UnsafeMutableBufferPointer<Element>) -> ReadResult {
        let start = readIndex.load(ordering: .relaxed)
        var r = start
        while true {
            let w = written.load(ordering: .acquiring)
            if w > UInt64(capacity), r < w - UInt64(capacity) { r = w - UInt64(capacity) }
            let n = r < w ? min(destination.count, Int(w - r)) : 0
            copyOut(from: r, count: n, to: destination.baseAddress)
            let oldestIntact = oldestIntactIndex()
            if oldestIntact > r {
                // Some copied values were overwritten during the copy: skip them and retry.
                r = oldestIntact
                continue
            }
            readIndex.store(r + UInt64(n), ordering: .releasing)
            let dropped = r - start
            if dropped > 0 { droppedCount.wrappingIncrement(by: dropped, ordering: .relaxed) }
            return ReadResult(count: n, firstIndex: r, dropped: dropped)
        }
    }

    /// Copies values `[index, index + destination.count)` without consuming them (any thread).
    /// Returns false when part of the range is not (or no longer) in the ring.
    public func peek(from index: UInt64, into destination: UnsafeMutableBufferPointer<Element>) -> Bool {
        let n = destination.count
        let w = written.load(ordering: .acquiring)
        guard n <= capacity, index + UInt64(n) <= w, index + UInt64(capacity) >= w else { return false }
        copyOut(from: index, count: n, to: destination.baseAddress)
        return oldestIntactIndex() <= index
    }

    /// Smallest index whose slot is certainly not being overwritten now.
    private func oldestIntactIndex() -> UInt64 {
        atomicMemoryFence(ordering: .acquiring)
        let res = reserved.load(ordering: .sequentiallyConsistent)
        return res > UInt64(capacity) ? res - UInt64(capacity) : 0
    }

    private func copyOut(from index: UInt64, count: Int, to destination: UnsafeMutablePointer<Element>?) {
        guard count > 0, var dst = destination else { return }
        var i = index, left = count
        while left > 0 {
            let slot = Int(i % UInt64(capacity))
            let run = min(left, capacity - slot)
            dst.update(from: storage + slot, count: run)
            dst += run; left -= run; i += UInt64(run)
        }
    }
}
