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
            if attaches(timing.word, after: out.last?.text) {
                // Written without a space before it ("-hearted" after "cold"): part of the
                // previous word, as in the decoded text ("cold-hearted", not "cold -hearted").
                out[out.count - 1].text += text
                out[out.count - 1].end = max(out[out.count - 1].end, offset + end)
                out[out.count - 1].endsSegment = closes.contains(seen)
                out[out.count - 1].probability = min(out[out.count - 1].probability ?? timing.probability, timing.probability)
                continue
            }
            out.append(Word(text: text, start: offset + start, end: offset + end, endsSegment: closes.contains(seen),
                            probability: timing.probability, timing: .decoded))
        }
        return out
    }

    /// True when a word the aligner gave as `raw` (its decoded text, a leading space included
    /// when the decoder wrote one) continues the word before it: no leading space, and neither
    /// side CJK (Chinese and Japanese words never have one).
    static func attaches(_ raw: String, after previous: String?) -> Bool {
        guard let previous, let last = previous.last, let first = raw.first else { return false }
        return !first.isWhitespace && !CaptionText.isWide(first) && !CaptionText.isWide(last)
    }
}
