import XCTest
import Foundation
import Metrics
import TestSupport

/// `captionctl transcribe` and `captionctl eval` against faster-whisper's committed outputs
/// (Tests/Fixtures/reference, written by scripts/make-references.py): the same tokens per segment,
/// and corpus WER (English, tiny.en) and CER (Mandarin, base) within the margins.
final class AccuracyTests: XCTestCase {
    struct Summary: Decodable {
        struct Clip: Decodable {
            let id: String, clip: String, language: String, reference: String
            let hypotheses: [String: String]
        }
        let clips: [Clip]
    }
    struct Reference: Decodable {
        struct Segment: Decodable { let start: Double, end: Double, text: String, tokens: [Int] }
        let clip: String, segments: [Segment]
    }
    struct TranscriptJSON: Decodable {
        struct Segment: Decodable { let start: Double, end: Double, text: String, tokens: [Int] }
        let file: String, segments: [Segment]
    }

    func summary() throws -> Summary {
        let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("reference/summary.json"))
        return try JSONDecoder().decode(Summary.self, from: data)
    }

    func requirements(_ model: String) throws -> URL {
        guard let fixtures = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("../shared/fixtures is absent") }
        guard TestPaths.model(model) != nil else {
            throw RequiredFixtures.missing("\(model) is not installed: run scripts/fetch-models \(model) (make test does)")
        }
        return fixtures
    }

    /// Every English clip with tiny.en, greedy: the segments' tokens equal faster-whisper's.
    func testTranscribeJSONTokensEqualFasterWhisper() throws {
        let fixtures = try requirements("tiny.en")
        let clips = try summary().clips.filter { $0.language == "en" }
        let paths = clips.map { fixtures.appendingPathComponent($0.clip).path }
        let r = try CommandRunner.run("captionctl", ["transcribe"] + paths +
                                      ["--model", "tiny.en", "--beam", "1", "--threads", "2", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, clips.count)
        var identical = 0
        for (clip, line) in zip(clips, lines) {
            let ours = try JSONDecoder().decode(TranscriptJSON.self, from: Data(line.utf8))
            let refURL = TestPaths.fixtures.appendingPathComponent("reference/tiny.en/\(clip.id).json")
            let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: refURL))
            if ours.segments.map(\.tokens) == ref.segments.map(\.tokens) {
                identical += 1
            } else {
                XCTFail("\(clip.clip): tokens differ\n ours: \(ours.segments.map(\.text))\n ref:  \(ref.segments.map(\.text))")
            }
            for (a, b) in zip(ours.segments, ref.segments) {
                XCTAssertEqual(a.start, b.start, accuracy: 0.011, clip.clip)
                XCTAssertEqual(a.end, b.end, accuracy: 0.011, clip.clip)
            }
        }
        print("AccuracyTests: \(identical)/\(clips.count) clips token-identical to faster-whisper (tiny.en, beam 1)")
    }

    func evalJSON(model: String, language: String, clips: [Summary.Clip], fixtures: URL) throws -> [String: Any] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = dir.appendingPathComponent("manifest.tsv")
        let text = clips.map { "\(fixtures.appendingPathComponent($0.clip).path)\t\($0.reference)" }.joined(separator: "\n")
        try Data((text + "\n").utf8).write(to: manifest)
        let r = try CommandRunner.run("captionctl", ["eval", manifest.path, "--model", model, "--language", language,
                                                     "--beam", "1", "--threads", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let json = try XCTUnwrap(object, "eval --json printed: \(r.stdout)")
        for key in ["wer", "cer", "rtf", "audio_seconds", "utterances"] {
            XCTAssertNotNil(json[key], "eval --json lacks \(key)")
        }
        XCTAssertEqual(json["utterances"] as? Int, clips.count)
        return json
    }

    func testEnglishWERWithinHalfAPointOfFasterWhisper() throws {
        let fixtures = try requirements("tiny.en")
        let clips = try summary().clips.filter { $0.language == "en" }
        let ours = try XCTUnwrap(try evalJSON(model: "tiny.en", language: "en", clips: clips, fixtures: fixtures)["wer"] as? Double)
        let theirs = try CorpusScores.compute(hypotheses: clips.map { $0.hypotheses["tiny.en"] ?? "" },
                                              references: clips.map { [$0.reference] }, language: "en", metrics: [.wer])
        let fw = try XCTUnwrap(theirs.wer?.rate)
        print(String(format: "AccuracyTests: English WER tiny.en: captionctl %.2f%%, faster-whisper %.2f%%", ours * 100, fw * 100))
        XCTAssertLessThanOrEqual(abs(ours - fw), 0.005)
    }

    func testMandarinCERWithinOnePointOfFasterWhisper() throws {
        let fixtures = try requirements("base")
        let clips = try summary().clips.filter { $0.language == "zh" }
        let ours = try XCTUnwrap(try evalJSON(model: "base", language: "zh", clips: clips, fixtures: fixtures)["cer"] as? Double)
        let theirs = try CorpusScores.compute(hypotheses: clips.map { $0.hypotheses["base"] ?? "" },
                                              references: clips.map { [$0.reference] }, language: "zh", metrics: [.cer])
        let fw = try XCTUnwrap(theirs.cer?.rate)
        print(String(format: "AccuracyTests: Mandarin CER base: captionctl %.2f%%, faster-whisper %.2f%%", ours * 100, fw * 100))
        XCTAssertLessThanOrEqual(abs(ours - fw), 0.01)
    }
}
