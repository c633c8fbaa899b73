/// Splits large elementwise/row-wise work (softmax over attention scores, GELU over MLP activations)
/// into contiguous chunks run on the engine's threads (`WorkerPool`, `BLASThreads.count`), so these
/// passes do not leave a core idle between sgemm calls. Small work runs inline. Results are
/// identical to the serial loop: each element is computed by the same code, only on another thread.
enum ParallelChunks {
    /// Work below this many elements runs on the calling thread.
    static let minimumElements = 1 << 18

    /// Calls `body(range)` over 0..<count in contiguous ranges, one per worker.
    static func run(count: Int, elementsPerItem: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(BLASThreads.count, count)
        guard workers > 1, count * elementsPerItem >= minimumElements else {
            body(0..<count)
            return
        }
        WorkerPool.chunks(count, workers: workers, body)
    }
}
