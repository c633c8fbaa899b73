import XCTest
import TestSupport
@testable import Streaming

/// Tone-numbered pinyin to hanzi with libpinyin (Debian libpinyin-data): known words, context,
/// syllables it cannot read, the words of a hypothesis, the scripts, and a missing data directory.
final class PinyinHanziConverterTests: XCTestCase {
    private func converter() throws -> PinyinHanziConverter {
        guard PinyinHanziConverter.defaultDataDirectory != nil else {
            throw RequiredFixtures.missing("libpinyin-data is not installed (scripts/setup-deps)")
        }
        return try PinyinHanziConverter()
    }

    func testCommonWordsConvert() throws {
        let c = try converter()
        XCTAssertEqual(c.convert("ni3 hao3"), "你好")
        XCTAssertEqual(c.convert("zhong1 guo2"), "中国")
        XCTAssertEqual(c.convert("wo3 ai4 bei3 jing1"), "我爱北京")
        XCTAssertEqual(c.convert("jin1 tian1 tian1 qi4 hen3 hao3"), "今天天气很好", "a sentence in context")
        XCTAssertEqual(c.convert("lv4 se4"), "绿色", "ü written v, as the pinyin vocabulary does")
        XCTAssertEqual(c.convert("  ni3   hao3 "), "你好", "extra spaces")
        XCTAssertEqual(c.convert(""), "")
        // The same input twice gives the same output: nothing is learnt between calls.
        XCTAssertEqual(c.convert("zhong1 guo2"), "中国")
    }

    /// A syllable libpinyin cannot parse stays as written; the runs around it convert on their own.
    func testUnreadableSyllableIsKept() throws {
        let c = try converter()
        XCTAssertEqual(c.convert("ni3 hao3 xq3 zhong1 guo2"), "你好xq3中国")
        XCTAssertEqual(c.convert("xq3"), "xq3")
    }

    /// One syllable a word in, one character a word out, the times kept.
    func testHypothesisWordsKeepTheirTimes() throws {
        let c = try converter()
        let words = [Word(text: "zhong1", start: 1.0, end: 1.2, timing: .emissionSpikes),
                     Word(text: "guo2", start: 1.3, end: 1.5, timing: .emissionSpikes)]
        let out = c.convert(words: words)
        XCTAssertEqual(out.map(\.text), ["中", "国"])
        XCTAssertEqual(out.map(\.start), [1.0, 1.3])
        XCTAssertEqual(out.map(\.end), [1.2, 1.5])
        XCTAssertEqual(CaptionText.join(out.map(\.text)), "中国")
        XCTAssertEqual(c.convert(words: []), [])

        // A syllable that is no pinyin splits the sentence: the words convert one by one, the
        // odd one kept as written, nothing lost and the times kept.
        let odd = [Word(text: "zhong1", start: 0, end: 0.2), Word(text: "xq3", start: 0.3, end: 0.5), Word(text: "guo2", start: 0.6, end: 0.8)]
        let kept = c.convert(words: odd)
        XCTAssertEqual(kept.count, 3)
        XCTAssertEqual(kept[1].text, "xq3")
        for i in [0, 2] { XCTAssertTrue(kept[i].text.count == 1 && kept[i].text.unicodeScalars.allSatisfy(CaptionText.isWide), kept[i].text) }
        XCTAssertEqual(kept.map(\.start), [0, 0.3, 0.6])
    }

    /// `model.script`: hanzi by default, traditional through OpenCC, the pinyin itself on request.
    func testCaptionScripts() throws {
        _ = try converter()
        XCTAssertEqual(try PinyinCaptionScript(.simplified).convert("zhong1 guo2"), "中国")
        XCTAssertEqual(try PinyinCaptionScript(.traditional).convert("zhong1 guo2"), "中國")
        let pinyin = try PinyinCaptionScript(.pinyin, dataDirectory: "/nonexistent")
        XCTAssertFalse(pinyin.writesHanzi, "the pinyin script needs no libpinyin data")
        XCTAssertEqual(pinyin.convert("zhong1 guo2"), "zhong1 guo2")
    }

    func testMissingDataDirectoryNamesTheCallAndTheFix() throws {
        XCTAssertThrowsError(try PinyinHanziConverter(dataDirectory: "/nonexistent/libpinyin")) { error in
            guard case let StreamingError.pinyinConversion(function, reason) = error else {
                return XCTFail("expected pinyinConversion, got \(error)")
            }
            XCTAssertEqual(function, "pinyin_init")
            XCTAssertTrue(reason.contains("/nonexistent/libpinyin") && reason.contains("libpinyin-data"), reason)
        }
        XCTAssertThrowsError(try PinyinCaptionScript(.simplified, dataDirectory: "/nonexistent/libpinyin")) { error in
            XCTAssertTrue("\(error)".contains("libpinyin pinyin_init"), "\(error)")
        }
    }
}
