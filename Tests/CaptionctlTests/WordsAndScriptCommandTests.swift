import XCTest
import Foundation
import TestSupport

/// `captionctl transcribe --word-timestamps` (JSON words, SRT cues cut at word boundaries) and
/// `--script` (Chinese in simplified, traditional or Whisper's own characters), end to end.
final class WordsAndScriptCommandTests: XCTestCase {
    struct TranscriptJSON: Decodable {
        struct Word: Decodable { let word: String, start: Double, end: Double, probability: Double }
        struct Segment: Decodable { let start: Double, end: Double, text: String, words: [Word]? }
        let language: String, text: String, segments: [Segment]
    }

    func transcribe(_ clip: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let fixtures = try TestPaths.requireSharedFixtures()
        let r = try CommandRunner.run("captionctl", ["transcribe", fixtures.appendingPathComponent(clip).path,
                                                     "--beam", "1", "--threads", "2"] + arguments)
        return (r.status, r.stdout, r.stderr)
    }

    func testWordTimestampsInJSONMatchTheReferenceAndSRTNeverSplitsAWord() throws {
        _ = try TestPaths.requireModel("tiny.en")
        let clip = "spkanon_eval/1988-24833-0001.flac"
        let json = try transcribe(clip, ["--model", "tiny.en", "--word-timestamps", "--format", "json", "--tokens-per-second", "0"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let t = try JSONDecoder().decode(TranscriptJSON.self, from: Data(json.stdout.utf8))
        let words = t.segments.flatMap { $0.words ?? [] }
        // faster-whisper's words for this clip (scripts/reference-word-timestamps.py).
        struct Ref: Decodable { struct S: Decodable { let words: [TranscriptJSON.Word] }; let segments: [S] }
        let ref = try JSONDecoder().decode(Ref.self, from: Data(contentsOf: TestPaths.fixtures
            .appendingPathComponent("words/tiny.en/spkanon_eval-1988-24833-0001.json"))).segments.flatMap(\.words)
        XCTAssertEqual(words.map(\.word), ref.map(\.word))
        for (a, b) in zip(words, ref) {
            XCTAssertEqual(a.start, b.start, accuracy: 0.02, a.word)
            XCTAssertEqual(a.end, b.end, accuracy: 0.02, a.word)
        }
        // SRT from the same words: every cue is whole words, in order, covering the transcript.
        let srt = try transcribe(clip, ["--model", "tiny.en", "--word-timestamps", "--format", "srt", "--tokens-per-second", "0"])
        XCTAssertEqual(srt.status, 0, srt.stderr)
        let blocks = srt.stdout.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        XCTAssertGreaterThan(blocks.count, 1, "a 27-word sentence makes several cues:\n\(srt.stdout)")
        var cueWords: [String] = []
        var previousEnd = 0.0
        for block in blocks {
            let lines = block.split(separator: "\n").map(String.init)
            XCTAssertGreaterThanOrEqual(lines.count, 3, block)
            let times = lines[1].components(separatedBy: " --> ")
            func seconds(_ s: String) -> Double {
                let p = s.replacingOccurrences(of: ",", with: ".").split(separator: ":").compactMap { Double($0) }
                return p.count == 3 ? p[0] * 3600 + p[1] * 60 + p[2] : -1
            }
            XCTAssertGreaterThanOrEqual(seconds(times[0]) + 1e-6, previousEnd, block)
            previousEnd = seconds(times[1])
            cueWords += lines[2...].joined(separator: " ").split(separator: " ").map(String.init)
        }
        let spoken = words.map { $0.word.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cueWords, spoken, "cues hold exactly the words, none split")
    }

    func testChineseScriptOption() throws {
        _ = try TestPaths.requireModel("base")
        let clip = "firered_asr/IT0011W0001.wav"     // "换一首歌"; base writes 換 (traditional)
        var texts: [String: String] = [:]
        for script in ["simplified", "traditional", "as-is"] {
            let r = try transcribe(clip, ["--model", "base", "--language", "zh", "--format", "txt", "--script", script])
            XCTAssertEqual(r.status, 0, r.stderr)
            texts[script] = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        print("--script: \(texts)")
        XCTAssertEqual(texts["simplified"], "换一首歌")
        XCTAssertEqual(texts["traditional"], "換一首歌")
        XCTAssertEqual(texts["as-is"], "換一首歌", "base's own output for this clip is traditional")
        let bad = try transcribe(clip, ["--model", "base", "--script", "cyrillic"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--script cyrillic"), bad.stderr)
    }
}
