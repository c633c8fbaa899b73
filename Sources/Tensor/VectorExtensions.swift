import CVectorKernels

/// Whether the elementwise kernels (softmax, GELU) run the AVX2 + FMA versions of
/// `CVectorKernels` or the portable Swift ones. Decided once from the CPU; tests switch it to
/// compare both paths on the same inputs.
public enum VectorExtensions {
    /// The CPU executes AVX2 and FMA.
    public static let available: Bool = cvk_has_avx2_fma() != 0

    nonisolated(unsafe) private static var forcedPortable = false

    /// True when the AVX2 kernels are used.
    public static var enabled: Bool { available && !forcedPortable }

    /// Runs `body` with the portable Swift kernels (for tests comparing the two paths).
    public static func withPortableKernels<T>(_ body: () throws -> T) rethrows -> T {
        let saved = forcedPortable
        forcedPortable = true
        defer { forcedPortable = saved }
        return try body()
    }

    /// The CPU executes AVX-512 (F, BW, DQ, VL): the packed attention and the one-token and
    /// batched decoder kernels then run their AVX-512 forms.
    public static let wideAvailable: Bool = cvk_has_avx512_skylakex() != 0

    /// True when the kernels with an AVX-512 form run it.
    public static var wideEnabled: Bool { cvk_wide_vectors() != 0 }

    /// Runs `body` with the AVX2 forms of the kernels that have an AVX-512 one (for tests
    /// comparing the two on a CPU that has both).
    public static func withoutWideVectors<T>(_ body: () throws -> T) rethrows -> T {
        let saved = cvk_wide_vectors() != 0 || !wideAvailable
        cvk_allow_wide_vectors(0)
        defer { cvk_allow_wide_vectors(saved ? 1 : 0) }
        return try body()
    }
}
