import XCTest
import Foundation
import Features
import Models
import Tensor
import TestSupport

/// End to end with real weights: Transcriber + WhisperModel must produce the same tokens,
/// segment times and texts as faster-whisper 1.2.1 (float32), recorded by
/// `scripts/reference-tokenizer.py --transcripts`. Release builds only (slow in debug); skipped
/// when the model or the shared fixtures are absent.
final class WhisperTranscriptionParityTests: XCTestCase {
    struct Reference: Decodable {
        struct Clip: Decodable {
            let path: String; let duration: Double; let language: String; let segments: [Segment]
        }
        struct Segment: Decodable {
            let id: Int; let seek: Int; let start: Double; let end: Double; let text: String; let tokens: [Int]
            let avg_logprob: Double; let no_speech_prob: Double; let compression_ratio: Double; let temperature: Double
        }
        let clips: [Clip]
    }

    /// `compute`: float16 (every product in float32) unless a test asks for the AMX bfloat16 tiles,
    /// whose mean log-probabilities may differ by up to 0.03 (the tokens may not).
    func check(model name: String, reference file: String, options: DecodingOptions, compute: ComputeType = .float16) throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        guard let modelDir = TestPaths.model(name) else { throw RequiredFixtures.missing("\(name) is not installed in \(TestPaths.modelsDir.path)") }
        guard let shared = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared speech fixtures are absent") }
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf:
            TestPaths.fixtures.appendingPathComponent("tokenizer/\(file)")))
        let model = try WhisperModel.load(directory: modelDir, compute: compute)
        let transcriber = try Transcriber(model: model, directory: modelDir)
        var mismatches: [String] = []
        var audioSeconds = 0.0, wallSeconds = 0.0
        for clip in ref.clips {
            let samples = try AudioDecoder.load(shared.appendingPathComponent(clip.path).path)
            let started = Date()
            let result = try transcriber.transcribe(samples: samples, options: options)
            wallSeconds += Date().timeIntervalSince(started)
            audioSeconds += Double(samples.count) / 16_000
            XCTAssertEqual(result.language, clip.language, clip.path)
            guard result.segments.map(\.tokens) == clip.segments.map(\.tokens) else {
                mismatches.append("\(clip.path):\n  got  \(result.segments.map(\.text)) \(result.segments.map(\.tokens))"
                                  + "\n  want \(clip.segments.map(\.text)) \(clip.segments.map(\.tokens))")
                continue
            }
            for (g, w) in zip(result.segments, clip.segments) {
                XCTAssertEqual(g.text, w.text, clip.path)
                XCTAssertEqual(g.start, w.start, accuracy: 1e-9, clip.path)
                XCTAssertEqual(g.end, w.end, accuracy: 1e-9, clip.path)
                XCTAssertEqual(g.seek, w.seek, clip.path)
                XCTAssertEqual(Double(g.temperature), w.temperature, accuracy: 1e-6, clip.path)
                let probability = compute == .bfloat16 ? 0.03 : 0.01
                XCTAssertEqual(g.avgLogProb, w.avg_logprob, accuracy: probability, clip.path)
                XCTAssertEqual(g.noSpeechProb, w.no_speech_prob, accuracy: probability, clip.path)
                XCTAssertEqual(g.compressionRatio, w.compression_ratio, accuracy: 1e-9, clip.path)
            }
        }
        // Information only (never asserted): the machine is shared.
        print("\(name) \(file): \(ref.clips.count) clips, \(String(format: "%.1f", audioSeconds)) s of audio in "
              + "\(String(format: "%.1f", wallSeconds)) s (real-time factor \(String(format: "%.3f", wallSeconds / max(audioSeconds, 1e-9))))")
        XCTAssertTrue(mismatches.isEmpty, "\(mismatches.count) of \(ref.clips.count) clips differ:\n" + mismatches.joined(separator: "\n"))
        #endif
    }

    func testTinyEnGreedyTokensMatchFasterWhisper() throws {
        try check(model: "tiny.en", reference: "faster-whisper-tiny.en.json", options: .greedy(language: "en"))
    }

    func testTinyEnBeamSearchTokensMatchFasterWhisper() throws {
        var options = DecodingOptions()
        options.language = "en"
        options.beamSize = 5
        try check(model: "tiny.en", reference: "faster-whisper-tiny.en-beam5.json", options: options)
    }

    func testBaseDetectsChineseAndMatchesFasterWhisper() throws {
        try check(model: "base", reference: "faster-whisper-base-zh.json", options: .greedy(language: nil))
    }

    /// The default on a CPU with AMX (the encoder on bfloat16 tiles): faster-whisper's tokens.
    func testBFloat16TilesGiveFasterWhispersTokens() throws {
        try XCTSkipUnless(BFloat16Matrix.available, "this CPU has no AMX-BF16")
        try check(model: "tiny.en", reference: "faster-whisper-tiny.en.json", options: .greedy(language: "en"), compute: .bfloat16)
        try check(model: "base", reference: "faster-whisper-base-zh.json", options: .greedy(language: nil), compute: .bfloat16)
    }
}
