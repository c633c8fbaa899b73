import XCTest
@testable import Streaming

/// The final pass run early in the silence after the speech (`EarlyFinalPass`), on synthetic
/// timelines through `CaptionPolicy.step`: voice frames of 20 ms and scripted decode results, a
/// live schedule (no measurements yet, so every pass fits), no clock.
final class EarlyFinalPassTests: XCTestCase {
    struct Record {
        var actions: [CaptionPolicy.Action] = []
        /// The frame end at which each action was asked for.
        var at: [Double] = []
        var finals: [StreamingEvent] {
            actions.compactMap { if case let .emit(e) = $0, e.kind == .final { return e }; return nil }
        }
        var passes: [(from: Double, to: Double, at: Double)] {
            zip(actions, at).compactMap { a, t in
                if case let .decodeFinalPass(from, to, _) = a { return (sec(from), sec(to), t) }
                return nil
            }
        }
        var windows: [(from: Double, to: Double, at: Double)] {
            zip(actions, at).compactMap { a, t in
                if case let .decodeWindow(from, to, _) = a { return (sec(from), sec(to), t) }
                return nil
            }
        }
        /// The frame end at which the first final was emitted.
        var firstFinalAt: Double? {
            zip(actions, at).first { a, _ in if case let .emit(e) = a { return e.kind == .final }; return false }?.1
        }
    }

    /// Words of the timeline: (text, start, end) in seconds; a decode of [from, to) hears the words
    /// that end by `to` (a pass's words with decoded times, a window's too).
    let script: [(String, Double, Double)] = [
        ("The", 1.0, 1.2), ("two", 1.25, 1.5), ("stray", 1.55, 1.9), ("kittens.", 1.95, 2.5),
    ]

    func heard(_ words: [(String, Double, Double)], _ from: SampleIndex, _ to: SampleIndex) -> Hypothesis {
        timed(words.filter { $0.1 >= sec(from) - 0.01 && $0.2 <= sec(to) + 1e-6 })
    }

    func policy(live: Bool = true, configure: (inout StreamingConfiguration) -> Void = { _ in }) throws -> CaptionPolicy {
        var c = StreamingConfiguration.agreementOnly
        configure(&c)
        var p = try CaptionPolicy(configuration: c)
        if live { p.schedule = LiveSchedule(configuration: c, enabled: true) }
        return p
    }

    /// Frames of `speech` (true) or silence from `start` to `end`, every decode answered by `pass`
    /// (final passes) or `window` (window decodes).
    func run(_ p: inout CaptionPolicy, _ record: inout Record, speech: Bool, _ start: Double, _ end: Double,
             window: [(String, Double, Double)], pass: (SampleIndex, SampleIndex) -> Hypothesis?) {
        var t = s(start)
        while t < s(end) {
            let e = min(s(end), t + s(0.02))
            var queue = p.step(.voice(isSpeech: speech, start: t, end: e))
            while !queue.isEmpty {
                let a = queue.removeFirst()
                record.actions.append(a)
                record.at.append(sec(e))
                switch a {
                case .emit: break
                case let .decodeWindow(from, to, _): queue = p.step(.windowDecoded(heard(window, from, to))) + queue
                case let .decodeFinalPass(from, to, _): queue = p.step(.finalPassDecoded(pass(from, to))) + queue
                }
            }
            t = e
        }
    }

    func testAPassEndingASentenceRunsInTheSilenceAndEndsTheUtteranceSooner() throws {
        var p = try policy()
        var r = Record()
        run(&p, &r, speech: true, 1.0, 2.5, window: script) { self.heard(self.script, $0, $1) }
        run(&p, &r, speech: false, 2.5, 4.0, window: script) { self.heard(self.script, $0, $1) }
        XCTAssertEqual(r.passes.count, 1, "one pass: \(r.passes)")
        XCTAssertEqual(r.passes.first?.to ?? 0, 2.6, accuracy: 0.021, "run 100 ms into the silence")
        XCTAssertEqual(r.finals.map(\.text), ["The two stray kittens."])
        XCTAssertEqual(r.firstFinalAt ?? 0, 2.5 + 0.25, accuracy: 0.021, "endpoint_sentence_ms after the speech")
        XCTAssertEqual(r.finals.first?.end ?? 0, 2.5, accuracy: 1e-6, "the final still ends at the speech end")
        XCTAssertFalse(r.windows.contains { $0.at > 2.5 }, "no window decode after the speech: \(r.windows)")
    }

