import Tensor

/// How many threads the tensor engine (OpenBLAS) uses for the following work.
public enum InferenceThreads {
    public static func set(_ count: Int) { BLASThreads.set(count) }
    public static var count: Int { BLASThreads.count }

    /// The OpenBLAS kernels running ("SkylakeX", "Haswell", "Prescott", …; `OpenBLASCore`).
    public static var kernels: String { OpenBLASCore.name }
    /// The best OpenBLAS kernels this CPU runs ("SkylakeX", "Haswell"), or nil.
    public static var kernelsForThisCPU: String? { OpenBLASCore.forThisCPU }

    /// Re-executes the program with OpenBLAS's kernels for this CPU when OpenBLAS fell back to
    /// its slowest (`OpenBLASCore.reexecForThisCPU`); returns when there is nothing to do.
    public static func reexecWithKernelsForThisCPU() {
        OpenBLASCore.reexecForThisCPU()
    }
}
