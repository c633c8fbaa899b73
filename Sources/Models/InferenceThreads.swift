import Tensor

/// How many threads the tensor engine (OpenBLAS) uses for the following work.
public enum InferenceThreads {
    public static func set(_ count: Int) { BLASThreads.set(count) }
    public static var count: Int { BLASThreads.count }
}
