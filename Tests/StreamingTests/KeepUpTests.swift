import XCTest
import Streaming

/// A clock the tests move: the slow fake model advances it by each decode's compute time.
final class FakeClock {
    var now: Double
    init(_ now: Double) { self.now = now }
}

/// The scripted decoders with a compute cost: each decode advances the fake clock by
/// `fixed + perSecond × window seconds` (the window part for window decodes, the pass part for
/// final passes), as a model too slow for the machine would.
final class SlowModel: StreamingModel {
    let inner: ScriptedModel
    let clock: FakeClock
    let window: (fixed: Double, perSecond: Double)
    let pass: (fixed: Double, perSecond: Double)
    let sampleRate = 16_000
    let language = "en"
    let incremental = false
    var hasFinalPass: Bool { inner.hasFinalPass }
    let name = "slow"
    let fasterModel: String? = "fast"
    private(set) var busy = 0.0

    init(_ inner: ScriptedModel, clock: FakeClock, window: (Double, Double), pass: (Double, Double)) {
        self.inner = inner; self.clock = clock; self.window = window; self.pass = pass
    }

    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        spend(window, samples.count)
        return try inner.decodeWindow(samples, startTime: startTime, prompt: prompt)
    }

    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        spend(pass, samples.count)
        return try inner.decodeUtterance(samples, startTime: startTime, prompt: prompt)
    }

    private func spend(_ cost: (fixed: Double, perSecond: Double), _ count: Int) {
        let t = cost.fixed + cost.perSecond * Double(count) / 16_000
        clock.now += t
        busy += t
    }
}

/// The scheduler on synthetic timelines: audio is "captured" in 0.1-s chunks on a fake clock and
/// the captioner gets each chunk only once the clock has passed its end (so a slow decode leaves
/// audio waiting, as the capture ring would); the fake model costs clock time per decode.
final class KeepUpTests: XCTestCase {
    let t0 = 100.0

    /// Six phrases of 4–7 words with 1.5 s of silence between them, then one long phrase of 9 s.
    lazy var script: [(String, Double, Double)] = {
        var words: [(String, Double, Double)] = []
        var t = t0 + 0.5
        let phrases = [5, 7, 4, 6, 5, 7, 26]
        var n = 0
        for count in phrases {
            for _ in 0..<count {
                words.append(("w\(n)", t, t + 0.25))
                n += 1
                t += 0.35
            }
            t += 1.5
        }
        return words
    }()

    var phraseCount: Int { 7 }

    /// Faint noise, and a 200-Hz tone under each scripted word.
    func audio(_ seconds: Double) -> [Float] {
        var state: UInt64 = 9
        var samples: [Float] = (0..<Int(seconds * 16_000)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return 0.002 * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        }
        for w in script {
            let lo = Int(((w.1 - t0) * 16_000).rounded(.up)), hi = min(samples.count, Int(((w.2 - t0) * 16_000).rounded(.up)))
            for i in lo..<max(lo, hi) {
                samples[i] += 0.3 * sinf(2 * .pi * 200 * Float(Double(i) / 16_000))
            }
        }
        return samples
    }

    struct Run {
        var finals: [StreamingEvent] = []
        /// Clock time each final was emitted minus the end of its speech and the endpoint silence.
        var finalLatencies: [Double] = []
        var maxLag = 0.0
        var warning: String?
        var captioner: LiveCaptioner?
    }

