import XCTest
import Streaming

/// A decoder that "hears" a scripted word only when the window holds the whole word and the audio
/// under it is loud (so it checks the recognizer passes the right samples with the right times); a
/// word cut by the window end comes back as a wrong guess, like a real decoder's unstable tail.
final class ScriptedDecoder {
    let script: [(text: String, start: Double, end: Double)]
    var noSpeechProb = 0.05
    var avgLogProb = -0.2
    var fail = false
    private(set) var calls: [(start: Double, end: Double, prompt: String)] = []

    init(_ script: [(String, Double, Double)]) { self.script = script.map { ($0.0, $0.1, $0.2) } }

    func decode(samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        struct Broken: Error {}
        if fail { throw Broken() }
        let end = startTime + Double(samples.count) / 16_000
        calls.append((startTime, end, prompt))
        var words: [Word] = []
        for w in script where w.start >= startTime - 0.01 && w.start < end {
            let from = samples.startIndex + Int((w.start - startTime) * 16_000)
            let to = samples.startIndex + Int((min(end, w.end) - startTime) * 16_000)
            var energy: Float = 0
            for i in max(samples.startIndex, from)..<min(samples.endIndex, max(from, to)) { energy += samples[i] * samples[i] }
            let loud = to > from && energy / Float(to - from) > 0.01
            if !loud { continue }
            words.append(Word(text: w.end <= end + 1e-6 ? w.text : "uh", start: w.start, end: min(end, w.end)))
        }
        return Hypothesis(words: words, avgLogProb: avgLogProb, noSpeechProb: noSpeechProb, compressionRatio: 1.3,
                          language: "en")
    }
}

/// Scripted decoders as the captioner's model: `windows` for window decodes, `whole` (when
/// given) for the final pass; with `timing`, every hypothesis is relabelled with that source.
final class ScriptedModel: StreamingModel {
    let windows: ScriptedDecoder
    let whole: ScriptedDecoder?
    let timing: TimingSource?
    let sampleRate = 16_000
    let language = "en"
    let incremental = false
    var hasFinalPass: Bool { whole != nil }

    init(_ windows: ScriptedDecoder, final whole: ScriptedDecoder? = nil, timing: TimingSource? = nil) {
        self.windows = windows; self.whole = whole; self.timing = timing
    }

    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        relabelled(try windows.decode(samples: samples, startTime: startTime, prompt: prompt))
    }

    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        relabelled(try (whole ?? windows).decode(samples: samples, startTime: startTime, prompt: prompt))
    }

    private func relabelled(_ h: Hypothesis) -> Hypothesis {
        guard let timing else { return h }
        var h = h
        h.timing = timing
        return h
    }
}

/// Audio for a scripted timeline: a 200-Hz tone under each word, faint seeded noise elsewhere;
/// `seconds` long from `t0`.
func scriptedToneAudio(_ script: [(String, Double, Double)], from t0: Double, seconds: Double) -> [Float] {
    var state: UInt64 = 42
    return (0..<Int(seconds * 16_000)).map { i in
        let t = t0 + Double(i) / 16_000
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let hiss = 0.002 * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
        let voiced = script.contains { t >= $0.1 && t < $0.2 }
        return hiss + (voiced ? 0.3 * sinf(2 * .pi * 200 * Float(t - t0)) : 0)
    }
}

final class LiveCaptionerTests: XCTestCase {
    let t0 = 50.0
    lazy var script = Self.script(from: t0)

    /// Two phrases, "ask not what your" (1.0–2.6 s) and "for your country." (4.0–5.0 s), from `t0`.
    static func script(from t0: Double) -> [(String, Double, Double)] {
        [("ask", t0 + 1.0, t0 + 1.3), ("not", t0 + 1.4, t0 + 1.7), ("what", t0 + 1.8, t0 + 2.1),
         ("your", t0 + 2.2, t0 + 2.6),
         ("for", t0 + 4.0, t0 + 4.3), ("your", t0 + 4.4, t0 + 4.6), ("country.", t0 + 4.7, t0 + 5.0)]
    }

    /// Audio: a 200-Hz tone under each scripted word, faint noise elsewhere; `seconds` long from t0.
    func audio(_ seconds: Double) -> [Float] { scriptedToneAudio(script, from: t0, seconds: seconds) }

