import Foundation

/// Failures of the trainer and the synthetic corpus, with the context needed to fix them.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// An espeak-ng C call failed: the function, the code it returned and what it was doing.
    case espeak(function: String, code: Int32, detail: String)
    /// A bad option or argument: which one, and why.
    case invalidArgument(name: String, reason: String)
    /// A file could not be read or written.
    case io(path: String, reason: String)
    /// A tensor shape did not match what a layer or loss needs.
    case shapeMismatch(context: String, expected: [Int], got: [Int])
    /// A checkpoint is missing a tensor, has an unused one, or disagrees with the configuration.
    case checkpoint(path: String, reason: String)

    public var description: String {
        switch self {
        case let .espeak(function, code, detail):
            return "espeak-ng: \(function) failed (code \(code)) while \(detail); is espeak-ng-data installed (apt-get install espeak-ng libespeak-ng-dev)?"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .shapeMismatch(context, expected, got):
            return "\(context): expected shape \(expected), got \(got)"
        case let .checkpoint(path, reason):
            return "checkpoint \(path): \(reason)"
        }
    }
}
