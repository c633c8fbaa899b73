import XCTest
import Foundation
import Features
@testable import Models
import TestSupport

/// Word timing: the pure steps (alignment-head table, median filter, DTW, word splitting,
/// punctuation merging) in any build; against faster-whisper's `word_timestamps=True`
/// (`scripts/reference-word-timestamps.py`, Tests/Fixtures/words) with real weights in release.
final class WordTimestampTests: XCTestCase {
    func testPublishedAlignmentHeadsDecodeToTheCheckpointsOwn() throws {
        // The CTranslate2 conversions ship alignment_heads in config.json; openai-whisper's table
        // must decode to the same heads.
        let tinyEn = try AlignmentHeads.decode(AlignmentHeads.published["tiny.en"]!, layers: 4, heads: 6)
        XCTAssertEqual(tinyEn.map { [$0.layer, $0.head] }, [[1, 0], [2, 0], [2, 5], [3, 0], [3, 1], [3, 2], [3, 3], [3, 4]])
        let base = try AlignmentHeads.decode(AlignmentHeads.published["base"]!, layers: 6, heads: 8)
        XCTAssertEqual(base.map { [$0.layer, $0.head] }, [[3, 1], [4, 2], [4, 3], [4, 7], [5, 1], [5, 2], [5, 4], [5, 6]])
        for (name, dims) in [("tiny", (4, 6)), ("base.en", (6, 8)), ("small", (12, 12)), ("small.en", (12, 12)),
                             ("medium", (24, 16)), ("medium.en", (24, 16)), ("large-v2", (32, 20)), ("large-v3", (32, 20))] {
            let heads = try AlignmentHeads.decode(AlignmentHeads.published[name]!, layers: dims.0, heads: dims.1)
            XCTAssertFalse(heads.isEmpty, name)
        }
        XCTAssertThrowsError(try AlignmentHeads.base85("ab\""))
        XCTAssertThrowsError(try AlignmentHeads.gunzip([1, 2, 3, 4]))
    }

    func testConfigHeadsWinAndBadOnesAreRefused() throws {
        let dims = WhisperDimensions(nMels: 80, nAudioCtx: 1500, nAudioState: 384, nAudioHead: 6, nAudioLayer: 4,
                                     nVocab: 51864, nTextCtx: 448, nTextState: 384, nTextHead: 6, nTextLayer: 4)
        XCTAssertEqual(try AlignmentHeads.resolve(config: ["alignment_heads": [[0, 1]]], dims: dims, path: "c"),
                       [AlignmentHead(layer: 0, head: 1)])
        XCTAssertEqual(try AlignmentHeads.resolve(config: nil, dims: dims, path: "c").count, 8)
        XCTAssertThrowsError(try AlignmentHeads.resolve(config: ["alignment_heads": [[4, 0]]], dims: dims, path: "c"))
        XCTAssertThrowsError(try AlignmentHeads.resolve(config: ["alignment_heads": "x"], dims: dims, path: "c"))
    }

    func testMedianFilterReflectsEdges() {
        // width 3 over [1, 5, 2, 8]: windows [5,1,5] [1,5,2] [5,2,8] [2,8,2]
        XCTAssertEqual(WordAligner.medianFilter([1, 5, 2, 8], width: 3), [5, 2, 5, 2])
        XCTAssertEqual(WordAligner.medianFilter([1, 2], width: 7), [1, 2])   // too short: unchanged
    }

    func testDynamicTimeWarpingFollowsTheDiagonalOfAStrongMatrix() {
        // 3 tokens over 6 frames, each token strong on two frames and penalised elsewhere (with
        // zeros elsewhere, paths through the zeros tie and the tie goes right, then down, as CT2).
        let x: [Float] = [1, 1, -1, -1, -1, -1,
                          -1, -1, 1, 1, -1, -1,
                          -1, -1, -1, -1, 1, 1]
        let path = WordAligner.negativeDTW(x, rows: 3, columns: 6)
        XCTAssertEqual(path.map { [$0.0, $0.1] }, [[0, 0], [0, 1], [1, 2], [1, 3], [2, 4], [2, 5]])
    }

