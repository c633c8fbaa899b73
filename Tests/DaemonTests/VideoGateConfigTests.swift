import XCTest
import Streaming
@testable import Daemon

final class VideoGateConfigTests: XCTestCase {
    func testGateAndAnalysisRateAreReadAndReachTheRecognizer() throws {
        let c = try ConfigLoader.parse("""
        [video]
        enabled = true
        gate = "strict"
        analysis_fps = 10
        """)
        XCTAssertEqual(c.video.gate, .strict)
        XCTAssertEqual(c.video.analysisFps, 10)
        XCTAssertEqual(c.streaming.video.gate, .strict, "the recognizer factory gets the gate in the streaming configuration")
        XCTAssertTrue(c.streaming.video.enabled)
        XCTAssertEqual(c.streaming.video.analysisFps, 10)
        XCTAssertEqual(try ConfigLoader.parse("").video.gate, .tag, "tag is the default")
        XCTAssertFalse(try ConfigLoader.parse("").streaming.video.active, "no video, no camera analysis")
    }

    func testBadGateValuesNameTheKey() {
        for (text, expect) in [("gate = \"motion\"", "video.gate"), ("analysis_fps = 0", "video.analysis_fps"),
                               ("gate = true", "video.gate")] {
            do {
                _ = try ConfigLoader.parse("[video]\n" + text)
                XCTFail("\(text) was accepted")
            } catch {
                XCTAssertTrue("\(error)".contains(expect), "\(text): \(error)")
            }
        }
    }
}
