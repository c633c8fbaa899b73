/// The streaming policy as a pure state machine: voice activity and timed window hypotheses go in,
/// partial and final caption events come out. No threads, no clock: every input carries its time.
///
/// Time is one clock of sample indices (`SampleIndex`, `AudioChunk.firstSampleIndex`'s numbering
/// at `clock.rate`): voice frames, windows, utterances and decode ranges are positions on it, and
/// durations are exact sample counts. Seconds appear only at the edges, through `clock`: the
/// model's word times coming in (`clock.index`) and the events' times going out (`clock.seconds`).
///
/// - An utterance opens at the first speech and closes with a `final` after
///   `endpointSilenceSeconds` of non-speech, after `maxUtteranceSeconds` (`maxUtteranceDue`), or
///   on `finish`; with an incremental model also after `endpointBlankSeconds` of trailing CTC
///   blank that is quiet too (`BlankEndpoint`).
/// - Hypotheses arriving outside an utterance, or failing the `HallucinationGuard`, are dropped.
/// - LocalAgreement-2 commits the common word prefix of two consecutive hypotheses, once the
///   window holds `commitAfterSeconds` of the utterance; committed words are never revised in
///   partials; an agreed word below `commitMinProbability` (and what follows it) waits. The rest
///   of the newest hypothesis is tentative; partials show only its first `partialTentativeWords`
///   words (the tail of a hypothesis is its least stable part), and only up to the first word
///   below `tentativeMinProbability`. A hypothesis below `commitLogProb` is ignored for agreement
///   and display.
/// - A final-pass hypothesis (the whole utterance decoded again at its end, `finalPass`) gives
///   the final's words after the committed ones (or all of them without `finalKeepsCommitted`)
///   when it passes the guards; otherwise the final is built from the window hypotheses.
/// - `windowStart` (the sample the next decode should begin at) moves to the end of the last
///   committed sentence or segment, and is forced forward when the window exceeds `windowSeconds`.
public struct CaptionPolicy {
    public let configuration: StreamingConfiguration
    let guardrail: HallucinationGuard
    /// Sample indices ↔ capture-clock seconds (the driver re-anchors it when its audio restarts).
    public var clock: SampleClock

    // Numbering (utterances only: the server numbers events, once).
    private var nextUtterance = 1
    private var currentUtterance: Int?   // assigned at the utterance's first event

    // The open utterance.
    public private(set) var isActive = false
    public private(set) var utteranceStart: SampleIndex = 0
    /// End of the latest speech seen.
    public private(set) var lastSpeechEnd: SampleIndex = 0
    private var committed: [Word] = []
    private var tentative: [Word] = []
    private(set) var coveredEnd: SampleIndex = 0   // end of the window of the newest accepted hypothesis
    private var language: String?
    private var lastPartial: (text: String, stable: String)?
    /// Leading tentative words the previous accepted window decode produced too (`OpeningWords`;
    /// an unsure one among them commits when the next decode reads it alike, `hypothesis`).
    var agreedTentative = 0
    private var finalWords: [Word]?       // the accepted final-pass words, if any

    /// Where the open utterance's own audio starts (onset minus preroll, never before the
    /// previous final): the final pass decodes from here.
    public private(set) var utteranceAudioStart: SampleIndex = 0

    /// Where the audio window of the next decode starts.
    public private(set) var windowStart: SampleIndex = 0
    /// End of the previous utterance; nil before the first final.
    public private(set) var lastFinalEnd: SampleIndex?
    private(set) var pastWords: [Word] = []     // words of earlier finals (prompt; their audio may be in the window)
    /// Beside each of `pastWords`: its utterance's speech as the VAD heard it (onset to last speech),
    /// not the words' decoded times, which a final pass stretches into the silence after them.
    private(set) var pastSpeech: [Range<SampleIndex>] = []

