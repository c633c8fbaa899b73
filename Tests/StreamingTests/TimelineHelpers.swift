import CaptionCore
import Streaming

/// A confident hypothesis from text with word times spread over [start, end].
func hyp(_ text: String, _ start: Double, _ end: Double, logProb: Double = -0.3, noSpeech: Double = 0.05,
         compression: Double = 1.4, lang: String? = "en") -> Hypothesis {
    Hypothesis(text: text, start: start, end: end, avgLogProb: logProb, noSpeechProb: noSpeech,
               compressionRatio: compression, language: lang)
}

/// A confident hypothesis whose words carry probabilities: [("ask", 0.9), …], times spread over
/// [start, end].
func scored(_ words: [(String, Double)], _ start: Double, _ end: Double, lang: String? = "en") -> Hypothesis {
    var h = hyp(words.map(\.0).joined(separator: " "), start, end, lang: lang)
    for (i, w) in words.enumerated() { h.words[i].probability = w.1 }
    return h
}

/// A confident hypothesis with decoded word times: [("ask", 0.1, 0.4), …].
func timed(_ words: [(String, Double, Double)], lang: String? = "en") -> Hypothesis {
    Hypothesis(words: words.map { Word(text: $0.0, start: $0.1, end: $0.2) }, avgLogProb: -0.3,
               noSpeechProb: 0.05, compressionRatio: 1.4, language: lang)
}

/// The policy's clock in these tests: sample 0 at 0 s, `AudioRate.model` samples per second.
let testClock = SampleClock()

/// The sample index at `seconds` on the test clock (timelines are written in seconds, the policy
/// takes sample indices).
func s(_ seconds: Double) -> SampleIndex { testClock.index(seconds) }

/// The time in seconds of sample `index` on the test clock (for hypotheses built from a range).
func sec(_ index: SampleIndex) -> Double { testClock.seconds(index) }

extension CaptionPolicy {
    /// Speech from `start` to `end` (seconds) in frames of `frame` seconds, given to the policy as
    /// sample ranges; returns all events.
    mutating func speech(_ start: Double, _ end: Double, frame: Double = 0.02) -> [StreamingEvent] {
        frames(start, end, frame: frame, isSpeech: true)
    }

    mutating func silence(_ start: Double, _ end: Double, frame: Double = 0.02) -> [StreamingEvent] {
        frames(start, end, frame: frame, isSpeech: false)
    }

    private mutating func frames(_ start: Double, _ end: Double, frame: Double, isSpeech: Bool) -> [StreamingEvent] {
        var events: [StreamingEvent] = []
        var t = s(start)
        let stop = s(end), length = s(frame)
        while t < stop {
            let e = min(stop, t + length)
            events += voice(isSpeech: isSpeech, start: t, end: e)
            t = e
        }
        return events
    }
}

extension StreamingConfiguration {
    /// Plain LocalAgreement-2 as these tests were written for: commits from the first agreement,
    /// partials show every tentative word, no hypothesis ignored as unsure.
    static var agreementOnly: StreamingConfiguration {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        c.partialTentativeWords = 100  // the most the key allows: every tentative word of these short hypotheses
        c.commitLogProb = -100  // the lowest the key allows: no hypothesis is unsure
        c.openingStepMilliseconds = 0  // no opening grid: the base step only (the defaults since 2 Dec 2026 have one)
        c.tentativeAgreedMinProbability = 1
        c.openingMinProbability = 1  // no lower bar in the opening (the defaults since 3 Dec 2026 show any opening word)
        c.earlyFinalSeconds = 0  // the pass at the endpoint (the defaults since 3 Dec 2026 run it 0.1 s into the pause)
        return c
    }
}

extension LiveCaptioner {
    /// `samples` (16 kHz, the first at capture time `t0`) fed in chunks of `chunk` samples, as the
    /// daemon's capture delivers them: every event the captioner returned.
    func streamed(_ samples: [Float], from t0: Double, chunk: Int = 1_600) throws -> [StreamingEvent] {
        var events: [StreamingEvent] = []
        var i = 0
        while i < samples.count {
            let j = min(samples.count, i + chunk)
            events += try accept(samples[i..<j], startTime: t0 + Double(i) / 16_000)
            i = j
        }
        return events
    }

