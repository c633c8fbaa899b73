/// LocalAgreement-n with n = 2: of two consecutive hypotheses, the longest common word prefix is
/// final. Also removes, from a new hypothesis, the words the window repeats from committed text.
public enum LocalAgreement {
    /// Number of leading words on which `a` and `b` agree (compared by `CaptionText.key`).
    public static func commonPrefixLength(_ a: [Word], _ b: [Word]) -> Int {
        var n = 0
        while n < a.count, n < b.count, CaptionText.key(a[n].text) == CaptionText.key(b[n].text) { n += 1 }
        return n
    }

    /// The part of `hypothesis` that is new relative to the committed words that lie inside the
    /// decoded window (`committedInWindow`, in order).
    ///
    /// 1. With decoded word times, words whose midpoint is not after the last committed word's
    ///    end are dropped.
    /// 2. The longest prefix of what is left that equals a suffix of the committed words is removed
    ///    (the window re-decodes committed words).
    /// 3. Without decoded times and failing an exact match, if the last committed word pair (or
    ///    word) appears within the first (committed count) words, everything up to it is removed.
    public static func newWords(in hypothesis: Hypothesis, after committedInWindow: [Word]) -> [Word] {
        var words = hypothesis.words
        guard let lastCommitted = committedInWindow.last else { return words }
        if !hypothesis.timesAreEstimated {
            // Decoders stretch a word's start back over leading silence and jitter its end, so a
            // word is new when its midpoint lies after the last committed word.
            words = words.filter { ($0.start + $0.end) / 2 > lastCommitted.end }
        }
        let keys = words.map { CaptionText.key($0.text) }
        let committedKeys = committedInWindow.map { CaptionText.key($0.text) }
        let maxN = min(keys.count, committedKeys.count)
        if maxN > 0 {
            for n in stride(from: maxN, through: 1, by: -1)
            where keys[0..<n].elementsEqual(committedKeys[(committedKeys.count - n)...]) {
                return Array(words[n...])
            }
        }
        // Anchor on the last committed word pair, then the last word, near the hypothesis start.
        guard hypothesis.timesAreEstimated else { return words }
        let searchEnd = min(keys.count, committedKeys.count + 1)
        for size in [2, 1] where size <= committedKeys.count && size <= searchEnd {
            let anchor = Array(committedKeys.suffix(size))
            for i in stride(from: searchEnd - size, through: 0, by: -1)
            where keys[i..<(i + size)].elementsEqual(anchor) {
                return Array(words[(i + size)...])
            }
        }
        return words
    }
}
