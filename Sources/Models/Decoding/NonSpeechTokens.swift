/// The default suppression list (suppress_tokens = [-1]) of faster-whisper: tokens of symbols
/// that only appear in speaker tags and non-speech annotations ("♪♪", "[", "(", …), keeping
/// ordinary punctuation; " -" and " '" are suppressed but hyphens and apostrophes inside words are not.
enum NonSpeechTokens {
    static let symbols: [String] = Array("\"#()*+/:;<=>@[\\]^_`{|}~「」『』").map(String.init)
        + "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split(separator: " ").map(String.init)
    /// U+2640–U+267F symbols sharing their first UTF-8 bytes: the first token is suppressed even
    /// when the symbol takes several tokens.
    static let miscellaneous: [String] = ["♩", "♪", "♫", "♬", "♭", "♮", "♯"]

    static func ids(_ tokenizer: WhisperTokenizer) throws -> [Int] {
        let symbols = Self.symbols + miscellaneous
        let texts = [" -", " '"] + symbols.flatMap { [$0, " " + $0] }
        let encoded = try tokenizer.encodeEach(texts)   // the ids `encode` gives, without its full tables
        var result = Set<Int>()
        for first in encoded[0..<2].compactMap(\.first) { result.insert(first) }
        for (k, symbol) in symbols.enumerated() {
            let isMisc = miscellaneous.contains(symbol)
            for tokens in [encoded[2 + 2 * k], encoded[3 + 2 * k]] {
                if let first = tokens.first, tokens.count == 1 || isMisc { result.insert(first) }
            }
        }
        return result.sorted()
    }

    /// faster-whisper's get_suppressed_tokens: -1 expands to the non-speech tokens; the task,
    /// SOT, SOT-prev, SOT-LM and no-speech tokens are always added; an empty list suppresses nothing.
    static func resolve(_ requested: [Int], tokenizer: WhisperTokenizer) throws -> [Int] {
        if requested.isEmpty { return [] }
        var ids = requested.filter { $0 >= 0 }
        if requested.contains(-1) { ids += try self.ids(tokenizer) }
        let s = tokenizer.special
        ids += [s.transcribe, s.translate, s.startOfTranscript, s.startOfPrevious, s.startOfLM, s.noSpeech]
        return Array(Set(ids)).sorted()
    }
}