    func stream(_ recognizer: LiveCaptioner, _ samples: [Float], chunk: Int) throws -> [StreamingEvent] {
        try recognizer.streamed(samples, from: t0, chunk: chunk)
    }

    func testTwoPhrasesGivePartialsThenTwoFinals() throws {
        let decoder = ScriptedDecoder(script)
        let r = try LiveCaptioner(model: ScriptedModel(decoder))
        let events = try stream(r, audio(7.0), chunk: 1_600)
        let finals = events.filter { $0.kind == .final }
        XCTAssertEqual(finals.map(\.text), ["ask not what your", "for your country."])
        XCTAssertEqual(finals.map(\.utterance), [1, 2])
        XCTAssertEqual(finals.first?.start ?? 0, t0 + 1.0, accuracy: 0.05)
        XCTAssertEqual(finals.first?.end ?? 0, t0 + 2.8, accuracy: 0.1, "speech end incl. 200-ms hangover")
        let partials = events.filter { $0.kind == .partial }
        XCTAssertFalse(partials.isEmpty)
        for u in [1, 2] {
            let stables = events.filter { $0.utterance == u }.map(\.stable)
            for (a, b) in zip(stables, stables.dropFirst()) {
                XCTAssertTrue(b.hasPrefix(a), "utterance \(u): committed text revised: \(a) → \(b)")
            }
        }
        // A partial was already stable for part of utterance 1 before its final.
        XCTAssertTrue(partials.contains { $0.utterance == 1 && $0.stable.hasPrefix("ask not") })
        // The decoder ran only around speech, and utterance 2 was prompted with utterance 1.
        XCTAssertGreaterThan(r.decodeCount, 3)
        XCTAssertTrue(decoder.calls.allSatisfy { $0.end <= t0 + 3.5 || $0.end >= t0 + 4.0 },
                      "no decode in the silence between phrases")
        XCTAssertTrue(decoder.calls.last?.prompt.contains("ask not what your") ?? false)
        XCTAssertTrue(decoder.calls.allSatisfy { $0.end - $0.start <= r.configuration.windowSeconds + 1e-6 })
    }

