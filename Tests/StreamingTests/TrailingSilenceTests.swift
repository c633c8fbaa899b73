import XCTest
@testable import Streaming

/// A final pass that, like Whisper prompted with the earlier finals, fills the silence after the
/// speech with text it has read: the scripted words, then `invented` spread from 0.35 s after the
/// last heard word to the end of the audio it got (decoded times, good probabilities).
final class InventingModel: StreamingModel {
    let inner: ScriptedModel
    let invented: [String]
    let sampleRate = 16_000
    let language = "en"
    let incremental = false
    let hasFinalPass = true
    private(set) var inventedPasses = 0

    init(_ inner: ScriptedModel, invented: [String]) { self.inner = inner; self.invented = invented }

    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try inner.decodeWindow(samples, startTime: startTime, prompt: prompt)
    }

    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        var h = try inner.decodeUtterance(samples, startTime: startTime, prompt: prompt)
        let end = startTime + Double(samples.count) / 16_000
        let from = (h.words.last?.end ?? startTime) + 0.35
        guard from < end else { return h }
        inventedPasses += 1
        h.words += Hypothesis.spread(invented, from: from, to: end).map {
            var w = $0
            w.timing = .decoded
            w.probability = 0.9
            return w
        }
        return h
    }
}

final class TrailingSilenceTests: XCTestCase {
    let t0 = 20.0
    lazy var script: [(String, Double, Double)] = [
        ("she", t0 + 1.0, t0 + 1.3), ("does", t0 + 1.4, t0 + 1.7), ("not", t0 + 1.8, t0 + 2.1), ("mind.", t0 + 2.2, t0 + 2.6),
        ("one", t0 + 4.6, t0 + 4.9), ("two", t0 + 5.0, t0 + 5.3), ("three.", t0 + 5.4, t0 + 5.8),
    ]

    func testNoWordOfTheFinalLiesInTheSilenceAfterTheSpeech() throws {
        let model = InventingModel(ScriptedModel(ScriptedDecoder(script), final: ScriptedDecoder(script)),
                                   invented: ["1", "2", "3", "The", "two", "are"])
        // The pass at the endpoint, which hears the whole 0.6-s pause (an early pass hears 0.1 s of it).
        var c = StreamingConfiguration()
        c.earlyFinalSeconds = 0
        let r = try LiveCaptioner(model: model, configuration: c)
        let samples = scriptedToneAudio(script, from: t0, seconds: 8)
        let events = try r.streamed(samples, from: t0) + r.finish()
        let finals = events.filter { $0.kind == .final }
        XCTAssertGreaterThan(model.inventedPasses, 0, "the pass decoded silence after the speech")
        XCTAssertEqual(finals.map(\.text), ["she does not mind.", "one two three."])
    }

    func testOnlyATrailingRunOfDecodedWordsAfterTheSpeechEndIsDropped() {
        let w = [Word(text: "a", start: 1, end: 1.2), Word(text: "b", start: 2.5, end: 2.6), Word(text: "c", start: 1.5, end: 1.7),
                 Word(text: "x", start: 2.1, end: 2.3), Word(text: "y", start: 2.3, end: 2.5)]
        XCTAssertEqual(TrailingSilence.dropping(w, speechEnd: 2.0).map(\.text), ["a", "b", "c"])
        var spread = w
        spread[4].timing = .segmentSpread
        XCTAssertEqual(TrailingSilence.dropping(spread, speechEnd: 2.0).map(\.text), w.map(\.text), "estimated times decide nothing")
    }
}
