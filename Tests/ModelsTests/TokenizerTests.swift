import XCTest
import Foundation
@testable import Models
import TestSupport

/// Compares WhisperTokenizer with faster-whisper's tokenizer outputs recorded by
/// scripts/reference-tokenizer.py in Tests/Fixtures/tokenizer/<model>.json.
final class TokenizerTests: XCTestCase {
    struct Reference: Decodable {
        struct Encoding: Decodable { let text: String; let ids: [Int] }
        struct Decoding: Decodable { let ids: [Int]; let text: String }
        let multilingual: Bool
        let special: [String: AnyIds]
        let languages: [String: Int]
        let encodings: [Encoding]
        let decodings: [Decoding]
        let non_speech_tokens: [Int]
    }
    enum AnyIds: Decodable {
        case one(Int), many([Int])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { self = .one(v) } else { self = .many(try c.decode([Int].self)) }
        }
        var value: Int? { if case let .one(v) = self { return v }; return nil }
        var list: [Int]? { if case let .many(v) = self { return v }; return nil }
    }

    func load(_ name: String) throws -> (WhisperTokenizer, Reference) {
        guard let dir = TestPaths.model(name) else { throw RequiredFixtures.missing("model \(name) not installed in \(TestPaths.modelsDir.path)") }
        let refURL = TestPaths.fixtures.appendingPathComponent("tokenizer/\(name).json")
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: refURL))
        return (try WhisperTokenizer(directory: dir), ref)
    }

    func checkModel(_ name: String) throws {
        let (tok, ref) = try load(name)
        XCTAssertEqual(tok.isMultilingual, ref.multilingual)
        let s = tok.special
        XCTAssertEqual(s.endOfText, ref.special["eot"]?.value)
        XCTAssertEqual(s.startOfTranscript, ref.special["sot"]?.value)
        XCTAssertEqual(s.translate, ref.special["translate"]?.value)
        XCTAssertEqual(s.transcribe, ref.special["transcribe"]?.value)
        XCTAssertEqual(s.startOfLM, ref.special["sot_lm"]?.value)
        XCTAssertEqual(s.startOfPrevious, ref.special["sot_prev"]?.value)
        XCTAssertEqual(s.noSpeech, ref.special["no_speech"]?.value)
        XCTAssertEqual(s.noTimestamps, ref.special["no_timestamps"]?.value)
        XCTAssertEqual(s.timestampBegin, ref.special["timestamp_begin"]?.value)
        XCTAssertEqual(try tok.startSequence(language: "en", task: .transcribe), ref.special["sot_sequence_en_transcribe"]?.list)
        for (code, id) in ref.languages {
            XCTAssertEqual(tok.languageToken(code), id, code)
            XCTAssertEqual(tok.languageCode(of: id), code)
        }
        XCTAssertEqual(tok.languageCodes.count, 99)
        for e in ref.encodings {
            XCTAssertEqual(try tok.encode(e.text), e.ids, "encode \(e.text.debugDescription)")
        }
        for d in ref.decodings {
            XCTAssertEqual(tok.decode(d.ids), d.text, "decode \(d.ids)")
        }
        XCTAssertEqual(try NonSpeechTokens.ids(tok), ref.non_speech_tokens)
    }

    func testTinyEnMatchesFasterWhisper() throws { try checkModel("tiny.en") }
    func testBaseMatchesFasterWhisper() throws { try checkModel("base") }

    func testVocabularyTxtFallbackDecodesLikeTokenizerJSON() throws {
        guard let dir = TestPaths.model("tiny.en") else { throw RequiredFixtures.missing("tiny.en not installed") }
        let lines = try String(contentsOf: dir.appendingPathComponent("vocabulary.txt"), encoding: .utf8)
            .components(separatedBy: "\n").filter { !$0.isEmpty }
        let fallback = try WhisperTokenizer(vocabularyLines: lines, path: "vocabulary.txt")
        let full = try WhisperTokenizer(directory: dir)
        XCTAssertFalse(fallback.canEncode)
        XCTAssertEqual(fallback.special, full.special)
        XCTAssertEqual(fallback.tokenCount, 51864)
        let ids = try full.encode(" And so my fellow Americans 你好 🎉")
        XCTAssertEqual(fallback.decode(ids), full.decode(ids))
        XCTAssertThrowsError(try fallback.encode("x"))
    }

    func testIncrementalDecodingNeverSplitsChineseCharacters() throws {
        let (tok, ref) = try load("base")
        for e in ref.encodings where e.text.unicodeScalars.contains(where: { $0.value > 0x2E80 }) {
            var decoder = UTF8StreamDecoder()
            var text = ""
            var sawHeldBack = false
            for id in e.ids {
                let piece = decoder.push(tok.bytes(of: id) ?? [])
                XCTAssertFalse(piece.contains("\u{FFFD}"), "split character emitted for \(e.text)")
                if decoder.pendingCount > 0 { sawHeldBack = true }
                text += piece
            }
            text += decoder.finish()
            XCTAssertEqual(text, e.text)
            var tokens = IncrementalTextDecoder(tokenizer: tok)
            let viaTokens = ([tok.special.startOfTranscript] + e.ids + [tok.timestampBegin]).map { tokens.push($0) }
            XCTAssertFalse(viaTokens.contains { $0.contains("\u{FFFD}") })
            XCTAssertEqual(viaTokens.joined() + tokens.finish(), e.text)
            if e.text == "广州市房地产中介协会分析" { XCTAssertTrue(sawHeldBack, "expected a character split across tokens") }
        }
    }

    func testUTF8StreamDecoderHoldsBackAndReplacesInvalid() {
        var d = UTF8StreamDecoder()
        let bytes = Array("中é".utf8)   // E4 B8 AD C3 A9
        XCTAssertEqual(d.push(bytes[0..<2]), "")
        XCTAssertEqual(d.pendingCount, 2)
        XCTAssertEqual(d.push(bytes[2..<4]), "中")
        XCTAssertEqual(d.push(bytes[4...]), "é")
        XCTAssertEqual(d.push([0xFF, 0x41]), "\u{FFFD}A")
        XCTAssertEqual(d.push([0xE4]), "")
        XCTAssertEqual(d.finish(), "\u{FFFD}")
        XCTAssertEqual(d.push([0xE0, 0x80]), "\u{FFFD}\u{FFFD}")   // invalid second byte is not held
    }

    func testPreTokenizerPieces() {
        XCTAssertEqual(GPT2PreTokenizer.split("Hello world's  end 42!!  "),
                       ["Hello", " world", "'s", " ", " end", " 42", "!!", "  "])
        XCTAssertEqual(GPT2PreTokenizer.split("a\n\nb"), ["a", "\n", "\n", "b"])
    }

    func testMissingTokenizerFilesGiveAPreciseError() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-tokenizer-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        XCTAssertThrowsError(try WhisperTokenizer(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.json"), "\(error)")
        }
        XCTAssertThrowsError(try WhisperTokenizer(tokenizerJSON: Data("[]".utf8), path: "x.json"))
    }
}