    func testAPassWithoutASentenceEndWaitsForTheEndpointSilenceAndStillGivesTheFinal() throws {
        let open = [("The", 1.0, 1.2), ("two", 1.25, 1.5), ("stray", 1.55, 1.9), ("kittens", 1.95, 2.5)]
        var p = try policy()
        var r = Record()
        run(&p, &r, speech: true, 1.0, 2.5, window: open) { self.heard(open, $0, $1) }
        run(&p, &r, speech: false, 2.5, 4.0, window: open) { self.heard(open, $0, $1) }
        XCTAssertEqual(r.passes.count, 1, "the early pass is the final's: \(r.passes)")
        XCTAssertEqual(r.finals.map(\.text), ["The two stray kittens"])
        XCTAssertEqual(r.firstFinalAt ?? 0, 2.5 + 0.6, accuracy: 0.021, "endpoint_silence_ms after the speech")
    }

    func testSpeechAfterTheEarlyPassDiscardsItsWords() throws {
        // "The two stray kittens." then a 0.2-s pause, then "gradually make themselves at home."
        let long = script + [("gradually", 2.7, 3.3), ("make", 3.35, 3.6), ("themselves", 3.65, 4.1),
                             ("at", 4.15, 4.25), ("home.", 4.3, 4.7)]
        var p = try policy()
        var r = Record()
        let answer = { (from: SampleIndex, to: SampleIndex) in self.heard(long, from, to) }
        run(&p, &r, speech: true, 1.0, 2.5, window: long, pass: answer)
        run(&p, &r, speech: false, 2.5, 2.7, window: long, pass: answer)
        XCTAssertEqual(r.passes.count, 1, "a pass ran in the pause")
        XCTAssertTrue(r.finals.isEmpty, "a 0.2-s pause ends nothing, even after a sentence end")
        run(&p, &r, speech: true, 2.7, 4.7, window: long, pass: answer)
        run(&p, &r, speech: false, 4.7, 6.0, window: long, pass: answer)
        XCTAssertEqual(r.passes.count, 2, "\(r.passes)")
        XCTAssertEqual(r.passes.last?.to ?? 0, 4.8, accuracy: 0.021)
        XCTAssertEqual(r.finals.map(\.text), ["The two stray kittens. gradually make themselves at home."])
    }

    func testARejectedEarlyPassLeavesTheEndpointItsOwnPass() throws {
        var p = try policy()
        var r = Record()
        var passes = 0
        let answer = { (from: SampleIndex, to: SampleIndex) -> Hypothesis? in
            passes += 1
            var h = self.heard(self.script, from, to)
            if passes == 1 { h.noSpeechProb = 0.9 }   // the guard drops the first pass
            return h
        }
        run(&p, &r, speech: true, 1.0, 2.5, window: script, pass: answer)
        run(&p, &r, speech: false, 2.5, 4.0, window: script, pass: answer)
        XCTAssertEqual(r.passes.map { ($0.to * 100).rounded() / 100 }, [2.6, 3.1])
        XCTAssertEqual(r.finals.map(\.text), ["The two stray kittens."])
    }

    func testWithoutALiveScheduleThePassRunsAtTheEndpoint() throws {
        for (live, early) in [(false, 0.1), (true, 0.0)] {
            var p = try policy(live: live) { $0.earlyPassSeconds = early }
            var r = Record()
            run(&p, &r, speech: true, 1.0, 2.5, window: script) { self.heard(self.script, $0, $1) }
            run(&p, &r, speech: false, 2.5, 4.0, window: script) { self.heard(self.script, $0, $1) }
            XCTAssertEqual(r.passes.count, 1)
            XCTAssertEqual(r.passes.first?.to ?? 0, 3.1, accuracy: 0.021, "live \(live), early \(early)")
            XCTAssertEqual(r.finals.map(\.text), ["The two stray kittens."])
        }
    }

    func testEndpointSentenceZeroWaitsForTheEndpointSilence() throws {
        var p = try policy { $0.endpointSentenceSeconds = 0 }
        var r = Record()
        run(&p, &r, speech: true, 1.0, 2.5, window: script) { self.heard(self.script, $0, $1) }
        run(&p, &r, speech: false, 2.5, 4.0, window: script) { self.heard(self.script, $0, $1) }
        XCTAssertEqual(r.passes.count, 1)
        XCTAssertEqual(r.firstFinalAt ?? 0, 3.1, accuracy: 0.021)
    }
}
