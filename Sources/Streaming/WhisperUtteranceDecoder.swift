import Models

/// The final pass: one whole utterance decoded as the offline transcriber decodes a file
/// (temperature fallback, the previous finals as prompt), so a final caption reads like the
/// offline transcript; its audio context is Whisper's 30 s or, with `options.reducedContext`
/// (`pass_context_s`), the utterance plus padding. The sliding-window decoder's reduced context is cheaper but
/// less accurate on the first words and on number formatting ("one two three" vs "1. 2, 3.").
/// Word times: decoded from the alignment heads (word timestamps as faster-whisper computes them).
public final class WhisperUtteranceDecoder {
    public let transcriber: Transcriber<WhisperModel>
    /// Offline decoding options (beam, temperatures, thresholds); `initialPrompt` is replaced by
    /// the prompt of each call.
    public let options: DecodingOptions

    public init(transcriber: Transcriber<WhisperModel>, options: DecodingOptions) {
        self.transcriber = transcriber
        self.options = options
    }

    public func decode(samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        guard !samples.isEmpty else {
            return Hypothesis(words: [], avgLogProb: 0, noSpeechProb: 1, compressionRatio: 0, language: options.language)
        }
        var o = options
        // The configured prompt (model.prompt) first, then the earlier finals.
        let trimmed = ((options.initialPrompt ?? "") + " " + prompt).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        o.initialPrompt = trimmed.isEmpty || !transcriber.tokenizer.canEncode ? nil : trimmed
        // segments: (S) with times relative to the utterance's first sample
        let decoded = !transcriber.model.alignmentHeads.isEmpty
        o.wordTimestamps = decoded
        // One window for an utterance whose text ends in complete segments: its rest is the
        // trailing silence (`DecodingOptions.decodesRestAfterCompleteText`).
        o.decodesRestAfterCompleteText = false
        let audio = Array(samples)
        var t = try transcriber.transcribe(samples: audio, options: o)
        var words = Self.words(of: t.segments, startTime: startTime)
        // The reduced context is mostly padding for a short utterance, and Whisper was trained on
        // 30 s: the 1-s Mandarin clip "砸自己的脚" read nothing at 10 s of context, a lone broken
        // byte ("�") at 20 s, and "扎自己的脚" at 15 s and at 30 s (as offline). A pass that gives no
        // word or a broken character is decoded once more on the 30-s context.
        if o.reducedContext != nil, words.isEmpty || words.contains(where: { $0.text.contains("\u{FFFD}") }) {
            o.reducedContext = nil
            t = try transcriber.transcribe(samples: audio, options: o)
            words = Self.words(of: t.segments, startTime: startTime)
        }
        // A pass that reads the utterance again from its start ("… at home. 2 The two stray
        // kittens …"): its first reading.
        if let first = RepeatedTranscript.restartedReading(words) { words = first }
        if let kept = RepeatedTranscript.squeezedTailCopy(words) { words = kept }
        let n = Double(max(1, t.segments.count))
        // Guard figures over the segments: mean log-probability, the first window's no-speech
        // probability, the worst compression ratio.
        let avg = t.segments.isEmpty ? 0 : t.segments.map(\.avgLogProb).reduce(0, +) / n
        let noSpeech = t.segments.first?.noSpeechProb ?? 1
        let ratio = t.segments.map(\.compressionRatio).max() ?? 0
        return Hypothesis(words: words, avgLogProb: avg, noSpeechProb: noSpeech, compressionRatio: ratio,
                          language: options.language ?? t.language, timing: decoded ? .decoded : .segmentSpread)
    }

    /// True when a pass with these guard figures is not to be trusted without a retry: its worst
    /// compression ratio above the threshold, or its mean log-probability below the threshold
    /// unless the no-speech probability calls it silence. Stricter than the fallback's own rule
    /// (`TemperatureFallback`, faster-whisper's), which lets a repetitive pass that looks like
    /// silence stand: the early pass is speculative, and a loop is never its result.
    public func needsFallback(_ h: Hypothesis) -> Bool { Self.needsFallback(h, options: options) }

    static func needsFallback(_ h: Hypothesis, options: DecodingOptions) -> Bool {
        if let t = options.compressionRatioThreshold, h.compressionRatio > t { return true }
        guard let t = options.logProbThreshold, h.avgLogProb < t else { return false }
        if let silence = options.noSpeechThreshold, h.noSpeechProb > silence { return false }
        return true
    }

    /// The words of the pass's segments on the capture clock (`startTime` + segment time). Timed
    /// words join as the window decoder's do (`DecodedWords.attaches`): one the decoder wrote
    /// without a space before it ("-disposed." after "ill") is part of the word before, so a final
    /// reads "ill-disposed." like the windows that committed it (the merge once appended the
    /// unmatched "-disposed." again: "ill-disposed. -disposed."). Segments without word times
    /// spread their text's words over the segment.
    static func words(of segments: [TranscriptionSegment], startTime: Double) -> [Word] {
        var words: [Word] = []
        for s in segments {
            let first = words.count
            if let timed = s.words {
                for w in timed {
                    let text = w.word.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
                    guard !text.isEmpty else { continue }
                    DecodedWords.append(w.word, Word(text: text, start: startTime + w.start, end: startTime + max(w.start, w.end),
                                                     probability: w.probability, timing: .decoded), to: &words, from: first)
                }
            } else {
                words += Hypothesis.spread(CaptionText.words(s.text), from: startTime + s.start, to: startTime + s.end)
            }
            if words.count > first { words[words.count - 1].endsSegment = true }
        }
        return words
    }
}
