/// Word and character error rates with counts and alignment, as jiwer computes them on
/// already normalised text (jiwer's default transforms: collapse spaces, strip, split).
public struct ErrorRate: Equatable {
    public let counts: EditCounts
    public let alignment: [AlignmentOp]
    public let referenceTokens: [String]
    public let hypothesisTokens: [String]
    public var rate: Double { counts.rate }

    /// WER of one pair: tokens are the whitespace-separated words.
    public static func words(reference: String, hypothesis: String) -> ErrorRate {
        make(TextScalars.pythonSplit(reference), TextScalars.pythonSplit(hypothesis))
    }

    /// CER of one pair: tokens are the Unicode scalars after collapsing runs of spaces and stripping
    /// (spaces between words count as characters, as in jiwer.cer).
    public static func characters(reference: String, hypothesis: String) -> ErrorRate {
        make(charTokens(reference), charTokens(hypothesis))
    }

    /// Corpus counts: the sum of the per-pair counts (jiwer's corpus WER/CER).
    public static func corpus(_ pairs: [ErrorRate]) -> EditCounts {
        pairs.reduce(EditCounts()) { $0 + $1.counts }
    }

    static func charTokens(_ text: String) -> [String] {
        let collapsed = TextScalars.pythonSplit(text).joined(separator: " ")
        return collapsed.unicodeScalars.map { String($0) }
    }

    private static func make(_ ref: [String], _ hyp: [String]) -> ErrorRate {
        // Integer ids make the O(n·m) comparisons cheap; the alignment is the same.
        var ids: [String: Int32] = [:]
        let r = ref.map { t in ids[t] ?? { let v = Int32(ids.count); ids[t] = v; return v }() }
        let h = hyp.map { t in ids[t] ?? { let v = Int32(ids.count); ids[t] = v; return v }() }
        let a = EditAlignment(reference: r, hypothesis: h)
        return ErrorRate(counts: a.counts, alignment: a.ops, referenceTokens: ref, hypothesisTokens: hyp)
    }
}
