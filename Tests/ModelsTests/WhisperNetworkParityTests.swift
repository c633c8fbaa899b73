import Foundation
import XCTest
@testable import Models
import Tensor
import TestSupport

/// Parity of the Swift Whisper network with CTranslate2 float32 (references written by
/// scripts/reference-network.py): encoder output on the first window of jfk.wav, first-step logits
/// and the greedy token sequence. Run in release: `swift test -c release --filter WhisperNetwork`.
final class WhisperNetworkParityTests: XCTestCase {
    struct Reference: Decodable {
        struct Encoder: Decodable {
            var shape: [Int]; var mean: Double; var std: Double; var max_abs: Double; var rows: [String: [Float]]
        }
        var model: String; var mel_frames: Int; var encoder: Encoder; var prompt: [Int]; var tokens: [Int]
        var first_step_top_logits: [[Double]]
    }

    func testTinyEnMatchesCTranslate2() throws { try checkParity("tiny.en", endOfText: 50256) }

    /// The default compute on a CPU with AMX: the encoder's products on bfloat16 tiles. Measured:
    /// encoder |Δ| 2.3e-3 (tiny.en) and 2.0e-3 (base) of max|x|, first-step logits 0.03–0.06,
    /// the same greedy tokens.
    func testTinyEnOnBFloat16TilesMatchesCTranslate2() throws {
        try XCTSkipUnless(BFloat16Matrix.available, "this CPU has no AMX-BF16")
        try checkParity("tiny.en", endOfText: 50256, compute: .bfloat16)
    }

    func testBaseOnBFloat16TilesMatchesCTranslate2() throws {
        try XCTSkipUnless(BFloat16Matrix.available, "this CPU has no AMX-BF16")
        try checkParity("base", endOfText: 50257, compute: .bfloat16)
    }
    func testBaseMatchesCTranslate2() throws { try checkParity("base", endOfText: 50257) }

    static func referenceMel() throws -> [Float] {
        let url = TestPaths.fixtures.appendingPathComponent("network/jfk-mel.f16")
        let data = try Data(contentsOf: url)
        XCTAssertEqual(data.count, 80 * 3000 * 2, "jfk-mel.f16 must hold (80, 3000) float16")
        return data.withUnsafeBytes { DType.float16.convert($0.baseAddress!, count: data.count / 2) }
    }

    /// `compute`: float16 (every product in float32: the tolerances below) or bfloat16 (the
    /// encoder's inputs and weights rounded to 8-bit mantissas: tolerances 25 times wider for the
    /// encoder, 10 times for the logits; the tokens still equal).
    private func checkParity(_ name: String, endOfText: Int, compute: ComputeType = .float16) throws {
        let wide: Double = compute == .bfloat16 ? 25 : 1
        guard let dir = TestPaths.model(name) else {
            throw RequiredFixtures.missing("Whisper model '\(name)' is not installed in \(TestPaths.modelsDir.path): run scripts/fetch-models \(name)")
        }
        let refURL = TestPaths.fixtures.appendingPathComponent("network/\(name).json")
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: refURL))
        let model = try WhisperModel.load(directory: dir, compute: compute)
        if compute == .bfloat16 {
            // The encoder's linear layers hold only the packed bfloat16 weights (no float32 copy).
            for block in model.encoder.blocks {
                for layer in [block.selfQKV, block.selfOut, block.fc1, block.fc2] {
                    XCTAssertNotNil(layer.bf16)
                    XCTAssertTrue(layer.weight.data.isEmpty, "float32 weights kept beside the bfloat16 ones")
                }
            }
        }
        let mel = try Self.referenceMel()
        let audio = try model.encode(mel: mel, frames: 3000)
        XCTAssertEqual([audio.frames, audio.width], ref.encoder.shape)

        // Encoder output: raw rows and statistics against CTranslate2.
        var maxDiff: Float = 0
        for (key, row) in ref.encoder.rows {
            let r = Int(key)!
            for j in 0..<audio.width { maxDiff = max(maxDiff, abs(audio.data[r * audio.width + j] - row[j])) }
        }
        let n = Double(audio.data.count)
        let mean = audio.data.reduce(0.0) { $0 + Double($1) } / n
        let std = (audio.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
        // Float32 with a different summation order (BLAS blocking, erf/exp implementations) over
        // 4–6 layers: measured |Δ| ≈ 5e-6 of max|x| (6e-5 on tiny.en, 4e-5 on base). 2e-4 of max|x|
        // leaves room for another BLAS kernel choice and still catches any wrong weight or layout.
        let tolerance = Float(2e-4 * wide * max(1, ref.encoder.max_abs))
        print("[\(name)] encoder max |Δ| over \(ref.encoder.rows.count) rows: \(maxDiff) (max|x| \(ref.encoder.max_abs), tolerance \(tolerance)); mean \(mean) vs \(ref.encoder.mean), std \(std) vs \(ref.encoder.std)")
        XCTAssertLessThan(maxDiff, tolerance)
        XCTAssertEqual(mean, ref.encoder.mean, accuracy: 1e-4 * wide)
        XCTAssertEqual(std, ref.encoder.std, accuracy: 1e-4 * wide * ref.encoder.std)

        // First decoder step: the top logits of CTranslate2.
        var session = try model.makeSession(audio)
        var logits = try session.step(ref.prompt)
        XCTAssertEqual(session.length, ref.prompt.count)
        var logitDiff: Double = 0
        for pair in ref.first_step_top_logits {
            logitDiff = max(logitDiff, abs(Double(logits[Int(pair[0])]) - pair[1]))
        }
        print("[\(name)] first-step top-10 logits max |Δ| \(logitDiff)")
        XCTAssertLessThan(logitDiff, 1e-2 * (compute == .bfloat16 ? 10 : 1))

        // Greedy decoding: plain argmax until end of text must give CTranslate2's tokens.
        var tokens: [Int] = []
        while session.length < model.dims.nTextCtx {
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            if best == endOfText { break }
            tokens.append(best)
            logits = try session.step([best])
        }
        print("[\(name)] greedy tokens \(tokens)")
        XCTAssertEqual(tokens, ref.tokens)
    }
}
