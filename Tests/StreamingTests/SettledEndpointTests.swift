import XCTest
@testable import Streaming

/// Endpointing by decoder state (`SettledEndpoint`) on synthetic timelines: VAD frames and
/// scripted window decodes in, actions out. Positions are audio time on the policy's clock, so
/// the assertions hold whatever the machine's speed.
final class SettledEndpointTests: XCTestCase {
    /// A speaker who says "The cat sat down." from 1.0 to 3.0 s: a window reaching 2.9 s hears
    /// the last word, an earlier one does not.
    static func speaker(_ a: CaptionPolicy.Action) -> Hypothesis? {
        switch a {
        case let .decodeWindow(from, to, _):
            return sec(to) >= 2.9 ? hyp("The cat sat down.", sec(from), sec(to)) : hyp("The cat sat", sec(from), sec(to))
        case let .decodeFinalPass(from, to, _):
            return hyp("The cat sat down.", sec(from), sec(to))
        case .emit:
            return nil
        }
    }

    /// The policy's timeline (`CaptionPolicy.timeline`) answered by this speaker unless told.
    func run(_ p: inout CaptionPolicy, speech: Bool, _ start: Double, _ end: Double,
             answer: (CaptionPolicy.Action) -> Hypothesis? = SettledEndpointTests.speaker) -> [TimedAction] {
        p.timeline(speech: speech, start, end, answer: answer)
    }

    func passes(_ actions: [TimedAction]) -> Int {
        actions.filter { if case .decodeFinalPass = $0.action { return true }; return false }.count
    }

    func finals(_ actions: [TimedAction]) -> [(at: SampleIndex, text: String)] {
        actions.compactMap { if case let .emit(e) = $0.action, e.kind == .final { return ($0.at, e.text) }; return nil }
    }

    static var configuration: StreamingConfiguration {
        var c = StreamingConfiguration.agreementOnly
        c.endpointSettledSeconds = 0.3
        c.finalFromWindow = true
        c.trailingStepMilliseconds = 250
        return c
    }

    static var keysOff: StreamingConfiguration {
        var c = StreamingConfiguration.agreementOnly
        c.endpointSettledSeconds = 0
        c.finalFromWindow = false
        c.trailingStepMilliseconds = 0
        return c
    }

