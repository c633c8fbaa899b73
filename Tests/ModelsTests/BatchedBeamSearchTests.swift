import XCTest
import Foundation
import Features
import TestSupport
@testable import Models

/// Batched beam search (all beams in one forward pass, `BatchedBeamSearchDecoder` over
/// `WhisperBatchState`) against the unbatched reference (`BeamSearchDecoder`, one session per
/// beam): the same tokens, scores and per-token log-probabilities — on scripted models (search
/// logic, any build) and on the real networks over the shared fixtures (release builds).
final class BatchedBeamSearchTests: XCTestCase {
    typealias V = TinyVocabulary

    private func compare(_ a: [Hypothesis], _ b: [Hypothesis], _ context: String) {
        XCTAssertEqual(a.count, b.count, context)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.tokens, y.tokens, context)
            XCTAssertEqual(x.cumulativeLogProb.bitPattern, y.cumulativeLogProb.bitPattern, context)
            XCTAssertEqual(x.tokenLogProbs, y.tokenLogProbs, context)
        }
    }

    func testBatchedSearchEqualsTheUnbatchedOneOnScriptedModels() throws {
        let model = ScriptedWhisper(vocab: V.count, script: SearchTests.noisyScript)
        let session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        for beam in [1, 2, 3, 5, 8] {
            for (patience, penalty) in [(1.0, 1.0), (2.0, 1.0), (1.0, 0.0)] {
                var settings = SearchSettings(endOfText: V.eot, maxLength: 30)
                settings.beamSize = beam
                settings.patience = patience
                settings.lengthPenalty = penalty
                settings.filters = [SuppressBlankFilter(ids: [32, V.eot])]
                let reference = try BeamSearchDecoder(settings: settings).decode(session: session, startToken: V.sot)
                let batched = try BatchedBeamSearchDecoder(settings: settings).decode(session: session, startToken: V.sot)
                compare(reference, batched, "beam \(beam) patience \(patience) penalty \(penalty)")
                for h in batched {
                    XCTAssertEqual(h.tokenLogProbs.count, h.tokens.count)
                    // The tokens' log-probabilities add up to the score's sum (EOT's own is ≤ 0).
                    XCTAssertGreaterThanOrEqual(h.tokenLogProbs.reduce(0, +), h.cumulativeLogProb - 1e-3)
                }
            }
        }
    }

    func testBatchedSearchFindsTheBetterSequenceGreedyMisses() throws {
        let model = ScriptedWhisper(vocab: V.count, script: SearchTests.trapScript)
        let session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        var settings = SearchSettings(endOfText: V.eot, maxLength: 20)
        settings.beamSize = 3
        let beams = try BatchedBeamSearchDecoder(settings: settings).decode(session: session, startToken: V.sot)
        XCTAssertEqual(beams.first?.tokens, [66, 67])
        XCTAssertEqual(beams.first?.tokenLogProbs.count, 2)
        XCTAssertEqual(Double(beams.first?.tokenLogProbs[0] ?? 0), log(0.4), accuracy: 1e-3)
    }

    // MARK: Real networks (release)

    /// The batch's logits equal one session per row's, bit for bit, across steps and reorders
    /// (rows duplicated, dropped and permuted).
    func testBatchStateLogitsEqualOneSessionPerRow() throws {
        try checkBatchLogitsEqualOneSessionPerRow(compute: nil)
    }

    /// The same with 8-bit weights (tiny.en quantised on load): every linear layer and the
    /// vocabulary projection advance all rows in one 8-bit product (`Int8Matrix.linearBatch`),
    /// equal bit for bit to the one-row 8-bit path.
    func testInt8BatchStateLogitsEqualOneSessionPerRow() throws {
        try checkBatchLogitsEqualOneSessionPerRow(compute: .int8)
    }

    private func checkBatchLogitsEqualOneSessionPerRow(compute: ComputeType?) throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        // 8 bits: the tiny.en-int8 checkpoint, whose token embedding (the output projection) is
        // 8-bit too (`--compute int8` keeps a float checkpoint's in half precision).
        let name = compute == .int8 ? "tiny.en-int8" : "tiny.en"
        guard let dir = TestPaths.model(name) else { throw RequiredFixtures.missing("\(name) is not installed: run scripts/fetch-models \(name)") }
        guard let shared = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared speech fixtures are absent") }
        let model = try WhisperModel.load(directory: dir, compute: compute)
        if compute == .int8 {   // the 8-bit path is the one under test
            XCTAssertNotNil(model.decoder.blocks[0].fc1.int8)
            XCTAssertNotNil(model.decoder.projection.int8)
        }
        let samples = try AudioDecoder.load(shared.appendingPathComponent("whisper_cpp/jfk.wav").path)
        let mel = LogMelSpectrogram(melBins: model.dims.nMels)(samples, padding: 160)
        let window = Transcriber<WhisperModel>.slice(mel, start: 0, count: mel.frames - 1, padTo: 3000)
        var session = try model.makeSession(try model.encode(mel: window, frames: 3000))
        let special = try WhisperTokenizer(directory: dir).special
        _ = try session.step([special.startOfTranscript, special.noTimestamps])
        let batch = session.makeBatch(maxRows: 5, steps: 8)
        var rows = [session]
        var tokens = [440]                                      // " The"
        for origins in [[0, 0, 0, 0, 0], [4, 2, 2, 0], [3, 1, 0, 2, 2], [1, 0], [0, 1, 1, 1, 0]] {
            let got = try batch.step(tokens)
            let want = try rows.indices.map { try rows[$0].step([tokens[$0]]) }
            XCTAssertEqual(got.count, want.count)
            for r in want.indices {
                XCTAssertEqual(got[r].map(\.bitPattern), want[r].map(\.bitPattern), "row \(r) before origins \(origins)")
            }
            batch.select(origins)
            rows = origins.map { rows[$0] }
            tokens = origins.indices.map { 262 + 17 * $0 }
        }
        #endif
    }

    struct Clips: Decodable {
        struct Clip: Decodable { let path: String }
        let clips: [Clip]
    }

    /// Beam 5 over the fixtures: the batched search gives the same segments (tokens, times,
    /// average log-probability) as the unbatched one — tiny.en on the English clips, base on the
    /// Mandarin ones.
    func testBatchedBeamSearchIsTokenIdenticalToUnbatchedOnTheFixtures() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        guard let shared = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared speech fixtures are absent") }
        var ran = 0
        for (name, language, list) in [("tiny.en", "en", "faster-whisper-tiny.en-beam5.json"),
                                       ("base", "zh", "faster-whisper-base-zh.json")] {
            guard let dir = TestPaths.model(name) else { continue }
            let clips = try JSONDecoder().decode(Clips.self, from: Data(contentsOf:
                TestPaths.fixtures.appendingPathComponent("tokenizer/\(list)"))).clips
            let model = try WhisperModel.load(directory: dir)
            let transcriber = try Transcriber(model: model, directory: dir)
            var options = DecodingOptions()
            options.beamSize = 5
            options.language = language
            var unbatched = options
            unbatched.batchedBeamSearch = false
            var batchedSeconds = 0.0, unbatchedSeconds = 0.0
            for clip in clips {
                let samples = try AudioDecoder.load(shared.appendingPathComponent(clip.path).path)
                var started = Date()
                let a = try transcriber.transcribe(samples: samples, options: options)
                batchedSeconds += Date().timeIntervalSince(started)
                started = Date()
                let b = try transcriber.transcribe(samples: samples, options: unbatched)
                unbatchedSeconds += Date().timeIntervalSince(started)
                XCTAssertFalse(a.segments.isEmpty, "\(name) \(clip.path): no text")
                XCTAssertEqual(a.segments.map(\.tokens), b.segments.map(\.tokens), "\(name) \(clip.path)")
                XCTAssertEqual(a.segments.map(\.avgLogProb), b.segments.map(\.avgLogProb), "\(name) \(clip.path)")
                XCTAssertEqual(a.segments.map(\.start), b.segments.map(\.start), "\(name) \(clip.path)")
                XCTAssertEqual(a.segments.map(\.end), b.segments.map(\.end), "\(name) \(clip.path)")
                ran += 1
            }
            // Information only (never asserted): the machine is shared.
            print("\(name) beam 5 on \(clips.count) clips: batched \(String(format: "%.2f", batchedSeconds)) s, "
                  + "unbatched \(String(format: "%.2f", unbatchedSeconds)) s")
        }
        if ran == 0 { throw RequiredFixtures.missing("neither tiny.en nor base is installed in \(TestPaths.modelsDir.path)") }
        #endif
    }
}