    /// Hypotheses ignored for agreement and display because their log-probability was below
    /// `commitLogProb`.
    public private(set) var unsure = 0
    /// Hypotheses dropped by the guards, with the reason (for status and tests).
    public private(set) var rejections: [HallucinationGuard.Rejection] = []
    /// Window decodes and shortened final passes dropped because they followed their prompt, not
    /// the audio (`PromptFollowing`).
    public internal(set) var promptFollowingDecodes = 0
    /// The last window decode was given a non-empty prompt.
    var lastWindowPrompted = false
    /// The open utterance's shortened final pass was given a non-empty prompt.
    var shortPassPrompted = false
    /// The open utterance's window decodes go without a prompt (`PromptFollowing`).
    var promptWithheld = false

    /// True when each utterance ends with a final pass (configured, and the model has one).
    public let runsFinalPass: Bool

    // What `step` has asked the driver for and not yet heard back about.
    var pending: Pending?
    /// End of the audio of the last window decode (`step` decodes every step); nil before the first.
    var lastDecodeAt: SampleIndex?
    /// End of the audio the last window decode covered (`.min` before the first).
    var lastDecodedEnd = SampleIndex.min
    /// When the open utterance's final pass was shortened to [from, end): the start (`LiveSchedule`).
    var shortenedPassFrom: SampleIndex?
    /// True when the budget skipped the open utterance's final pass (`LiveSchedule`).
    var finalPassSkipped = false
    /// True when the open utterance's final pass gave no usable words (rejected by the guards,
    /// emptied by the anomalous-tail rule, or failed): the final then keeps the window decodes'
    /// tentative words too, as for a skipped pass, instead of only the committed ones.
    var finalPassUnusable = false
    /// True when the open utterance's whole final pass heard no speech (no word decoded, or a
    /// no-speech probability above the guard's with an average log-probability below
    /// `logProbThreshold`, Whisper's silence rule): the final then keeps only the committed words.
    var finalPassHeardNoSpeech = false
    /// End of the window decode that settled the open utterance (`SettledEndpoint`); nil when unsettled.
    var settledThrough: SampleIndex?
    /// The early final pass of the open utterance's latest pause (`EarlyFinal`).
    var earlyFinal: EarlyFinal?
    /// Early final passes run, and those whose result became a final (`EarlyFinal`).
    public internal(set) var earlyFinalPasses = 0
    public internal(set) var earlyFinalsUsed = 0

    /// Paces the decodes by the measured compute (disabled: the configuration's fixed values).
    public var schedule: LiveSchedule

    /// The incremental model's endpoint (off for a re-decoding model).
    var blankEndpoint: BlankEndpoint
    /// A re-decoding model (Whisper): its words placed after the speech end are dropped from a
    /// final ended by silence (`TrailingSilence`). An incremental CTC model emits late by design.
    let dropsWordsInSilence: Bool

    /// - Parameter finalPassAvailable: false when the model cannot decode a whole utterance, so
    ///   finals come from the window hypotheses even with `finalPass` on.
    ///   - clock: the sample clock's rate and anchor (default: sample 0 at 0 s, `AudioRate.model`).
    ///   - incremental: the model keeps its state across windows and reports its trailing CTC
    ///     blank (`StreamingModel.incremental`): utterances may then end on `endpointBlankSeconds`.
    public init(configuration: StreamingConfiguration = StreamingConfiguration(), finalPassAvailable: Bool = true,
                clock: SampleClock = SampleClock(), incremental: Bool = false) throws {
        try configuration.validate()
        self.configuration = configuration
        self.guardrail = HallucinationGuard(configuration)
        self.runsFinalPass = configuration.finalPass && finalPassAvailable
        self.clock = clock
        self.schedule = LiveSchedule(configuration: configuration, enabled: false, rate: clock.rate)
        self.blankEndpoint = BlankEndpoint(blank: incremental ? clock.samples(configuration.endpointBlankSeconds) : 0)
        self.dropsWordsInSilence = !incremental
    }

