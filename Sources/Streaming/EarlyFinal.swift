/// The final pass run early, in the pause, rather than after the endpoint (issue 11's final
/// latency).
///
/// An utterance ended by silence waits `endpointSilenceSeconds` of non-speech after the VAD's
/// hangover, then its final pass (the whole utterance once more, 0.35–0.47 s with tiny.en on two
/// cores): the final came ~1.2 s after the speech. The pass hears nothing in that silence the
/// window decodes had not heard, so it can run as soon as the speech pauses:
///
/// - `earlyFinalSeconds` (`early_final_ms`): once the open utterance has been silent this long
///   (from the end of its last speech frame), and the schedule affords a whole pass now, the final
///   pass runs at once over the utterance so far and its result is held. When the silence becomes
///   the endpoint with no speech frame in between, the held result is the final's pass and no
///   other pass runs: the final comes at the endpoint. When speech resumes first (a pause within
///   the utterance), the held result is dropped and the next pause may run another.
/// - While a usable result is held and the silence lasts, no window decode runs: the words are
///   decided, and a decode in flight would only delay the endpoint's final.
///
/// The cost is one pass per pause longer than `earlyFinalSeconds` that does not end the utterance;
/// `earlyFinalPasses` and `earlyFinalsUsed` count both. The early pass is speculative, so the model
/// runs it at one temperature (`StreamingModel.decodeEarlyPass`): audio cut at a pause can send
/// Whisper into a loop that the temperature fallback then retries 2–3 times (1.1–1.75 s instead of
/// 0.6 s with tiny.en, holding up the window decodes); such a result is none here, and the
/// endpoint runs its own pass with the fallback.
struct EarlyFinal {
    /// The pass's result (nil: it failed or decoded nothing; the endpoint then runs its own pass).
    var hypothesis: Hypothesis?
    /// The end of the audio the pass decoded.
    var through: SampleIndex
}

extension CaptionPolicy {
    /// The held early pass's result when it still decides the open utterance: no speech came
    /// after the audio it decoded.
    var usableEarlyFinal: Hypothesis? {
        guard isActive, let held = earlyFinal, held.through >= lastSpeechEnd else { return nil }
        return held.hypothesis
    }

    /// The held early pass's words (as the final would take them: guarded tail, nothing the
    /// decoder placed in the silence) when they are the window decodes' committed and tentative
    /// words, compared by key; nil otherwise (`SettledEndpoint`).
    var earlyFinalAgreement: [Word]? {
        guard let h = usableEarlyFinal else { return nil }
        let pass = TrailingSilence.dropping(HallucinationGuard.droppingAnomalousTail(h.normalized()).words,
                                            speechEnd: clock.seconds(lastSpeechEnd))
        let windows = committedWords + tentativeWords
        guard !pass.isEmpty, KeyRuns(pass) == KeyRuns(windows) else { return nil }
        return pass
    }

    /// True while the policy waits for the early pass's result (the captioner then asks the model
    /// for `decodeEarlyPass`: one temperature, a result that would have fallen back is no result).
    public var awaitsEarlyFinalPass: Bool {
        if case .earlyFinalPass = pending { return true }
        return false
    }

    /// True when a usable early result is held and the frame is silent: window decodes wait.
    func earlyFinalHolds(isSpeech: Bool) -> Bool { !isSpeech && usableEarlyFinal != nil }

    /// True when a window decode due at this quiet frame would only hold up the pause's early
    /// pass: the frame is quiet by the energy rule (the VAD's hangover may still call it speech),
    /// no early pass has run since the last speech, the utterance is past its opening, and the
    /// schedule affords the pass. The pass comes at most the hangover plus `earlyFinalSeconds`
    /// later and decodes the same audio; a window decode started in the quiet ran on the
    /// captioner's thread first, and the pass waited for it (the keep-up bench's traces on
    /// 4 Dec 2026: a median 0.22 s, up to 0.39 s, between the pass's audio end and its start,
    /// with tiny.en's window decodes at 0.2–0.6 s). Speech that goes on after the quiet runs the
    /// held decode at its next loud frame.
    func earlyFinalImminent(loud: Bool, end: SampleIndex) -> Bool {
        guard configuration.earlyFinalSeconds > 0, isActive, decoderStateEndpoints, runsFinalPass, !loud,
              (earlyFinal?.through ?? .min) < lastSpeechEnd, !inOpening(at: end) else { return false }
        return schedule.affordsFullPass(utteranceFrom: utteranceAudioStart, end: end)
    }

    /// The early pass to run after a silent frame ending at `end` that does not end the utterance,
    /// or nil (off, speech, too soon, already run for this pause, or not affordable now).
    mutating func earlyFinalPass(isSpeech: Bool, end: SampleIndex) -> Action? {
        guard configuration.earlyFinalSeconds > 0, isActive, decoderStateEndpoints, runsFinalPass, !isSpeech,
              end - lastSpeechEnd >= samples(configuration.earlyFinalSeconds),
              (earlyFinal?.through ?? .min) < lastSpeechEnd,
              schedule.affordsFullPass(utteranceFrom: utteranceAudioStart, end: end) else { return nil }
        earlyFinal = EarlyFinal(hypothesis: nil, through: end)
        earlyFinalPasses += 1
        return .decodeFinalPass(from: utteranceAudioStart, to: end, prompt: finalPassPrompt)
    }

    /// Takes the held early result as the final's pass when it still applies (and the frame that
    /// ends the utterance is not speech); true when it did.
    mutating func takeEarlyFinal(isSpeech: Bool = false) -> Bool {
        guard !isSpeech, let h = usableEarlyFinal else { return false }
        // Kept until the utterance closes (`close` clears it): the endpoint rule that ends the
        // utterance in this very frame may be its agreement with the windows (`SettledEndpoint`).
        earlyFinalsUsed += 1
        finalPass(h)
        return true
    }
}
