import XCTest
import CaptionCore
@testable import IPC

/// A partial with word times on the wire: `words` and `timing` as in a final; both absent when the
/// recognizer gave no words (docs/PROTOCOL.md, `partial`).
final class PartialWordsWireTests: XCTestCase {
    func testPartialWordsRoundTripWithTheirTiming() throws {
        let p = CaptionPartial(utterance: 7, seq: 41, text: "ask not", stable: "ask", start: 12.31, end: 13.0, lang: "en",
                               words: [CaptionWord(word: "ask", start: 12.31, end: 12.6, probability: 0.93),
                                       CaptionWord(word: "not", start: 12.7, end: 13.0, probability: 0.71)],
                               timing: "decoded")
        let line = try WireCodec.encode(.partial(p))
        XCTAssertEqual(try WireCodec.decode(line), .partial(p))
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        XCTAssertEqual(obj["timing"] as? String, "decoded")
        let words = try XCTUnwrap(obj["words"] as? [[String: Any]])
        XCTAssertEqual(words.map { $0["word"] as? String }, ["ask", "not"])
        XCTAssertEqual(words.first?["start"] as? Double, 12.31)
        XCTAssertEqual(words.first?["end"] as? Double, 12.6)
        // A line from a daemon that predates partial words still decodes.
        let old = Data("{\"type\":\"partial\",\"utterance\":1,\"seq\":2,\"text\":\"a b\",\"stable\":\"a\",\"start\":0,\"end\":1}".utf8)
        guard case .partial(let q) = try WireCodec.decode(old) else { return XCTFail() }
        XCTAssertNil(q.words)
        XCTAssertNil(q.timing)
    }
}
