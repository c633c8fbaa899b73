/// How soon an utterance's first words appear (Whisper; issue 11's first-appearance target).
///
/// Whisper gives an utterance's first word a low probability (0.1–0.6 on the English fixtures:
/// it has heard no context yet), so `tentativeMinProbability` hid it until two decodes agreed
/// after `commitAfterSeconds` and committed it: nothing showed for 1.2–1.4 s after the first word
/// ended. Three rules (all on by default):
///
/// - `openingStepMilliseconds` (`opening_step_ms`): until the utterance shows its first words,
///   and at most for its first `commitAfterSeconds`, the window is decoded every
///   `opening_step_ms` (never faster than the schedule allows) instead of every `step_ms`: the
///   decodes that hear the first word come sooner. The opening's grid goes through the base
///   grid's first decode (onset − preroll + `step_ms`), so its first decode is never later than
///   without the key, even when the schedule stretches the step.
/// - `tentativeAgreedMinProbability` (`tentative_agreed_min_prob`): a tentative word that the
///   previous window decode also produced, with the same words before it (two decodes agree, but
///   the utterance is too short to commit, or the word is below `commitMinProbability`), is shown
///   from this probability on, when that is lower than `tentativeMinProbability`. A word one
///   decode is unsure of is the one that changes; a word two decodes agree on rarely does.
/// - `openingMinProbability` (`opening_min_prob`, default 0): until the utterance has shown words, a
///   tentative word is shown from this probability on, when that is lower than
///   `tentativeMinProbability`; then the usual bar holds again. In a live A/B (docs/CONFIGURATION.md)
///   it halved the median first appearance (1.2 → 0.64 s) for about 3 points more partial words
///   revised; a lower bar everywhere revised twice as many again, most of them mid-utterance.
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

    /// True when a window decode is due at `end` during the opening: at each point of a grid of
    /// `openingStepSamples` laid through the base grid's first decode (`step_ms` after the window
    /// start, i.e. the onset minus the preroll), so the opening's first decode never comes later
    /// than the base grid's even when the schedule stretches the opening step; a frame that
    /// crosses a grid point decodes, so 20-ms frames do not stretch the step.
    func openingDecodeDue(at end: SampleIndex) -> Bool {
        let step = max(1, openingStepSamples)
        let base = windowStart + samples(configuration.stepSeconds)   // the base grid's first decode
        let since = max(lastDecodeAt ?? utteranceStart, utteranceStart)  // this utterance's last decode, or its onset
        // The window reaches back before the onset by a step or more: the base grid decodes at once.
        if since == utteranceStart, base <= utteranceStart { return true }
        // Grid points are base + k·step (any integer k); one lies in (since, end] when the
        // floored indices differ.
        func index(_ t: SampleIndex) -> SampleIndex { t >= base ? (t - base) / step : -((base - t + step - 1) / step) }
        return index(end) > index(since)
    }

    /// How many of `tentative` words (from its start) may be shown: up to `partialTentativeWords`,
    /// each sure enough (`tentativeMinProbability`, or `openingMinProbability` while nothing is
    /// shown), or, among the first `agreedTentative` (the previous decode produced them too), above
    /// `tentativeAgreedMinProbability`.
    func shownTentativeCount() -> Int {
        let bar = hasShownWords ? configuration.tentativeMinProbability
                                : min(configuration.tentativeMinProbability, configuration.openingMinProbability)
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
