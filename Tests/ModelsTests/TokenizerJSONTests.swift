import XCTest
import Foundation
@testable import Models
import TestSupport

/// `TokenizerJSON` (the byte scanner the tokenizer loads with) against Foundation's
/// JSONSerialization on the installed models' tokenizer.json, and on malformed input.
final class TokenizerJSONTests: XCTestCase {
    func checkAgainstFoundation(_ name: String) throws {
        guard let dir = TestPaths.model(name) else { throw XCTSkip("model \(name) not installed in \(TestPaths.modelsDir.path)") }
        let path = dir.appendingPathComponent("tokenizer.json").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let ours = try TokenizerJSON.parse([UInt8](data), path: path)
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let model = try XCTUnwrap(root["model"] as? [String: Any])
        let vocab = try XCTUnwrap(model["vocab"] as? [String: Int])
        XCTAssertEqual(ours.type, model["type"] as? String)
        XCTAssertEqual(ours.vocabularyCount, vocab.count)
        for (token, id) in vocab where ours.idToToken[id] != token {
            XCTFail("\(name): id \(id) is \(String(describing: ours.idToToken[id])), expected \(token)")
            break
        }
        let added = try XCTUnwrap(root["added_tokens"] as? [[String: Any]]).map { ($0["content"] as? String ?? "", $0["id"] as? Int ?? -1) }
        XCTAssertEqual(ours.added.map(\.content), added.map(\.0))
        XCTAssertEqual(ours.added.map(\.id), added.map(\.1))
        let merges = try XCTUnwrap(model["merges"] as? [Any]).map { m -> String in
            if let s = m as? String { return s }
            return (m as? [String] ?? []).joined(separator: " ")
        }
        let range = try XCTUnwrap(ours.merges)
        XCTAssertEqual(try TokenizerJSON.mergeKeys([UInt8](data), range: range, path: path), merges)
    }

    func testTinyEnAsFoundationReadsIt() throws { try checkAgainstFoundation("tiny.en") }
    func testBaseAsFoundationReadsIt() throws { try checkAgainstFoundation("base") }

    func testEscapesAndMergeForms() throws {
        let json = #"{"x": [1, 2.5e3, true, null, {"a": "b\"c"}], "model": {"type": "BPE", "dropout": null, "#
            + #""vocab": {"a\"b": 0, "\u0120t": 1, "\ud83d\ude00": 3, "\\n": 2}, "merges": ["a b", ["\u0120", "t"]]}, "#
            + #""added_tokens": [{"id": 4, "content": "<|endoftext|>", "special": true}]}"#
        let bytes = Array(json.utf8)
        let t = try TokenizerJSON.parse(bytes, path: "t.json")
        XCTAssertEqual(t.idToToken, TokenTable(["a\"b", "\u{0120}t", "\\n", "\u{1F600}"]))
        XCTAssertEqual(t.added.map(\.content), ["<|endoftext|>"])
        XCTAssertEqual(try TokenizerJSON.mergeKeys(bytes, range: try XCTUnwrap(t.merges), path: "t.json"), ["a b", "\u{0120} t"])
    }

    func testMalformedInputFailsWithItsOffset() {
        let good = #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}"#
        for cut in [5, 20, 37, good.utf8.count - 1] {
            let bytes = Array(good.utf8.prefix(cut))
            XCTAssertThrowsError(try TokenizerJSON.parse(bytes, path: "t.json"), "cut at \(cut)") { error in
                XCTAssertTrue("\(error)".contains("t.json"), "\(error)")
            }
        }
        for bad in [#"{"model": {"vocab": {"a": 1.5}}}"#, #"{"model": {"vocab": {"a": -1}}}"#,
                    #"{"model": {"merges": ["ab"]}}"#, #"{"model": {"merges": [["a"]]}}"#,
                    #"{"model": {"vocab": {"a": 99999999999}}}"#, #"{"a": tru}"#, #"{"a": "\q"}"#] {
            XCTAssertThrowsError(try TokenizerJSON.parse(Array(bad.utf8), path: "t.json"), bad)
        }
    }

