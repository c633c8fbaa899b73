import XCTest
@testable import IPC

/// `captionctl set hotwords …`: the request round-trips, and an empty value (clearing the hotwords)
/// is allowed for hotwords only.
final class SetHotwordsRequestTests: XCTestCase {
    func testHotwordsRequestRoundTripsAndMayBeEmpty() throws {
        for value in ["Dashwood, Kinsale", ""] {
            var line = Array(ControlRequest.set(.hotwords, value).encoded())
            XCTAssertEqual(line.removeLast(), 0x0A)
            XCTAssertEqual(try ControlRequest.parse(line).get(), .set(.hotwords, value))
        }
        let emptyLanguage = ControlRequest.parse(Array("{\"cmd\":\"set\",\"key\":\"language\",\"value\":\"\"}".utf8))
        XCTAssertThrowsError(try emptyLanguage.get())
    }
}
