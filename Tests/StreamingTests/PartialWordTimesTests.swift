import XCTest
import Foundation
import CaptionCore
@testable import Streaming

/// Issue 14 item 1, live: partial events carry the shown words with the window decode's times, as
/// finals do, and `timing` says how the times were obtained.
final class PartialWordTimesTests: XCTestCase {
    let t0 = 50.0
    lazy var script: [(String, Double, Double)] = [("ask", t0 + 1.0, t0 + 1.3), ("not", t0 + 1.4, t0 + 1.7),
                                                   ("what", t0 + 1.8, t0 + 2.1), ("your", t0 + 2.2, t0 + 2.6)]

    /// Partials of the scripted timeline (a 200-Hz tone under each word, faint noise elsewhere).
    func partials(timing: TimingSource) throws -> [CaptionPartial] {
        let samples = scriptedToneAudio(script, from: t0, seconds: 4.5)
        let captioner = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script), timing: timing))
        let events = try captioner.streamedChunks(samples, from: t0)
        return events.compactMap { e -> CaptionPartial? in if case .partial(let p) = e { return p } else { return nil } }
    }

    func testPartialsCarryTheDecodedWordTimesOfTheWindow() throws {
        let ps = try partials(timing: .decoded)
        XCTAssertGreaterThan(ps.count, 1, "the timeline gives several partials")
        for p in ps {
            let words = try XCTUnwrap(p.words, "\(p)")
            XCTAssertEqual(CaptionText.join(words.map(\.word)), p.text, "the words are the shown text")
            XCTAssertEqual(p.timing, "decoded")
            for w in words {
                // The scripted decoder gives each word the script's times (a word the window cuts
                // is "uh", its end clamped to the window's end).
                let spoken = try XCTUnwrap(script.first { abs($0.1 - w.start) < 1e-6 }, "no scripted word starts at \(w)")
                XCTAssertTrue(w.word == spoken.0 || w.word == "uh", "\(w)")
                XCTAssertLessThanOrEqual(w.end, spoken.2 + 1e-6, "\(w)")
                XCTAssertLessThanOrEqual(w.start, w.end)
                XCTAssertLessThanOrEqual(w.end, p.end + 1e-9)
            }
        }
        XCTAssertEqual(ps.last?.words?.map(\.word), ["ask", "not", "what", "your"])
        // On the wire: `words` and `timing` as in a final.
        let data = try JSONEncoder().encode(try XCTUnwrap(ps.last))
        let line = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(line.contains("\"timing\":\"decoded\""), line)
        XCTAssertTrue(line.contains("\"words\":[{"), line)
        XCTAssertEqual(try JSONDecoder().decode(CaptionPartial.self, from: data).words, ps.last?.words)
    }

    func testSpreadTimesSaySoOnPartials() throws {
        let ps = try partials(timing: .segmentSpread)
        XCTAssertFalse(ps.isEmpty)
        XCTAssertTrue(ps.allSatisfy { $0.timing == "segment_spread" && $0.words?.isEmpty == false }, "\(ps)")
    }

    func testAPartialWithoutWordsHasNoWordsOnTheWire() throws {
        var tagging = SpeakerTagging(gate: .off, activity: nil)
        let e = StreamingEvent(kind: .partial, utterance: 1, text: "w0 w1", stable: "w0", start: 1, end: 2, lang: "en", words: [])
        guard case .partial(let p)? = tagging.caption(e, lang: "en") else { return XCTFail() }
        XCTAssertNil(p.words)
        XCTAssertNil(p.timing)
        let line = String(decoding: try JSONEncoder().encode(p), as: UTF8.self)
        XCTAssertFalse(line.contains("words"), line)
        XCTAssertFalse(line.contains("timing"), line)
    }

    func testStrictPartialCarriesOnlyTheWordsItShows() throws {
        let cam = ScriptedSpeaker()
        cam.add(from: 0, to: 2, face: 3)
        cam.add(from: 2, to: 6, face: nil)
        var tagging = SpeakerTagging(gate: .strict, activity: cam)
        let words = [Word(text: "on", start: 0.5, end: 0.8, timing: .decoded), Word(text: "camera", start: 0.9, end: 1.4, timing: .decoded),
                     Word(text: "off", start: 3.0, end: 3.4, timing: .decoded), Word(text: "camera", start: 3.5, end: 4.0, timing: .decoded)]
        let e = StreamingEvent(kind: .partial, utterance: 1, text: "on camera off camera", stable: "on camera", start: 0.5, end: 4.0,
                               lang: "en", words: words)
        guard case .partial(let p)? = tagging.caption(e, lang: "en") else { return XCTFail() }
        XCTAssertEqual(p.text, "on camera")
        XCTAssertEqual(p.words, [CaptionWord(word: "on", start: 0.5, end: 0.8), CaptionWord(word: "camera", start: 0.9, end: 1.4)])
        XCTAssertEqual(p.timing, "decoded")
    }
}
