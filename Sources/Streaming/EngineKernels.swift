import Models

/// The engine's OpenBLAS kernels, for the executables and their logs (`OpenBLASCore`).
public enum EngineKernels {
    /// The kernels OpenBLAS runs in this process ("SkylakeX", "Haswell", "Prescott", …).
    public static var running: String { InferenceThreads.kernels }
    /// The best kernels this CPU runs ("SkylakeX", "Haswell"), or nil.
    public static var forThisCPU: String? { InferenceThreads.kernelsForThisCPU }

    /// Re-executes the program with the kernels for this CPU when OpenBLAS fell back to its
    /// slowest; returns when there is nothing to do. First thing in `main`.
    public static func reexecForThisCPU() {
        InferenceThreads.reexecWithKernelsForThisCPU()
    }
}
