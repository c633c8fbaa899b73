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

    /// `captionctl set script …`: the key is known (its value is checked by the daemon), an empty
    /// value is refused here, and an unknown key's error lists script.
    func testScriptRequestRoundTripsAndUnknownKeysListIt() throws {
        var line = Array(ControlRequest.set(.script, "traditional").encoded())
        XCTAssertEqual(line.removeLast(), 0x0A)
        XCTAssertEqual(try ControlRequest.parse(line).get(), .set(.script, "traditional"))
        XCTAssertThrowsError(try ControlRequest.parse(Array("{\"cmd\":\"set\",\"key\":\"script\",\"value\":\"\"}".utf8)).get())
        guard case .failure(let f) = ControlRequest.parse(Array("{\"cmd\":\"set\",\"key\":\"font\",\"value\":\"x\"}".utf8)) else { return XCTFail() }
        XCTAssertTrue(f.message.contains("hotwords, script"), f.message)
    }
}
