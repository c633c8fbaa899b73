import Foundation
import XCTest
import Metrics
import TestSupport

/// `captionctl transcribe --model av --video` and `captionctl eval` on a corpus manifest, with a
/// checkpoint overfitted on one synthesized clip (`AVTestCheckpoint`, made by the built
/// `captionctl corpus`/`train`). Run with `swift test -c release` (the training takes seconds there).
final class AudioVisualCommandTests: XCTestCase {
    func cer(_ hypothesis: String, _ reference: String) -> Double {
        let h = Array(hypothesis), r = Array(reference)
        var row = Array(0...r.count)
        for i in 1...max(1, h.count) where !h.isEmpty {
            var next = [i] + [Int](repeating: 0, count: r.count)
            for j in 1...max(1, r.count) where !r.isEmpty {
                next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (h[i - 1] == r[j - 1] ? 0 : 1))
            }
            row = next
        }
        return h.isEmpty ? 1 : Double(row[r.count]) / Double(max(1, r.count))
    }

    func testTranscribeWithVideoRunsTheAudioVisualModel() throws {
        let av = try AVTestCheckpoint.make()
        let r = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--video", av.mouth, "--model", av.checkpoint])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertLessThanOrEqual(cer(text, av.text), 0.25, "got \"\(text)\" for \"\(av.text)\"")

        // JSON: the text, the frames (one per 40 ms of the mouth video) and word times.
        let j = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--video", av.mouth, "--model", av.checkpoint, "--format", "json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["text"] as? String, text)
        let frames = try XCTUnwrap(object["frames"] as? Int)
        XCTAssertGreaterThan(frames, 20)
        XCTAssertFalse((object["words"] as? [Any] ?? []).isEmpty)

        // Without --video the same command runs the audio branch alone (no error).
        let a = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--model", av.checkpoint])
        XCTAssertEqual(a.status, 0, a.stderr)

        // --video with a Whisper model, and a missing checkpoint, are refused with the fix.
        let w = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--video", av.mouth, "--model", "/nonexistent/model-dir"])
        XCTAssertEqual(w.status, 1)
        XCTAssertTrue(w.stderr.contains("--model av"), w.stderr)
        let m = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--model", "/nonexistent/x.safetensors"])
        XCTAssertEqual(m.status, 1)
        XCTAssertTrue(m.stderr.contains("no audio-visual checkpoint"), m.stderr)
    }

    func testEvalOnACorpusManifestPrintsEveryMetric() throws {
        let av = try AVTestCheckpoint.make()
        let manifest = av.corpus + "/manifest.jsonl"
        let r = try CommandRunner.run("captionctl", ["eval", manifest, "--model", av.checkpoint, "--split", "train"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for metric in ["CER", "WER", "BLEU", "ROUGE-L", "CIDEr-D"] {
            XCTAssertTrue(r.stdout.contains(metric), "\(metric) missing from:\n\(r.stdout)")
        }
        let j = try CommandRunner.run("captionctl", ["eval", manifest, "--model", av.checkpoint, "--split", "train", "--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let cerValue = try XCTUnwrap(object["cer"] as? Double)
        XCTAssertLessThanOrEqual(cerValue, 0.25, "the overfitted clip: \(j.stdout)")
        XCTAssertEqual(object["utterances"] as? Int, 1)
        XCTAssertNotNil(object["ms_per_frame"] as? Double)

        // A noisy copy and the single branches run; a copy the corpus lacks is a clear error.
        for extra in [["--noise", "white:10"], ["--modality", "audio"], ["--modality", "video"]] {
            let e = try CommandRunner.run("captionctl", ["eval", manifest, "--model", av.checkpoint, "--json"] + extra)
            XCTAssertEqual(e.status, 0, "\(extra): \(e.stderr)")
            XCTAssertEqual((try? JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])?["utterances"] as? Int, 4)
        }
        let missing = try CommandRunner.run("captionctl", ["eval", manifest, "--model", av.checkpoint, "--noise", "babble:0"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("--noise babble:0"), missing.stderr)
    }

    /// `captionctl lm` estimates the character language model from a corpus split (ARPA), the
    /// search reads it with --lm, and bad language models and options are refused by name.
    func testLanguageModelCommandAndTheSearchOptions() throws {
        let av = try AVTestCheckpoint.make()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("av-lm-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let arpa = dir + "/grid.arpa"
        let made = try CommandRunner.run("captionctl", ["lm", "--corpus", av.corpus, "-o", arpa, "--order", "4"])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stdout.contains("order 4"), made.stdout)
        let text = try String(contentsOfFile: arpa, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("\\data\\\nngram 1="), String(text.prefix(40)))
        XCTAssertTrue(text.contains("ngram 4="))
        // The same corpus gives the same bytes.
        let again = try CommandRunner.run("captionctl", ["lm", "--corpus", av.corpus, "-o", arpa + ".2", "--order", "4"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: arpa + ".2", encoding: .utf8), text)

        let searched = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--video", av.mouth, "--model", av.checkpoint, "--lm", arpa])
        XCTAssertEqual(searched.status, 0, searched.stderr)
        let hypothesis = searched.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertLessThanOrEqual(cer(hypothesis, av.text), 0.25, "got \"\(hypothesis)\" for \"\(av.text)\"")

        let missing = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--model", av.checkpoint, "--lm", dir + "/none.arpa"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.arpa"), missing.stderr)
        try "\\data\\\nngram 1=x\n".write(toFile: dir + "/bad.arpa", atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--model", av.checkpoint, "--lm", dir + "/bad.arpa"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("bad.arpa") && bad.stderr.contains("line 2"), bad.stderr)
        for (option, value) in [("--lm-weight", "11.0"), ("--length-bonus", "-21.0"), ("--attention-weight", "-1.0")] {
            let r = try CommandRunner.run("captionctl", ["transcribe", av.audio, "--model", av.checkpoint, "\(option)=\(value)"])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("\(option) \(value): expected"), r.stderr)
        }
        let split = try CommandRunner.run("captionctl", ["lm", "--corpus", av.corpus, "-o", arpa, "--split", "nosuch"])
        XCTAssertNotEqual(split.status, 0)
        XCTAssertTrue(split.stderr.contains("nosuch"), split.stderr)
    }

    /// The trainer's validation and test lines also give the CER of the search with a language
    /// model of the training transcripts: the decoding `captionctl eval` does with that model.
    func testTrainerLinesReportTheSearchWithTheLanguageModel() throws {
        let av = try AVTestCheckpoint.make()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("av-report-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["train", "--corpus", av.corpus, "--resume", av.checkpoint, "--evaluate-only", "--report-noise", "", "-o", dir + "/unused.safetensors"]
        let r = try CommandRunner.run("captionctl", base + ["--report-lm-order", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let testLines = try XCTUnwrap(r.stdout.components(separatedBy: ": test CER").last)
        let searchLine = try XCTUnwrap(testLines.split(separator: "\n").first { $0.contains("clean search: av ") }, r.stdout)
        let searchCER = try XCTUnwrap(Double(searchLine.split(separator: " ")[3]), String(searchLine))

        let arpa = dir + "/train.arpa"
        XCTAssertEqual(try CommandRunner.run("captionctl", ["lm", "--corpus", av.corpus, "-o", arpa, "--order", "4"]).status, 0)
        let e = try CommandRunner.run("captionctl", ["eval", av.corpus + "/manifest.jsonl", "--model", av.checkpoint, "--split", "test",
                                                     "--lm", arpa, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(searchCER, try XCTUnwrap(object["cer"] as? Double), accuracy: 1e-4, "trainer: \(searchLine); eval: \(e.stdout)")

        let off = try CommandRunner.run("captionctl", base + ["--report-lm-order", "0"])
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertFalse(off.stdout.contains("search"), off.stdout)
        let bad = try CommandRunner.run("captionctl", base + ["--report-lm-order", "12"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--report-lm-order"), bad.stderr)
    }
}