    func testChunkSizeDoesNotChangeTheFinals() throws {
        var results: [[String]] = []
        for chunk in [320, 1_600, 5_923] {
            let r = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script)))
            results.append(try stream(r, audio(7.0), chunk: chunk).filter { $0.kind == .final }.map(\.text))
        }
        XCTAssertEqual(results[0], ["ask not what your", "for your country."])
        XCTAssertEqual(results[1], results[0])
        XCTAssertEqual(results[2], results[0])
    }

    func testSilenceAndNoiseNeverReachTheDecoder() throws {
        script = []
        let decoder = ScriptedDecoder([])
        let r = try LiveCaptioner(model: ScriptedModel(decoder))
        XCTAssertEqual(try stream(r, audio(6.0), chunk: 800), [])
        XCTAssertEqual(r.decodeCount, 0)
        XCTAssertEqual(try r.finish(), [])
    }

    func testFinishMidUtteranceFlushesAFinal() throws {
        let r = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script)))
        let events = try stream(r, Array(audio(2.15)), chunk: 800) + (try r.finish())
        XCTAssertEqual(events.last?.kind, .final)
        XCTAssertEqual(events.last?.text, "ask not what")
        XCTAssertEqual(events.last?.end ?? 0, t0 + 2.15, accuracy: 0.03)
        XCTAssertEqual(try r.finish(), [], "nothing left after the flush")
    }

    func testNoSpeechHypothesesShowNothing() throws {
        let decoder = ScriptedDecoder(script)
        decoder.noSpeechProb = 0.9
        let r = try LiveCaptioner(model: ScriptedModel(decoder))
        XCTAssertEqual(try stream(r, audio(7.0), chunk: 1_600), [])
        XCTAssertGreaterThan(r.decodeCount, 0, "speech was decoded, but every hypothesis was dropped")
        XCTAssertEqual(r.policy.rejections.first, .noSpeech(probability: 0.9))
    }

    func testBadInputGetsPreciseErrors() throws {
        let decoder = ScriptedDecoder(script)
        let r = try LiveCaptioner(model: ScriptedModel(decoder))
        _ = try r.accept([0, 0, 0, 0][...], startTime: 10)
        XCTAssertThrowsError(try r.accept([0][...], startTime: 9)) { e in
            XCTAssertEqual(e as? StreamingError, .timeWentBackwards(expected: 10 + 4.0 / 16_000, got: 9))
        }
        XCTAssertThrowsError(try r.accept([0, .nan][...], startTime: 10.1)) { e in
            XCTAssertEqual(e as? StreamingError, .nonFiniteSample(time: 10.1, index: 1))
        }
        decoder.fail = true
        let r2 = try LiveCaptioner(model: ScriptedModel(decoder))
        XCTAssertThrowsError(try stream(r2, audio(3.0), chunk: 1_600)) { e in
            XCTAssertTrue("\(e)".contains("decoding the window"), "\(e)")
        }
    }

    func testShortGapIsFilledAndTimesStayOnTheCaptureClock() throws {
        let r = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script)))
        let samples = audio(7.0)
        var events: [StreamingEvent] = []
        // Drop 0.1 s of audio in the silence at 3.0 s: the recognizer pads it and keeps times.
        events += try r.accept(samples[0..<48_000], startTime: t0)
        events += try r.accept(samples[49_600...], startTime: t0 + 3.1)
        XCTAssertEqual(events.filter { $0.kind == .final }.map(\.text), ["ask not what your", "for your country."])
        XCTAssertEqual(r.audioEnd, t0 + 7.0, accuracy: 1e-6)
    }

    func testFinalPassDecodesEachWholeUtteranceAndGivesTheFinal() throws {
        let windows = ScriptedDecoder(script)
        // The "offline" decoder hears the same audio; capitalised so its output is recognisable.
        let whole = ScriptedDecoder(script.map { ($0.0.capitalized, $0.1, $0.2) })
        var atEndpoint = StreamingConfiguration()
        atEndpoint.earlyFinalSeconds = 0   // the pass at the endpoint (EarlyPassCaptionerTests: the early one)
        let r = try LiveCaptioner(model: ScriptedModel(windows, final: whole), configuration: atEndpoint)
        let events = try stream(r, audio(7.0), chunk: 1_600)
        XCTAssertEqual(events.filter { $0.kind == .final }.map(\.text), ["Ask Not What Your", "For Your Country."])
        XCTAssertEqual(r.finalPassCount, 2)
        XCTAssertEqual(whole.calls.count, 2)
        // Each pass covers its own utterance from the onset minus the preroll, up to the endpoint.
        XCTAssertEqual(whole.calls.first?.start ?? 0, t0 + 1.0 - 0.3, accuracy: 0.03)
        XCTAssertEqual(whole.calls.first?.end ?? 0, t0 + 2.8 + 0.6, accuracy: 0.1)
        XCTAssertEqual(whole.calls.first?.prompt, "")
        XCTAssertEqual(whole.calls.last?.prompt, "Ask Not What Your", "prompted with the earlier finals")
        XCTAssertGreaterThanOrEqual(whole.calls.last?.start ?? 0, (whole.calls.first?.end ?? 0) - 0.65)
        // Partials still come from the sliding windows.
        XCTAssertTrue(events.filter { $0.kind == .partial }.allSatisfy { $0.text == $0.text.lowercased() })

        // Switched off in the configuration, the same decoder is never called.
        var c = StreamingConfiguration()
        c.finalPass = false
        let unused = ScriptedDecoder(script)
        let r2 = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script), final: unused), configuration: c)
        XCTAssertEqual(try stream(r2, audio(7.0), chunk: 1_600).filter { $0.kind == .final }.map(\.text),
                       ["ask not what your", "for your country."])
        XCTAssertEqual(unused.calls.count, 0)
    }

    func testFinishRunsTheFinalPass() throws {
        let whole = ScriptedDecoder(script.map { ($0.0.uppercased(), $0.1, $0.2) })
        let r = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script), final: whole))
        let events = try stream(r, Array(audio(2.15)), chunk: 800) + (try r.finish())
        XCTAssertEqual(events.last?.kind, .final)
        XCTAssertEqual(events.last?.text, "ASK NOT WHAT")
        XCTAssertEqual(whole.calls.count, 1)
    }
}