    /// Issue 9 (parse9): a vocabulary or added-token id sizes the id → token table, and any id up
    /// to `maximumId` (4,194,304) was accepted, so a 38-byte file made a 4-M-entry table (64 MB of
    /// String?, zeroed). Ids are now bounded by what the file can hold as well (a dense table of
    /// n entries needs several bytes each): refused with the id, the bound and the byte offset.
    func testIdsFarBeyondWhatTheFileHoldsAreRefused() throws {
        let vocab = #"{"model": {"vocab": {"a": 4000000}}}"#
        XCTAssertThrowsError(try TokenizerJSON.parse(Array(vocab.utf8), path: "t.json")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("t.json") && text.contains("id 4000000 of 'a'"), text)
            XCTAssertTrue(text.contains("at byte"), text)
        }
        let added = #"{"model": {"vocab": {"a": 0}}, "added_tokens": [{"id": 3999999, "content": "x"}]}"#
        XCTAssertThrowsError(try TokenizerJSON.parse(Array(added.utf8), path: "t.json")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("t.json") && text.contains("added_tokens[0]") && text.contains("3999999"), text)
        }
        // Whisper's own ids stay valid in a small file (cut-down tokenizers, the fuzz seeds).
        let whisperRange = #"{"model": {"vocab": {"a": 0, "b": 51864}}, "added_tokens": [{"id": 51865, "content": "<|x|>"}]}"#
        let t = try TokenizerJSON.parse(Array(whisperRange.utf8), path: "t.json")
        XCTAssertEqual(t.idToToken.count, 51865)
        XCTAssertEqual(t.added.map(\.id), [51865])
    }

    /// Issue 9 (fuzz9): the id → token table was a dense [String?] sized by the largest id, so one
    /// far id allocated and filled 16 bytes for every id below it, whatever the file held: the
    /// tokenizer fuzz harness page-faulted through 2 MB for a 40-byte input (ids up to 2^17 are
    /// allowed in any file), and this 8-MB file naming id 2,000,000 (allowed: a quarter of its
    /// bytes) made a 32-MB table, copied again when the added tokens went in. The table now holds
    /// the entries present, so memory follows what the file contains.
    func testAFarIdCostsOnlyTheEntriesTheFileHolds() throws {
        let specials = ["<|endoftext|>", "<|startoftranscript|>", "<|translate|>", "<|transcribe|>",
                        "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
        let added = specials.enumerated().map { #"{"id": \#(2 + $0.offset), "content": "\#($0.element)"}"# }
        let padding = String(repeating: "x", count: 8 << 20)
        let json = #"{"padding": "\#(padding)", "model": {"type": "BPE", "vocab": {"a": 0, "b": 2000000}, "merges": ["a b"]}, "#
            + #""added_tokens": [\#(added.joined(separator: ", "))]}"#
        let data = Data(json.utf8)
        let before = ResidentMemory.bytes()
        let t = try WhisperTokenizer(tokenizerJSON: data, path: "far.json")
        let grown = ResidentMemory.bytes() - before
        XCTAssertLessThan(grown, 16 << 20, "resident memory grew by \(grown) bytes for 10 tokens")
        XCTAssertEqual(t.token(of: 0), "a")
        XCTAssertEqual(t.token(of: 2_000_000), "b")
        XCTAssertNil(t.token(of: 1_999_999))
        XCTAssertNil(t.token(of: 1))
        XCTAssertEqual(t.special.endOfText, 2)
        XCTAssertEqual(t.special.noTimestamps, 9)
        XCTAssertEqual(t.decode([0, 1, 2_000_000, 0]), "aa")   // ids ≥ <|endoftext|> are not text
        XCTAssertEqual(t.id(of: "b"), 2_000_000)
    }
}