    /// A configured duration (seconds) in samples.
    func samples(_ seconds: Double) -> SampleIndex { clock.samples(seconds) }
    /// The sample a model's word time (seconds) falls on.
    func at(_ time: Double) -> SampleIndex { clock.index(time) }

    /// True once the open utterance has shown words (a partial).
    var hasShownWords: Bool { lastPartial != nil }

    /// Committed words of the open utterance.
    public var committedWords: [Word] { committed }
    /// Tentative words of the open utterance (the newest hypothesis beyond the committed prefix).
    public var tentativeWords: [Word] { tentative }

    /// The decoder prompt: committed text that precedes `windowStart`, last `promptCharacters`.
    public var prompt: String { prompt(before: windowStart) }

    /// The committed text whose audio precedes `time`, last `promptCharacters`.
    func prompt(before time: SampleIndex) -> String {
        // Only words whose audio precedes the window: a decoder prompted with words it is about to
        // hear tends to skip them.
        promptText((pastWords + committed).filter { at($0.end) <= time })
    }

    /// True when non-speech from `lastSpeechEnd` to `time` would end the open utterance.
    public func endpointDue(at time: SampleIndex) -> Bool {
        isActive && (time - lastSpeechEnd >= samples(configuration.endpointSilenceSeconds) || settledEndpointDue(at: time))
    }

    /// True when a frame ending at `time` (`loud`: its energy rule) ends the open utterance on the
    /// incremental model's trailing blank (`BlankEndpoint`), even while the VAD's hangover still
    /// calls it speech.
    public func blankEndpointDue(at time: SampleIndex, loud: Bool) -> Bool {
        // Only on the model's blank read up to this frame (`step` looks first): an older look
        // says nothing about what it emitted since.
        isActive && lastDecodedEnd >= time && blankEndpoint.due(at: time, loud: loud)
    }

    /// True when speech up to `time` reaches `maxUtteranceSeconds`, so `voice` would end the open
    /// utterance with a forced final (the recognizer runs the final pass first).
    public func maxUtteranceDue(at time: SampleIndex) -> Bool {
        isActive && time - utteranceStart >= samples(configuration.maxUtteranceSeconds)
    }

    /// Voice activity over [start, end). Opens an utterance on speech; closes it with a final
    /// after enough silence or at the maximum utterance length. `isLoud`: the VAD's energy rule
    /// alone, without onset and hangover (nil: `isSpeech`).
    public mutating func voice(isSpeech: Bool, isLoud: Bool? = nil, start: SampleIndex, end: SampleIndex) -> [StreamingEvent] {
        var events: [StreamingEvent] = []
        let loud = isLoud ?? isSpeech
        blankEndpoint.frame(loud: loud, end: end)
        if blankEndpointDue(at: end, loud: loud) {
            // The model has emitted nothing for the blank run and the signal is quiet: the
            // utterance ended where the loud signal (or the last emission) did.
            events += close(at: blankEndpoint.speechEnd, confirmedOnly: true)
            blankEndpoint.closed()
            return events
        }
        if isSpeech, !isActive, blankEndpoint.awaitingLoud {
            // The VAD's hangover after an utterance the blank run ended: not new speech.
            return events
        }
        if isSpeech {
            if !isActive {
                open(at: start)
            }
            lastSpeechEnd = max(lastSpeechEnd, end)
            if maxUtteranceDue(at: end) {
                events += close(at: end)
                open(at: end, preroll: false)
                lastSpeechEnd = end
            }
        } else if endpointDue(at: end) {
            events += close(at: lastSpeechEnd, confirmedOnly: true)
        } else if maxUtteranceDue(at: end) {
            events += close(at: end)
        }
        return events
    }

