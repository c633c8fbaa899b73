/// The streaming policy's knobs (configuration section `streaming`), with the documented defaults.
public struct StreamingConfiguration: Equatable, Sendable {
    /// Longest audio window decoded at once (seconds).
    public var windowSeconds: Double = 12
    /// Re-decode cadence while an utterance is open (milliseconds).
    public var stepMilliseconds: Int = 500
    /// Trailing silence after speech that ends an utterance (seconds).
    public var endpointSilenceSeconds: Double = 0.6
    /// Longest utterance before a forced final (seconds).
    public var maxUtteranceSeconds: Double = 20
    /// Audio kept before detected speech onset so the first word is not clipped (seconds).
    public var prerollSeconds: Double = 0.3
    /// Audio of the previous utterance's last words put in front of a new window, so the decoder
    /// hears the speech run on (its words are recognised as already final and not shown again).
    public var contextSeconds: Double = 1.5
    /// The window is trimmed at a committed sentence or segment end only once it is this long.
    public var trimSeconds: Double = 6
    /// Hypotheses with a no-speech probability above this are dropped.
    public var noSpeechThreshold: Double = 0.6
    /// Hypotheses with an average log-probability below this are dropped.
    public var logProbThreshold: Double = -1.0
    /// Hypotheses with a compression ratio above this are dropped.
    public var compressionRatioThreshold: Double = 2.4
    /// Characters of committed text passed to the decoder as prompt.
    public var promptCharacters: Int = 200
    /// No word is committed before the utterance's window holds this much audio (seconds): two
    /// short windows readily agree on a wrong first word.
    public var commitAfterSeconds: Double = 1.0
    /// Tentative words (beyond the committed prefix) shown in partials: the newest hypothesis's
    /// tail is the least stable part, so only its first few words are shown (and only while the
    /// decoder is sure of them, `tentativeMinProbability`).
    public var partialTentativeWords: Int = 2
    /// Decode the whole utterance once more at its end with the offline settings (full context)
    /// and make that the final (needs a final-pass decoder).
    public var finalPass: Bool = true
    /// With a final pass, keep the committed words (shown as stable) and take only the rest of the
    /// utterance from the pass; false makes the final exactly the pass (more accurate, but the
    /// words it changes were already shown as stable).
    public var finalKeepsCommitted: Bool = true
    /// Window hypotheses with an average log-probability below this neither commit nor change
    /// the partial (the decoder is unsure, typically of the first words of a short window).
    public var commitLogProb: Double = -0.75
    /// A tentative word is shown in a partial only when the decoder gave it at least this
    /// probability (words without a probability are shown): a word the decoder is unsure of is
    /// the one most likely to change. 0 shows every tentative word. (The first word of an
    /// utterance often scores low only for its capitalisation; it appears once committed.)
    public var tentativeMinProbability: Double = 0.6
    /// Words agreed on by two hypotheses are committed only up to the first one whose probability
    /// in the newer hypothesis is below this (words without a probability pass). 0 commits every
    /// agreed word.
    public var commitMinProbability: Double = 0

    public init() {}

    public var stepSeconds: Double { Double(stepMilliseconds) / 1000 }

    /// Checks every value; the error names the key, the value and the allowed range.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ value: Any, _ reason: String) throws {
            if !ok { throw StreamingError.invalidConfiguration(parameter: key, value: "\(value)", reason: reason) }
        }
        try check(windowSeconds.isFinite && windowSeconds >= 1 && windowSeconds <= 30,
                  "window_s", windowSeconds, "expected seconds between 1 and 30 (Whisper's window)")
        try check(stepMilliseconds >= 100 && stepMilliseconds <= 5000,
                  "step_ms", stepMilliseconds, "expected milliseconds between 100 and 5000")
        try check(Double(stepMilliseconds) / 1000 < windowSeconds,
                  "step_ms", stepMilliseconds, "expected a step shorter than window_s")
        try check(endpointSilenceSeconds.isFinite && endpointSilenceSeconds >= 0.1 && endpointSilenceSeconds <= 10,
                  "endpoint_silence_s", endpointSilenceSeconds, "expected seconds between 0.1 and 10")
        try check(maxUtteranceSeconds.isFinite && maxUtteranceSeconds >= 1 && maxUtteranceSeconds <= 300,
                  "max_utterance_s", maxUtteranceSeconds, "expected seconds between 1 and 300")
        try check(prerollSeconds.isFinite && prerollSeconds >= 0 && prerollSeconds <= 2,
                  "preroll_s", prerollSeconds, "expected seconds between 0 and 2")
        try check(contextSeconds.isFinite && contextSeconds >= 0 && contextSeconds <= 5,
                  "context_s", contextSeconds, "expected seconds between 0 and 5")
        try check(trimSeconds.isFinite && trimSeconds >= 0 && trimSeconds <= 30,
                  "trim_s", trimSeconds, "expected seconds between 0 and 30")
        try check(noSpeechThreshold >= 0 && noSpeechThreshold <= 1,
                  "no_speech_threshold", noSpeechThreshold, "expected a probability between 0 and 1")
        try check(logProbThreshold.isFinite && logProbThreshold <= 0,
                  "logprob_threshold", logProbThreshold, "expected a log-probability ≤ 0")
        try check(compressionRatioThreshold.isFinite && compressionRatioThreshold > 1,
                  "compression_ratio_threshold", compressionRatioThreshold, "expected a ratio above 1")
        try check(commitAfterSeconds.isFinite && commitAfterSeconds >= 0 && commitAfterSeconds <= 10,
                  "commit_after_s", commitAfterSeconds, "expected seconds between 0 and 10")
        try check(partialTentativeWords >= 0 && partialTentativeWords <= 1000,
                  "partial_tentative_words", partialTentativeWords, "expected a count between 0 and 1000")
        try check(commitLogProb.isFinite && commitLogProb <= 0,
                  "commit_logprob", commitLogProb, "expected a log-probability ≤ 0")
        try check(tentativeMinProbability.isFinite && tentativeMinProbability >= 0 && tentativeMinProbability <= 1,
                  "tentative_min_prob", tentativeMinProbability, "expected a probability between 0 and 1")
        try check(commitMinProbability.isFinite && commitMinProbability >= 0 && commitMinProbability <= 1,
                  "commit_min_prob", commitMinProbability, "expected a probability between 0 and 1")
        try check(promptCharacters >= 0 && promptCharacters <= 1000,
                  "prompt_chars", promptCharacters, "expected a count between 0 and 1000")
    }
}
