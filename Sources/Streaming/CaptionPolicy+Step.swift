/// The policy decides, the driver does: `step` takes what happened (a voice-activity frame, a
/// decode's result, a gap, the end) and returns what to do next, in order: decode this window, run
/// the final pass over this range, emit this event. A decode action's result must come back as
/// the next input (`.windowDecoded` / `.finalPassDecoded`, nil when nothing was decoded) before
/// any other input; the policy then finishes the step it had begun. Every position is a
/// `SampleIndex` on the policy's one clock.
extension CaptionPolicy {
    public enum Input: Equatable {
        /// Voice activity over samples [start, end) (one VAD frame); `isLoud`: its energy rule
        /// alone, without onset and hangover (nil: `isSpeech`), for the incremental endpoint.
        case voice(isSpeech: Bool, isLoud: Bool? = nil, start: SampleIndex, end: SampleIndex)
        /// Audio missing from `start` to `end` (longer than the window): silence for the policy,
        /// without decodes.
        case gap(start: SampleIndex, end: SampleIndex)
        /// The result of the last `.decodeWindow` (nil: the range held no audio, or it failed).
        case windowDecoded(Hypothesis?)
        /// The result of the last `.decodeFinalPass` (nil: no audio, or it failed).
        case finalPassDecoded(Hypothesis?)
        /// End the open utterance now (SIGTERM, pause, end of input, model swap).
        case finish(at: SampleIndex)
    }

    public enum Action: Equatable {
        /// Decode the samples [from, to) with `prompt`; answer with `.windowDecoded`.
        case decodeWindow(from: SampleIndex, to: SampleIndex, prompt: String)
        /// Decode the whole utterance, samples [from, to), once more; answer with `.finalPassDecoded`.
        case decodeFinalPass(from: SampleIndex, to: SampleIndex, prompt: String)
        /// Publish this event.
        case emit(StreamingEvent)
    }

    /// The step waiting for a decode's result.
    enum Pending: Equatable {
        /// A voice frame: after the final pass or last look, apply the frame, then the step decode.
        case voiceAfterDecode(isSpeech: Bool, isLoud: Bool?, start: SampleIndex, end: SampleIndex)
        /// A quiet frame of an incremental model: after reading the model's trailing blank up to
        /// the frame, the frame's step again (it may now end the utterance).
        case voiceAfterBlankLook(isSpeech: Bool, isLoud: Bool?, start: SampleIndex, end: SampleIndex)
        /// The step's own window decode (after the frame was applied).
        case stepDecode(end: SampleIndex)
        /// Finishing: after the decode, close the utterance.
        case finish(at: SampleIndex)
        /// A silent frame: after the early final pass (`EarlyFinal`), apply the frame.
        case earlyFinalPass(isSpeech: Bool, isLoud: Bool?, start: SampleIndex, end: SampleIndex)
    }

