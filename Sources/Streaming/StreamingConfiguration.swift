/// The streaming policy's knobs, with the documented defaults: the `[streaming]` section of
/// Config/captiond.toml (every key in `StreamingConfiguration.keys`) plus a few internal tunables
/// that are not configuration keys (their defaults are what the live service runs with).
public struct StreamingConfiguration: Equatable, Sendable {
    // MARK: Keys of the [streaming] section (see `keys` for names, ranges and docs)

    /// Longest audio window decoded at once (seconds). `window_s`
    public var windowSeconds: Double = 15
    /// Re-decode cadence while an utterance is open (milliseconds). `step_ms`
    public var stepMilliseconds: Int = 500
    /// Trailing silence after speech that ends an utterance (seconds). `endpoint_silence_ms`
    public var endpointSilenceSeconds: Double = 0.6
    /// Incremental models only (the audio-visual model): the utterance also ends after this much
    /// trailing CTC blank that is also quiet (energy, no VAD hangover); 0 turns it off
    /// (`BlankEndpoint`). `endpoint_blank_ms`
    public var endpointBlankSeconds: Double = 0.12
    /// Longest utterance before a forced final (seconds). `max_utterance_s`
    public var maxUtteranceSeconds: Double = 20
    /// No word is committed before the utterance's window holds this much audio (seconds): two
    /// short windows readily agree on a wrong first word. `commit_after_s`
    public var commitAfterSeconds: Double = 1.0
    /// Tentative words (beyond the committed prefix) shown in partials: the newest hypothesis's
    /// tail is the least stable part, so only its first few words are shown (and only while the
    /// decoder is sure of them, `tentativeMinProbability`). `partial_tentative_words`
    public var partialTentativeWords: Int = 2
    /// Decode the whole utterance once more at its end with the offline settings (full context)
    /// and make that the final (needs a model with a final pass). `final_pass`
    public var finalPass: Bool = true
    /// Window hypotheses with an average log-probability below this neither commit nor change
    /// the partial (the decoder is unsure, typically of the first words of a short window). `commit_logprob`
    public var commitLogProb: Double = -0.75
    /// A tentative word is shown in a partial only when the decoder gave it at least this
    /// probability (words without a probability are shown). 0 shows every tentative word.
    /// `tentative_min_prob`
    public var tentativeMinProbability: Double = 0.6
    /// Words agreed on by two hypotheses are committed only up to the first one whose probability
    /// in the newer hypothesis is below this (words without a probability pass), until a third
    /// hypothesis reads them alike. Two short windows agree on words they are unsure of: live
    /// Mandarin committed "坏(0.52)" for "换" and "中进(0.20)席" for "中间协", which the final
    /// pass read right, and the final keeps committed words. A third reading still commits, so a
    /// sentence end read unsure ("for you. (0.11)") does not hold the window open (a floor without
    /// it lost words on a slow machine, docs/CONFIGURATION.md). 0 commits every agreed word.
    /// `commit_min_prob`
    public var commitMinProbability: Double = 0.6
    /// Until an utterance has committed words, agreed words are committed only up to the first one
    /// below this probability, however many decodes agree: windows of 0.9, 1.4 and 1.9 s all read
    /// "How (0.17) do you marry" for "Had he married", and the final keeps committed words.
    /// `opening_commit_min_prob`
    public var openingCommitMinProbability: Double = 0.2
    /// A re-decoding model's utterance whose window decodes agree on every word to its end, the
    /// last ending a sentence, ends after this much silence instead (0: off; `SettledEndpoint`).
    /// `endpoint_settled_ms`
    public var endpointSettledSeconds: Double = 0
    /// A settled utterance ended by silence takes its final from the agreed window decodes, without
    /// the final pass (`SettledEndpoint`). `final_from_window`
    public var finalFromWindow: Bool = false
    /// Step between window decodes once the VAD hears silence (milliseconds; 0: `step_ms`), so the
    /// decodes that settle the utterance's end come sooner (`SettledEndpoint`). `trailing_step_ms`
    public var trailingStepMilliseconds: Int = 0
    /// A re-decoding model's step between window decodes from the onset until the utterance shows
    /// words (at most for its first `commitAfterSeconds`); 0: `step_ms` (`OpeningWords`).
    /// `opening_step_ms`
    public var openingStepMilliseconds: Int = 200
    /// A tentative word the previous window decode also produced (same words before it) is shown
    /// from this probability on when that is below `tentativeMinProbability` (`OpeningWords`).
    /// `tentative_agreed_min_prob`
    public var tentativeAgreedMinProbability: Double = 0.1
    /// Until the open utterance has shown words (its opening), a tentative word is shown from this
    /// probability on when that is below `tentativeMinProbability` (`OpeningWords`).
    /// `opening_min_prob`
    public var openingMinProbability: Double = 0.0
    /// A re-decoding model's final pass runs as soon as the speech has paused this long (seconds;
    /// 0: off), and is the final when the pause becomes the endpoint with no speech in between,
    /// so the final comes at the endpoint instead of a pass later (`EarlyFinal`). `early_final_ms`
    public var earlyFinalSeconds: Double = 0.1
    /// A re-decoding model's final pass encodes the utterance plus 2 s of silence, at least this
    /// many seconds, rather than Whisper's whole 30-s context (seconds; 0: the 30-s context, as
    /// offline). 10 s: the same finals as the 30-s context on the fixtures (simulated: English WER
    /// 5.36 -> 3.57 %, Mandarin CER unchanged), passes 2-2.5 times cheaper; 5 s made a pass read
    /// its utterance twice (docs/CONFIGURATION.md). `pass_context_s`
    public var passContextSeconds: Double = 10
    /// The decoder's prompt (earlier finals and committed words) starts after the last word the
    /// decoder gave less than this probability, so a misheard word is not fed back to every later
    /// decode (0: the whole text, as offline `condition_on_previous_text`). `prompt_min_prob`
    public var promptMinProbability: Double = 0.1
    /// The earlier finals prompt the next utterance's final pass only across pauses shorter than
    /// this (seconds; 0: across any pause, as offline `condition_on_previous_text` over one file).
    /// Window decodes keep them (the opening's short windows read sooner with them). 2 s: on the
    /// keep-up streams (clips 2-3 s apart) Mandarin CER 19.05 -> 14.29 % (the offline greedy
    /// CER), English WER 3.57 -> 2.38 % (docs/CONFIGURATION.md). `prompt_pause_s`
    public var promptPauseSeconds: Double = 2
    /// A window decode given a prompt whose first word has less than this probability read
    /// without the prompt (the alignment pass's) followed the prompt rather than the audio: it is
    /// dropped, and the window is decoded again without a prompt (0: off). A slow decode (ASan, a
    /// busy core) trimmed the window after "… can do for"; the next, prompted so, read "your (0.0003)
    /// country." over "you. Ask what you can do for your country" (`PromptFollowing`). A prompted
    /// final pass shortened for time is judged the same way and, below it, not used.
    /// `prompted_first_min_prob`
    public var promptedFirstMinProbability: Double = 0.01

