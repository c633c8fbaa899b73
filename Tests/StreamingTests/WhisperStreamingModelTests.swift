import XCTest
import Foundation
import CaptionCore
import Models
import TestSupport
@testable import Streaming

/// Whisper as the live captioner's model, with the real tiny.en (release build; a skip when it is
/// absent, a failure under CAPTIOND_REQUIRE_FIXTURES=1).
final class WhisperStreamingModelTests: XCTestCase {
    private func tinyEn() throws -> URL { try TestPaths.requireModel("tiny.en") }

    private func jfk() throws -> [Float] {
        try WavFixture.read(try TestPaths.requireSharedFixtures().appendingPathComponent("whisper_cpp/jfk.wav"))
    }

    /// Timestamp tokens give segment times; words inside a segment are spread by characters.
    func testWordsFromTimestampTokens() throws {
        let tokenizer = try WhisperTokenizer(directory: try tinyEn())
        let ts = { (t: Double) in tokenizer.timestampBegin + Int((t / 0.02).rounded()) }
        let tokens = [ts(0)] + (try tokenizer.encode(" Ask not")) + [ts(1.0), ts(1.0)]
            + (try tokenizer.encode(" what you")) + [ts(2.4)] + (try tokenizer.encode(" can"))
        let words = WhisperWindowDecoder.words(tokens: tokens, tokenizer: tokenizer, offset: 10, duration: 3)
        XCTAssertEqual(words.map(\.text), ["Ask", "not", "what", "you", "can"])
        XCTAssertEqual(words[0].start, 10, accuracy: 1e-9)
        XCTAssertEqual(words[1].end, 11, accuracy: 1e-9)
        XCTAssertEqual(words.map(\.endsSegment), [false, true, false, true, false])
        // "Ask" (3 chars + 1) and "not" (3 + 1) share the first second equally.
        XCTAssertEqual(words[0].end, 10.5, accuracy: 1e-9)
        // An open segment (no closing timestamp) runs to the window's end.
        XCTAssertEqual(words[4].start, 12.4, accuracy: 1e-9)
        XCTAssertEqual(words[4].end, 13, accuracy: 1e-9)
        // With one log-probability per token, each word gets the product of its tokens' probabilities.
        let logProbs = tokens.map { tokenizer.time(of: $0) == nil ? Float(-0.1) : Float(-5) }
        let scored = WhisperWindowDecoder.words(tokens: tokens, tokenizer: tokenizer, offset: 10, duration: 3, logProbs: logProbs)
        XCTAssertEqual(scored.map(\.text), words.map(\.text))
        for w in scored {
            let n = try tokenizer.encode(" " + w.text).count
            XCTAssertEqual(w.probability ?? 0, exp(-0.1 * Double(n)), accuracy: 1e-5, w.text)
        }
        XCTAssertTrue(words.allSatisfy { $0.probability == nil }, "no log-probabilities: no word probabilities")
        XCTAssertEqual(WhisperWindowDecoder.encoderFrames(sampleCount: 16_000 * 40), 3000)
        XCTAssertEqual(WhisperWindowDecoder.encoderFrames(sampleCount: 16_010), 100)
        XCTAssertEqual(WhisperWindowDecoder.encoderFrames(sampleCount: 16_170), 100)
    }

    /// One real window: the words of jfk.wav's first 3 s, with times inside the window, and a
    /// short window that ends within its token budget instead of looping.
    func testRealWindowDecodes() throws {
        let dir = try tinyEn()
        let samples = try jfk()
        let model = try WhisperModel.load(directory: dir)
        let transcriber = try Transcriber(model: model, directory: dir)
        let decoder = WhisperWindowDecoder(transcriber: transcriber, options: .greedy(language: "en"))
        let h = try decoder.decode(samples: samples[0..<48_000], startTime: 100, prompt: "")
        XCTAssertTrue(h.text.lowercased().contains("fellow americans"), h.text)
        XCTAssertTrue(h.words.allSatisfy { $0.start >= 100 && $0.end <= 103 + 1e-9 && $0.start <= $0.end }, "\(h.words)")
        // Greedy decoding gives every word its probability from the token log-probabilities.
        XCTAssertTrue(h.words.allSatisfy { ($0.probability ?? -1) > 0 && ($0.probability ?? 2) <= 1 }, "\(h.words)")
        XCTAssertGreaterThan(h.words.first(where: { $0.text.lowercased().hasPrefix("americans") })?.probability ?? 0, 0.5,
                             "a clearly spoken word is a likely one")
        XCTAssertLessThan(h.compressionRatio, 2.4)
        let short = try decoder.decode(samples: samples[4_000..<16_500], startTime: 0, prompt: "")
        XCTAssertLessThanOrEqual(short.words.count, WhisperWindowDecoder.tokenBudget(seconds: 12_500 / 16_000))
        // The committed text as prompt still decodes the next words.
        let next = try decoder.decode(samples: samples[48_000..<112_000], startTime: 3, prompt: "And so my fellow Americans,")
        XCTAssertTrue(next.text.lowercased().contains("country"), next.text)
    }