    /// Plays `seconds` of audio in real time on the fake clock through a captioner with `model`.
    func play(_ seconds: Double, cost window: (Double, Double), pass: (Double, Double), adaptive: Bool,
              windowLogProb: Double = -0.2, commitAfter: Double = 0) throws -> Run {
        let clock = FakeClock(t0)
        let whole = ScriptedDecoder(script.map { ($0.0.uppercased(), $0.1, $0.2) })
        let windows = ScriptedDecoder(script)
        windows.avgLogProb = windowLogProb
        let model = SlowModel(ScriptedModel(windows, final: whole), clock: clock, window: window, pass: pass)
        var c = StreamingConfiguration()
        c.commitAfterSeconds = commitAfter
        let captioner = try LiveCaptioner(model: model, configuration: c, clock: adaptive ? { clock.now } : nil)
        let samples = audio(seconds)
        let chunk = 1_600
        var run = Run()
        var next = 0
        func record(_ events: [StreamingEvent]) {
            for e in events where e.kind == .final {
                run.finals.append(e)
                run.finalLatencies.append(clock.now - e.end - c.endpointSilenceSeconds)
            }
        }
        while next < samples.count {
            let end = min(samples.count, next + chunk)
            let captured = t0 + Double(end) / 16_000
            if clock.now < captured { clock.now = captured }   // wait for the capture
            record(try captioner.accept(samples[next..<end], startTime: t0 + Double(next) / 16_000))
            run.maxLag = max(run.maxLag, clock.now - captioner.audioEnd)
            if run.warning == nil { run.warning = captioner.warning }
            next = end
        }
        record(try captioner.finish())
        run.maxLag = max(run.maxLag, captioner.maxLag)
        run.captioner = captioner
        return run
    }

    func words(_ finals: [StreamingEvent]) -> [String] {
        finals.flatMap { $0.text.split(separator: " ").map { $0.lowercased() } }
    }

    func testAFastModelKeepsTheFixedScheduleAndEveryFinalPass() throws {
        let run = try play(36, cost: (0.02, 0.01), pass: (0.05, 0.02), adaptive: true)
        XCTAssertEqual(run.finals.count, phraseCount)
        XCTAssertEqual(words(run.finals), script.map { $0.0.lowercased() }, "every word, in order")
        let s = try XCTUnwrap(run.captioner?.policy.schedule)
        XCTAssertEqual(s.stepSeconds, 0.5, accuracy: 1e-9, "the step does not grow")
        XCTAssertEqual(s.skippedFinalPasses + s.shortenedFinalPasses, 0)
        XCTAssertEqual(run.captioner?.finalPassCount, phraseCount)
        XCTAssertNil(run.warning)
        XCTAssertLessThan(run.finalLatencies.max() ?? 99, 0.5, "one chunk and the decodes after the endpoint")
    }

    func testASlowModelStaysBoundedAndLosesNothing() throws {
        // A window decode costs 0.3 s + 0.15 s per audio second (a 6-s window: 1.2 s, more than the
        // 0.5-s step); a final pass 0.5 s + 0.3 s per second (a 9-s utterance: 3.2 s).
        let adaptive = try play(36, cost: (0.3, 0.15), pass: (0.5, 0.3), adaptive: true)
        XCTAssertEqual(adaptive.finals.count, phraseCount, "no utterance lost")
        XCTAssertEqual(words(adaptive.finals), script.map { $0.0.lowercased() }, "every word, in order")
        XCTAssertLessThan(adaptive.finalLatencies.max() ?? 99, 2.5, "endpoint → final stays bounded: \(adaptive.finalLatencies)")
        XCTAssertLessThan(adaptive.maxLag, 3.0, "lag stays bounded")
        let s = try XCTUnwrap(adaptive.captioner?.policy.schedule)
        XCTAssertGreaterThan(s.stepSeconds, 0.5, "the step grew with the decode time")
        XCTAssertGreaterThan(s.deferredDecodes, 0, "stale steps were skipped for newer audio")
        XCTAssertGreaterThan(s.skippedFinalPasses + s.shortenedFinalPasses, 0, "the long utterance's pass did not fit")

        // The same model on the fixed schedule falls further behind with every step.
        let fixed = try play(36, cost: (0.3, 0.15), pass: (0.5, 0.3), adaptive: false)
        print(String(format: "keep-up: slow model, adaptive: lag max %.2f s, endpoint → final max %.2f s, step %.2f s, %d deferred, %d shortened, %d skipped passes; fixed schedule: lag max %.2f s, endpoint → final max %.2f s",
                     adaptive.maxLag, adaptive.finalLatencies.max() ?? 0, s.stepSeconds, s.deferredDecodes,
                     s.shortenedFinalPasses, s.skippedFinalPasses, fixed.maxLag, fixed.finalLatencies.max() ?? 0))
        XCTAssertEqual(words(fixed.finals), script.map { $0.0.lowercased() })
        XCTAssertGreaterThan(fixed.maxLag, 2 * adaptive.maxLag, "fixed \(fixed.maxLag) s vs adaptive \(adaptive.maxLag) s")
        XCTAssertGreaterThan(fixed.finalLatencies.max() ?? 0, 2 * (adaptive.finalLatencies.max() ?? 0))
    }