    /// A hypothesis for the audio window [windowStart, windowEnd). Returns the partial it causes.
    /// The hypothesis's word times are capture-clock seconds (as the model gives them).
    public mutating func hypothesis(_ decoded: Hypothesis, windowEnd: SampleIndex) -> [StreamingEvent] {
        guard isActive else { return [] }
        // What the model read is evidence for the endpoint even when its text is not shown.
        if blankEndpoint.enabled, let run = decoded.trailingBlank {
            blankEndpoint.model(lastEmissionEnd: run.lastEmissionEnd.map(at), decodedEnd: at(run.decodedEnd), windowStart: windowStart,
                                silentSince: run.silentSince.map(at))
        }
        let h = HallucinationGuard.droppingAnomalousTail(decoded.normalized())
        if let reason = guardrail.rejection(of: h) {
            rejections.append(reason)
            return []
        }
        let context = pastWords + committed
        let inWindow = context.filter { at($0.end) > windowStart }
        let newWords = LocalAgreement.newWords(in: h, after: inWindow)
        if followedPrompt(firstDeparting: Self.firstDepartingWord(h.words, from: inWindow)) { return [] }
        if let lang = h.language { language = lang }
        coveredEnd = max(coveredEnd, windowEnd)
        guard h.avgLogProb >= configuration.commitLogProb else {
            // Unsure: neither commit nor show it; the next confident hypothesis is compared with
            // the last confident one.
            unsure += 1
            return []
        }

        // New words never start by saying the committed text's last phrase again (the prompt);
        // before anything of this utterance is committed, the earlier finals' last phrase said
        // again is dropped only when squeezed into no time (a repeated request is speech).
        let fresh = LocalAgreement.droppingRepeat(of: Array(context.suffix(8)),
                                                  from: newWords,
                                                  squeezedOnly: committed.isEmpty)
        // Short windows agree on wrong first words: commit only once the window is long enough.
        let longEnough = windowEnd - utteranceStart >= samples(configuration.commitAfterSeconds)
        let common = LocalAgreement.commonPrefixLength(tentative, fresh)
        var agreed = longEnough ? common : 0
        // An agreed word the decoder is unsure of is left tentative (with the words after it)
        // until a third decode reads it alike; below the opening floor it waits for the pass.
        let readThrice = min(agreed, agreedTentative)
        let openingFloor = committed.isEmpty ? configuration.openingCommitMinProbability : 0
        if let unsureWord = fresh[0..<agreed].indices.first(where: { i in
            let p = fresh[i].probability ?? 1
            return p < openingFloor || (i >= readThrice && p < configuration.commitMinProbability)
        }) {
            agreed = unsureWord
        }
        let hadTentative = !tentative.isEmpty
        committed += fresh[0..<agreed]
        tentative = Array(fresh[agreed...])
        agreedTentative = common - agreed
        noteSettlement(windowEnd: windowEnd, agreed: agreed, hadTentative: hadTentative)
        trimWindow(windowEnd: windowEnd)
        return partialIfChanged()
    }

    /// The prompt for the final pass: the earlier finals' text (`promptText`).
    public var finalPassPrompt: String { promptText(promptingPastWords) }

    /// The whole utterance decoded once more, from `utteranceAudioStart`. Kept as the final's
    /// words when it passes the guards and has words; returns whether it was accepted.
    @discardableResult
    public mutating func finalPass(_ decoded: Hypothesis) -> Bool {
        guard isActive else { return false }
        let h = HallucinationGuard.droppingAnomalousTail(decoded.normalized())
        // A whole-utterance pass that hears no speech outweighs the window decodes' unconfirmed
        // guesses (input cut 0.75 s into "换一首歌": no-speech 1.0, while a window guessed "会" at 0.33).
        let whole = shortenedPassFrom == nil
        if let reason = guardrail.rejection(of: h) {
            rejections.append(reason)
            finalPassUnusable = true
            // Whisper's own silence rule: no-speech probability high and no word, or words it is unsure of.
            if whole, case .noSpeech = reason, decoded.words.isEmpty || decoded.avgLogProb < configuration.logProbThreshold {
                finalPassHeardNoSpeech = true
            }
            return false
        }
        guard !h.words.isEmpty else {
            finalPassUnusable = true
            if whole, decoded.words.isEmpty { finalPassHeardNoSpeech = true }
            return false
        }
        if let lang = h.language { language = lang }
        finalWords = h.words
        return true
    }

