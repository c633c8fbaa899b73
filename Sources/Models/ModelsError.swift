/// Errors of the Models module; each names what failed, where, and how to fix it.
public enum ModelsError: Error, CustomStringConvertible, Equatable {
    case modelNotFound(name: String, searched: String)
    case invalidModel(path: String, reason: String)
    case tokenizer(path: String, reason: String)
    case decoding(String)
    /// A character language model (ARPA) that cannot be read or estimated.
    case languageModel(path: String, reason: String)

    public var description: String {
        switch self {
        case let .modelNotFound(name, searched):
            return "model '\(name)' not found in \(searched): install it with `scripts/fetch-models \(name)` or pass --model DIR"
        case let .invalidModel(path, reason):
            return "\(path): not a usable Whisper model: \(reason)"
        case let .tokenizer(path, reason):
            return "\(path): tokenizer: \(reason)"
        case let .decoding(reason):
            return "decoding failed: \(reason)"
        case let .languageModel(path, reason):
            return "\(path): not a usable character language model (ARPA): \(reason)"
        }
    }
}