    /// Video gates speech: with a still frame (nobody speaking) no caption comes from jfk.wav's
    /// speech; with a moving mouth region the same audio is captioned.
    func testMouthActivityGatesCaptions() throws {
        _ = try tinyEn()
        let samples = Array(try jfk()[0..<64_000]) + [Float](repeating: 0, count: 16_000)
        var settings = ModelSettings()
        settings.dir = TestPaths.modelsDir.path
        let model = try WhisperStreamingModel(settings: settings)
        func run(moving: Bool) throws -> [CaptionEvent] {
            let r = try LiveCaptioner(model: model, speaker: MouthMotionActivity())
            var events: [CaptionEvent] = []
            var frame = [UInt8](repeating: 90, count: 64 * 48)
            var seed: UInt64 = 1
            for (i, start) in stride(from: 0, to: samples.count, by: 320).enumerated() {
                let t = 50 + Double(start) / 16_000
                if i % 4 == 0 { // 12.5 frames/s
                    if moving {
                        for k in frame.indices { seed = seed &* 6364136223846793005 &+ 1; frame[k] = UInt8(truncatingIfNeeded: seed >> 56) }
                    }
                    r.accept(video: VideoFrame(width: 64, height: 48, luma: frame, timestamp: t, sequence: UInt64(i / 4)))
                }
                let chunk = AudioChunk(samples: Array(samples[start..<min(samples.count, start + 320)]), startTime: t, sampleRate: 16_000)
                events += try r.accept(audio: chunk)
            }
            return events + (try r.finishUtterance())
        }
        let still = try run(moving: false)
        XCTAssertTrue(still.isEmpty, "no captions while the mouth is still: \(still)")
        let moving = try run(moving: true)
        let finals = moving.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f }; return nil }
        XCTAssertTrue(finals.map(\.text).joined(separator: " ").lowercased().contains("fellow americans"), "\(moving)")
    }

    /// Fault 10: `set task translate` on an English-only model was accepted and silently not
    /// applied; the model refuses it (so the daemon replies with the error and keeps the old one).
    func testTranslateOnAnEnglishOnlyModelIsRefused() throws {
        var settings = ModelSettings()
        settings.name = try tinyEn().path
        settings.task = .translate
        XCTAssertThrowsError(try WhisperStreamingModel(settings: settings)) { e in
            XCTAssertTrue("\(e)".contains("English-only"), "\(e)")
        }
    }
}

/// Fault 9: a model directory whose files are FIFOs (or directories) is refused before anything
/// is opened (an open of a FIFO with no writer never returns).
final class ModelFileCheckTests: XCTestCase {
    func testNonRegularModelFilesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("captiond-fifo-model-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertEqual(mkfifo(dir.appendingPathComponent("model.bin").path, 0o600), 0)
        var settings = ModelSettings()
        settings.name = dir.path
        // On a thread: before the fix the load blocked forever in open().
        final class Box: @unchecked Sendable { var outcome = "still loading" }
        let done = DispatchSemaphore(value: 0), box = Box(), fixed = settings
        Thread {
            do { _ = try WhisperStreamingModel(settings: fixed); box.outcome = "loaded" } catch { box.outcome = "\(error)" }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + 20) == .success else {
            return XCTFail("loading a model whose model.bin is a FIFO blocked for 20 s")
        }
        XCTAssertTrue(box.outcome.contains("model.bin is not a regular file"), box.outcome)
    }
}
