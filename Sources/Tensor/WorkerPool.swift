import CVectorKernels

/// The engine's threads: `run` executes a body on the caller and up to `workers − 1` pool
/// threads (CVectorKernels' `cvk_parallel`). OpenBLAS runs single-threaded inside the jobs, so
/// no second set of spinning threads competes with these for the cores (`BLASThreads`).
public enum WorkerPool {
    /// Calls body(index, workers) on each participating thread and returns when all are done.
    /// Returns the number of participants (1 when nested inside another job).
    @discardableResult
    public static func run(workers: Int, _ body: (_ index: Int, _ workers: Int) -> Void) -> Int {
        guard workers > 1 else { body(0, 1); return 1 }
        return withoutActuallyEscaping(body) { escapable -> Int in
            var job = escapable
            return withUnsafeMutablePointer(to: &job) { pointer -> Int in
                Int(cvk_parallel(Int32(min(workers, 64)), { context, index, count in
                    guard let context else { return }
                    context.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(Int(index), Int(count))
                }, pointer))
            }
        }
    }

    /// Splits 0..<count into contiguous ranges, one per participant; `body` gets each range.
    public static func chunks(_ count: Int, workers: Int, _ body: (Range<Int>) -> Void) {
        run(workers: min(workers, count)) { index, n in
            let start = count * index / n, end = count * (index + 1) / n
            if start < end { body(start..<end) }
        }
    }
}
