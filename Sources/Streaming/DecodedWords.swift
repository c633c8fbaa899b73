import Models

/// Words of a window with the times the alignment heads decoded (`WordAligner`), on the capture clock.
enum DecodedWords {
    /// `timings` (seconds from the window's first sample) shifted by `offset` and clamped to
    /// [0, duration]; a word whose tokens close a timestamp segment of `tokens` ends that segment.
    static func words(_ timings: [WordTiming], tokens: [Int], timestampBegin: Int, endOfText: Int,
                      offset: Double, duration: Double) -> [Word] {
        // Text-token counts at which a segment closes (a timestamp right after text).
        var closes = Set<Int>()
        var count = 0
        var previousIsText = false
        for t in tokens {
            if t < endOfText { count += 1; previousIsText = true; continue }
            if t >= timestampBegin, previousIsText { closes.insert(count) }
            previousIsText = false
        }
        var out: [Word] = []
        var seen = 0
        for timing in timings {
            seen += timing.tokens.count
            let text = timing.word.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            guard !text.isEmpty else { continue }
            let start = min(duration, max(0, timing.start))
            let end = min(duration, max(start, timing.end))
            out.append(Word(text: text, start: offset + start, end: offset + end, endsSegment: closes.contains(seen),
                            probability: timing.probability, timing: .decoded))
        }
        return out
    }
}
