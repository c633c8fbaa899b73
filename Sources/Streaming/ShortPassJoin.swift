/// A final pass shortened for time (`LiveSchedule.FinalPlan.fromWindow`) decodes only the end of
/// an utterance; its words are joined to the committed ones here.
///
/// Where the join goes wrong, and what this does about it:
/// - **The cut point.** The window starts at the end of a committed word as the decoder timed it,
///   and decoders place word ends late as often as early ("not!" ends inside "what"). A pass cut
///   there hears half of the next word and mishears or drops it ("Ask not! Like your country").
///   So the pass starts `overlapSeconds` earlier, at the start of a committed word (less
///   `marginSeconds`): the join point lies well inside the audio the pass hears, and the committed
///   words it re-decodes anchor the alignment.
/// - **The alignment.** The committed words inside the pass are aligned with a prefix of it by
///   minimum word edits (`LocalAgreement.alignment`, ties to the longer prefix). A trailing
///   substitution there (a committed word paired with a different pass word after the last
///   equal pair) is the same audio misheard only when the pass word lies within the committed
///   word's time; a pass word after it is a new word and is kept, not swallowed.
enum ShortPassJoin {
    /// The start of a shortened pass whose window starts at `windowStart`: the start of the
    /// earliest committed word that ends within `overlapSeconds` before `windowStart`, less
    /// `marginSeconds`; never before `earliest` (the utterance's audio start); `windowStart`
    /// less the margin when no committed word is that close.
    static func start(committed: [Word], windowStart: Double, earliest: Double,
                      overlapSeconds: Double = 0.5, marginSeconds: Double = 0.1) -> Double {
        let near = committed.filter { $0.end > windowStart - overlapSeconds && $0.start < windowStart }
        let from = (near.map(\.start).min() ?? windowStart) - marginSeconds
        return max(earliest, min(from, windowStart))
    }

    /// The utterance's words from its committed words and a pass over [from, end): the committed
    /// words ending before `from`, then the committed words inside the pass (in the pass's spelling
    /// where the alignment pairs them with an equal word), then the pass's words after them.
    static func words(committed: [Word], pass: Hypothesis, from: Double) -> [Word] {
        let before = committed.filter { $0.end <= from + 1e-6 }
        let inside = committed.filter { $0.end > from + 1e-6 }
        let full = pass.words
        guard !inside.isEmpty else { return before + LocalAgreement.droppingRepeat(of: before, from: full) }
        let keyA = inside.map { CaptionText.key($0.text) }, keyB = full.map { CaptionText.key($0.text) }
        let (pairs, aligned) = LocalAgreement.alignment(inside, full)
        var end = aligned
        var out = inside
        for (i, j) in pairs where keyA[i] == keyB[j] {
            out[i].text = full[j].text
            out[i].endsSegment = full[j].endsSegment
        }
        // Trailing substitutions (after the last equal pair): a pass word that lies after the
        // committed word it is paired with is new; the first such word ends what the committed
        // words cover. Only decoded times can tell; spread times keep the alignment's answer.
        if !pass.timesAreEstimated {
            let lastEqual = pairs.lastIndex { keyA[$0.0] == keyB[$0.1] } ?? -1
            for (i, j) in pairs[(lastEqual + 1)...] where (full[j].start + full[j].end) / 2 > inside[i].end {
                end = j
                break
            }
        }
        return before + out + LocalAgreement.droppingRepeat(of: before + out, from: Array(full[end...]))
    }
}
