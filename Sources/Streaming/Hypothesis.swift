/// How a word's times were obtained: decoded from the model (the alignment heads' attention, or a
/// truly incremental model's emission frame) or spread over a decoder segment's span by character
/// count. Guards that judge word durations run on decoded times only.
public enum TimingSource: String, Equatable, Sendable {
    /// From the model's attention (Whisper's alignment heads and DTW).
    case decoded
    /// A decoder segment's span spread over its words by character count.
    case segmentSpread = "segment_spread"
    /// The frames where a CTC head emitted each character (the audio-visual model): real times,
    /// but each character a spike of one sub-frame, so words look far shorter than spoken.
    case emissionSpikes = "emission_spikes"
}

/// One recognised word with its time span on the capture clock (seconds).
public struct Word: Equatable, Sendable {
    public var text: String
    public var start: Double
    public var end: Double
    /// True when this word ends a decoder segment (Whisper's timestamp segments).
    public var endsSegment: Bool
    /// The decoder's probability for the word, when known.
    public var probability: Double?
    /// How `start` and `end` were obtained (set from the hypothesis by `Hypothesis.normalized()`).
    public var timing: TimingSource

    public init(text: String, start: Double, end: Double, endsSegment: Bool = false, probability: Double? = nil,
                timing: TimingSource = .decoded) {
        self.text = text; self.start = start; self.end = end; self.endsSegment = endsSegment
        self.probability = probability; self.timing = timing
    }
}

/// What a window decoder returns for one window: the words and the quality figures the
/// hallucination guards read.
public struct Hypothesis: Equatable, Sendable {
    /// Words in order, times absolute (the window's start time already added).
    public var words: [Word]
    /// How the word times were obtained.
    public var timing: TimingSource
    /// True when word times were spread over the window by character count, not decoded.
    public var timesAreEstimated: Bool { timing == .segmentSpread }
    /// Average log-probability of the decoded tokens (Whisper's avg_logprob).
    public var avgLogProb: Double
    /// Probability of the no-speech token at the first decoding step.
    public var noSpeechProb: Double
    /// Text length over its zlib-compressed length (Whisper's compression_ratio).
    public var compressionRatio: Double
    /// Detected or forced language code ("en", "zh"), if known.
    public var language: String?
    /// An incremental CTC model's blank run at the window's end (its endpoint); nil for Whisper.
    public var trailingBlank: TrailingBlank?

    public init(words: [Word], avgLogProb: Double, noSpeechProb: Double, compressionRatio: Double,
                language: String? = nil, timing: TimingSource = .decoded) {
        self.words = words
        self.timing = timing
        self.avgLogProb = avgLogProb
        self.noSpeechProb = noSpeechProb
        self.compressionRatio = compressionRatio
        self.language = language
    }

    /// A hypothesis from plain text: word times are estimated by spreading [start, end] over the
    /// words in proportion to their character counts.
    public init(text: String, start: Double, end: Double, avgLogProb: Double, noSpeechProb: Double,
                compressionRatio: Double, language: String? = nil) {
        self.init(words: Hypothesis.spread(CaptionText.words(text), from: start, to: end),
                  avgLogProb: avgLogProb, noSpeechProb: noSpeechProb,
                  compressionRatio: compressionRatio, language: language, timing: .segmentSpread)
    }

    /// The hypothesis as the policy compares it: every multi-character CJK word split into one
    /// word per character (times shared by characters), so agreement works per character for
    /// Chinese; a punctuation-only word (" ." from a decoder) joined to the word before it.
    public func normalized() -> Hypothesis {
        var copy = self
        var out: [Word] = []
        for w in words {
            let hasContent = w.text.unicodeScalars.contains { $0.properties.isAlphabetic || $0.properties.numericType != nil }
            if !hasContent {
                // Sentence punctuation joins the previous word; dashes and the like are dropped.
                let mark = w.text.filter { !$0.isWhitespace }
                if let last = out.last, !mark.isEmpty, mark.allSatisfy({ ".,!?;:。，！？；：、".contains($0) }),
                   let tail = last.text.last, !".,!?;:。，！？；：、…".contains(tail) {
                    out[out.count - 1].text += mark
                }
                if !out.isEmpty, w.endsSegment { out[out.count - 1].endsSegment = true }
                continue
            }
            let parts = CaptionText.words(w.text)
            guard parts.count > 1 else { out.append(w); continue }
            var split = Hypothesis.spread(parts, from: w.start, to: w.end)
            for i in split.indices { split[i].probability = w.probability }
            // A decoded CJK word of several characters keeps its decoded span; the characters share it.
            if w.endsSegment, !split.isEmpty { split[split.count - 1].endsSegment = true }
            out += split
        }
        for i in out.indices { out[i].timing = timing }
        copy.words = out
        return copy
    }

    /// The words joined as display text.
    public var text: String { CaptionText.join(words.map(\.text)) }

    /// Spreads a time span over words by character count (one extra unit per word for the gap).
    static func spread(_ texts: [String], from start: Double, to end: Double) -> [Word] {
        // Words made here carry .segmentSpread; a caller with decoded spans overrides it.
        let weights = texts.map { Double($0.count + 1) }
        let total = weights.reduce(0, +)
        guard total > 0 else { return [] }
        let span = max(0, end - start)
        var t = start
        var words: [Word] = []
        for (text, w) in zip(texts, weights) {
            let d = span * w / total
            words.append(Word(text: text, start: t, end: t + d, timing: .segmentSpread))
            t += d
        }
        return words
    }
}

extension StreamingEvent {
    /// How the event's word times were obtained: decoded only when every word's were; nil without words.
    public var timing: TimingSource? {
        guard !words.isEmpty else { return nil }
        let first = words[0].timing
        return words.allSatisfy { $0.timing == first } ? first : .segmentSpread
    }
}
