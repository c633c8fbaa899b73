import XCTest
import Streaming

/// `CaptionPolicy.step` as a pure state machine on synthetic timelines: voice frames and decode
/// results in, actions out; no audio, no model, no clock.
final class PolicyStepTests: XCTestCase {
    /// The policy's timeline (`CaptionPolicy.timeline`): the actions in order, without times.
    func run(_ p: inout CaptionPolicy, speech: Bool, _ start: Double, _ end: Double,
             answer: (CaptionPolicy.Action) -> Hypothesis?) -> [CaptionPolicy.Action] {
        p.timeline(speech: speech, start, end, answer: answer).map(\.action)
    }

    func decodes(_ actions: [CaptionPolicy.Action]) -> [(SampleIndex, SampleIndex)] {
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
            case let .decodeWindow(from, to, _): return hyp("ask not what your", sec(from), sec(to))
            case let .decodeFinalPass(from, to, _): return hyp("Ask not what your", sec(from), sec(to))
            case .emit: return nil
            }
        }
        let speaking = run(&p, speech: true, 1.0, 3.0, answer: say)
        // Decodes every 0.5 s once the window (from onset 1.0 − preroll 0.3) holds a step.
        let windows = decodes(speaking)
        XCTAssertEqual(windows.count, 4, "\(windows)")
        for (i, w) in windows.enumerated() {
            XCTAssertEqual(w.0, s(0.7))
            XCTAssertEqual(w.1, s(1.2 + 0.5 * Double(i)))
        }
        // The second agreeing hypothesis commits: a partial with stable text.
        XCTAssertTrue(events(speaking).contains { $0.kind == .partial && $0.stable == "ask not what your" })
        XCTAssertFalse(speaking.contains { if case .decodeFinalPass = $0 { return true }; return false })

        // Silence: the open utterance is still decoded every step until the endpoint (0.6 s),
        // then the final pass over the whole utterance, then the final made from it (the
        // committed words kept, in the pass's spelling); nothing after it.
        let silent = run(&p, speech: false, 3.0, 5.0, answer: say)
        XCTAssertEqual(decodes(silent).count, 1, "\(silent)")
        XCTAssertEqual(decodes(silent).first?.1, s(3.2))
        let passes = silent.compactMap { a -> (SampleIndex, SampleIndex)? in
            if case let .decodeFinalPass(from, to, _) = a { return (from, to) }; return nil
        }
        XCTAssertEqual(passes.count, 1)
        XCTAssertEqual(passes.first?.0, s(0.7))
        XCTAssertEqual(passes.first?.1, s(3.6))
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
            if case let .decodeWindow(from, to, _) = a { return hyp("hello there", sec(from), sec(to)) }
            return nil
        }
        _ = run(&p, speech: true, 0.0, 1.2, answer: say)
        let silent = run(&p, speech: false, 1.2, 2.0, answer: say)
        // The step decode at 1.5, then one last look at the endpoint (1.2 + 0.6).
        let looks = decodes(silent).map(\.1)
        XCTAssertEqual(looks.count, 2, "\(silent)")
        XCTAssertEqual(looks.last, s(1.8))
        XCTAssertEqual(events(silent).filter { $0.kind == .final }.map(\.text), ["hello there"])
        XCTAssertFalse(silent.contains { if case .decodeFinalPass = $0 { return true }; return false })
    }

    func testNothingDecodedMeansNoEventsAndFinishWithoutSpeechDoesNothing() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        XCTAssertEqual(p.step(.finish(at: s(1))), [])
        let actions = run(&p, speech: true, 0, 1.0) { _ in nil }
        XCTAssertFalse(decodes(actions).isEmpty)
        XCTAssertTrue(events(actions).isEmpty)
        // Finish asks for the final pass, and with nothing decoded ends without a final.
        let finish = p.step(.finish(at: s(1.0)))
        guard case .decodeFinalPass? = finish.first else { return XCTFail("\(finish)") }
        XCTAssertEqual(p.step(.finalPassDecoded(nil)), [])
        XCTAssertFalse(p.isActive)
    }

    func testLongGapIsSilenceWithoutDecodes() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = run(&p, speech: true, 0, 1.0) { a in
            if case let .decodeWindow(from, to, _) = a { return hyp("one two", sec(from), sec(to)) }; return nil
        }
        let gap = p.step(.gap(start: s(1.0), end: s(60)))
        XCTAssertTrue(gap.allSatisfy { if case .emit = $0 { return true }; return false }, "\(gap)")
        XCTAssertEqual(events(gap).map(\.kind), [.final])
        XCTAssertFalse(p.isActive)
    }

    /// Positions are the capture's sample numbers, not seconds: a stream whose first sample the
    /// capture numbered 1,000,000 (captured at 5000 s) gets windows on that numbering, exact to
    /// the sample, and events leave with capture-clock seconds.
    func testPositionsAreSampleIndicesAndEventsLeaveInSeconds() throws {
        let clock = SampleClock(anchorIndex: 1_000_000, anchorTime: 5000)
        var c = StreamingConfiguration.agreementOnly
        c.finalPass = false
        var p = try CaptionPolicy(configuration: c, clock: clock)
        let onset: SampleIndex = 1_000_000 + 16_000          // 1 s into the stream
        var actions: [CaptionPolicy.Action] = []
        func frames(speech: Bool, from: SampleIndex, to: SampleIndex) {
            var t = from
            while t < to {
                var queue = p.step(.voice(isSpeech: speech, start: t, end: t + 320))
                while !queue.isEmpty {
                    let a = queue.removeFirst()
                    actions.append(a)
                    if case .decodeWindow = a {
                        // The model answers with word times in capture-clock seconds.
                        queue = p.step(.windowDecoded(timed([("hello", 5001.1, 5001.5), ("there", 5001.6, 5001.9)]))) + queue
                    }
                }
                t += 320
            }
        }
        frames(speech: true, from: onset, to: onset + 16_000)
        frames(speech: false, from: onset + 16_000, to: onset + 32_000)
        let windows = decodes(actions)
        // The window opens 0.3 s (4,800 samples) before the onset; the first decode once it holds a
        // 0.5-s step (8,000 samples), then every 8,000 samples.
        XCTAssertEqual(windows.first?.0, onset - 4_800)
        XCTAssertEqual(windows.first?.1, onset + 3_200)
        XCTAssertEqual(windows.dropFirst().first?.1, onset + 11_200)
        let finals = events(actions).filter { $0.kind == .final }
        XCTAssertEqual(finals.map(\.text), ["hello there"])
        XCTAssertEqual(finals.first?.start, 5001.0, "the onset, sample 1,016,000, in seconds")
        XCTAssertEqual(finals.first?.end, 5002.0, "the end of the speech, sample 1,032,000")
        XCTAssertEqual(finals.first?.words.first?.start, 5001.1, "word times pass through as the model gave them")
    }
}
