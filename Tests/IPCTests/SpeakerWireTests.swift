import XCTest
import CaptionCore
@testable import IPC

/// The `speaker` field of partials and finals (docs/PROTOCOL.md).
final class SpeakerWireTests: XCTestCase {
    func testSpeakerRoundTripsAndIsAbsentWithoutVideo() throws {
        let face = CaptionEvent.final(CaptionFinal(utterance: 1, seq: 2, text: "hi", start: 1, end: 2, lang: "en",
                                                   speaker: .face(id: 3, box: [10.5, 20, 110, 140])))
        let line = try WireCodec.encode(face)
        XCTAssertTrue(String(decoding: line, as: UTF8.self).contains(#""speaker":{"box":[10.5,20,110,140],"face":3}"#),
                      String(decoding: line, as: UTF8.self))
        XCTAssertEqual(try WireCodec.decode(line), face)
        let off = CaptionEvent.partial(CaptionPartial(utterance: 1, seq: 1, text: "a", stable: "", start: 0, end: 1, speaker: .offCamera))
        let offLine = try WireCodec.encode(off)
        XCTAssertTrue(String(decoding: offLine, as: UTF8.self).contains(#""speaker":"off_camera""#))
        XCTAssertEqual(try WireCodec.decode(offLine), off)
        let none = try WireCodec.encode(.partial(CaptionPartial(utterance: 1, seq: 1, text: "a", stable: "", start: 0, end: 1)))
        XCTAssertFalse(String(decoding: none, as: UTF8.self).contains("speaker"))
    }

    func testMalformedSpeakerIsAClearError() {
        let bad = Data(#"{"type":"final","utterance":1,"seq":1,"text":"x","start":0,"end":1,"lang":"en","words":[],"speaker":"tv"}"#.utf8)
        XCTAssertThrowsError(try WireCodec.decode(bad)) { e in XCTAssertTrue("\(e)".contains("off_camera"), "\(e)") }
        let short = Data(#"{"type":"final","utterance":1,"seq":1,"text":"x","start":0,"end":1,"lang":"en","words":[],"speaker":{"face":1,"box":[1,2]}}"#.utf8)
        XCTAssertThrowsError(try WireCodec.decode(short)) { e in XCTAssertTrue("\(e)".contains("4 numbers"), "\(e)") }
    }
}
