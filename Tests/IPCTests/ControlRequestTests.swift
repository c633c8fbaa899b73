import XCTest
@testable import IPC

final class ControlRequestTests: XCTestCase {
    private func parse(_ s: String) -> Result<ControlRequest, ControlFailure> { ControlRequest.parse(Array(s.utf8)) }

    func testValidRequestsParseAndRoundTrip() throws {
        let all: [ControlRequest] = [.status, .pause, .resume, .reload, .set(.language, "zh"), .set(.task, "translate"), .set(.model, "/m/base")]
        for r in all {
            var line = Array(r.encoded())
            XCTAssertEqual(line.removeLast(), 0x0A)
            XCTAssertEqual(try ControlRequest.parse(line).get(), r)
        }
    }

    func testBadRequestsGetPreciseErrorCodes() {
        XCTAssertEqual(parse("status").failureCode, .badJSON)
        XCTAssertEqual(parse("[1]").failureCode, .badRequest)
        XCTAssertEqual(parse("{\"command\":\"status\"}").failureCode, .badRequest)
        XCTAssertEqual(parse("{\"cmd\":\"explode\"}").failureCode, .unknownCommand)
        XCTAssertEqual(parse("{\"cmd\":\"set\",\"key\":\"volume\",\"value\":\"11\"}").failureCode, .badRequest)
        XCTAssertEqual(parse("{\"cmd\":\"set\",\"key\":\"language\"}").failureCode, .badRequest)
        XCTAssertEqual(parse("   ").failureCode, .badRequest)
        XCTAssertEqual(ControlRequest.parse([0x7B, 0xC3, 0x28, 0x7D]).failureCode, .invalidUTF8)
    }

    func testLineSplitterHandlesChunksAndOversizedLines() {
        var s = LineSplitter(limit: 8)
        XCTAssertEqual(s.feed(Array("ab".utf8)), [])
        XCTAssertEqual(s.feed(Array("c\nde\n".utf8)), [.line(Array("abc".utf8)), .line(Array("de".utf8))])
        // An oversized line is reported once; its tail up to the newline is dropped.
        XCTAssertEqual(s.feed(Array("0123456789".utf8)), [.tooLong(10)])
        XCTAssertEqual(s.feed(Array("xyz".utf8)), [])
        XCTAssertEqual(s.feed(Array("tail\nok\n".utf8)), [.line(Array("ok".utf8))])
        // Oversized and complete in one chunk.
        XCTAssertEqual(s.feed(Array("0123456789\nfine\n".utf8)), [.tooLong(10), .line(Array("fine".utf8))])
        XCTAssertEqual(s.feed(Array("12345678\n".utf8)), [.line(Array("12345678".utf8))], "exactly the limit is allowed")
    }
}

private extension Result where Failure == ControlFailure {
    var failureCode: ControlFailure.Code? { if case .failure(let f) = self { return f.code }; return nil }
}