    /// Ends the open utterance now (SIGTERM path): a final with committed and tentative words.
    public mutating func finish(at time: SampleIndex) -> [StreamingEvent] {
        guard isActive else { return [] }
        return close(at: max(lastSpeechEnd, min(time, max(coveredEnd, lastSpeechEnd))))
    }

    // MARK: - Internals

    private mutating func open(at time: SampleIndex, preroll: Bool = true) {
        isActive = true
        utteranceStart = time
        lastSpeechEnd = time
        committed = []
        tentative = []
        coveredEnd = time
        lastPartial = nil
        finalWords = nil
        finalPassUnusable = false
        finalPassHeardNoSpeech = false
        settledThrough = nil
        earlyFinal = nil
        agreedTentative = 0
        promptWithheld = false
        blankEndpoint.open(at: time)
        let back = preroll ? samples(configuration.prerollSeconds) : 0
        // Before any final the window may reach back to capture time 0 s, as when this policy
        // counted seconds (the driver clamps a window to the audio it holds).
        windowStart = max(lastFinalEnd ?? clock.index(0), time - back)
        utteranceAudioStart = windowStart
        // Reach back over the previous utterance's last words (whole words only).
        if preroll, let first = pastWords.first(where: { at($0.start) >= time - back - samples(configuration.contextSeconds) }),
           at(first.start) < windowStart {
            windowStart = at(first.start)
        }
    }

    /// Closes the utterance. `confirmedOnly`: a silence endpoint keeps only committed words (the
    /// decoder has seen the whole utterance at least twice), unless nothing was committed.
    private mutating func close(at end: SampleIndex, confirmedOnly: Bool = false) -> [StreamingEvent] {
        var words: [Word]
        if let full = finalWords {
            // Committed words were shown as stable: by default they stay, and the final pass only
            // supplies the rest of the utterance.
            words = configuration.finalKeepsCommitted ? LocalAgreement.merge(committed: committed, full: full) : full
        } else {
            // Without a final pass (skipped for time, or one that gave no usable words) the last
            // decode's words are the only reading of the utterance's end: keep them (a shortened
            // pass emptied by the anomalous-tail rule lost 17 words of the FLAC clip under ASan).
            // A whole pass that heard no speech keeps only the words two decodes agreed on.
            let passless = finalPassSkipped || finalPassUnusable
            words = finalPassHeardNoSpeech || (confirmedOnly && !committed.isEmpty && !passless) ? committed : committed + tentative
        }
        // Ended by silence: nothing the decoder placed in that silence is speech.
        if confirmedOnly, dropsWordsInSilence { words = TrailingSilence.dropping(words, speechEnd: clock.seconds(lastSpeechEnd)) }
        isActive = false
        finalPassSkipped = false
        finalPassUnusable = false
        finalPassHeardNoSpeech = false
        shortenedPassFrom = nil
        settledThrough = nil
        earlyFinal = nil
        finalWords = nil
        committed = []
        tentative = []
        agreedTentative = 0
        let boundary = max(lastFinalEnd ?? clock.index(0), end)
        lastFinalEnd = boundary
        windowStart = boundary
        defer { currentUtterance = nil; lastPartial = nil }
        let text = CaptionText.join(words.map(\.text))
        pastWords = Array((pastWords + words).suffix(200))
        let speech = utteranceStart..<max(utteranceStart, lastSpeechEnd)
        pastSpeech = Array((pastSpeech + Array(repeating: speech, count: words.count)).suffix(200))
        // A final without words still ends the utterance whose partials were shown (subscribers
        // clear them; `docs/PROTOCOL.md`): a partial left standing reads as a caption.
        guard !text.isEmpty || hasShownWords else { return [] }
        // Decoders stretch the first word back over leading silence: trust it only up to the preroll.
        let firstWord = max(words.first.map { at($0.start) } ?? utteranceStart, utteranceStart - samples(configuration.prerollSeconds))
        let start = min(utteranceStart, firstWord)
        let stop = max(end, start)
        return [event(.final, text: text, stable: text, start: start, end: stop, words: words)]
    }

