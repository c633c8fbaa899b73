/// Errors of the Vision module. Each case says what is wrong, where, and how to fix it.
public enum VisionError: Error, CustomStringConvertible, Equatable {
    /// A model file could not be read at all.
    case unreadable(path: String, reason: String)
    /// The FlatBuffer points outside the file (truncated or corrupt).
    case truncated(path: String, offset: Int, what: String)
    /// The file is not a TFLite model this reader understands.
    case wrongFormat(path: String, reason: String)
    /// The graph uses an operator the interpreter does not implement.
    case unsupportedOperator(path: String, index: Int, name: String)
    /// An operator's tensors do not fit together.
    case shapeMismatch(path: String, operatorIndex: Int, op: String, reason: String)
    /// The caller passed an input of the wrong size.
    case badInput(what: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read the model (\(reason)): run `scripts/fetch-models faces` to install it"
        case let .truncated(path, offset, what):
            return "\(path): truncated or corrupt at byte \(offset) while reading \(what): "
                + "the file is incomplete; run `scripts/fetch-models faces` again"
        case let .wrongFormat(path, reason):
            return "\(path): not a usable TFLite model: \(reason)"
        case let .unsupportedOperator(path, index, name):
            return "\(path): operator \(index) is \(name), which the Vision interpreter does not implement "
                + "(it runs CONV_2D, DEPTHWISE_CONV_2D, RELU, PRELU, ADD, PAD, MAX_POOL_2D, RESHAPE, "
                + "CONCATENATION, DEQUANTIZE): use the models `scripts/fetch-models faces` installs"
        case let .shapeMismatch(path, index, op, reason):
            return "\(path): operator \(index) (\(op)): \(reason)"
        case let .badInput(what, reason):
            return "\(what): \(reason)"
        }
    }
}
