import Foundation

/// CIDEr-D exactly as pycocoevalcap's CiderScorer computes it (the "Cider" class there is CIDEr-D):
/// n-grams 1…4 of whitespace tokens; TF-IDF with document frequencies counted over the reference sets
/// of the corpus (idf = log(#pairs) − log(max(1, df))); per order the clipped cosine
/// Σ min(h, r)·r / (‖h‖‖r‖) times the Gaussian length penalty exp(−δ²/2σ²), σ = 6, where the "length"
/// is pycocoevalcap's (the number of bigrams); mean over orders, mean over references, ×10.
/// Per-pair scores depend on the whole corpus (document frequencies), so only a corpus call exists.
public struct CIDErD {
    public let sigma: Double
    public let maxOrder: Int
    public init(sigma: Double = 6.0, maxOrder: Int = 4) { self.sigma = sigma; self.maxOrder = maxOrder }

    /// Tokens are separated by whitespace (callers pass normalised, tokenised text).
    public func corpus(hypotheses: [[String]], references: [[[String]]]) throws -> (score: Double, perPair: [Double]) {
        guard hypotheses.count == references.count else {
            throw MetricsError.countMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        for (i, r) in references.enumerated() where r.isEmpty { throw MetricsError.missingReference(index: i) }
        if hypotheses.isEmpty { return (0, []) }
        let refCounts = references.map { $0.map { BLEU.ngrams($0, maxOrder: maxOrder) } }
        var df: [NGram: Double] = [:]
        for refs in refCounts {
            var seen = Set<NGram>()
            for r in refs { seen.formUnion(r.keys) }
            for g in seen { df[g, default: 0] += 1 }
        }
        let refLen = log(Double(references.count))
        var scores: [Double] = []
        for (hyp, refs) in zip(hypotheses, refCounts) {
            let h = vector(BLEU.ngrams(hyp, maxOrder: maxOrder), df: df, refLen: refLen)
            var perOrder = [Double](repeating: 0, count: maxOrder)
            for ref in refs {
                let r = vector(ref, df: df, refLen: refLen)
                let sims = similarity(h, r)
                for n in 0..<maxOrder { perOrder[n] += sims[n] }
            }
            let mean = perOrder.reduce(0, +) / Double(maxOrder)
            scores.append(mean / Double(refs.count) * 10.0)
        }
        return (scores.reduce(0, +) / Double(scores.count), scores)
    }

    /// TF-IDF vectors per order (index n-1), their norms, and the bigram count pycocoevalcap uses as length.
    struct Vector {
        var weights: [[NGram: Double]]
        var norms: [Double]
        var length: Int
    }

    func vector(_ counts: [NGram: Int], df: [NGram: Double], refLen: Double) -> Vector {
        var v = Vector(weights: Array(repeating: [:], count: maxOrder), norms: Array(repeating: 0, count: maxOrder), length: 0)
        for (gram, tf) in counts {
            let n = gram.tokens.count - 1
            let w = Double(tf) * (refLen - log(max(1.0, df[gram] ?? 0)))
            v.weights[n][gram] = w
            v.norms[n] += w * w
            if n == 1 { v.length += tf }
        }
        v.norms = v.norms.map { $0.squareRoot() }
        return v
    }

    func similarity(_ h: Vector, _ r: Vector) -> [Double] {
        let delta = Double(h.length - r.length)
        let penalty = exp(-(delta * delta) / (2 * sigma * sigma))
        var val = [Double](repeating: 0, count: maxOrder)
        for n in 0..<maxOrder {
            for (gram, wh) in h.weights[n] {
                let wr = r.weights[n][gram] ?? 0
                val[n] += min(wh, wr) * wr
            }
            if h.norms[n] != 0 && r.norms[n] != 0 { val[n] /= h.norms[n] * r.norms[n] }
            val[n] *= penalty
        }
        return val
    }
}
