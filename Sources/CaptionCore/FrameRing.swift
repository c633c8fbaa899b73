import Atomics
#if canImport(Glibc)
import Glibc
#endif

/// The video ring: a fixed number of luma frame slots, single producer and single consumer,
/// lock-free, overwriting the oldest frame when the consumer falls behind (counted as dropped).
/// Pixel storage is allocated once (slots × maxWidth × maxHeight bytes); pushing copies into it.
///
/// Validation works as in `RingBuffer`: the producer announces the slot it is about to overwrite
/// before copying; a reader copies a slot and then checks that it was not overwritten meanwhile.
/// Each slot has its own mutex, held only while that slot's header and pixels are written or
/// copied, so a reader never sees a half-written slot (ThreadSanitizer found the unguarded copy
/// racing with `push`): the producer can wait only for the copy of the one slot it is about to
/// overwrite, and never for the consumer otherwise.
public final class FrameRing: @unchecked Sendable {
    struct Header: BitwiseCopyable {
        var width: Int
        var height: Int
        var timestamp: Double
        var sequence: UInt64
    }

    public let slots: Int
    public let maxWidth: Int
    public let maxHeight: Int
    private let slotBytes: Int
    private let headers: UnsafeMutablePointer<Header>
    private let pixels: UnsafeMutablePointer<UInt8>
    private let slotLocks: UnsafeMutablePointer<pthread_mutex_t>
    private let reserved = ManagedAtomic<UInt64>(0)
    private let written = ManagedAtomic<UInt64>(0)
    private let readIndex = ManagedAtomic<UInt64>(0)
    private let droppedCount = ManagedAtomic<UInt64>(0)
    private let rejectedCount = ManagedAtomic<UInt64>(0)
    private let wakeup = ReaderWakeup()

    /// - Parameters: sizes below 1 are raised to 1.
    public init(slots: Int, maxWidth: Int, maxHeight: Int) {
        self.slots = max(1, slots)
        self.maxWidth = max(1, maxWidth)
        self.maxHeight = max(1, maxHeight)
        slotBytes = self.maxWidth * self.maxHeight
        headers = .allocate(capacity: self.slots)
        headers.initialize(repeating: Header(width: 0, height: 0, timestamp: 0, sequence: 0), count: self.slots)
        pixels = .allocate(capacity: self.slots * slotBytes)
        pixels.initialize(repeating: 0, count: self.slots * slotBytes)
        slotLocks = .allocate(capacity: self.slots)
        for i in 0..<self.slots { pthread_mutex_init(slotLocks + i, nil) }
    }

    deinit {
        for i in 0..<slots { pthread_mutex_destroy(slotLocks + i) }
        slotLocks.deallocate()
        headers.deallocate()
        pixels.deallocate()
    }

    public var totalWritten: UInt64 { written.load(ordering: .acquiring) }
    /// Frames overwritten before the consumer read them.
    public var totalDropped: UInt64 { droppedCount.load(ordering: .relaxed) }
    /// Frames `push` refused because they were larger than the slots or inconsistent.
    public var totalRejected: UInt64 { rejectedCount.load(ordering: .relaxed) }

    // MARK: producer

    /// Stores one frame (producer thread only; never blocks). Returns false, and counts the frame
    /// as rejected, when `luma.count != width × height` or the frame exceeds maxWidth × maxHeight.
    @discardableResult
    public func push(luma: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                     timestamp: Double, sequence: UInt64) -> Bool {
        guard width > 0, height > 0, width <= maxWidth, height <= maxHeight,
              luma.count == width * height, let src = luma.baseAddress else {
            rejectedCount.wrappingIncrement(ordering: .relaxed)
            return false
        }
        let index = written.load(ordering: .relaxed)
        reserved.store(index + 1, ordering: .sequentiallyConsistent)
        let slot = Int(index % UInt64(slots))
        pthread_mutex_lock(slotLocks + slot)
        headers[slot] = Header(width: width, height: height, timestamp: timestamp, sequence: sequence)
        (pixels + slot * slotBytes).update(from: src, count: luma.count)
        pthread_mutex_unlock(slotLocks + slot)
        written.store(index + 1, ordering: .releasing)
        wakeup.notify()
        return true
    }

