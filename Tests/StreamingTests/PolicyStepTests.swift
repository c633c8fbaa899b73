import XCTest
import Streaming

/// `CaptionPolicy.step` as a pure state machine on synthetic timelines: voice frames and decode
/// results in, actions out; no audio, no model, no clock.
final class PolicyStepTests: XCTestCase {
    /// Runs frames of 20 ms from `start` to `end`, answering every decode action with `answer`;
    /// returns the actions in order.
    func run(_ p: inout CaptionPolicy, speech: Bool, _ start: Double, _ end: Double,
             answer: (CaptionPolicy.Action) -> Hypothesis?) -> [CaptionPolicy.Action] {
        var all: [CaptionPolicy.Action] = []
        var t = start
        while t < end - 1e-9 {
            let e = min(end, t + 0.02)
            var queue = p.step(.voice(isSpeech: speech, start: t, end: e))
            while !queue.isEmpty {
                let a = queue.removeFirst()
                all.append(a)
                switch a {
                case .emit: break
                case .decodeWindow: queue = p.step(.windowDecoded(answer(a))) + queue
                case .decodeFinalPass: queue = p.step(.finalPassDecoded(answer(a))) + queue
                }
            }
            t = e
        }
        return all
    }

    func decodes(_ actions: [CaptionPolicy.Action]) -> [(Double, Double)] {
        actions.compactMap { if case let .decodeWindow(from, to, _) = $0 { return (from, to) }; return nil }
    }

    func events(_ actions: [CaptionPolicy.Action]) -> [StreamingEvent] {
        actions.compactMap { if case let .emit(e) = $0 { return e }; return nil }
    }

    func testSpeechAsksForAWindowEveryStepAndAFinalPassAtTheEndpoint() throws {
        var c = StreamingConfiguration.agreementOnly
        c.stepMilliseconds = 500
        var p = try CaptionPolicy(configuration: c)
        let say = { (a: CaptionPolicy.Action) -> Hypothesis? in
            switch a {
            case let .decodeWindow(from, to, _): return hyp("ask not what your", from, to)
            case let .decodeFinalPass(from, to, _): return hyp("Ask not what your", from, to)
            case .emit: return nil
            }
        }
        let speaking = run(&p, speech: true, 1.0, 3.0, answer: say)
        // Decodes every 0.5 s once the window (from onset 1.0 − preroll 0.3) holds a step.
        let windows = decodes(speaking)
        XCTAssertEqual(windows.count, 4, "\(windows)")
        for (i, w) in windows.enumerated() {
            XCTAssertEqual(w.0, 0.7, accuracy: 1e-9)
            XCTAssertEqual(w.1, 1.2 + 0.5 * Double(i), accuracy: 1e-9)
        }
        // The second agreeing hypothesis commits: a partial with stable text.
        XCTAssertTrue(events(speaking).contains { $0.kind == .partial && $0.stable == "ask not what your" })
        XCTAssertFalse(speaking.contains { if case .decodeFinalPass = $0 { return true }; return false })

        // Silence: the open utterance is still decoded every step until the endpoint (0.6 s),
        // then the final pass over the whole utterance, then the final made from it (the
        // committed words kept, in the pass's spelling); nothing after it.
        let silent = run(&p, speech: false, 3.0, 5.0, answer: say)
        XCTAssertEqual(decodes(silent).count, 1, "\(silent)")
        XCTAssertEqual(decodes(silent).first?.1 ?? 0, 3.2, accuracy: 1e-9)
        let passes = silent.compactMap { a -> (Double, Double)? in
            if case let .decodeFinalPass(from, to, _) = a { return (from, to) }; return nil
        }
        XCTAssertEqual(passes.count, 1)
        XCTAssertEqual(passes.first?.0 ?? 0, 0.7, accuracy: 1e-9)
        XCTAssertEqual(passes.first?.1 ?? 0, 3.6, accuracy: 1e-9)
        let finals = events(silent).filter { $0.kind == .final }
        XCTAssertEqual(finals.map(\.text), ["Ask not what your"])
        XCTAssertFalse(p.isActive)
    }

    func testWithoutAFinalPassTheEndpointTakesALastLook() throws {
        var c = StreamingConfiguration.agreementOnly
        c.finalPass = false
        var p = try CaptionPolicy(configuration: c)
        XCTAssertFalse(p.runsFinalPass)
        let say = { (a: CaptionPolicy.Action) -> Hypothesis? in
            if case let .decodeWindow(from, to, _) = a { return hyp("hello there", from, to) }
            return nil
        }
        _ = run(&p, speech: true, 0.0, 1.2, answer: say)
        let silent = run(&p, speech: false, 1.2, 2.0, answer: say)
        // The step decode at 1.5, then one last look at the endpoint (1.2 + 0.6).
        let looks = decodes(silent).map(\.1)
        XCTAssertEqual(looks.count, 2, "\(silent)")
        XCTAssertEqual(looks.last ?? 0, 1.8, accuracy: 1e-9)
        XCTAssertEqual(events(silent).filter { $0.kind == .final }.map(\.text), ["hello there"])
        XCTAssertFalse(silent.contains { if case .decodeFinalPass = $0 { return true }; return false })
    }

    func testNothingDecodedMeansNoEventsAndFinishWithoutSpeechDoesNothing() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        XCTAssertEqual(p.step(.finish(at: 1)), [])
        let actions = run(&p, speech: true, 0, 1.0) { _ in nil }
        XCTAssertFalse(decodes(actions).isEmpty)
        XCTAssertTrue(events(actions).isEmpty)
        // Finish asks for the final pass, and with nothing decoded ends without a final.
        let finish = p.step(.finish(at: 1.0))
        guard case .decodeFinalPass? = finish.first else { return XCTFail("\(finish)") }
        XCTAssertEqual(p.step(.finalPassDecoded(nil)), [])
        XCTAssertFalse(p.isActive)
    }

    func testLongGapIsSilenceWithoutDecodes() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = run(&p, speech: true, 0, 1.0) { a in
            if case let .decodeWindow(from, to, _) = a { return hyp("one two", from, to) }; return nil
        }
        let gap = p.step(.gap(start: 1.0, end: 60))
        XCTAssertTrue(gap.allSatisfy { if case .emit = $0 { return true }; return false }, "\(gap)")
        XCTAssertEqual(events(gap).map(\.kind), [.final])
        XCTAssertFalse(p.isActive)
    }
}
