/// Breaks cue text into at most `maxLines` lines of at most `maxColumns` display columns, at word
/// boundaries (every CJK character is a boundary), choosing the most balanced split and, between
/// equally balanced ones, a split after punctuation.
public struct LineBreaker: Sendable {
    public var maxColumns: Int
    public var maxLines: Int

    public init(maxColumns: Int = 42, maxLines: Int = 2) {
        self.maxColumns = maxColumns; self.maxLines = maxLines
    }

    /// True when the words fit the line limits.
    public func fits(_ words: [String]) -> Bool { lines(words) != nil }

    /// The lines for `words`, or nil when they do not fit in `maxLines` lines.
    public func lines(_ words: [String]) -> [String]? {
        guard !words.isEmpty else { return [] }
        let whole = CaptionText.join(words)
        if CaptionText.width(whole) <= maxColumns { return [whole] }
        guard maxLines >= 2 else { return nil }
        // Best split into a first line and a remainder (recursively at most maxLines - 1 lines).
        let rest = LineBreaker(maxColumns: maxColumns, maxLines: maxLines - 1)
        var best: (score: Double, lines: [String])?
        for cut in 1..<words.count {
            let first = CaptionText.join(words[0..<cut])
            let firstWidth = CaptionText.width(first)
            if firstWidth > maxColumns { break }
            guard let tail = rest.lines(Array(words[cut...])) else { continue }
            let widths = [firstWidth] + tail.map(CaptionText.width)
            let spread = Double((widths.max() ?? 0) - (widths.min() ?? 0))
            let punctuationBonus = LineBreaker.endsClause(words[cut - 1]) ? 4.0 : 0.0
            // Prefer a shorter top line when the difference is odd (bottom-heavy pyramid).
            let topHeavy = firstWidth > (widths.last ?? 0) ? 0.5 : 0
            let score = spread - punctuationBonus + topHeavy
            if let b = best, b.score <= score { continue }
            best = (score, [first] + tail)
        }
        return best?.lines
    }

    /// True when a word ends a clause or sentence (, ; : . ? ! and full-width forms).
    static func endsClause(_ word: String) -> Bool {
        guard let last = word.last else { return false }
        return ",;:.?!，、；：。？！…".contains(last)
    }
}