    // MARK: Internal tunables (not configuration keys)

    /// Audio kept before detected speech onset so the first word is not clipped (seconds).
    public var prerollSeconds: Double = 0.3
    /// Audio of the previous utterance's last words put in front of a new window. 0: with a final
    /// pass the previous words carry segment-spread times, and the new window's first words,
    /// falling inside them, were lost; the previous finals still prompt the decoder.
    public var contextSeconds: Double = 0
    /// The window is trimmed at a committed sentence or segment end only once it is this long
    /// (trimming shorter windows lost short words across the cut: "woman, he might" → "woman, might").
    public var trimSeconds: Double = 10
    /// Hypotheses with a no-speech probability above this are dropped.
    public var noSpeechThreshold: Double = 0.6
    /// Hypotheses with an average log-probability below this are dropped.
    public var logProbThreshold: Double = -1.0
    /// Hypotheses with a compression ratio above this are dropped.
    public var compressionRatioThreshold: Double = 2.4
    /// Characters of committed text passed to the decoder as prompt.
    public var promptCharacters: Int = 200
    /// The final pass keeps the committed words (shown as stable) and takes only the rest of the
    /// utterance from the pass; false makes the final exactly the pass.
    public var finalKeepsCommitted: Bool = true
    /// The audio arrives live on the capture clock (a device, a file played in real time): the
    /// live service then adapts the decodes to the measured compute (`LiveSchedule`). Set by the
    /// daemon from `audio.source`/`audio.pace`, not a key.
    public var followsCaptureClock: Bool = false
    /// The camera's part (the `[video]` section: enabled, gate, analysis rate).
    public var video = VideoAnalysisSettings()

    public init() {}

    public var stepSeconds: Double { Double(stepMilliseconds) / 1000 }

    /// Checks every value. Errors about a configuration key name it as it is written in the file
    /// (`streaming.step_ms`); errors about an internal tunable name the Swift property.
    public func validate() throws {
        for key in Self.keys {
            if let reason = key.problem(in: self) {
                throw StreamingError.invalidConfiguration(parameter: key.name, value: key.show(in: self), reason: reason)
            }
        }
        if stepSeconds >= windowSeconds {
            throw StreamingError.invalidConfiguration(parameter: "step_ms", value: "\(stepMilliseconds)",
                                                      reason: "expected a step shorter than window_s (\(windowSeconds) s)")
        }
        if endpointBlankSeconds > 0 && endpointBlankSeconds < 0.08 {
            throw StreamingError.invalidConfiguration(parameter: "endpoint_blank_ms", value: "\(endpointBlankSeconds * 1000)",
                                                      reason: "expected 0 (off) or at least 80 ms (two model frames): a shorter blank run ends utterances inside words")
        }
        func check(_ ok: Bool, _ property: String, _ value: Any, _ reason: String) throws {
            if !ok { throw StreamingError.invalidTunable(property: property, value: "\(value)", reason: reason) }
        }
        try check(prerollSeconds.isFinite && prerollSeconds >= 0 && prerollSeconds <= 2,
                  "prerollSeconds", prerollSeconds, "expected seconds between 0 and 2")
        try check(contextSeconds.isFinite && contextSeconds >= 0 && contextSeconds <= 5,
                  "contextSeconds", contextSeconds, "expected seconds between 0 and 5")
        try check(trimSeconds.isFinite && trimSeconds >= 0 && trimSeconds <= 30,
                  "trimSeconds", trimSeconds, "expected seconds between 0 and 30")
        try check(noSpeechThreshold >= 0 && noSpeechThreshold <= 1,
                  "noSpeechThreshold", noSpeechThreshold, "expected a probability between 0 and 1")
        try check(logProbThreshold.isFinite && logProbThreshold <= 0,
                  "logProbThreshold", logProbThreshold, "expected a log-probability ≤ 0")
        try check(compressionRatioThreshold.isFinite && compressionRatioThreshold > 1,
                  "compressionRatioThreshold", compressionRatioThreshold, "expected a ratio above 1")
        try check(promptCharacters >= 0 && promptCharacters <= 1000,
                  "promptCharacters", promptCharacters, "expected a count between 0 and 1000")
    }
}