    /// Two decodes past the speech end agree on a sentence: the utterance ends 0.3 s after the
    /// VAD's speech end, its final is the agreed words, and no final pass runs.
    func testASettledSentenceEndsSoonerWithoutAFinalPass() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        let speaking = run(&p, speech: true, 1.0, 3.0)
        XCTAssertEqual(windowEnds(speaking), [s(1.2), s(1.7), s(2.2), s(2.7)], "the speech's step is step_ms")
        let silent = run(&p, speech: false, 3.0, 5.0)
        // In the pause: decodes every trailing_step_ms (250 ms) until the utterance settles.
        XCTAssertEqual(windowEnds(silent), [s(3.02), s(3.28)])
        XCTAssertEqual(passes(silent), 0)
        let f = finals(silent)
        XCTAssertEqual(f.map { $0.text }, ["The cat sat down."])
        XCTAssertEqual(f.first?.at, s(3.3), "endpoint_settled_ms after the speech end, not endpoint_silence_ms")
        XCTAssertFalse(p.isActive)
    }

    /// The same timeline with the three keys off: decodes at step_ms, the endpoint after
    /// endpoint_silence_ms, then the final pass (as before these keys).
    func testWithTheKeysOffTheEndpointWaitsForTheFinalPass() throws {
        var p = try CaptionPolicy(configuration: Self.keysOff)
        _ = run(&p, speech: true, 1.0, 3.0)
        let silent = run(&p, speech: false, 3.0, 5.0)
        XCTAssertEqual(windowEnds(silent), [s(3.2)])
        XCTAssertEqual(passes(silent), 1)
        let f = finals(silent)
        XCTAssertEqual(f.map { $0.text }, ["The cat sat down."])
        XCTAssertEqual(f.first?.at, s(3.6))
    }

    /// Settled, but the last word ends no sentence ("ask not what your"): the endpoint waits for
    /// endpoint_silence_ms; the final still comes from the agreed decodes.
    func testWithoutASentenceEndTheEndpointKeepsItsSilence() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        let say = { (a: CaptionPolicy.Action) -> Hypothesis? in
            switch a {
            case let .decodeWindow(from, to, _), let .decodeFinalPass(from, to, _): return hyp("ask not what your", sec(from), sec(to))
            case .emit: return nil
            }
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: say)
        let silent = run(&p, speech: false, 3.0, 5.0, answer: say)
        XCTAssertEqual(passes(silent), 0)
        let f = finals(silent)
        XCTAssertEqual(f.map { $0.text }, ["ask not what your"])
        XCTAssertEqual(f.first?.at, s(3.6))
    }

    /// Decodes that keep changing the last word never settle: the endpoint after
    /// endpoint_silence_ms and the final pass, as without the keys.
    func testDecodesThatDisagreeAtTheEndGetTheFinalPass() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        var n = 0
        let unsure = { (a: CaptionPolicy.Action) -> Hypothesis? in
            switch a {
            case let .decodeWindow(from, to, _):
                n += 1
                return hyp(n % 2 == 0 ? "The cat sat down." : "The cat sat town.", sec(from), sec(to))
            case let .decodeFinalPass(from, to, _): return hyp("The cat sat down.", sec(from), sec(to))
            case .emit: return nil
            }
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: unsure)
        let silent = run(&p, speech: false, 3.0, 5.0, answer: unsure)
        XCTAssertEqual(passes(silent), 1)
        let f = finals(silent)
        XCTAssertEqual(f.map { $0.text }, ["The cat sat down."])
        XCTAssertEqual(f.first?.at, s(3.6))
    }

    /// A pause shorter than endpoint_settled_ms after a settled sentence does not end the
    /// utterance; speech that goes on after a longer one opens the next utterance with nothing lost.
    func testAShortPauseKeepsTheUtteranceAndALongerOneSplitsIt() throws {
        var p = try CaptionPolicy(configuration: Self.configuration)
        let two = { (a: CaptionPolicy.Action) -> Hypothesis? in
            guard case let .decodeWindow(from, to, _) = a else {
                if case let .decodeFinalPass(from, to, _) = a { return hyp(sec(from) < 3.5 ? "The cat sat down." : "It slept.", sec(from), sec(to)) }
                return nil
            }
            if sec(from) >= 3.2 { return hyp("It slept.", sec(from), sec(to)) }
            return sec(to) >= 2.9 ? hyp("The cat sat down.", sec(from), sec(to)) : hyp("The cat sat", sec(from), sec(to))
        }
        _ = run(&p, speech: true, 1.0, 3.0, answer: two)
        let pause = run(&p, speech: false, 3.0, 3.28, answer: two)
        XCTAssertTrue(finals(pause).isEmpty, "0.28 s of silence is below endpoint_settled_ms")
        XCTAssertTrue(p.isActive)
        let more = run(&p, speech: false, 3.28, 3.4, answer: two)
        XCTAssertEqual(finals(more).map { $0.text }, ["The cat sat down."])
        let next = run(&p, speech: true, 3.6, 5.0, answer: two) + run(&p, speech: false, 5.0, 7.0, answer: two)
        XCTAssertEqual(finals(next).map { $0.text }, ["It slept."])
    }

    /// An incremental model (its own blank-run endpoint) is left alone.
    func testAnIncrementalModelIsUnchanged() throws {
        var p = try CaptionPolicy(configuration: Self.configuration, incremental: true)
        XCTAssertEqual(p.stepSamples(isSpeech: false), p.schedule.stepSamples)
        _ = run(&p, speech: true, 1.0, 3.0)
        XCTAssertFalse(p.isSettled)
    }
}
