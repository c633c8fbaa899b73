/// faster-whisper's `split_to_word_tokens`: tokens grouped into words. Tokens are first grouped at
/// every place where the text decodes to whole characters (a character may take several byte-level
/// tokens); for languages written without spaces (zh, ja, th, lo, my, yue) those groups are the
/// words, otherwise a group joins the word before it unless it starts with a space, is
/// punctuation or is a special token (<|endoftext|>).
struct WordSplitter {
    let tokenizer: WhisperTokenizer
    let language: String?

    static let unspaced: Set<String> = ["zh", "ja", "th", "lo", "my", "yue"]
    /// Python's string.punctuation.
    static let punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

    func split(_ tokens: [Int]) -> (words: [String], tokens: [[Int]]) {
        let (pieces, groups) = splitOnUnicode(tokens)
        if let language, Self.unspaced.contains(language) { return (pieces, groups) }
        var words: [String] = []
        var wordTokens: [[Int]] = []
        for (piece, group) in zip(pieces, groups) {
            let special = group[0] >= tokenizer.special.endOfText
            let stripped = piece.trimmingWhitespace()
            let isPunctuation = Self.punctuation.pythonContains(stripped)
            if special || piece.hasPrefix(" ") || isPunctuation || words.isEmpty {
                words.append(piece)
                wordTokens.append(group)
            } else {
                words[words.count - 1] += piece
                wordTokens[wordTokens.count - 1] += group
            }
        }
        return (words, wordTokens)
    }

    /// Text of tokens with special tokens written out (decode_with_timestamps).
    func text(_ tokens: [Int]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var run: [Int] = []
        func flush() { out += tokenizer.decode(run).unicodeScalars; run.removeAll() }
        for t in tokens {
            if t < tokenizer.special.endOfText { run.append(t); continue }
            flush()
            out += (tokenizer.token(of: t) ?? "").unicodeScalars
        }
        flush()
        return out
    }

    /// Groups at each point where the decoded prefix holds no replacement character that the full
    /// text does not also hold there.
    func splitOnUnicode(_ tokens: [Int]) -> ([String], [[Int]]) {
        let full = text(tokens)
        var words: [String] = []
        var groups: [[Int]] = []
        var current: [Int] = []
        var offset = 0
        for token in tokens {
            current.append(token)
            let decoded = text(current)
            let replacement = decoded.firstIndex(of: "\u{FFFD}").map { $0 + offset }
            if replacement == nil || (replacement! < full.count && full[replacement!] == "\u{FFFD}") {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: decoded)
                words.append(String(s))
                groups.append(current)
                current = []
                offset += decoded.count
            }
        }
        return (words, groups)
    }
}

extension StringProtocol {
    /// Python's `needle in haystack` for strings: true for the empty needle.
    func pythonContains(_ needle: String) -> Bool { needle.isEmpty || contains(needle) }
}