    func testPunctuationJoinsItsWord() {
        func w(_ s: String) -> WordTiming { WordTiming(word: s, tokens: [1], start: 0, end: 1, probability: 1) }
        var a = [w(" \""), w(" Ask"), w(" not"), w("."), w("\"")]
        WordTimestamper.mergePunctuations(&a)
        XCTAssertEqual(a.map(\.word), ["", " \" Ask", " not.\"", "", ""])
        XCTAssertEqual(a.map(\.tokens.count), [0, 2, 3, 0, 0])
    }

    // MARK: Against faster-whisper (release builds, real weights)

    struct Reference: Decodable {
        struct Segment: Decodable { let start: Double; let end: Double; let text: String; let words: [Word] }
        struct Word: Decodable { let word: String; let start: Double; let end: Double; let probability: Double }
        let clip: String; let language: String; let model: String; let segments: [Segment]
    }

    /// |Δstart| and |Δend| of the words both sides share, matched in order by text (an LCS).
    static func differences(_ got: [TranscriptionWord], _ want: [Reference.Word]) -> (deltas: [Double], matched: Int) {
        let a = got.map { $0.word.trimmingCharacters(in: .whitespaces) }
        let b = want.map { $0.word.trimmingCharacters(in: .whitespaces) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var i = 0, j = 0
        var deltas: [Double] = []
        var matched = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                deltas += [abs(got[i].start - want[j].start), abs(got[i].end - want[j].end)]
                matched += 1; i += 1; j += 1
            } else if table[i + 1][j] >= table[i][j + 1] { i += 1 } else { j += 1 }
        }
        return (deltas, matched)
    }

    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        let pos = q / 100 * Double(s.count - 1)
        let lo = Int(pos), hi = min(lo + 1, s.count - 1)
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }

    func testWordTimesMatchFasterWhisperOnEnglishAndMandarin() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        let shared = try TestPaths.requireSharedFixtures()
        let dir = TestPaths.fixtures.appendingPathComponent("words")
        var deltas: [Double] = []
        var matched = 0, total = 0
        for name in ["tiny.en", "base"] {
            let modelDir = try TestPaths.requireModel(name)
            let model = try WhisperModel.load(directory: modelDir)
            let transcriber = try Transcriber(model: model, directory: modelDir)
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(name).path).sorted()
            XCTAssertFalse(files.isEmpty, "no references for \(name): run scripts/reference-word-timestamps.py")
            for file in files where file.hasSuffix(".json") {
                let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("\(name)/\(file)")))
                let samples = try AudioDecoder.load(shared.appendingPathComponent(ref.clip).path)
                var options = DecodingOptions.greedy(language: ref.language)
                options.tokensPerSecond = nil
                options.wordTimestamps = true
                let result = try transcriber.transcribe(samples: samples, options: options)
                let got = result.segments.flatMap { $0.words ?? [] }
                let want = ref.segments.flatMap(\.words)
                let d = Self.differences(got, want)
                deltas += d.deltas
                matched += d.matched
                total += want.count
                let worst = d.deltas.max() ?? 0
                print("\(name) \(ref.clip): \(d.matched)/\(want.count) words matched, worst \(String(format: "%.3f", worst)) s")
                if worst > 0.1 {
                    print("  got  " + got.map { "\($0.word)[\($0.start)-\($0.end)]" }.joined())
                    print("  want " + want.map { "\($0.word)[\($0.start)-\($0.end)]" }.joined())
                }
            }
        }
        let median = Self.percentile(deltas, 50), p95 = Self.percentile(deltas, 95)
        print(String(format: "word timestamps vs faster-whisper: %d/%d words matched, %d start/end differences: median %.4f s, 95th percentile %.4f s, max %.4f s",
                     matched, total, deltas.count, median, p95, deltas.max() ?? 0))
        XCTAssertGreaterThanOrEqual(Double(matched), 0.9 * Double(total), "too few words in common")
        XCTAssertLessThanOrEqual(median, 0.020)
        XCTAssertLessThanOrEqual(p95, 0.100)
        #endif
    }
}
