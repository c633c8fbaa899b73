import CVectorKernels

/// The engine's threads: `run` executes a body for each part of a job on the caller and up to
/// `workers − 1` pool threads (CVectorKernels' `cvk_parallel`). OpenBLAS runs single-threaded
/// inside the jobs, so no second set of spinning threads competes with these for the cores
/// (`BLASThreads`).
public enum WorkerPool {
    /// Calls body(index, workers) once for each part index in 0..<workers and returns when all
    /// are done. Parts are claimed by whichever thread comes first (the caller runs those of pool
    /// threads the OS has not scheduled), so `index` names a part of the work, not a thread: one
    /// thread may run several parts, and a body must not wait for another part of its job.
    /// Returns the number of parts (1 when nested inside another job).
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
