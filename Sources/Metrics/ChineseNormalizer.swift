/// Chinese normalisation for CER and the other metrics (the reference script implements the same rules):
/// 1. traditional → simplified with libopencc's t2s.json;
/// 2. full-width ASCII forms (U+FF01–FF5E) become ASCII, U+3000 becomes a space;
/// 3. lower-case (for Latin words in mixed text);
/// 4. letters, marks and numbers (Unicode L, M, N) are kept; all punctuation (full- or half-width),
///    symbols and whitespace are removed;
/// 5. a single space is kept only where a separator stood between two non-wide characters
///    (scalars below U+2E80, e.g. between two Latin words or numbers); none next to Chinese characters.
public struct ChineseNormalizer {
    private let converter: OpenCCConverter

    public init() throws { converter = try OpenCCConverter.traditionalToSimplified() }
    public init(converter: OpenCCConverter) { self.converter = converter }

    public func normalize(_ text: String) throws -> String {
        let simplified = try converter.convert(text)
        var runs: [[Unicode.Scalar]] = [[]]
        for raw in simplified.lowercased().unicodeScalars {
            var s = raw
            if (0xFF01...0xFF5E).contains(s.value), let ascii = Unicode.Scalar(s.value - 0xFEE0) {
                s = ascii   // already lower-cased: Ａ → ａ → a
            }
            if TextScalars.isWordScalar(s) {
                runs[runs.count - 1].append(s)
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        var out: [Unicode.Scalar] = []
        for run in runs where !run.isEmpty {
            if let last = out.last, let first = run.first, !TextScalars.isWide(last), !TextScalars.isWide(first) {
                out.append(" ")
            }
            out.append(contentsOf: run)
        }
        return TextScalars.string(out)
    }

    /// Tokens of normalised Chinese text for BLEU, ROUGE-L and CIDEr-D: sacrebleu's `zh` tokenisation
    /// (each CJK character alone, other runs as words).
    public static func tokens(_ normalized: String) -> [String] {
        TextScalars.pythonSplit(BLEUTokenizer.zh.tokenize(normalized))
    }
}
