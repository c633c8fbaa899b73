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

    /// The camera's speaker (real Whisper, real BlazeFace/FaceMesh): jfk.wav's speech with a still
    /// photograph of a face in view (a "television") is captioned in full and labelled off camera
    /// under `video.gate = "tag"`, and not captioned under `"strict"`; a still picture with no face
    /// costs no word against no video at all (issue 12: it used to).
    func testFaceSpeakerTagsAndStrictGate() throws {
        _ = try tinyEn()
        let faces = TestPaths.modelsDir.appendingPathComponent("faces")
        guard FileManager.default.fileExists(atPath: faces.appendingPathComponent("face_landmark.tflite").path) else {
            throw RequiredFixtures.missing("face models are not installed: run scripts/fetch-models faces")
        }
        let samples = Array(try jfk()[0..<64_000]) + [Float](repeating: 0, count: 16_000)
        var settings = ModelSettings()
        settings.dir = TestPaths.modelsDir.path
        let model = try WhisperStreamingModel(settings: settings)
        // obama.pgm (205×256, P5 with a 15-byte header)
        let pgm = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("vision/obama.pgm"))
        let photo = Array(pgm.suffix(205 * 256))
        let gradient = (0..<(205 * 256)).map { UInt8(truncatingIfNeeded: $0 % 205 + $0 / 205) }
        func run(_ luma: [UInt8]?, gate: VideoGate) throws -> ([CaptionEvent], VideoAnalysisStatus?) {
            var config = StreamingConfiguration()
            config.video.enabled = luma != nil
            config.video.gate = gate
            let activity = try luma.map { _ in try FaceSpeakerActivity(modelsDirectory: faces.path, settings: config.video) }
            let r = try LiveCaptioner(model: model, configuration: config, speaker: activity)
            var events: [CaptionEvent] = []
            for (i, start) in stride(from: 0, to: samples.count, by: 1_600).enumerated() {
                let t = 50 + Double(start) / 16_000
                if let luma { // 10 frames/s, each covering the chunk about to be fed
                    r.accept(video: VideoFrame(width: 205, height: 256, luma: luma, timestamp: t + 0.1, sequence: UInt64(i)))
                }
                let chunk = AudioChunk(samples: Array(samples[start..<min(samples.count, start + 1_600)]), startTime: t, sampleRate: 16_000)
                events += try r.accept(audio: chunk)
            }
            return (events + (try r.finishUtterance()), r.videoStatus)
        }
        func finals(_ events: [CaptionEvent]) -> [CaptionFinal] {
            events.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f }; return nil }
        }
        let (plain, noStatus) = try run(nil, gate: .tag)
        XCTAssertNil(noStatus)
        let reference = finals(plain).map(\.text).joined(separator: " ")
        XCTAssertTrue(reference.lowercased().contains("fellow americans"), reference)
        XCTAssertTrue(finals(plain).allSatisfy { $0.speaker == nil }, "no video, no speaker")

        let (tagged, status) = try run(photo, gate: .tag)
        XCTAssertEqual(finals(tagged).map(\.text).joined(separator: " "), reference, "tag never drops a word")
        XCTAssertFalse(finals(tagged).isEmpty)
        XCTAssertTrue(finals(tagged).allSatisfy { $0.speaker == .offCamera }, "a still face does not speak: \(finals(tagged))")
        XCTAssertEqual(status?.facesInView, 1, "the photograph's face is tracked")
        XCTAssertNil(status?.speakingFace)

        let (strict, _) = try run(photo, gate: .strict)
        XCTAssertTrue(finals(strict).allSatisfy { $0.text.isEmpty }, "strict: a face that does not speak gets no captions: \(strict)")

        let (noFace, noFaceStatus) = try run(gradient, gate: .tag)
        XCTAssertEqual(finals(noFace).map(\.text).joined(separator: " "), reference, "no face in view costs no word")
        XCTAssertEqual(noFaceStatus?.facesInView, 0)
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
