#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors of the Tensor module. Each case names the file (or operation), what is wrong and, where
/// it helps, how to fix it.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// A C call failed: the function, its errno and the file it was working on.
    case systemCall(function: String, errno: Int32, path: String)
    /// The file ends before the data its header announces.
    case truncated(path: String, at: Int, what: String)
    /// The file is not of the expected kind (bad magic/version/spec, unreadable header).
    case wrongFormat(path: String, reason: String)
    /// A tensor the model needs is absent.
    case missingTensor(path: String, name: String)
    /// A tensor has another shape than the model expects.
    case wrongShape(path: String, name: String, expected: [Int], found: [Int])
    /// The checkpoint holds tensors the model never used (a different architecture or size).
    case unusedTensors(path: String, names: [String], count: Int)
    /// A stored element type this reader cannot convert.
    case unsupportedDType(path: String, name: String, dtype: String)
    /// Operands whose shapes do not fit together.
    case shapeMismatch(operation: String, reason: String)

    public var description: String {
        switch self {
        case let .systemCall(function, errno, path):
            return "\(path): \(function) failed: \(String(cString: strerror(errno))) (errno \(errno))"
        case let .truncated(path, at, what):
            return "\(path): truncated at byte \(at) while reading \(what): the file is incomplete, download or convert it again"
        case let .wrongFormat(path, reason):
            return "\(path): not a readable checkpoint: \(reason)"
        case let .missingTensor(path, name):
            return "\(path): missing tensor '\(name)': the checkpoint is incomplete or for another architecture"
        case let .wrongShape(path, name, expected, found):
            return "\(path): tensor '\(name)' has shape \(found), expected \(expected): the checkpoint does not match the model configuration"
        case let .unusedTensors(path, names, count):
            let more = count > names.count ? " and \(count - names.count) more" : ""
            return "\(path): \(count) unused tensor(s): \(names.joined(separator: ", "))\(more): the checkpoint is for another architecture or size"
        case let .unsupportedDType(path, name, dtype):
            return "\(path): tensor '\(name)' has unsupported element type \(dtype) (float32, float16, bfloat16 and int8 with weight_scale are supported)"
        case let .shapeMismatch(operation, reason):
            return "\(operation): \(reason)"
        }
    }
}