    func testAnUtteranceWithNothingCommittedStillGetsItsFinalPass() throws {
        // Every window decode is unsure (below commit_logprob): nothing is committed, so skipping
        // the pass for time would leave empty finals; the pass runs late instead.
        let run = try play(36, cost: (0.3, 0.15), pass: (0.5, 0.3), adaptive: true, windowLogProb: -0.9)
        XCTAssertEqual(run.finals.count, phraseCount, "no utterance lost")
        XCTAssertEqual(words(run.finals), script.map { $0.0.lowercased() })
        XCTAssertEqual(run.captioner?.finalPassCount, phraseCount)
        XCTAssertLessThan(run.maxLag, 6, "late, bounded")
    }

    func testShortUtterancesWithNothingCommittedDoNotWaitForAnExpensivePass() throws {
        // base on Mandarin: short utterances commit nothing (each window is decoded once or twice),
        // and a pass costs 2.5 s whatever the length (a 30-s context). Each such pass used to run
        // (nothing committed), late by its cost, and the lag grew from one utterance to the next.
        // The last look's words now make the final; no word is lost.
        let run = try play(36, cost: (0.6, 0.05), pass: (2.5, 0.02), adaptive: true, commitAfter: 10)
        XCTAssertEqual(run.finals.count, phraseCount, "no utterance lost")
        XCTAssertEqual(words(run.finals).count, script.count, "every word: \(words(run.finals))")
        XCTAssertLessThan(run.finalLatencies.max() ?? 99, 2.0, "endpoint → final: \(run.finalLatencies)")
        XCTAssertLessThan(run.maxLag, 3.0, "lag stays bounded")
        XCTAssertLessThan(run.captioner?.finalPassCount ?? 99, phraseCount, "the passes that did not fit were skipped")
    }

    func testAnUtteranceEndedFromOutsideAlwaysGetsItsWholePass() throws {
        // The model of the test above, its passes too slow for the budget; the input ends (as at
        // SIGTERM, pause or the end of a file) 5.6 s into the long last phrase. No caption waits
        // behind that utterance's pass, so it runs whatever the budget: the final is the pass's
        // reading (the scripted pass writes upper case), every word spoken so far.
        let run = try play(27, cost: (0.6, 0.05), pass: (2.5, 0.02), adaptive: true, commitAfter: 10)
        let s = try XCTUnwrap(run.captioner?.policy.schedule)
        XCTAssertGreaterThan(s.skippedFinalPasses, 0, "live, passes were skipped for time")
        let last = try XCTUnwrap(run.finals.last).text.split(separator: " ").map(String.init)
        let spoken = script.filter { $0.1 >= t0 + 21 && $0.2 <= t0 + 27 }.map { $0.0.uppercased() }
        XCTAssertEqual(spoken.count, 16)
        XCTAssertEqual(last, spoken, "the whole pass, not the last window decode's words")
    }

    func testAModelThatCannotKeepUpIsNamedWithOneThatCan() throws {
        let run = try play(36, cost: (1.5, 0.2), pass: (2, 0.5), adaptive: true)
        XCTAssertEqual(run.finals.count, phraseCount, "captions come late, never never")
        XCTAssertEqual(words(run.finals), script.map { $0.0.lowercased() })
        let warning = try XCTUnwrap(run.warning)
        XCTAssertTrue(warning.contains("model slow cannot keep up"), warning)
        XCTAssertTrue(warning.contains("model fast keeps up"), warning)
        XCTAssertLessThan(run.maxLag, 8, "even so, no queue of stale steps")
    }
}