    /// Once the window is `trimSeconds` long, moves its start to the end of the last committed
    /// sentence or segment; when the window is still longer than allowed, to the start of the last
    /// committed word, and at worst forward so the window keeps `windowSeconds - step` of audio.
    /// A slow model's window (`LiveSchedule`) is trimmed the same way to the schedule's length.
    private mutating func trimWindow(windowEnd: SampleIndex) {
        let limit = samples(configuration.windowSeconds) - samples(configuration.stepSeconds)
        if windowEnd - windowStart >= min(samples(configuration.trimSeconds), limit),
           let cut = committed.last(where: { CaptionText.endsSentence($0.text) || $0.endsSegment }),
           at(cut.end) > windowStart {
            windowStart = at(cut.end)
        }
        if windowEnd - windowStart > limit, let last = committed.last, at(last.end) > windowStart {
            windowStart = max(windowStart, at(last.start))
        }
        if windowEnd - windowStart > limit {
            windowStart = windowEnd - limit
        }
        // A slow model: trim at committed text (a sentence end if there is one) to keep decodes short.
        if windowEnd - windowStart > schedule.windowSamples {
            let after = committed.filter { at($0.end) > windowStart }
            if let cut = after.last(where: { CaptionText.endsSentence($0.text) || $0.endsSegment }) {
                windowStart = at(cut.end)
            } else if let last = after.last {
                // Mid-phrase: keep the last committed word in the window. Cut at its end, the
                // window began where the word's end was placed (20-ms frames, often late), and
                // the next word's onset was lost ("can do for you. Ask" read "ask"; paced
                // simulation at 10× compute); the re-read word is matched to the committed one.
                // Its start is a DTW frame too: 0.1 s before it, so the decoder hears the whole
                // word (cut at "do"'s start, a window read "for your country." and its "for" was
                // taken for the re-read "do"; paced at 6×, 3 runs in 24 with commit_min_prob 0.6).
                windowStart = max(windowStart, at(last.start) - samples(0.1))
            }
        }
    }

    private mutating func partialIfChanged() -> [StreamingEvent] {
        // Tentative words are shown up to the first one the decoder is unsure of (unless two
        // decodes agree on it, `OpeningWords`).
        let sure = tentative.prefix(shownTentativeCount())
        let shown = committed + sure
        let stable = CaptionText.join(committed.map(\.text))
        let text = CaptionText.join(shown.map(\.text))
        guard !text.isEmpty else { return [] }
        if let last = lastPartial, last.text == text, last.stable == stable { return [] }
        lastPartial = (text, stable)
        let end = max(coveredEnd, shown.last.map { at($0.end) } ?? coveredEnd)
        return [event(.partial, text: text, stable: stable, start: utteranceStart, end: end, words: shown)]
    }

    /// The event leaving the policy: its times become capture-clock seconds here.
    private mutating func event(_ kind: StreamingEvent.Kind, text: String, stable: String,
                                start: SampleIndex, end: SampleIndex, words: [Word]) -> StreamingEvent {
        let utterance: Int
        if let u = currentUtterance { utterance = u } else {
            utterance = nextUtterance; nextUtterance += 1; currentUtterance = utterance
        }
        return StreamingEvent(kind: kind, utterance: utterance, text: text, stable: stable,
                            start: clock.seconds(start), end: clock.seconds(end), lang: language, words: words)
    }
}
