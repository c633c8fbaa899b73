import Foundation

/// One word of a transcription segment, times in seconds from the start of the recording.
public struct TranscriptionWord: Equatable, Sendable {
    public var word: String
    public var start: Double
    public var end: Double
    public var probability: Double
    public init(word: String, start: Double, end: Double, probability: Double) {
        self.word = word; self.start = start; self.end = end; self.probability = probability
    }
}

/// faster-whisper's `add_word_timestamps` for the segments of one window: the window's aligned
/// words (`WordAligner`) get sentence-boundary and pause corrections, punctuation merged into the
/// neighbouring word, and are handed out to the segments by token count; a segment's start and end
/// move to its first and last word unless those look stretched over a pause.
struct WordTimestamper {
    struct Piece {
        var start: Double
        var end: Double
        var tokens: [Int]
        var words: [TranscriptionWord] = []
    }

    /// faster-whisper's defaults.
    static let prepended = "\"'“¿([{-"
    static let appended = "\"'.。,，!！?？:：”)]}、"
    static let sentenceEnds = ".。!！?？"

    /// Assigns words to `pieces` (the window's segments, in order); returns the new last-speech time.
    func apply(_ pieces: inout [Piece], alignment input: [WordTiming], endOfText: Int, timeOffset: Double,
               lastSpeech: Double) -> Double {
        var alignment = input
        let durations = alignment.map { $0.end - $0.start }.filter { $0 != 0 }
        let median = min(0.7, Self.median(durations))
        let maxDuration = median * 2
        if !durations.isEmpty {
            for i in 1..<max(1, alignment.count) where alignment[i].end - alignment[i].start > maxDuration {
                if Self.sentenceEnds.pythonContains(alignment[i].word) {
                    alignment[i].end = alignment[i].start + maxDuration
                } else if Self.sentenceEnds.pythonContains(alignment[i - 1].word) {
                    alignment[i].start = alignment[i].end - maxDuration
                }
            }
        }
        Self.mergePunctuations(&alignment)
        var lastSpeech = lastSpeech
        var wordIndex = 0
        for p in pieces.indices {
            let textCount = pieces[p].tokens.filter { $0 < endOfText }.count
            var saved = 0
            var words: [TranscriptionWord] = []
            while wordIndex < alignment.count && saved < textCount {
                let timing = alignment[wordIndex]
                if !timing.word.isEmpty {
                    words.append(TranscriptionWord(word: timing.word, start: Self.round2(timeOffset + timing.start),
                                                   end: Self.round2(timeOffset + timing.end), probability: timing.probability))
                }
                saved += timing.tokens.count
                wordIndex += 1
            }
            if !words.isEmpty {
                // The first and second word after a pause: at most twice the median duration.
                if words[0].end - lastSpeech > median * 4
                    && (words[0].end - words[0].start > maxDuration
                        || (words.count > 1 && words[1].end - words[0].start > maxDuration * 2)) {
                    if words.count > 1 && words[1].end - words[1].start > maxDuration {
                        let boundary = max(words[1].end / 2, words[1].end - maxDuration)
                        words[0].end = boundary
                        words[1].start = boundary
                    }
                    words[0].start = max(0, words[0].end - maxDuration)
                }
                // Prefer the segment's start when the first word is too long.
                if pieces[p].start < words[0].end && pieces[p].start - 0.5 > words[0].start {
                    words[0].start = max(0, min(words[0].end - median, pieces[p].start))
                } else {
                    pieces[p].start = words[0].start
                }
                // Prefer the segment's end when the last word is too long.
                let last = words.count - 1
                if pieces[p].end > words[last].start && pieces[p].end + 0.5 < words[last].end {
                    words[last].end = max(words[last].start + median, pieces[p].end)
                } else {
                    pieces[p].end = words[last].end
                }
                lastSpeech = pieces[p].end
            }
            pieces[p].words = words
        }
        return lastSpeech
    }

    /// The end of the last word of the last segment that has words, else the last segment's end.
    static func end(of pieces: [Piece]) -> Double? {
        for p in pieces.reversed() { if let w = p.words.last { return w.end } }
        return pieces.last?.end
    }

    /// numpy's median (mean of the middle two for an even count); 0 for none.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Python's round(x, 2), to the nearest hundredth (halves to even on the decimal value).
    static func round2(_ x: Double) -> Double { (x * 100).rounded(.toNearestOrEven) / 100 }

    /// faster-whisper's `merge_punctuations`: opening marks (" (", " \"") join the following word,
    /// closing marks (".", ",", "?") the preceding one; the emptied entries stay, with no tokens.
    static func mergePunctuations(_ a: inout [WordTiming]) {
        var i = a.count - 2, j = a.count - 1
        while i >= 0 {
            if a[i].word.hasPrefix(" ") && prepended.pythonContains(a[i].word.trimmingWhitespace()) {
                a[j].word = a[i].word + a[j].word
                a[j].tokens = a[i].tokens + a[j].tokens
                a[i].word = ""
                a[i].tokens = []
            } else {
                j = i
            }
            i -= 1
        }
        i = 0; j = 1
        while j < a.count {
            if !a[i].word.hasSuffix(" ") && appended.pythonContains(a[j].word) {
                a[i].word += a[j].word
                a[i].tokens += a[j].tokens
                a[j].word = ""
                a[j].tokens = []
            } else {
                i = j
            }
            j += 1
        }
    }
}
