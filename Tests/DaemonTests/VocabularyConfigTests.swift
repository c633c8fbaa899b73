import XCTest
import Streaming
@testable import Daemon

/// model.prompt, model.hotwords and model.script in captiond.toml.
final class VocabularyConfigTests: XCTestCase {
    func testPromptHotwordsAndScriptAreRead() throws {
        let c = try ConfigLoader.parse("""
        [model]
        language = "zh"
        prompt = "A reading of Sense and Sensibility."
        hotwords = "Dashwood, Norland"
        script = "traditional"
        """)
        XCTAssertEqual(c.model.prompt, "A reading of Sense and Sensibility.")
        XCTAssertEqual(c.model.hotwords, "Dashwood, Norland")
        XCTAssertEqual(c.model.script, .traditional)
        XCTAssertEqual(try ConfigLoader.parse("[model]\nscript = \"as-is\"").model.script, .asIs)
        XCTAssertEqual(DaemonConfig().model.script, .simplified)
    }

    func testABadScriptNamesTheKey() {
        do {
            _ = try ConfigLoader.parse("[model]\nscript = \"cyrillic\"")
            XCTFail("accepted a bad script")
        } catch {
            XCTAssertTrue("\(error)".contains("model.script"), "\(error)")
        }
    }
}
