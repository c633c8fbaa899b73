import XCTest
@testable import Streaming

/// The final pass run early, in the pause (`EarlyFinal`), on synthetic timelines: VAD frames and
/// scripted decodes in, actions out, positions in audio time (machine-independent). The speaker
/// of `SettledEndpointTests` says "The cat sat down." from 1.0 to 3.0 s.
final class EarlyFinalTests: XCTestCase {
    static var configuration: StreamingConfiguration {
        var c = StreamingConfiguration.agreementOnly
        c.earlyFinalSeconds = 0.1
        return c
    }

    func run(_ p: inout CaptionPolicy, speech: Bool, _ start: Double, _ end: Double,
             answer: (CaptionPolicy.Action) -> Hypothesis? = SettledEndpointTests.speaker) -> [TimedAction] {
        p.timeline(speech: speech, start, end, answer: answer)
    }

    /// The final-pass actions of a timeline: (frame end, audio range end).
    func passes(_ actions: [TimedAction]) -> [(at: SampleIndex, to: SampleIndex)] {
        actions.compactMap { if case let .decodeFinalPass(_, to, _) = $0.action { return ($0.at, to) }; return nil }
    }

    func finals(_ actions: [TimedAction]) -> [(at: SampleIndex, text: String)] {
        actions.compactMap { if case let .emit(e) = $0.action, e.kind == .final { return ($0.at, e.text) }; return nil }
    }

    /// The pass runs 0.1 s into the pause, its words are the final, and the final comes at the
    /// endpoint (0.6 s) with no other pass and no window decode in between; without the key the
    /// pass runs at the endpoint (the same final, one pass later).
    func testThePassRunsInThePauseAndIsTheFinalAtTheEndpoint() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        _ = run(&p, speech: true, 1.0, 3.0)
        let silent = run(&p, speech: false, 3.0, 5.0)
        XCTAssertEqual(passes(silent).map(\.at), [s(3.1)], "one pass, 0.1 s after the last speech frame")
        XCTAssertEqual(passes(silent).map(\.to), [s(3.1)])
        XCTAssertEqual(windowEnds(silent), [], "no window decode while the pass's result is held")
        XCTAssertEqual(finals(silent).map(\.text), ["The cat sat down."])
        XCTAssertEqual(finals(silent).first?.at, s(3.6), "the final at the endpoint itself")
        XCTAssertEqual(p.earlyFinalPasses, 1)
        XCTAssertEqual(p.earlyFinalsUsed, 1)

