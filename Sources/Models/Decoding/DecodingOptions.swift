/// Options of a transcription, with faster-whisper 1.2.1's defaults.
public struct DecodingOptions: Sendable, Equatable {
    public var task: WhisperTask = .transcribe
    /// Language code ("en", "zh", …); nil detects it on the first window (multilingual models).
    public var language: String? = nil
    public var beamSize = 5
    /// Samples per temperature > 0; the one with the best score is kept.
    public var bestOf = 5
    public var patience = 1.0
    public var lengthPenalty = 1.0
    /// Tried in order until a result passes the thresholds below.
    public var temperatures: [Float] = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    /// Retry when gzip ratio of the text exceeds this (repetition loops); nil disables.
    public var compressionRatioThreshold: Double? = 2.4
    /// Retry when the average log-probability is below this; nil disables.
    public var logProbThreshold: Double? = -1.0
    /// Skip a window whose no-speech probability is above this while its average
    /// log-probability is below logProbThreshold; nil disables.
    public var noSpeechThreshold: Double? = 0.6
    public var conditionOnPreviousText = true
    /// Forget the previous text after a window decoded above this temperature.
    public var promptResetOnTemperature: Float = 0.5
    public var initialPrompt: String? = nil
    /// Words the decoder should expect (faster-whisper's `hotwords`): placed after <|startofprev|>
    /// before the previous text in every window's prompt.
    public var hotwords: String? = nil
    /// Time every word from the alignment heads (faster-whisper's `word_timestamps`).
    public var wordTimestamps = false
    public var withoutTimestamps = false
    /// Latest first timestamp in seconds.
    public var maxInitialTimestamp = 1.0
    /// Suppress blank output (space, EOT) at the first step.
    public var suppressBlank = true
    /// Token ids never generated; -1 stands for the default non-speech symbols; [] suppresses nothing.
    public var suppressTokens: [Int] = [-1]
    /// Seed of the sampler used at temperatures > 0.
    public var seed: UInt64 = 0
    /// At most this many generated tokens per window (nil: Whisper's 224). The streaming path caps
    /// short windows, where a repetition loop would otherwise run to the limit.
    public var maxNewTokens: Int? = nil
    /// Greedy search (beam 1, and each best_of sample) stops as soon as its text ends in a loop
    /// (`RepetitionLoop.endsInLoop`) instead of generating to the token budget. Off offline (the
    /// tokens stay faster-whisper's); the live window decoder, which cuts loops anyway, turns it on.
    public var stopAtRepetition = false
    /// Work bound per window of the offline transcriber (not in faster-whisper): at most
    /// max(minimumTokenBudget, seconds of audio in the window × tokensPerSecond) tokens per attempt,
    /// and the temperature fallback stops once its attempts together generated
    /// fallbackBudgetFactor × that many. Speech needs ~3–5 tokens a second; a tone or noise that
    /// sends Whisper into a repetition loop (a 1-s 440 Hz tone took 26 s) is cut short. nil: no bound.
    public var tokensPerSecond: Double? = 12
    public var minimumTokenBudget = 32
    public var fallbackBudgetFactor = 4
    /// Beam search advances all beams in one forward pass (false: one beam after another, the
    /// slower reference with the same result).
    public var batchedBeamSearch = true
    /// After a window whose text all ended in complete segments (the tokens after its last
    /// complete segment hold no text, only a timestamp), the offline transcriber decodes the rest
    /// of the clip from the last timestamp (faster-whisper's seek rule). false: that rest is not
    /// decoded — the live final pass's utterance ends in its trailing silence, and decoding it
    /// cost a second 30-s encoder run and decode (~0.6 s with tiny.en), where a decoder prompted
    /// with the earlier finals repeated them ("… at home. 2 3"). Text cut off at the window's end
    /// is still decoded again.
    public var decodesRestAfterCompleteText = true
    /// The encoder's audio context of a window that holds the rest of the recording: nil encodes
    /// Whisper's 30 s whatever the content (faster-whisper); otherwise the content plus
    /// `paddingSeconds` of zero frames, at least `minimumSeconds`, and timestamps past the
    /// content are suppressed (the live final pass, `StreamingConfiguration.passAudioContext`).
    public var reducedContext: ReducedAudioContext? = nil

    public init() {}

    /// faster-whisper's `transcribe(path, beam_size=1, language=…)` settings.
    public static func greedy(language: String? = nil) -> DecodingOptions {
        var o = DecodingOptions()
        o.beamSize = 1
        o.language = language
        return o
    }
}

/// A window's encoder context cut to its content plus some silence (`DecodingOptions.reducedContext`).
/// The encoder's cost grows with its context (attention quadratically), so a 4-s utterance encoded
/// in 6 s of context costs a fraction of the 30-s one; the live window decodes do the same
/// (`WhisperWindowDecoder`, whose measurements chose 2 s of padding and 5 s at least: very short
/// contexts make Whisper loop).
public struct ReducedAudioContext: Equatable, Sendable {
    public var paddingSeconds: Double
    public var minimumSeconds: Double

    public init(paddingSeconds: Double = 2, minimumSeconds: Double = 5) {
        self.paddingSeconds = max(0, paddingSeconds)
        self.minimumSeconds = max(0, minimumSeconds)
    }

    /// Zero samples (16 kHz) appended to `contentSamples` samples of content: the padding, or up to
    /// the minimum, the whole within 30 s. `frames(content: contentSamples / 160)` is the encoder's
    /// context of the padded audio when the padding is a whole number of 10-ms frames.
    public func paddingSamples(content contentSamples: Int) -> Int {
        let rate = 16_000.0   // Whisper's sample rate: 160 samples a 10-ms frame
        let wanted = max(contentSamples + Int((paddingSeconds * rate).rounded()), Int((minimumSeconds * rate).rounded()))
        return max(0, min(3000 * 160, wanted) - contentSamples)
    }

    /// Mel frames (even, 2...3000) the encoder gets for `contentFrames` frames of content.
    public func frames(content contentFrames: Int) -> Int {
        let wanted = max(contentFrames + Int((paddingSeconds * 100).rounded()), Int((minimumSeconds * 100).rounded()))
        let capped = min(3000, max(2, wanted))
        return capped - capped % 2
    }
}
