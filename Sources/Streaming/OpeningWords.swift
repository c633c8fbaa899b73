/// How soon an utterance's first words appear (Whisper; issue 11's first-appearance target).
///
/// Whisper gives an utterance's first word a low probability (0.1–0.6 on the English fixtures:
/// it has heard no context yet), so `tentativeMinProbability` hid it until two decodes agreed
/// after `commitAfterSeconds` and committed it: nothing showed for 1.2–1.4 s after the first word
/// ended. Two rules, both off by default:
///
/// - `openingStepMilliseconds` (`opening_step_ms`): until the utterance shows its first words,
///   and at most for its first `commitAfterSeconds`, the window is decoded every
///   `opening_step_ms` from the onset (never faster than the schedule allows), instead of every
///   `step_ms` from the onset minus the preroll: the decodes that hear the first word come sooner.
/// - `tentativeAgreedMinProbability` (`tentative_agreed_min_prob`): a tentative word that the
///   previous window decode also produced, with the same words before it (two decodes agree, but
///   the utterance is too short to commit, or the word is below `commitMinProbability`), is shown
///   from this probability on, when that is lower than `tentativeMinProbability`. A word one
///   decode is unsure of is the one that changes; a word two decodes agree on rarely does.
extension CaptionPolicy {
    /// True while the open utterance is in its opening: nothing shown yet, and its audio shorter
    /// than `commitAfterSeconds` (a re-decoding model with `openingStepMilliseconds` set).
    func inOpening(at end: SampleIndex) -> Bool {
        guard isActive, decoderStateEndpoints, configuration.openingStepMilliseconds > 0, !hasShownWords else { return false }
        return end - utteranceStart < samples(max(configuration.commitAfterSeconds, Double(configuration.openingStepMilliseconds) / 1000))
    }

    /// Samples between the opening's decodes: `openingStepMilliseconds`, or the schedule's
    /// headroom over the measured window decode when that is longer.
    var openingStepSamples: SampleIndex {
        var opening = Double(configuration.openingStepMilliseconds) / 1000
        if schedule.enabled, let d = schedule.windowDecodeSeconds { opening = max(opening, schedule.limits.stepHeadroom * d) }
        return min(schedule.stepSamples, samples(opening))
    }

    /// True when a window decode is due at `end` during the opening: on a grid of
    /// `openingStepSamples` from the onset (the first one step after it; a frame that crosses a
    /// grid point decodes, so 20-ms frames do not stretch the step).
    func openingDecodeDue(at end: SampleIndex) -> Bool {
        let step = max(1, openingStepSamples)
        let point = (end - utteranceStart) / step   // grid points up to `end`
        guard point >= 1 else { return false }
        guard let last = lastDecodeAt, last > utteranceStart else { return true }
        return (last - utteranceStart) / step < point
    }

    /// How many of `tentative` words (from its start) may be shown: up to `partialTentativeWords`,
    /// each sure enough (`tentativeMinProbability`), or, among the first `agreedTentative` (the
    /// previous decode produced them too), above `tentativeAgreedMinProbability`.
    func shownTentativeCount() -> Int {
        let bar = configuration.tentativeMinProbability
        let agreedBar = min(bar, configuration.tentativeAgreedMinProbability)
        var n = 0
        for (i, w) in tentativeWords.prefix(configuration.partialTentativeWords).enumerated() {
            let p = w.probability ?? 1
            guard p >= bar || (i < agreedTentative && p >= agreedBar) else { break }
            n += 1
        }
        return n
    }
}
