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
}
