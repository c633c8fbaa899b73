import XCTest
import Foundation
@testable import Models
import TestSupport

/// `WhisperTokenizer.encodeEach` reads only the merges and tokens its texts can touch
/// (`MergeSubset`) while the full tables are not built: its ids must equal faster-whisper's
/// (Tests/Fixtures/tokenizer/<model>.json) and `encode`'s, and the non-speech suppression list a
/// transcription resolves must not build the full tables.
final class TokenizerSubsetTests: XCTestCase {
    struct Reference: Decodable {
        struct Encoding: Decodable { let text: String; let ids: [Int] }
        let encodings: [Encoding]
        let non_speech_tokens: [Int]
    }

    func load(_ name: String) throws -> (URL, Reference) {
        guard let dir = TestPaths.model(name) else { throw RequiredFixtures.missing("model \(name) not installed in \(TestPaths.modelsDir.path)") }
        let refURL = TestPaths.fixtures.appendingPathComponent("tokenizer/\(name).json")
        return (dir, try JSONDecoder().decode(Reference.self, from: Data(contentsOf: refURL)))
    }

    func checkModel(_ name: String) throws {
        let (dir, ref) = try load(name)
        let fresh = try WhisperTokenizer(directory: dir)
        XCTAssertEqual(try NonSpeechTokens.ids(fresh), ref.non_speech_tokens)
        XCTAssertFalse(fresh.hasFullTables, "the suppression list must not build the full tables")
        XCTAssertEqual(try NonSpeechTokens.ids(fresh), ref.non_speech_tokens, "remembered")

        let texts = ref.encodings.map(\.text)
        let subset = try WhisperTokenizer(directory: dir).encodeEach(texts)
        for (e, ids) in zip(ref.encodings, subset) {
            XCTAssertEqual(ids, e.ids, "encodeEach \(e.text.debugDescription)")
        }
        // Texts that share words and pieces, special-token texts, and repeats.
        let more = ["hello world", " hello", "hello", "<|endoftext|>hello<|endoftext|>", "", " ", "  ",
                    "It's ((over)) 9000!!! ♪♪ ♪", "naïve café — déjà vu", "你好，世界", "hello world"]
        let full = try WhisperTokenizer(directory: dir)
        XCTAssertEqual(try WhisperTokenizer(directory: dir).encodeEach(more), try more.map { try full.encode($0) })
        XCTAssertTrue(full.hasFullTables)
        XCTAssertEqual(try full.encodeEach(more), try more.map { try full.encode($0) }, "with the full tables built")
    }

    func testTinyEnSubsetEncodingMatchesFasterWhisper() throws { try checkModel("tiny.en") }
    func testBaseSubsetEncodingMatchesFasterWhisper() throws { try checkModel("base") }

    /// Escaped merge strings, the [a, b] merge form, a repeated merge and a repeated token (the first
    /// rank and the first id win, as in the full tables).
    func testEscapedAndArrayMergesAndRepeats() throws {
        let specials = ["<|endoftext|>", "<|startoftranscript|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>",
                        "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
        let added = specials.enumerated().map { #"{"id": \#(7 + $0.offset), "content": "\#($0.element)"}"# }.joined(separator: ", ")
        let json = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "\u0120": 3, "\u0120a": 4, "abb": 5, "ab": 6},"#
            + #" "merges": ["a b", ["\u0120", "a"], "a\u0062 b", "a b"]}, "added_tokens": ["# + added + "]}"
        let data = Data(json.utf8)
        let texts = ["ab", " a", "abb", "<|endoftext|>ab", "ba"]
        let full = try WhisperTokenizer(tokenizerJSON: data, path: "t.json")
        let expected = try texts.map { try full.encode($0) }
        XCTAssertEqual(expected, [[2], [4], [5], [7, 2], [1, 0]])
        let lazy = try WhisperTokenizer(tokenizerJSON: data, path: "t.json")
        XCTAssertEqual(try lazy.encodeEach(texts), expected)
        XCTAssertFalse(lazy.hasFullTables)
    }

    func testVocabularyTxtAloneStillRefusesToEncode() throws {
        let lines = ["a", "<|endoftext|>", "<|startoftranscript|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>",
                     "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
        let t = try WhisperTokenizer(vocabularyLines: lines, path: "vocabulary.txt")
        XCTAssertThrowsError(try t.encodeEach(["a"])) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.json is needed"), "\(error)")
        }
    }
}
