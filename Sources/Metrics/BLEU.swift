import Foundation

/// BLEU as sacrebleu computes it: n-grams 1…4 over tokenised text, clipped counts with the maximum
/// count over the references, closest reference length (ties → shorter), brevity penalty and the
/// `exp` smoothing (mteval's); scores on sacrebleu's 0…100 scale.
public struct BLEU {
    public static let maxOrder = 4

    /// Sufficient statistics of one segment (summed over a corpus).
    public struct Statistics: Equatable, Codable {
        public var hypothesisLength = 0
        public var referenceLength = 0
        public var correct = [Int](repeating: 0, count: BLEU.maxOrder)
        public var total = [Int](repeating: 0, count: BLEU.maxOrder)
        public init() {}
        public static func + (a: Statistics, b: Statistics) -> Statistics {
            var s = Statistics()
            s.hypothesisLength = a.hypothesisLength + b.hypothesisLength
            s.referenceLength = a.referenceLength + b.referenceLength
            for n in 0..<BLEU.maxOrder {
                s.correct[n] = a.correct[n] + b.correct[n]
                s.total[n] = a.total[n] + b.total[n]
            }
            return s
        }
    }

    /// A BLEU score with its parts.
    public struct Score: Equatable, Codable {
        public let score: Double
        public let precisions: [Double]
        public let brevityPenalty: Double
        public let statistics: Statistics
    }

    public let tokenizer: BLEUTokenizer
    public init(tokenizer: BLEUTokenizer) { self.tokenizer = tokenizer }

    /// Statistics of one hypothesis against its references (raw text; tokenised here as sacrebleu does
    /// after `rstrip`).
    public func statistics(hypothesis: String, references: [String]) -> Statistics {
        let hypTokens = TextScalars.pythonSplit(tokenizer.tokenize(TextScalars.pythonStrip(hypothesis, leading: false)))
        var refCounts: [NGram: Int] = [:]
        var refLengths: [Int] = []
        for ref in references {
            let tokens = TextScalars.pythonSplit(tokenizer.tokenize(TextScalars.pythonStrip(ref, leading: false)))
            refLengths.append(tokens.count)
            for (gram, count) in BLEU.ngrams(tokens) { refCounts[gram] = max(refCounts[gram] ?? 0, count) }
        }
        var s = Statistics()
        s.hypothesisLength = hypTokens.count
        s.referenceLength = BLEU.closestLength(hypTokens.count, refLengths)
        for (gram, count) in BLEU.ngrams(hypTokens) {
            let n = gram.tokens.count - 1
            s.total[n] += count
            if let r = refCounts[gram] { s.correct[n] += min(count, r) }
        }
        return s
    }

    /// Sentence BLEU (sacrebleu's sentence_score: effective order on, `exp` smoothing).
    public func sentence(hypothesis: String, references: [String]) -> Score {
        BLEU.score(statistics(hypothesis: hypothesis, references: references), effectiveOrder: true)
    }

    /// Corpus BLEU (sacrebleu's corpus_score: statistics summed over segments, effective order off).
    public func corpus(hypotheses: [String], references: [[String]]) throws -> Score {
        guard hypotheses.count == references.count else {
            throw MetricsError.countMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        var total = Statistics()
        for (i, (h, r)) in zip(hypotheses, references).enumerated() {
            guard !r.isEmpty else { throw MetricsError.missingReference(index: i) }
            total = total + statistics(hypothesis: h, references: r)
        }
        return BLEU.score(total, effectiveOrder: false)
    }

    /// sacrebleu's compute_bleu with smooth_method "exp".
    public static func score(_ s: Statistics, effectiveOrder: Bool) -> Score {
        var bp = 1.0
        if s.hypothesisLength < s.referenceLength {
            bp = s.hypothesisLength > 0 ? exp(1 - Double(s.referenceLength) / Double(s.hypothesisLength)) : 0
        }
        var precisions = [Double](repeating: 0, count: maxOrder)
        if !s.correct.contains(where: { $0 != 0 }) {
            return Score(score: 0, precisions: precisions, brevityPenalty: bp, statistics: s)
        }
        var smooth = 1.0
        var order = maxOrder
        for n in 1...maxOrder {
            if s.total[n - 1] == 0 { break }
            if effectiveOrder { order = n }
            if s.correct[n - 1] == 0 {
                smooth *= 2
                precisions[n - 1] = 100.0 / (smooth * Double(s.total[n - 1]))
            } else {
                precisions[n - 1] = 100.0 * Double(s.correct[n - 1]) / Double(s.total[n - 1])
            }
        }
        // sacrebleu floors log(0) at -9999999999.
        let logSum = precisions[0..<order].reduce(0.0) { $0 + ($1 == 0 ? -9_999_999_999 : log($1)) }
        return Score(score: bp * exp(logSum / Double(order)), precisions: precisions, brevityPenalty: bp, statistics: s)
    }

    static func closestLength(_ hyp: Int, _ refs: [Int]) -> Int {
        var best = -1, bestDiff = -1
        for r in refs {
            let diff = abs(hyp - r)
            if bestDiff == -1 || diff < bestDiff { bestDiff = diff; best = r }
            else if diff == bestDiff && r < best { best = r }
        }
        return best
    }

    static func ngrams(_ tokens: [String], maxOrder: Int = BLEU.maxOrder) -> [NGram: Int] {
        var counts: [NGram: Int] = [:]
        for n in 1...maxOrder where tokens.count >= n {
            for i in 0...(tokens.count - n) { counts[NGram(tokens: Array(tokens[i..<(i + n)])), default: 0] += 1 }
        }
        return counts
    }
}

/// An n-gram of tokens (hashable key).
struct NGram: Hashable {
    let tokens: [String]
}
