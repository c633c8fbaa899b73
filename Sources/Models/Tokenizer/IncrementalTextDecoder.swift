/// Decodes tokens one at a time into text for live output: special and timestamp tokens are
/// skipped, and a character split across tokens is emitted only once it is complete.
public struct IncrementalTextDecoder {
    private let tokenizer: WhisperTokenizer
    private var utf8 = UTF8StreamDecoder()

    public init(tokenizer: WhisperTokenizer) { self.tokenizer = tokenizer }

    /// Text completed by `token` (often empty for a partial character or a special token).
    public mutating func push(_ token: Int) -> String {
        guard let bytes = tokenizer.bytes(of: token) else { return "" }
        return utf8.push(bytes)
    }

    /// Flushes a trailing incomplete character as U+FFFD.
    public mutating func finish() -> String { utf8.finish() }
}
