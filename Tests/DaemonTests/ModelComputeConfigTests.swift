import XCTest
import Streaming
@testable import Daemon

/// `model.compute` in captiond.toml: the weight precision handed to the Whisper loader.
final class ModelComputeConfigTests: XCTestCase {
    func testComputeIsReadAndDefaultsToTheCheckpointsOwn() throws {
        XCTAssertEqual(try ConfigLoader.parse("").model.compute, .default)
        XCTAssertEqual(try ConfigLoader.parse("[model]\ncompute = \"int8\"").model.compute, .int8)
        XCTAssertEqual(try ConfigLoader.parse("[model]\ncompute = \"float32\"").model.compute, .float32)
        XCTAssertEqual(try ConfigLoader.parse("[model]\ncompute = \"bfloat16\"").model.compute, .bfloat16)
    }

    func testUnknownComputeNamesTheKeyAndTheChoices() {
        do {
            _ = try ConfigLoader.parse("[model]\ncompute = \"int4\"")
            XCTFail("int4 was accepted")
        } catch {
            XCTAssertEqual("\(error)", "captiond.toml: model.compute: expected one of \"default\", \"int8\", \"float16\", \"float32\", \"bfloat16\", got \"int4\"")
        }
    }
}