    /// The same through `accept(audio:)`: chunks on the sample clock (`firstSampleIndex` counts
    /// from the first sample), caption events as the server publishes them.
    func streamedChunks(_ samples: [Float], from t0: Double, chunk: Int = 1_600) throws -> [CaptionEvent] {
        var events: [CaptionEvent] = []
        var i = 0
        while i < samples.count {
            let j = min(samples.count, i + chunk)
            events += try accept(audio: AudioChunk(samples: Array(samples[i..<j]), startTime: t0 + Double(i) / 16_000,
                                                   sampleRate: 16_000, firstSampleIndex: UInt64(i)))
            i = j
        }
        return events
    }
}

/// One action of a policy timeline with the end of the 20-ms frame that caused it.
typealias TimedAction = (at: SampleIndex, action: CaptionPolicy.Action)

extension CaptionPolicy {
    /// Frames of 20 ms from `start` to `end` (seconds) given to `step`, every decode answered at
    /// once by `answer` (its result fed back before the frame's remaining actions); the actions in
    /// order, each with the end of the frame that caused it. `loud`: the frames' energy rule
    /// (nil: as `speech`; false with `speech` true is the VAD's hangover).
    mutating func timeline(speech: Bool, loud: Bool? = nil, _ start: Double, _ end: Double,
                           answer: (CaptionPolicy.Action) -> Hypothesis?) -> [TimedAction] {
        var all: [TimedAction] = []
        var t = s(start)
        while t < s(end) {
            let e = min(s(end), t + s(0.02))
            all += answering(step(.voice(isSpeech: speech, isLoud: loud, start: t, end: e)), at: e, answer: answer)
            t = e
        }
        return all
    }

    /// The input ends at `time` seconds (`.finish`), its decodes answered by `answer`; the actions.
    mutating func finishing(at time: Double, answer: (CaptionPolicy.Action) -> Hypothesis?) -> [TimedAction] {
        answering(step(.finish(at: s(time))), at: s(time), answer: answer)
    }

    /// `actions` in order, each decode answered at once (its result fed back before the rest).
    private mutating func answering(_ actions: [CaptionPolicy.Action], at e: SampleIndex,
                                    answer: (CaptionPolicy.Action) -> Hypothesis?) -> [TimedAction] {
        var all: [TimedAction] = []
        var queue = actions
        while !queue.isEmpty {
            let a = queue.removeFirst()
            all.append((e, a))
            switch a {
            case .emit: break
            case .decodeWindow: queue = step(.windowDecoded(answer(a))) + queue
            case .decodeFinalPass: queue = step(.finalPassDecoded(answer(a))) + queue
            }
        }
        return all
    }
}

extension CaptionPolicy {
    /// 20-ms voice frames on the sample clock from 0 to `end` seconds, speech inside `speech`; each
    /// window decode answered by `window` and each final pass by `pass` (range in seconds and the
    /// prompt), the result fed back before the frame's remaining actions; the finals' text in order.
    mutating func finals(until end: Double, speech: Range<Double>,
                         window: (Double, Double, String) -> Hypothesis?,
                         pass: (Double, Double, String) -> Hypothesis?) -> [String] {
        var finals: [String] = []
        let clock = SampleClock()
        let frame = clock.samples(0.02)
        var t: SampleIndex = 0
        while t < clock.samples(end) {
            let e = t + frame
            let isSpeech = t >= clock.samples(speech.lowerBound) && t < clock.samples(speech.upperBound)
            var queue = step(.voice(isSpeech: isSpeech, start: t, end: e))
            while !queue.isEmpty {
                switch queue.removeFirst() {
                case let .emit(event): if event.kind == .final { finals.append(event.text) }
                case let .decodeWindow(from, to, prompt):
                    queue = step(.windowDecoded(window(clock.seconds(from), clock.seconds(to), prompt))) + queue
                case let .decodeFinalPass(from, to, prompt):
                    queue = step(.finalPassDecoded(pass(clock.seconds(from), clock.seconds(to), prompt))) + queue
                }
            }
            t = e
        }
        return finals
    }
}

/// The window ends of the decode-window actions of a timeline, in order.
func windowEnds(_ actions: [TimedAction]) -> [SampleIndex] {
    actions.compactMap { if case let .decodeWindow(_, to, _) = $0.action { return to }; return nil }
}
