import XCTest
@testable import Streaming
import Models

/// The captioner asks the model for the early final pass through `decodeEarlyPass` (speculative:
/// one temperature, and it may decline), for the endpoint's pass through `decodeUtterance`.
final class EarlyPassCaptionerTests: XCTestCase {
    let t0 = 50.0
    lazy var script = LiveCaptionerTests.script(from: t0)

    /// Scripted decoders for windows, the endpoint's pass and the early pass; `declines` makes
    /// the early pass decline (as a looping Whisper pass at temperature 0 does).
    final class Model: StreamingModel {
        let windows: ScriptedDecoder, whole: ScriptedDecoder, early: ScriptedDecoder
        var declines = false
        let sampleRate = 16_000
        let language = "en"
        let incremental = false
        let hasFinalPass = true

        init(_ script: [(String, Double, Double)]) {
            windows = ScriptedDecoder(script)
            whole = ScriptedDecoder(script.map { ($0.0.uppercased(), $0.1, $0.2) })
            early = ScriptedDecoder(script.map { ($0.0.capitalized, $0.1, $0.2) })
        }

        func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
            try windows.decode(samples: samples, startTime: startTime, prompt: prompt)
        }

        func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
            try whole.decode(samples: samples, startTime: startTime, prompt: prompt)
        }

        func decodeEarlyPass(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis? {
            let h = try early.decode(samples: samples, startTime: startTime, prompt: prompt)
            return declines ? nil : h
        }
    }

    func finals(_ model: Model) throws -> [String] {
        var c = StreamingConfiguration()
        c.earlyFinalSeconds = 0.1
        let r = try LiveCaptioner(model: model, configuration: c)
        let audio = scriptedToneAudio(script, from: t0, seconds: 7.0)
        return try r.streamed(audio, from: t0, chunk: 1_600).filter { $0.kind == .final }.map(\.text)
    }

    /// Each pause runs the early pass through `decodeEarlyPass`, and its words are the finals: the
    /// endpoint's `decodeUtterance` never runs.
    func testTheEarlyPassGoesThroughDecodeEarlyPass() throws {
        let m = Model(script)
        XCTAssertEqual(try finals(m), ["Ask Not What Your", "For Your Country."])
        XCTAssertEqual(m.early.calls.count, 2)
        XCTAssertEqual(m.whole.calls.count, 0)
        // Each early pass ends in the pause, before the endpoint (speech end + hangover + 0.6 s).
        XCTAssertLessThan(m.early.calls.first?.end ?? .infinity, t0 + 2.6 + 0.6)
    }

    /// The VAD's loudness reaches the policy: no window decode runs between a phrase's last loud
    /// frame and its early pass (the VAD's hangover and the pause's first 0.1 s), where a decode
    /// would hold the pass up (`CaptionPolicy.earlyFinalImminent`). Without the early pass, window
    /// decodes do run there.
    func testNoWindowDecodeBetweenTheLastLoudFrameAndTheEarlyPass() throws {
        let m = Model(script)
        XCTAssertEqual(try finals(m), ["Ask Not What Your", "For Your Country."])
        let passEnds = m.early.calls.map(\.end)
        XCTAssertEqual(passEnds.count, 2)
        for (speechEnd, passEnd) in zip([t0 + 2.6, t0 + 5.0], passEnds) {
            let between = m.windows.calls.filter { $0.end > speechEnd + 0.02 && $0.end <= passEnd }
            XCTAssertEqual(between.map(\.end), [], "decodes between \(speechEnd - t0) s and the pass at \(passEnd - t0) s")
        }

        let plain = Model(script)
        let r = try LiveCaptioner(model: plain, configuration: StreamingConfiguration.withoutEarlyFinal)
        _ = try r.streamed(scriptedToneAudio(script, from: t0, seconds: 7.0), from: t0, chunk: 1_600)
        XCTAssertFalse(plain.windows.calls.filter { $0.end > t0 + 2.62 && $0.end <= t0 + 2.9 || $0.end > t0 + 5.02 && $0.end <= t0 + 5.3 }.isEmpty,
                       "without the early pass, decodes run in the hangover")
    }

    /// An early pass that declines leaves the endpoint's pass: `decodeUtterance` gives the finals.
    func testADeclinedEarlyPassLeavesTheEndpointsPass() throws {
        let m = Model(script)
        m.declines = true
        XCTAssertEqual(try finals(m), ["ASK NOT WHAT YOUR", "FOR YOUR COUNTRY."])
        XCTAssertEqual(m.early.calls.count, 2)
        XCTAssertEqual(m.whole.calls.count, 2)
        XCTAssertGreaterThan(m.whole.calls.first?.end ?? 0, m.early.calls.first?.end ?? .infinity,
                             "the endpoint's pass hears the whole pause")
    }

    /// Whisper's early pass declines what the temperature fallback would retry: a repetitive
    /// transcript (compression ratio above 2.4) or an unlikely one (mean log-probability below
    /// −1) unless the no-speech probability calls it silence.
    func testFallbackRuleOfTheEarlyPass() {
        let o = DecodingOptions.greedy(language: "en")
        func h(lp: Double, nsp: Double, cr: Double) -> Hypothesis {
            Hypothesis(words: [Word(text: "so", start: 0, end: 0.3)], avgLogProb: lp, noSpeechProb: nsp,
                       compressionRatio: cr, language: "en")
        }
        XCTAssertFalse(WhisperUtteranceDecoder.needsFallback(h(lp: -0.2, nsp: 0.01, cr: 1.2), options: o))
        XCTAssertTrue(WhisperUtteranceDecoder.needsFallback(h(lp: -0.2, nsp: 0.01, cr: 2.6), options: o))
        XCTAssertTrue(WhisperUtteranceDecoder.needsFallback(h(lp: -1.3, nsp: 0.2, cr: 1.2), options: o))
        XCTAssertFalse(WhisperUtteranceDecoder.needsFallback(h(lp: -1.3, nsp: 0.8, cr: 1.2), options: o),
                       "silence: no retry")
        XCTAssertTrue(WhisperUtteranceDecoder.needsFallback(h(lp: -1.3, nsp: 0.8, cr: 2.6), options: o),
                      "a loop is retried even when it looks like silence")
    }
}

extension StreamingConfiguration {
    /// The defaults without the early final pass (`early_final_ms = 0`).
    static var withoutEarlyFinal: StreamingConfiguration {
        var c = StreamingConfiguration()
        c.earlyFinalSeconds = 0
        return c
    }
}