    /// Runs one input through the policy; returns the actions, in order.
    public mutating func step(_ input: Input) -> [Action] {
        switch input {
        case let .voice(isSpeech, isLoud, start, end):
            precondition(pending == nil, "CaptionPolicy.step: a decode result was expected")
            let loud = isLoud ?? isSpeech
            if isActive, !loud, blankEndpoint.quiet(at: end), lastDecodedEnd < end {
                // Quiet long enough for an incremental model's endpoint: read its trailing blank up
                // to this frame (it only runs the frames it has not seen), then decide.
                pending = .voiceAfterBlankLook(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
                return [windowAction(until: end)]
            }
            let silenceEnds = (!isSpeech && endpointDue(at: end)) || blankEndpointDue(at: end, loud: loud)
            let ends = silenceEnds || maxUtteranceDue(at: end)
            if silenceEnds, finalComesFromWindow {
                // The window decodes agree on the whole utterance to its end: they are the final.
                return applyVoice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
            }
            if ends, runsFinalPass, takeEarlyFinal(isSpeech: isSpeech) {
                // The pass ran early, in this pause (`EarlyFinal`): its result is the final's.
                return applyVoice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
            }
            if ends, runsFinalPass, let pass = plannedFinalPass(until: end) {
                // The final pass: the whole utterance once more, with the offline settings (also
                // for a forced final at the maximum utterance length); shorter when time is short.
                pending = .voiceAfterDecode(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
                return [pass]
            }
            if silenceEnds || (ends && finalPassSkipped), lastDecodedEnd < end {
                // A last look before the final: confirms (commits) the words of the utterance's end.
                pending = .voiceAfterDecode(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
                return [windowAction(until: end)]
            }
            if ends, let pass = passAfterAll(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end) { return pass }
            if !ends, let pass = earlyFinalPass(isSpeech: isSpeech, end: end) {
                // The speech paused: the final pass now, held for the endpoint (`EarlyFinal`).
                pending = .earlyFinalPass(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
                return [pass]
            }
            return applyVoice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)

        case let .gap(start, end):
            return voice(isSpeech: false, start: start, end: end).map(Action.emit)

        case let .windowDecoded(h):
            guard let p = pending else { return [] }
            pending = nil
            var actions: [Action] = []
            if let h { actions += hypothesis(h, windowEnd: lastDecodedEnd).map(Action.emit) }
            return actions + resume(p)

        case let .finalPassDecoded(h):
            guard let p = pending else { return [] }
            pending = nil
            if case let .earlyFinalPass(isSpeech, isLoud, start, end) = p {
                earlyFinal?.hypothesis = h
                return applyVoice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
            }
            if let h, let from = shortenedPassFrom, shortPassFollowedPrompt(h, from: from) {
                finalPassUnusable = true   // the final is built from the window decodes, as without a pass
            } else if let h {
                finalPass(shortenedPassFrom.map { mergedShortPass(h, from: $0) } ?? h)
            } else {
                finalPassUnusable = true
            }
            return resume(p)

        case let .finish(time):
            precondition(pending == nil, "CaptionPolicy.step: a decode result was expected")
            if isActive, runsFinalPass, takeEarlyFinal() { return finish(at: time).map(Action.emit) }
            if isActive, runsFinalPass {
                pending = .finish(at: time)
                return [finishingPass(until: time)]
            }
            if isActive, lastDecodedEnd < time, time - windowStart > samples(0.1) {
                pending = .finish(at: time)
                return [windowAction(until: time)]
            }
            return finish(at: time).map(Action.emit)
        }
    }

    /// Audio the next decodes may need starts here: the window (and, with a final pass, the
    /// utterance's own audio); while idle, the preroll and context before `now`.
    public func audioNeeded(now: SampleIndex) -> SampleIndex {
        if isActive {
            return runsFinalPass ? min(windowStart, utteranceAudioStart) : windowStart
        }
        return now - samples(configuration.prerollSeconds) - samples(configuration.contextSeconds)
    }

    // MARK: - Internals

    private mutating func resume(_ p: Pending) -> [Action] {
        switch p {
        case let .voiceAfterDecode(isSpeech, isLoud, start, end):
            if let pass = passAfterAll(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end) { return pass }
            return applyVoice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
        case let .voiceAfterBlankLook(isSpeech, isLoud, start, end):
            return step(.voice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end))
        case .stepDecode:
            return []
        case let .finish(time):
            return finish(at: time).map(Action.emit)
        case let .earlyFinalPass(isSpeech, isLoud, start, end):
            return applyVoice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
        }
    }

    /// The frame applied to the utterance, then the step's decode when one is due.
    private mutating func applyVoice(isSpeech: Bool, isLoud: Bool?, start: SampleIndex, end: SampleIndex) -> [Action] {
        var actions = voice(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end).map(Action.emit)
        let due = inOpening(at: end) ? openingDecodeDue(at: end)
            : (lastDecodeAt.map({ end - $0 >= stepSamples(isSpeech: isSpeech) }) ?? true) && end - windowStart >= samples(configuration.stepSeconds)
        if isActive, due, !earlyFinalHolds(isSpeech: isSpeech), !earlyFinalImminent(loud: isLoud ?? isSpeech, end: end) {
            // Newer audio already waiting: decode there instead (no queue of stale steps).
            if schedule.isStale(end) { schedule.deferDecode(); return actions }
            pending = .stepDecode(end: end)
            actions.append(windowAction(until: end))
        }
        return actions
    }

    private mutating func windowAction(until end: SampleIndex) -> Action {
        lastDecodeAt = end
        lastDecodedEnd = end
        let text = promptWithheld ? "" : prompt
        lastWindowPrompted = !text.isEmpty
        return .decodeWindow(from: windowStart, to: end, prompt: text)
    }
}

// MARK: - The final pass within the schedule's budget

extension CaptionPolicy {
    /// The final-pass action the schedule affords for the utterance ending at `end`: the whole
    /// utterance, only the window's uncommitted audio (prompted with the committed text), or nil
    /// (skipped: the final comes from the committed and last-decoded words).
    mutating func plannedFinalPass(until end: SampleIndex) -> Action? {
        // A shortened pass overlaps the committed words before the window (`ShortPassJoin`).
        let start = ShortPassJoin.start(committed: committedWords, windowStart: clock.seconds(windowStart),
                                        earliest: clock.seconds(utteranceAudioStart))
        let from = max(utteranceAudioStart, min(at(start), windowStart))
        switch schedule.finalPlan(utteranceFrom: utteranceAudioStart, windowFrom: from, end: end,
                                  confirmed: !committedWords.isEmpty) {
        case .full:
            return .decodeFinalPass(from: utteranceAudioStart, to: end, prompt: finalPassPrompt)
        case .fromWindow:
            shortenedPassFrom = from
            let text = prompt(before: from)
            shortPassPrompted = !text.isEmpty
            return .decodeFinalPass(from: from, to: end, prompt: text)
        case .none:
            finalPassSkipped = true
            return nil
        }
    }

    /// The pass of an utterance ended from outside (end of input, SIGTERM, pause, model swap):
    /// always the whole utterance. The budget keeps live finals prompt while speech goes on; here
    /// no caption waits behind the pass, and it is the utterance's last reading.
    mutating func finishingPass(until end: SampleIndex) -> Action {
        shortenedPassFrom = nil
        return .decodeFinalPass(from: utteranceAudioStart, to: end, prompt: finalPassPrompt)
    }

    /// The final pass the budget skipped, run after all when the utterance has no word to close
    /// with (its last look gave none), or when no accepted decode read its end (the last look was
    /// dropped: it followed its prompt and skipped speech, `PromptFollowing`; seen at `captionctl
    /// simulate --paced --slowdown 12`, where the final lost "your country."): late rather than
    /// lost. Nil otherwise.
    mutating func passAfterAll(isSpeech: Bool, isLoud: Bool?, start: SampleIndex, end: SampleIndex) -> [Action]? {
        let nothingToCloseWith = committedWords.isEmpty && tentativeWords.isEmpty
        guard finalPassSkipped, runsFinalPass, isActive, nothingToCloseWith || coveredEnd < lastSpeechEnd else { return nil }
        finalPassSkipped = false
        pending = .voiceAfterDecode(isSpeech: isSpeech, isLoud: isLoud, start: start, end: end)
        return [.decodeFinalPass(from: utteranceAudioStart, to: end, prompt: finalPassPrompt)]
    }

    /// A pass over [from, end) as a whole-utterance pass: the committed words before `from`, then
    /// the committed words inside it joined with the pass (`ShortPassJoin.words`).
    func mergedShortPass(_ h: Hypothesis, from: SampleIndex) -> Hypothesis {
        var out = h.normalized()
        out.words = ShortPassJoin.words(committed: committedWords, pass: out, from: clock.seconds(from))
        return out
    }
}
