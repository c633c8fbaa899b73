import XCTest
@testable import Streaming

/// model.script: live Chinese captions in the configured script (libopencc).
final class ChineseScriptTests: XCTestCase {
    func testConvertsBothWaysAndLeavesOtherTextAlone() throws {
        XCTAssertEqual(try ChineseScript(.simplified).convert("廣州市房地產"), "广州市房地产")
        XCTAssertEqual(try ChineseScript(.traditional).convert("换一首歌"), "換一首歌")
        XCTAssertEqual(try ChineseScript(.asIs).convert("換一首歌"), "換一首歌")
        XCTAssertEqual(try ChineseScript(.simplified).convert("Ask not."), "Ask not.")
    }

    func testWordsKeepTheirTimesAndCount() throws {
        let words = ["換", "一", "首", "歌。"].enumerated().map {
            Word(text: $0.element, start: Double($0.offset), end: Double($0.offset) + 0.5, probability: 0.9)
        }
        let out = try ChineseScript(.simplified).convert(words: words)
        XCTAssertEqual(out.map(\.text), ["换", "一", "首", "歌。"])
        XCTAssertEqual(out.map(\.start), words.map(\.start))
        XCTAssertEqual(out.map(\.end), words.map(\.end))
    }

    /// "pinyin" is a Mandarin audio-visual checkpoint's output: Whisper's captions refuse it with
    /// the scripts they take, instead of silently writing hanzi as-is.
    func testPinyinIsRefusedForWhisperCaptions() {
        XCTAssertThrowsError(try ChineseScript(.pinyin)) { error in
            XCTAssertTrue("\(error)".contains("audio-visual") && "\(error)".contains("simplified, traditional or as-is"), "\(error)")
        }
    }
}
