/// Splitting caption text into words and joining words back, for scripts with and without spaces.
///
/// Latin-script text splits at whitespace; every CJK character is a word of its own (Chinese and
/// Japanese have no spaces), with trailing punctuation kept on the word before it. Joining puts a
/// space between two words unless both sides of the join are CJK.
public enum CaptionText {
    /// True for CJK ideographs, kana, Hangul and full-width forms and punctuation.
    public static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// CJK punctuation that must stay on the preceding character (never starts a line or word).
    static func isClosingPunctuation(_ c: Character) -> Bool {
        "，。、；：？！）」』】》〉,.;:?!)\"'…%".contains(c)
    }

    static func isWide(_ c: Character) -> Bool { c.unicodeScalars.first.map(isWide) ?? false }

    /// Display width in columns: wide (CJK) characters count 2, combining marks 0, others 1.
    public static func width(_ text: String) -> Int {
        var total = 0
        for c in text {
            guard let first = c.unicodeScalars.first else { continue }
            total += isWide(first) ? 2 : 1
        }
        return total
    }

    /// Splits text into words: whitespace separates, each CJK character is its own word.
    public static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() { if !current.isEmpty { result.append(current); current = "" } }
        for c in text {
            if c.isWhitespace { flush(); continue }
            if isWide(c) {
                if isClosingPunctuation(c) {
                    // Full-width punctuation sticks to the word before it.
                    if !current.isEmpty { current.append(c); flush() }
                    else if !result.isEmpty { result[result.count - 1].append(c) }
                    else { current.append(c); flush() }
                } else {
                    flush(); current.append(c); flush()
                }
            } else {
                if !current.isEmpty, let last = current.last, isWide(last) { flush() }
                if current.isEmpty, isClosingPunctuation(c), !result.isEmpty,
                   let last = result.last?.last, isWide(last) {
                    result[result.count - 1].append(c)
                    continue
                }
                current.append(c)
            }
        }
        flush()
        return result
    }

    /// Joins words with spaces, except between two CJK words.
    public static func join<S: Sequence>(_ words: S) -> String where S.Element == String {
        var out = ""
        for w in words where !w.isEmpty {
            if let last = out.last, let first = w.first,
               !(isWide(last) && isWide(first)) && !(isWide(last) && isClosingPunctuation(first)) {
                out.append(" ")
            }
            out += w
        }
        return out
    }

    /// A comparison key: lower-cased, surrounding punctuation removed ("Country," == "country"),
    /// English number words zero to twenty as digits ("One." == "1,": Whisper writes either,
    /// depending on its audio context).
    public static func key(_ word: String) -> String {
        let trimmed = word.lowercased().unicodeScalars.filter {
            !CharacterSetLite.isPunctuation($0)
        }
        let s = String(String.UnicodeScalarView(trimmed))
        if let n = numberWords.firstIndex(of: s) { return String(n) }
        return s.isEmpty ? word : s
    }

    /// English number words by value (index).
    static let numberWords = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                              "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                              "eighteen", "nineteen", "twenty"]

    /// True when the word ends a sentence (. ? ! and their full-width forms).
    public static func endsSentence(_ word: String) -> Bool {
        var w = word
        while let last = w.last, "\"')」』”’".contains(last) { w.removeLast() }
        guard let last = w.last else { return false }
        return ".?!。？！…".contains(last)
    }
}

/// Punctuation classification without Foundation.
enum CharacterSetLite {
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return s != "'" // keep apostrophes inside words ("don't")
        default:
            return false
        }
    }
}
