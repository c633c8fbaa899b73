import CaptionCore

/// The final pass run early, in the silence after the speech, rather than after the endpoint
/// silence (live audio and a re-decoding model only: `CaptionPolicy.runsEarlyPass`).
///
/// Where the end of speech → final delay of a live Whisper final went (tiny.en, two cores): the
/// VAD's 200-ms hangover, `endpoint_silence_ms` (600 ms), then the final pass (a 30-s context),
/// one after the other. Here the pass runs once the VAD has called `earlyPassSeconds` of the
/// silence non-speech (audio keeps arriving and waits while it runs), so it costs nothing on the
/// endpoint unless it is slower than the silence. It stands while no speech follows: a speech
/// frame after it (a pause inside the utterance) discards it, and the next pause runs another.
///
/// Its words also decide how much silence ends the utterance, as Kaldi's endpoint rules end an
/// utterance sooner when the decoder is in a final state: when the pass's last word (before the
/// silence) ends a sentence, `endpoint_sentence_ms` of silence is enough; otherwise the utterance
/// waits for `endpoint_silence_ms`, and its final is still the early pass.
struct EarlyFinalPass: Equatable {
    /// The speech end (`CaptionPolicy.lastSpeechEnd`) the pass was run for.
    var speechEnd: SampleIndex
    /// False while the pass has not come back (or when the budget left no room for one).
    var decided = false
    /// The pass gave words that passed the guards: they are the utterance's final words.
    var accepted = false
    /// Its last word before the speech end ends a sentence.
    var endsSentence = false
}

extension CaptionPolicy {
    /// True when utterances get their final pass early: a re-decoding model with a final pass,
    /// audio on the capture clock (the schedule is live) and `earlyPassSeconds` above 0.
    var runsEarlyPass: Bool {
        runsFinalPass && dropsWordsInSilence && schedule.enabled && configuration.earlyPassSeconds > 0
    }

    /// The early pass stands for the open utterance: it was accepted and no speech came after it.
    var earlyPassStands: Bool {
        guard isActive, let e = earlyPass, e.decided, e.accepted else { return false }
        return e.speechEnd == lastSpeechEnd
    }

    /// Non-speech after `lastSpeechEnd` that ends the open utterance: `endpoint_sentence_ms` when
    /// the early pass stands and ends a sentence, else `endpoint_silence_ms`.
    var endpointSilenceSamples: SampleIndex {
        let sentence = configuration.endpointSentenceSeconds
        if sentence > 0, earlyPassStands, earlyPass?.endsSentence == true {
            return samples(min(sentence, configuration.endpointSilenceSeconds))
        }
        return samples(configuration.endpointSilenceSeconds)
    }

    /// The early pass for a non-speech frame ending at `end`, when it is due: the utterance has
    /// been silent for `earlyPassSeconds`, has no early pass for this silence, and the schedule
    /// affords a pass (`plannedFinalPass`, asked on a copy of the policy first, so a pass it would
    /// skip leaves no trace). Nil otherwise.
    mutating func earlyPassAction(isSpeech: Bool, end: SampleIndex) -> Action? {
        guard runsEarlyPass, isActive, !isSpeech, earlyPass == nil,
              end - lastSpeechEnd >= samples(configuration.earlyPassSeconds) else { return nil }
        earlyPass = EarlyFinalPass(speechEnd: lastSpeechEnd)
        var probe = self   // a value: planning on it changes nothing here
        guard probe.plannedFinalPass(until: end) != nil else {
            earlyPass?.decided = true   // no room: the endpoint decides as without an early pass
            return nil
        }
        return plannedFinalPass(until: end)
    }

    /// A final pass came back: when it was the early pass, notes whether it was accepted and
    /// whether its words end a sentence before the speech end.
    mutating func noteEarlyPass(accepted: Bool) {
        guard var e = earlyPass, !e.decided else { return }
        e.decided = true
        e.accepted = accepted
        if accepted, let words = finalWords {
            let heard = TrailingSilence.dropping(words, speechEnd: clock.seconds(e.speechEnd))
            e.endsSentence = heard.last.map { CaptionText.endsSentence($0.text) } ?? false
        }
        earlyPass = e
    }

    /// Speech again after the early pass: it no longer covers the utterance, so its words go (the
    /// next pause, or the endpoint, decodes the utterance again).
    mutating func dropEarlyPass() {
        guard let e = earlyPass else { return }
        if e.decided {   // its words, and the start of a shortened pass
            finalWords = nil
            shortenedPassFrom = nil
        }
        earlyPass = nil
    }
}
