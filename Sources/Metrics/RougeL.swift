/// ROUGE-L as Google's rouge-score computes it: LCS of the token sequences, precision = LCS/|hyp|,
/// recall = LCS/|ref|, F = 2PR/(P+R); zero when either side is empty; with several references the
/// one with the highest F is taken; a corpus score is the mean F over pairs.
public struct RougeL {
    public struct Score: Equatable, Codable {
        public let precision: Double
        public let recall: Double
        public let fmeasure: Double
    }

    /// How text becomes tokens.
    public enum Tokenization: String, Codable {
        /// rouge-score's default tokenizer: lower-case, every run outside [a-z0-9] separates, no stemming.
        case rougeDefault
        /// Whitespace split (for text already normalised by `EnglishNormalizer`).
        case whitespace
        /// sacrebleu's `zh` tokenisation (for text normalised by `ChineseNormalizer`).
        case zh

        public func tokens(_ text: String) -> [String] {
            switch self {
            case .whitespace: return TextScalars.pythonSplit(text)
            case .zh: return ChineseNormalizer.tokens(text)
            case .rougeDefault:
                var tokens: [String] = [], current = String.UnicodeScalarView()
                for s in text.lowercased().unicodeScalars {
                    if (s.value >= 0x61 && s.value <= 0x7A) || (s.value >= 0x30 && s.value <= 0x39) {
                        current.append(s)
                    } else if !current.isEmpty {
                        tokens.append(String(current)); current = String.UnicodeScalarView()
                    }
                }
                if !current.isEmpty { tokens.append(String(current)) }
                return tokens
            }
        }
    }

    public let tokenization: Tokenization
    public init(tokenization: Tokenization) { self.tokenization = tokenization }

    /// One hypothesis against one or more references (best F).
    public func score(hypothesis: String, references: [String]) -> Score {
        let hyp = tokenization.tokens(hypothesis)
        var best: Score?
        for ref in references {
            let s = RougeL.score(hypothesisTokens: hyp, referenceTokens: tokenization.tokens(ref))
            // numpy.argmax keeps the first maximum.
            if best == nil || s.fmeasure > best!.fmeasure { best = s }
        }
        return best ?? Score(precision: 0, recall: 0, fmeasure: 0)
    }

    /// Mean F (and mean P, R) over line-aligned pairs.
    public func corpus(hypotheses: [String], references: [[String]]) throws -> (mean: Score, perPair: [Score]) {
        guard hypotheses.count == references.count else {
            throw MetricsError.countMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        var scores: [Score] = []
        for (i, (h, r)) in zip(hypotheses, references).enumerated() {
            guard !r.isEmpty else { throw MetricsError.missingReference(index: i) }
            scores.append(score(hypothesis: h, references: r))
        }
        let n = Double(max(scores.count, 1))
        let mean = Score(precision: scores.reduce(0) { $0 + $1.precision } / n,
                         recall: scores.reduce(0) { $0 + $1.recall } / n,
                         fmeasure: scores.reduce(0) { $0 + $1.fmeasure } / n)
        return (mean, scores)
    }

    public static func score(hypothesisTokens hyp: [String], referenceTokens ref: [String]) -> Score {
        if hyp.isEmpty || ref.isEmpty { return Score(precision: 0, recall: 0, fmeasure: 0) }
        let lcs = Double(lcsLength(ref, hyp))
        let p = lcs / Double(hyp.count), r = lcs / Double(ref.count)
        return Score(precision: p, recall: r, fmeasure: p + r > 0 ? 2 * p * r / (p + r) : 0)
    }

    /// LCS length with two rows of the DP table (rows: reference tokens, columns: hypothesis tokens).
    public static func lcsLength<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        if a.isEmpty || b.isEmpty { return 0 }
        var prev = [Int](repeating: 0, count: b.count + 1), cur = prev
        for i in 1...a.count {
            for j in 1...b.count {
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : max(prev[j], cur[j - 1])
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// Naive reference: LCS by the full (|a|+1)×(|b|+1) table, as rouge-score builds it.
    public static func lcsLengthFullTable<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        var t = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : max(t[i - 1][j], t[i][j - 1])
            }
        }
        return t[a.count][b.count]
    }
}
