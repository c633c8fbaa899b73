import CBLAS

/// The number of threads the engine's kernels use (`--threads`). The engine parallelises itself
/// over `WorkerPool` and keeps OpenBLAS single-threaded inside each job: OpenBLAS's own pthread
/// workers spin (sched_yield) for a while after every call, and on a 2-core machine they competed
/// with the engine's threads for the cores.
public enum BLASThreads {
    nonisolated(unsafe) private static var engineThreads: Int = {
        let cores = Int(openblas_get_num_threads())
        openblas_set_num_threads(1)
        return max(1, cores)
    }()

    /// Sets the number of threads for every following call (at least 1). OpenBLAS itself was set
    /// to one thread once, at first use, and is not reconfigured while other threads may be in it.
    public static func set(_ count: Int) {
        engineThreads = max(1, count)
    }

    /// The number of threads the engine uses.
    public static var count: Int { engineThreads }
}
