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
            append(timing.word, Word(text: text, start: offset + start, end: offset + end, endsSegment: closes.contains(seen),
                                     probability: timing.probability, timing: .decoded), to: &out)
        }
        return out
    }

    /// Appends `word` (decoded as `raw`) to `words`, or, when `raw` continues the last word
    /// (`attaches`: written without a space before it, "-hearted" after "cold"), joins it to that
    /// word as in the decoded text ("cold-hearted", not "cold -hearted"): the joined word ends
    /// where its last part does, has the least sure part's probability and the part's segment end.
    /// Only words from index `first` on are joined to (a caller's segment start).
    static func append(_ raw: String, _ word: Word, to words: inout [Word], from first: Int = 0) {
        guard words.count > first, attaches(raw, after: words.last?.text) else { words.append(word); return }
        let i = words.count - 1
        words[i].text += word.text
        words[i].end = max(words[i].end, word.end)
        words[i].endsSegment = word.endsSegment
        words[i].probability = min(words[i].probability ?? word.probability ?? 1, word.probability ?? 1)
    }

    /// True when a word the aligner gave as `raw` (its decoded text, a leading space included
    /// when the decoder wrote one) continues the word before it: no leading space, and neither
    /// side CJK (Chinese and Japanese words never have one).
    static func attaches(_ raw: String, after previous: String?) -> Bool {
        guard let previous, let last = previous.last, let first = raw.first else { return false }
        return !first.isWhitespace && !CaptionText.isWide(first) && !CaptionText.isWide(last)
    }
}
