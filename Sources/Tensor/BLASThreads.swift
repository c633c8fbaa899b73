import CBLAS

/// The number of threads the engine's kernels use (`--threads`). The engine parallelises itself
/// over `WorkerPool` and keeps OpenBLAS single-threaded inside each job: OpenBLAS's own pthread
/// workers spin (sched_yield) for a while after every call, and on a 2-core machine they competed
/// with the engine's threads for the cores.
public enum BLASThreads {
    /// OpenBLAS's thread count as it started (its cores, or OPENBLAS_NUM_THREADS), read once
    /// before OpenBLAS is pinned to one thread.
    private static let openBLASStartThreads: Int = {
        let cores = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return max(1, cores)
    }()

    nonisolated(unsafe) private static var engineThreads: Int = openBLASStartThreads

    /// Pins OpenBLAS to one thread before its first call (once; later calls cost a load).
    /// `CheckedBLAS` calls it before every routine: a path that reached OpenBLAS without ever
    /// asking `count` (the trainer's convolutions) ran it with its own spinning threads, which cost
    /// the trainer as much system time as user time (60 steps: 28.6 s user + 24.1 s system, 30.3 s
    /// wall, against 23.3 + 2.0 s, 26.3 s pinned).
    public static func pinOpenBLAS() { _ = openBLASStartThreads }

    /// Sets the number of threads for every following call (at least 1). OpenBLAS itself was set
    /// to one thread once, at first use, and is not reconfigured while other threads may be in it.
    public static func set(_ count: Int) {
        engineThreads = max(1, count)
    }

    /// The number of threads the engine uses.
    public static var count: Int { engineThreads }

    /// The number of threads OpenBLAS itself would use now (1 once pinned).
    public static var openBLASThreads: Int { Int(openblas_get_num_threads()) }
}
