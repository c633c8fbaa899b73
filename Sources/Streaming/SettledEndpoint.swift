/// Endpointing by the decoder's state for a re-decoding model (Whisper), as Kaldi and RNN-T
/// recognisers end an utterance sooner when the decoder is in a final state.
///
/// The utterance is **settled** when two window decodes that reach past the end of its speech
/// agree on every word of it (LocalAgreement-2 committed everything; nothing is tentative):
///
/// - `endpointSettledSeconds` (`endpoint_settled_ms`): a settled utterance whose last word ends a
///   sentence ends after this much silence instead of `endpointSilenceSeconds` (Kaldi's rule 2:
///   a shorter trailing silence in a final state);
/// - `finalFromWindow` (`final_from_window`): a settled utterance ended by silence takes its final
///   from the committed words, without the final pass (whose 30-s context costs 0.2–0.4 s with
///   tiny.en and only re-spells words the windows agreed on);
/// - `trailingStepMilliseconds` (`trailing_step_ms`): once the VAD hears silence, the window is
///   decoded every `trailing_step_ms` (never faster than the schedule allows), so the two
///   decodes of the utterance's end that settle it come sooner.
///
/// With `early_final_ms`, a held early final pass that reads the utterance as the window decodes do
/// settles it as well (`settledEndpointDue`).
///
/// Mid-utterance pauses cost nothing extra: the decodes at a pause are window decodes whose words
/// count for agreement when the speech goes on (unlike a final pass run early and discarded).
extension CaptionPolicy {
    /// True when the rules above may apply: a re-decoding model (the incremental one has its
    /// blank-run endpoint, `BlankEndpoint`).
    var decoderStateEndpoints: Bool { dropsWordsInSilence }

    /// True when window decodes agreed on every word of the open utterance, the newest of them
    /// reaching at least to the end of its speech.
    public var isSettled: Bool {
        guard isActive, decoderStateEndpoints, let through = settledThrough else { return false }
        return !committedWords.isEmpty && tentativeWords.isEmpty && through >= lastSpeechEnd
    }

    /// True when the silence from `lastSpeechEnd` to `time` ends the open, settled utterance
    /// early (`endpointSettledSeconds`): its last word ends a sentence.
    /// An utterance is settled too when its held early final pass (`EarlyFinal`) reads the same
    /// words as the window decodes (committed and tentative; the window decodes wait while it is
    /// held, so they cannot settle it themselves): two different decodes agree on all of it.
    func settledEndpointDue(at time: SampleIndex) -> Bool {
        guard configuration.endpointSettledSeconds > 0 else { return false }
        let last = isSettled ? committedWords.last : earlyFinalAgreement?.last
        guard let last, CaptionText.endsSentence(last.text) else { return false }
        return time - lastSpeechEnd >= samples(configuration.endpointSettledSeconds)
    }

    /// True when the final of an utterance ended by silence now comes from the window decodes
    /// (`finalFromWindow`) rather than a final pass.
    var finalComesFromWindow: Bool { configuration.finalFromWindow && isSettled }

    /// Samples between window decodes after a frame (`isSpeech`: the VAD's decision): the
    /// schedule's step, or during silence `trailingStepMilliseconds` when shorter (but never less
    /// than the schedule's headroom over the measured window decode).
    func stepSamples(isSpeech: Bool) -> SampleIndex {
        let step = schedule.stepSamples
        guard !isSpeech, decoderStateEndpoints, configuration.trailingStepMilliseconds > 0 else { return step }
        var trailing = Double(configuration.trailingStepMilliseconds) / 1000
        if schedule.enabled, let d = schedule.windowDecodeSeconds { trailing = max(trailing, schedule.limits.stepHeadroom * d) }
        return min(step, samples(trailing))
    }

    /// Notes a hypothesis's effect on the settled state: settled through `windowEnd` when the
    /// hypothesis left nothing tentative and either committed words itself or followed a look that
    /// left nothing tentative either (a decode with no new words after a look with some is a
    /// disagreement about the end, not a settlement).
    mutating func noteSettlement(windowEnd: SampleIndex, agreed: Int, hadTentative: Bool) {
        settledThrough = tentativeWords.isEmpty && (agreed > 0 || !hadTentative) ? windowEnd : nil
    }
}
