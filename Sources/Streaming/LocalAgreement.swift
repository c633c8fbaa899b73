/// LocalAgreement-n with n = 2: of two consecutive hypotheses, the longest common word prefix is
/// final. Also removes, from a new hypothesis, the words the window repeats from committed text.
public enum LocalAgreement {
    /// Number of leading words on which `a` and `b` agree (compared by `CaptionText.key`).
    public static func commonPrefixLength(_ a: [Word], _ b: [Word]) -> Int {
        var n = 0
        while n < a.count, n < b.count, CaptionText.key(a[n].text) == CaptionText.key(b[n].text) { n += 1 }
        return n
    }

    /// The words of `full` (a decode of the whole utterance) that follow the words already
    /// committed: `committed` is aligned with a prefix of `full` by minimum word edits (semi-global:
    /// all of `committed`, any prefix of `full`; on ties the longer prefix, since a committed word
    /// that differs is more often a substitution than an insertion), and what follows is returned.
    public static func tail(of full: [Word], after committed: [Word]) -> [Word] {
        let (_, end) = alignment(committed, full)
        return Array(full[end...])
    }

    /// The final words from the committed ones and a whole-utterance decode: the committed words,
    /// each in the decode's spelling where the alignment pairs it with an equal-key word ("1," →
    /// "One,", "country" → "country."), then the decode's words after them.
    public static func merge(committed: [Word], full: [Word]) -> [Word] {
        let (pairs, end) = alignment(committed, full)
        var out = committed
        for (i, j) in pairs where CaptionText.key(committed[i].text) == CaptionText.key(full[j].text) {
            out[i].text = full[j].text
            out[i].endsSegment = full[j].endsSegment
        }
        return out + droppingRepeat(of: out, from: Array(full[end...]))
    }

    /// How many leading words of `words` say the last words of `before` again (compared by
    /// `CaptionText.key`): the longest such run of at least `minimum` and at most `longest` words,
    /// or 0. Prompted with the committed text, Whisper fills a window that holds little speech
    /// with the prompt's last phrase ("… busy sleeping. When he's not busy sleeping."), as
    /// whisper_streaming also found (it removes such n-grams of up to 5 words). A single repeated
    /// word is left alone, and so are two: people do say "I think, I think".
    ///
    /// A shorter repeat counts when the decoder squeezed it into no time: one of its words has a
    /// decoded duration under `squeezedSeconds`. Prompted with "… for your country.", a final
    /// pass over "ask not" read "Ask not! Ask not!" with the second "Ask" at 0 s (the daemon's
    /// SIGTERM final in 6 of 6 stress runs); spoken words take time.
    ///
    /// `squeezedOnly`: only a squeezed repeat counts, whatever its length. Words of an earlier
    /// utterance said again in a new one are speech: a kiosk's user repeats "换一首歌" when
    /// nothing happened (the daemon's looped clip lost every other utterance, CI stop 32).
    public static func repeatedLeadingWords(of words: [Word], after before: [Word], minimum: Int = 3, longest: Int = 8,
                                            squeezedOnly: Bool = false) -> Int {
        let n = min(longest, words.count, before.count)
        let lead = KeyRuns(Array(words.prefix(n))), tail = KeyRuns(Array(before.suffix(n)))
        if squeezedOnly {
            let k = lead.leadingOverlap(with: tail, minimum: 1, longest: n)
            return words.prefix(k).contains(where: isSqueezed) ? k : 0
        }
        if n >= minimum {
            let k = lead.leadingOverlap(with: tail, minimum: minimum, longest: n)
            if k > 0 { return k }
        }
        let k = lead.leadingOverlap(with: tail, minimum: 1, longest: min(n, minimum - 1))
        return words.prefix(k).contains(where: isSqueezed) ? k : 0
    }

    /// True for a word with decoded times shorter than `squeezedSeconds`: not spoken.
    static func isSqueezed(_ w: Word) -> Bool { w.timing == .decoded && w.end - w.start < squeezedSeconds }

    /// A decoded word shorter than this (s) was not spoken (see `repeatedLeadingWords`).
    public static let squeezedSeconds = 0.02

