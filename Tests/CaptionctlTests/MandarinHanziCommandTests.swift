import Foundation
import XCTest
import Streaming
import TestSupport

/// A Mandarin corpus clip (the committed Tang-line pinyin fixture) and a pinyin checkpoint
/// overfitted on it, through the built captionctl: `transcribe` writes hanzi by default and the
/// pinyin with `--script pinyin`; `eval` adds the hanzi CER (text and `--json`).
final class MandarinHanziCommandTests: XCTestCase {
    nonisolated(unsafe) private static var made: (corpus: String, checkpoint: String)?

    override class func tearDown() {
        if let made { try? FileManager.default.removeItem(atPath: (made.corpus as NSString).deletingLastPathComponent) }
        made = nil
        super.tearDown()
    }

    private func mandarinCheckpoint() throws -> (corpus: String, checkpoint: String) {
        guard PinyinHanziConverter.defaultDataDirectory != nil else {
            throw RequiredFixtures.missing("libpinyin-data is not installed (scripts/setup-deps)")
        }
        if let made = Self.made { return made }
        let dir = NSTemporaryDirectory() + "captiond-zhtest-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let corpus = dir + "/corpus", checkpoint = dir + "/zh.safetensors"
        let pinyin = TestPaths.fixtures.appendingPathComponent("mandarin-pinyin-sample.tsv").path
        let c = try CommandRunner.run("captionctl", ["corpus", "-o", corpus, "--seed", "3", "--set", "mandarin", "--pinyin", pinyin,
                                                     "--train", "1", "--validation", "1", "--test", "1"])
        guard c.status == 0 else { throw AVTestCheckpoint.Failure("captionctl corpus failed: \(c.stderr)") }
        let t = try CommandRunner.run("captionctl", ["train", "--corpus", corpus, "-o", checkpoint, "--seed", "1", "--steps", "250",
                                                     "--batch", "1", "--learning-rate", "0.01", "--epoch-steps", "250"])
        guard t.status == 0 else { throw AVTestCheckpoint.Failure("captionctl train failed: \(t.stderr)") }
        Self.made = (corpus, checkpoint)
        return (corpus, checkpoint)
    }

    private func trainingClip(_ corpus: String) throws -> (audio: String, mouth: String, text: String, pinyin: String) {
        let manifest = try String(contentsOfFile: corpus + "/manifest.jsonl", encoding: .utf8)
        for line in manifest.split(separator: "\n") {
            let e = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard e["split"] as? String == "train" else { continue }
            return (corpus + "/" + (e["audio"] as? String ?? ""), corpus + "/" + (e["mouth"] as? String ?? ""),
                    e["text"] as? String ?? "", e["pinyin"] as? String ?? "")
        }
        throw XCTSkip("no training clip in \(corpus)")
    }

    func testTranscribeWritesHanziByDefaultAndPinyinOnRequest() throws {
        let (corpus, checkpoint) = try mandarinCheckpoint()
        let clip = try trainingClip(corpus)
        let base = ["transcribe", clip.audio, "--video", clip.mouth, "--model", checkpoint]
        let p = try CommandRunner.run("captionctl", base + ["--script", "pinyin"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let pinyin = p.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(pinyin.isEmpty, "the overfitted clip decodes to pinyin (\(clip.pinyin))")
        XCTAssertTrue(pinyin.allSatisfy { $0.isASCII }, pinyin)

        let h = try CommandRunner.run("captionctl", base)
        XCTAssertEqual(h.status, 0, h.stderr)
        let hanzi = h.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(hanzi, try PinyinHanziConverter().convert(pinyin), "the default script is hanzi of the same pinyin")
        XCTAssertFalse(hanzi.contains { $0.isASCII }, hanzi)

        let j = try CommandRunner.run("captionctl", base + ["--format", "json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["text"] as? String, hanzi)
        XCTAssertEqual(object["pinyin"] as? String, pinyin, "the JSON keeps the pinyin beside the hanzi")
        XCTAssertEqual(object["language"] as? String, "zh")
    }

    func testEvalReportsHanziCER() throws {
        let (corpus, checkpoint) = try mandarinCheckpoint()
        let clip = try trainingClip(corpus)
        let args = ["eval", corpus + "/manifest.jsonl", "--model", checkpoint, "--split", "train"]
        let r = try CommandRunner.run("captionctl", args)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("hanzi CER"), r.stdout)

        let j = try CommandRunner.run("captionctl", args + ["--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let hanziCER = try XCTUnwrap(object["hanzi_cer"] as? Double, j.stdout)
        let detail = try XCTUnwrap(object["hanzi"] as? [String: Any], j.stdout)
        XCTAssertEqual(detail["cer"] as? Double, hanziCER)
        // The converter's ceiling: the clip's own pinyin converted, against its hanzi.
        let converted = try PinyinHanziConverter().convert(clip.pinyin)
        let ceiling = Double(editDistance(Array(converted), Array(clip.text))) / Double(clip.text.count)
        XCTAssertEqual(try XCTUnwrap(detail["reference_pinyin_cer"] as? Double), ceiling, accuracy: 1e-9)
        // The model's own output converted, against the clip's hanzi: the one clip's hanzi CER.
        let p = try CommandRunner.run("captionctl", ["transcribe", clip.audio, "--video", clip.mouth, "--model", checkpoint, "--script", "pinyin"])
        XCTAssertEqual(p.status, 0, p.stderr)
        let output = try PinyinHanziConverter().convert(p.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(hanziCER, Double(editDistance(Array(output), Array(clip.text))) / Double(clip.text.count), accuracy: 1e-9)
    }

    private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var next = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            row = next
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
