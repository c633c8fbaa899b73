/// A transcribed segment given to the subtitle formatters: times in seconds, words optional.
public struct SubtitleSegment: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var text: String
    /// Word times, when the recogniser produced them (else cue times are estimated by characters).
    public var words: [Word]?

    public init(start: Double, end: Double, text: String, words: [Word]? = nil) {
        self.start = start; self.end = end; self.text = text; self.words = words
    }

    /// Checks times (finite, non-negative, end ≥ start) and word times; `index` names the segment.
    func validate(index: Int) throws {
        func fail(_ reason: String) -> StreamingError {
            .invalidSegment(index: index, start: start, end: end, reason: reason)
        }
        guard start.isFinite, end.isFinite else { throw fail("times must be finite numbers") }
        guard start >= 0 else { throw fail("start must not be negative") }
        guard end >= start else { throw fail("end is before start; swap or fix the times") }
        for (i, w) in (words ?? []).enumerated() {
            guard w.start.isFinite, w.end.isFinite, w.start >= 0, w.end >= w.start else {
                throw fail("word \(i) \"\(w.text)\" has invalid times \(w.start)–\(w.end)")
            }
        }
    }
}

/// One subtitle cue: a time span and one or two display lines.
public struct SubtitleCue: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var lines: [String]

    public init(start: Double, end: Double, lines: [String]) {
        self.start = start; self.end = end; self.lines = lines
    }

    public var text: String { lines.joined(separator: "\n") }
}