    /// `words` without a leading run that repeats the end of `before` (`repeatedLeadingWords`).
    public static func droppingRepeat(of before: [Word], from words: [Word], squeezedOnly: Bool = false) -> [Word] {
        Array(words.dropFirst(repeatedLeadingWords(of: words, after: before, squeezedOnly: squeezedOnly)))
    }

    /// Semi-global word alignment of all of `a` with a prefix of `b` (minimum edits, ties to the
    /// longer prefix): the index pairs matched or substituted, and the prefix length.
    static func alignment(_ a: [Word], _ b: [Word]) -> (pairs: [(Int, Int)], end: Int) {
        guard !a.isEmpty else { return ([], 0) }
        let ka = a.map { CaptionText.key($0.text) }   // (n)
        let kb = b.map { CaptionText.key($0.text) }   // (m)
        let n = ka.count, m = kb.count
        // d: (n + 1) × (m + 1) edit distances; d[i][j] = first i words of a vs first j of b
        var d = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for j in 0...m { d[0][j] = j }
        for i in 1...n {
            d[i][0] = i
            for j in stride(from: 1, through: m, by: 1) {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ka[i - 1] == kb[j - 1] ? 0 : 1))
            }
        }
        var end = 0
        for j in 0...m where d[n][j] <= d[n][end] { end = j }
        var pairs: [(Int, Int)] = []
        var i = n, j = end
        while i > 0, j > 0 {
            if d[i][j] == d[i - 1][j - 1] + (ka[i - 1] == kb[j - 1] ? 0 : 1) {
                pairs.append((i - 1, j - 1)); i -= 1; j -= 1
            } else if d[i][j] == d[i - 1][j] + 1 {
                i -= 1
            } else {
                j -= 1
            }
        }
        return (pairs.reversed(), end)
    }

    /// The part of `hypothesis` that is new relative to the committed words that lie inside the
    /// decoded window (`committedInWindow`, in order).
    ///
    /// The window re-decodes the committed words, so they are aligned by minimum word edits with a
    /// prefix of the hypothesis (`alignment`) and what follows that prefix is new. Word times do
    /// not decide this: they are spread over each segment, so a new word can seem to start before
    /// the last committed word ends ("woman, he might": "he" would be lost). When fewer than half
    /// of the committed words find an equal word (the window did not re-decode them),
    /// `newWordsByPosition` decides.
    public static func newWords(in hypothesis: Hypothesis, after committedInWindow: [Word]) -> [Word] {
        guard !committedInWindow.isEmpty else { return hypothesis.words }
        let (pairs, end) = alignment(committedInWindow, hypothesis.words)
        let equal = pairs.filter { CaptionText.key(committedInWindow[$0.0].text) == CaptionText.key(hypothesis.words[$0.1].text) }
        if equal.count * 2 >= committedInWindow.count {
            return Array(hypothesis.words[end...])
        }
        return newWordsByPosition(in: hypothesis, after: committedInWindow)
    }

    /// The new words of a hypothesis that does not re-decode most committed words (the window
    /// starts inside them, or the decoder skipped them):
    ///
    /// 1. With decoded word times, words whose midpoint is not after the last committed word's
    ///    end are dropped.
    /// 2. The longest prefix of what is left that equals a suffix of the committed words is removed.
    /// 3. Without decoded times and failing an exact match, if the last committed word pair (or
    ///    word) appears within the first (committed count) words, everything up to it is removed.
    static func newWordsByPosition(in hypothesis: Hypothesis, after committedInWindow: [Word]) -> [Word] {
        var words = hypothesis.words
        guard let lastCommitted = committedInWindow.last else { return words }
        if !hypothesis.timesAreEstimated {
            // Decoders stretch a word's start back over leading silence and jitter its end, so a
            // word is new when its midpoint lies after the last committed word.
            words = words.filter { ($0.start + $0.end) / 2 > lastCommitted.end }
        }
        let keys = words.map { CaptionText.key($0.text) }
        let committedKeys = committedInWindow.map { CaptionText.key($0.text) }
        let repeated = KeyRuns(keys: keys).leadingOverlap(with: KeyRuns(keys: committedKeys))
        if repeated > 0 { return Array(words[repeated...]) }
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
