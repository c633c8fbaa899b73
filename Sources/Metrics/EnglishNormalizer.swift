/// English normalisation for WER and the other metrics (the reference script implements the same rules):
/// 1. lower-case (full Unicode mapping);
/// 2. typographic apostrophes (’ ‘ ʼ ` ´) become ';
/// 3. letters, marks and numbers (Unicode L, M, N) are kept; an apostrophe between two letters/numbers
///    is kept (contractions: "don't", "o'clock"); '.' or ',' between two decimal digits is kept ("3.5",
///    "1,000"); every other character (punctuation, symbols, hyphens, whitespace) separates words;
/// 4. words are joined by single spaces.
/// WER compares `wordKeys`: the words with the number words zero to twenty as digits.
public enum EnglishNormalizer {
    public static func normalize(_ text: String) -> String {
        let lowered = text.lowercased().unicodeScalars.map { s -> Unicode.Scalar in
            switch s.value {
            case 0x2019, 0x2018, 0x02BC, 0x0060, 0x00B4: return "'"
            default: return s
            }
        }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(lowered.count)
        for (i, s) in lowered.enumerated() {
            let prev = i > 0 ? lowered[i - 1] : nil
            let next = i + 1 < lowered.count ? lowered[i + 1] : nil
            let keep: Bool
            if TextScalars.isWordScalar(s) {
                keep = true
            } else if s == "'" {
                keep = prev.map(TextScalars.isWordScalar) == true && next.map(TextScalars.isWordScalar) == true
            } else if s == "." || s == "," {
                keep = prev.map(TextScalars.isDecimalDigit) == true && next.map(TextScalars.isDecimalDigit) == true
            } else {
                keep = false
            }
            out.append(keep ? s : " ")
        }
        return words(TextScalars.string(out)).joined(separator: " ")
    }

    /// The words WER compares: those of already normalised text, the number words zero to twenty
    /// as digits ("one" → "1", as Whisper's English normaliser writes numbers), so a caption of
    /// "1, 2, 3" for "One, two, three." has no word error; "one's" stays. Character error rates
    /// and the captioning metrics keep the words as written.
    public static func wordKeys(_ normalized: String) -> [String] {
        words(normalized).map { numberDigits[$0] ?? $0 }
    }

    /// The number words zero to twenty and their digits.
    static let numberDigits: [String: String] = Dictionary(uniqueKeysWithValues: [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
    ].enumerated().map { ($0.element, String($0.offset)) })

    /// The words of already normalised text.
    public static func words(_ normalized: String) -> [String] {
        normalized.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
}