        var off = try CaptionPolicy(configuration: .agreementOnly)
        _ = run(&off, speech: true, 1.0, 3.0)
        let plain = run(&off, speech: false, 3.0, 5.0)
        XCTAssertEqual(passes(plain).map(\.at), [s(3.6)])
        XCTAssertEqual(finals(plain).map(\.text), finals(silent).map(\.text))
        XCTAssertEqual(off.earlyFinalPasses, 0)
    }

    /// A window decode that falls due in the quiet at the speech's end (the VAD's hangover: still
    /// speech, no longer loud) waits for the early pass rather than holding it up. The speaker is
    /// loud to 3.0 s, the hangover runs to 3.2 s, and the decode grid has a decode due at 3.2 s:
    /// with the early pass none runs from the last loud frame to the pass (3.3 s); without it the
    /// 3.2-s decode runs in the hangover, as before. Speech that goes on after a quiet stretch
    /// gets its held decode at the next loud frame.
    func testADecodeDueInTheQuietAtTheEndWaitsForTheEarlyPass() throws {
        func play(_ c: StreamingConfiguration) throws -> [TimedAction] {
            var p = try CaptionPolicy(configuration: c)
            _ = p.timeline(speech: true, 1.0, 3.0, answer: SettledEndpointTests.speaker)
            return p.timeline(speech: true, loud: false, 3.0, 3.2, answer: SettledEndpointTests.speaker)
                + p.timeline(speech: false, 3.2, 5.0, answer: SettledEndpointTests.speaker)
        }
        let early = try play(Self.configuration)
        XCTAssertEqual(windowEnds(early), [], "no window decode between the last loud frame and the pass")
        XCTAssertEqual(passes(early).map(\.at), [s(3.3)])
        XCTAssertEqual(finals(early).map(\.text), ["The cat sat down."])
        XCTAssertEqual(finals(early).first?.at, s(3.8))

        let plain = try play(.agreementOnly)
        XCTAssertEqual(windowEnds(plain).first, s(3.2), "without the early pass the hangover's decode runs")
        XCTAssertEqual(finals(plain).map(\.text), ["The cat sat down."])

        var p = try CaptionPolicy(configuration: Self.configuration)
        _ = p.timeline(speech: true, 1.0, 3.0, answer: SettledEndpointTests.speaker)
        let dip = p.timeline(speech: true, loud: false, 3.0, 3.3, answer: SettledEndpointTests.speaker)
        XCTAssertEqual(windowEnds(dip), [], "held in the quiet")
        let resumed = p.timeline(speech: true, 3.3, 3.4, answer: SettledEndpointTests.speaker)
        XCTAssertEqual(windowEnds(resumed), [s(3.32)], "the held decode at the next loud frame")
        XCTAssertEqual(p.earlyFinalPasses, 0)
    }

    /// The final is the early pass's words, not the window decodes': a pass that hears more than
    /// the windows did ("The cat sat down quietly.") gives the final.
    func testTheHeldPassGivesTheFinalsWords() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        let answer = { (a: CaptionPolicy.Action) -> Hypothesis? in
            if case let .decodeFinalPass(from, to, _) = a { return hyp("The cat sat down quietly.", sec(from), sec(to) - 0.15) }
            return SettledEndpointTests.speaker(a)
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: answer)
        let silent = run(&p, speech: false, 3.0, 5.0, answer: answer)
        XCTAssertEqual(passes(silent).count, 1)
        XCTAssertEqual(finals(silent).map(\.text), ["The cat sat down quietly."])
    }

    /// Speech after the pass (a pause within the utterance) drops the held result: the next pause
    /// runs another pass over the whole utterance, and that one is the final.
    func testSpeechAfterThePassDropsItAndTheNextPauseRunsAnother() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        let answer = { (a: CaptionPolicy.Action) -> Hypothesis? in
            switch a {
            case let .decodeWindow(from, to, _):
                return hyp(sec(to) >= 4.4 ? "The cat sat down and slept." : "The cat sat down.", sec(from), sec(to))
            case let .decodeFinalPass(from, to, _):
                return hyp(sec(to) >= 4.4 ? "The cat sat down and slept." : "The cat sat down.", sec(from), sec(to))
            case .emit: return nil
            }
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: answer)
        let pause = run(&p, speech: false, 3.0, 3.3, answer: answer)
        XCTAssertEqual(passes(pause).map(\.at), [s(3.1)])
        XCTAssertTrue(finals(pause).isEmpty)
        let more = run(&p, speech: true, 3.3, 4.5, answer: answer)
        XCTAssertFalse(windowEnds(more).isEmpty, "window decodes go on once speech resumes")
        let end = run(&p, speech: false, 4.5, 6.0, answer: answer)
        XCTAssertEqual(passes(end).map(\.at), [s(4.6)])
        XCTAssertEqual(finals(end).map(\.text), ["The cat sat down and slept."])
        XCTAssertEqual(finals(end).first?.at, s(5.1))
        XCTAssertEqual(p.earlyFinalPasses, 2)
        XCTAssertEqual(p.earlyFinalsUsed, 1)
    }

    /// An early pass that fails (nil) is not retried in the same pause; the endpoint runs its own
    /// pass, and nothing is lost.
    func testAFailedEarlyPassLeavesTheEndpointsPass() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        var passCount = 0
        let answer = { (a: CaptionPolicy.Action) -> Hypothesis? in
            if case .decodeFinalPass = a { passCount += 1; if passCount == 1 { return nil } }
            return SettledEndpointTests.speaker(a)
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: answer)
        let silent = run(&p, speech: false, 3.0, 5.0, answer: answer)
        XCTAssertEqual(passes(silent).map(\.at), [s(3.1), s(3.6)])
        XCTAssertEqual(finals(silent).map(\.text), ["The cat sat down."])
        XCTAssertEqual(p.earlyFinalsUsed, 0)
    }

    /// The end of input during the pause takes the held result (no second pass).
    func testFinishInThePauseUsesTheHeldPass() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        _ = run(&p, speech: true, 1.0, 3.0)
        let pause = run(&p, speech: false, 3.0, 3.3)
        XCTAssertEqual(passes(pause).count, 1)
        let end = p.step(.finish(at: s(3.3)))
        XCTAssertFalse(end.contains { if case .decodeFinalPass = $0 { return true }; return false })
        XCTAssertEqual(end.compactMap { if case let .emit(e) = $0, e.kind == .final { return e.text }; return nil }, ["The cat sat down."])
    }

    /// A schedule whose measured pass would not fit the budget runs no early pass (the endpoint
    /// then decides as before); an incremental model has none either.
    func testNoEarlyPassWhenUnaffordableOrIncremental() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        p.schedule = LiveSchedule(configuration: Self.configuration, enabled: true, rate: p.clock.rate)
        p.schedule.decoded(.finalPass, audioSamples: s(2), compute: 4.0)   // 2 s/s: a 2.4-s utterance costs ~4.8 s
        p.schedule.tick(now: s(1.0))
        _ = run(&p, speech: true, 1.0, 3.0)
        p.schedule.tick(now: s(3.0))
        let silent = run(&p, speech: false, 3.0, 3.5)
        XCTAssertTrue(passes(silent).isEmpty)
        XCTAssertEqual(p.earlyFinalPasses, 0)

        var inc = try CaptionPolicy(configuration: Self.configuration, incremental: true)
        _ = run(&inc, speech: true, 1.0, 3.0)
        _ = run(&inc, speech: false, 3.0, 3.5)
        XCTAssertEqual(inc.earlyFinalPasses, 0)
    }

    /// With `endpoint_settled_ms`, a held pass that reads what the window decodes read settles the
    /// utterance: it ends 0.3 s after the speech; a pass that reads more than the windows heard
    /// (their last decode, at 2.7 s, before "down.") does not, and the endpoint keeps its 0.6 s.
    func testAPassThatAgreesWithTheWindowsSettlesTheUtterance() throws {
        var c = Self.configuration
        c.endpointSettledSeconds = 0.3
        var p = try CaptionPolicy(configuration: c)
        let heard = { (a: CaptionPolicy.Action) -> Hypothesis? in   // the windows hear "down." from 2.6 s
            switch a {
            case let .decodeWindow(from, to, _):
                return hyp(sec(to) >= 2.6 ? "The cat sat down." : "The cat sat", sec(from), sec(to))
            case let .decodeFinalPass(from, to, _): return hyp("The cat sat down.", sec(from), sec(to))
            case .emit: return nil
            }
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: heard)
        let silent = run(&p, speech: false, 3.0, 5.0, answer: heard)
        XCTAssertEqual(passes(silent).count, 1)
        XCTAssertEqual(finals(silent).map(\.text), ["The cat sat down."])
        XCTAssertEqual(finals(silent).first?.at, s(3.3))

        var q = try CaptionPolicy(configuration: c)
        let more = { (a: CaptionPolicy.Action) -> Hypothesis? in
            if case let .decodeFinalPass(from, to, _) = a { return hyp("The cat sat down.", sec(from), sec(to)) }
            return SettledEndpointTests.speaker(a)
        }
        _ = run(&q, speech: true, 1.0, 3.0, answer: more)
        let other = run(&q, speech: false, 3.0, 5.0, answer: more)
        XCTAssertEqual(finals(other).map(\.text), ["The cat sat down."])
        XCTAssertEqual(finals(other).first?.at, s(3.6))
    }
}
