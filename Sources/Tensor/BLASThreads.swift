import CBLAS

/// OpenBLAS thread control. The pthread build spins idle threads, so the streaming path should use
/// one thread; offline transcription benefits from two.
public enum BLASThreads {
    /// Sets the number of threads OpenBLAS uses for every following call (at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The number of threads OpenBLAS currently uses.
    public static var count: Int { Int(openblas_get_num_threads()) }
}
