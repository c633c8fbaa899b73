import XCTest
import CaptionCore
@testable import IPC

final class WireCodecTests: XCTestCase {
    func testEveryEventRoundTripsAsOneLine() throws {
        let events: [CaptionEvent] = [
            .hello(CaptionHello(model: "whisper-base", language: "zh", task: "transcribe")),
            .partial(CaptionPartial(utterance: 7, seq: 41, text: "ask not what your", stable: "ask not what", start: 12.31, end: 13.9)),
            .final(CaptionFinal(utterance: 7, seq: 42, text: "Ask not what your country can do for you.", start: 12.31, end: 15.02,
                                lang: "en", words: [CaptionWord(word: "Ask", start: 12.31, end: 12.5, probability: 0.9)], wall: 1.7e9)),
            .status(CaptionStatus(state: "running", rtf: 0.21, droppedSamples: 0, droppedFrames: 2, subscribers: 3)),
            .error(CaptionError(code: "lagging", message: "slow \"quoted\" 字幕")),
        ]
        for e in events {
            let line = try WireCodec.encode(e)
            XCTAssertEqual(line.last, 0x0A)
            XCTAssertEqual(line.filter { $0 == 0x0A }.count, 1, "exactly one newline per event")
            let obj = try JSONSerialization.jsonObject(with: line) as? [String: Any]
            XCTAssertEqual(obj?["type"] as? String, e.typeName)
            XCTAssertEqual(try WireCodec.decode(line), e)
        }
    }

    func testWireFieldNamesMatchTheProtocol() throws {
        let hello = try JSONSerialization.jsonObject(with: WireCodec.encode(.hello(CaptionHello(model: "m", language: "en", task: "transcribe")))) as? [String: Any]
        XCTAssertEqual(hello?["protocol"] as? Int, 1)
        let status = try JSONSerialization.jsonObject(with: WireCodec.encode(.status(CaptionStatus(state: "paused", rtf: 0, droppedSamples: 5, droppedFrames: 0, subscribers: 1)))) as? [String: Any]
        XCTAssertEqual(status?["dropped_samples"] as? Int, 5)
        let partial = try JSONSerialization.jsonObject(with: WireCodec.encode(.partial(CaptionPartial(utterance: 1, seq: 2, text: "a b", stable: "a", start: 0, end: 1)))) as? [String: Any]
        XCTAssertEqual(Set(partial?.keys.map { $0 } ?? []), ["type", "utterance", "seq", "text", "stable", "start", "end"])
    }

    func testMalformedLinesAreRejectedWithReasons() {
        XCTAssertThrowsError(try WireCodec.decode(Data([0xFF, 0xFE]))) { XCTAssertTrue("\($0)".contains("UTF-8")) }
        XCTAssertThrowsError(try WireCodec.decode(Data("{\"type\":\"banana\"}".utf8))) { XCTAssertTrue("\($0)".contains("banana")) }
        XCTAssertThrowsError(try WireCodec.decode(Data("{\"type\":\"partial\",\"seq\":1}".utf8))) { XCTAssertTrue("\($0)".contains("partial")) }
        XCTAssertThrowsError(try WireCodec.decode(Data("[1,2]".utf8)))
    }
}
