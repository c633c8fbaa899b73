/// Turns transcribed segments into subtitle cues: at most `maxLines` lines of `maxColumns` columns,
/// each cue `minDuration`…`maxDuration` seconds, split at sentence ends, pauses and (when a cue is
/// full) the last clause boundary in its second half. Without word times, a segment's time is
/// spread over its words by character count.
public struct CueBuilder: Sendable {
    public var maxColumns = 42
    public var maxLines = 2
    public var minDuration = 1.0
    public var maxDuration = 7.0
    /// A silence between words at least this long starts a new cue (seconds).
    public var pauseSeconds = 0.6

    public init() {}

    struct Draft { var words: [Word] }

    public func cues(for segments: [SubtitleSegment]) throws -> [SubtitleCue] {
        guard maxColumns >= 4, maxLines >= 1, minDuration > 0, maxDuration >= minDuration else {
            throw StreamingError.invalidConfiguration(
                parameter: "subtitles", value: "\(maxColumns) columns × \(maxLines) lines, \(minDuration)–\(maxDuration) s",
                reason: "expected at least 4 columns, 1 line and 0 < min duration ≤ max duration")
        }
        var drafts: [Draft] = []
        for (i, segment) in segments.enumerated() {
            try segment.validate(index: i)
            drafts += group(timedWords(segment))
        }
        drafts = mergeShort(drafts)
        return layout(drafts)
    }

    /// The segment's words with times: decoded word times when present (multi-character CJK
    /// words split with their span shared by characters), else the segment spread by characters.
    func timedWords(_ s: SubtitleSegment) -> [Word] {
        if let words = s.words, !words.isEmpty {
            return words.flatMap { w -> [Word] in
                let parts = CaptionText.words(w.text)
                return parts.count == 1 ? [Word(text: parts[0], start: w.start, end: w.end)]
                    : Hypothesis.spread(parts, from: w.start, to: w.end)
            }
        }
        return Hypothesis.spread(CaptionText.words(s.text), from: s.start, to: s.end)
    }

    private var breaker: LineBreaker { LineBreaker(maxColumns: maxColumns, maxLines: maxLines) }

    /// Greedy grouping of one segment's words into cue drafts.
    func group(_ words: [Word]) -> [Draft] {
        var drafts: [Draft] = []
        var current: [Word] = []
        for word in words {
            if let last = current.last, let first = current.first {
                let paused = word.start - last.end >= pauseSeconds
                let candidate = current.map(\.text) + [word.text]
                let full = !breaker.fits(candidate) || word.end - first.start > maxDuration
                if paused {
                    drafts.append(Draft(words: current)); current = []
                } else if full {
                    // Break at the last clause end in the second half, else before this word.
                    if let k = current.indices.last(where: { LineBreaker.endsClause(current[$0].text) }),
                       k >= current.count / 2, k < current.count - 1 {
                        drafts.append(Draft(words: Array(current[...k])))
                        current = Array(current[(k + 1)...])
                        if !breaker.fits(current.map(\.text) + [word.text]) ||
                            word.end - (current.first?.start ?? word.start) > maxDuration {
                            drafts.append(Draft(words: current)); current = []
                        }
                    } else {
                        drafts.append(Draft(words: current)); current = []
                    }
                }
            }
            current.append(word)
            if let first = current.first, CaptionText.endsSentence(word.text),
               word.end - first.start >= minDuration {
                drafts.append(Draft(words: current)); current = []
            }
        }
        if !current.isEmpty { drafts.append(Draft(words: current)) }
        return drafts
    }

    /// Merges cues shorter than `minDuration` into a neighbour when the result still fits.
    func mergeShort(_ input: [Draft]) -> [Draft] {
        var drafts = input
        var i = 0
        while i < drafts.count {
            guard duration(drafts[i]) < minDuration else { i += 1; continue }
            if i + 1 < drafts.count, canMerge(drafts[i], drafts[i + 1]) {
                drafts[i].words += drafts[i + 1].words
                drafts.remove(at: i + 1)
                continue // re-check the merged cue
            }
            if i > 0, canMerge(drafts[i - 1], drafts[i]) {
                drafts[i - 1].words += drafts[i].words
                drafts.remove(at: i)
                i -= 1
                continue
            }
            i += 1
        }
        return drafts
    }

    private func duration(_ d: Draft) -> Double { (d.words.last?.end ?? 0) - (d.words.first?.start ?? 0) }

    private func canMerge(_ a: Draft, _ b: Draft) -> Bool {
        guard let aEnd = a.words.last?.end, let bStart = b.words.first?.start,
              let start = a.words.first?.start, let end = b.words.last?.end else { return false }
        return bStart - aEnd < pauseSeconds && end - start <= maxDuration
            && breaker.fits((a.words + b.words).map(\.text))
    }

    /// Final times and lines: too-short cues extended (without overlapping the next), over-long
    /// single-word cues clamped, overlaps removed.
    func layout(_ drafts: [Draft]) -> [SubtitleCue] {
        var cues: [SubtitleCue] = []
        for (i, d) in drafts.enumerated() {
            guard let first = d.words.first, let last = d.words.last else { continue }
            let start = first.start
            var end = max(last.end, start + minDuration)
            end = min(end, start + maxDuration)
            if i + 1 < drafts.count, let next = drafts[i + 1].words.first?.start, end > next {
                end = next // never overlap the next cue
                if end <= start { end = start + 0.001 }
            }
            let texts = d.words.map(\.text)
            let lines = breaker.lines(texts) ?? hardWrap(CaptionText.join(texts))
            cues.append(SubtitleCue(start: start, end: end, lines: lines))
        }
        return cues
    }

    /// Splits an unbreakable text (one over-long word) into lines of `maxColumns` columns.
    func hardWrap(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for c in text {
            if CaptionText.width(line + String(c)) > maxColumns { lines.append(line); line = "" }
            line.append(c)
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