    @discardableResult
    public func push(_ frame: VideoFrame) -> Bool {
        frame.luma.withUnsafeBufferPointer {
            push(luma: $0, width: frame.width, height: frame.height, timestamp: frame.timestamp, sequence: frame.sequence)
        }
    }

    // MARK: consumer

    /// Waits (without polling) until an unread frame is held or `timeout` seconds pass; returns
    /// whether one is (consumer thread only).
    public func waitForFrame(timeout: Double) -> Bool {
        wakeup.wait(timeout: timeout) { written.load(ordering: .acquiring) > readIndex.load(ordering: .relaxed) }
    }

    /// Any thread: ends the consumer's current `waitForFrame` now (e.g. to stop its thread).
    public func interruptWait() { wakeup.interrupt() }

    /// The oldest unread frame (consumer thread only), or nil when none waits.
    public func pop() -> VideoFrame? {
        var r = readIndex.load(ordering: .relaxed)
        let start = r
        while true {
            let w = written.load(ordering: .acquiring)
            if w > UInt64(slots), r < w - UInt64(slots) { r = w - UInt64(slots) }
            guard r < w else {
                readIndex.store(r, ordering: .releasing)
                countDropped(r - start)
                return nil
            }
            if let frame = copy(index: r) {
                readIndex.store(r + 1, ordering: .releasing)
                countDropped(r - start)
                return frame
            }
            r += 1  // overwritten while copying: count it as dropped and move on
        }
    }

    // MARK: queries (any thread, non-consuming)

    /// The held frame whose timestamp is nearest `time`, or nil when the ring is empty.
    public func nearest(to time: Double) -> VideoFrame? {
        for _ in 0..<8 {
            let w = written.load(ordering: .acquiring)
            guard w > 0 else { return nil }
            let lo = w > UInt64(slots) ? w - UInt64(slots) : 0
            var best: UInt64?
            var bestDistance = Double.infinity
            for i in lo..<w {
                let d = abs(header(slot: Int(i % UInt64(slots))).timestamp - time)
                if d < bestDistance { bestDistance = d; best = i }
            }
            if let i = best, oldestIntactIndex() <= lo, let frame = copy(index: i) { return frame }
        }
        return nil
    }

    private func copy(index: UInt64) -> VideoFrame? {
        let slot = Int(index % UInt64(slots))
        pthread_mutex_lock(slotLocks + slot)
        let h = headers[slot]
        let count = h.width * h.height
        guard count > 0, count <= slotBytes else {
            pthread_mutex_unlock(slotLocks + slot)
            return nil
        }
        let luma = [UInt8](UnsafeBufferPointer(start: pixels + slot * slotBytes, count: count))
        pthread_mutex_unlock(slotLocks + slot)
        guard oldestIntactIndex() <= index else { return nil }
        return VideoFrame(width: h.width, height: h.height, luma: luma, timestamp: h.timestamp, sequence: h.sequence)
    }

    private func header(slot: Int) -> Header {
        pthread_mutex_lock(slotLocks + slot)
        defer { pthread_mutex_unlock(slotLocks + slot) }
        return headers[slot]
    }

    private func oldestIntactIndex() -> UInt64 {
        atomicMemoryFence(ordering: .acquiring)
        let res = reserved.load(ordering: .sequentiallyConsistent)
        return res > UInt64(slots) ? res - UInt64(slots) : 0
    }

    private func countDropped(_ n: UInt64) {
        if n > 0 { droppedCount.wrappingIncrement(by: n, ordering: .relaxed) }
    }
}
