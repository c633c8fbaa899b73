import Foundation
import Models
import Tensor
import TestSupport
import XCTest
@testable import Training

/// Issue 13, Mandarin: the pinyin output vocabulary (space, a–z, tone digits 1–5) stored in and
/// read from checkpoints, the corpus reader's pinyin labels, and a tiny Mandarin training run.
final class MandarinVocabularyTests: XCTestCase {
    private func tempDir(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "captiond-zh-\(name)-\(getpid())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func tinyConfiguration(_ vocabulary: AVVocabulary.Kind?) -> AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 16; c.videoChannels1 = 4; c.videoChannels2 = 8; c.audioDilations = [1, 2]
        c.attentionDepth = 8; c.decoderHidden = 16; c.decoderEmbedding = 8
        c.vocabulary = vocabulary
        return c
    }

    private func randomExample(frames t: Int, text: String, seed: UInt64) throws -> AVExample {
        var r = SplitMix(seed: seed)
        return AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: (0..<(t * 320)).map { _ in r.uniform(-1, 1) },
                         frames: t, labels: try AVVocabulary.pinyin.labels(text), text: text)
    }

    /// Rewrites a checkpoint with `edit` applied to its metadata (tensors unchanged).
    private func rewrite(_ path: String, to out: String, _ edit: (inout [String: String]) -> Void) throws {
        let (original, store) = try SafetensorsReader.read(path: path)
        var metadata = original
        var tensors: [String: Tensor] = [:]
        for name in store.names { tensors[name] = try store.take(name) }
        edit(&metadata)
        try SafetensorsWriter.write(tensors, metadata: metadata, to: out)
    }

    func testPinyinVocabularyEncodesAndDecodesTonedSyllables() throws {
        let v = AVVocabulary.pinyin
        XCTAssertEqual(v.classes, 33)
        XCTAssertEqual(AVVocabulary.english.classes, 29)
        XCTAssertEqual(AVVocabulary.english.symbols, AVRecognizer.vocabulary, "the English table is the one every old checkpoint uses")
        let line = "lan2 ye4 chun1 wei1 rui2"
        let ids = try v.labels(line)
        XCTAssertEqual(ids.count, line.count)
        XCTAssertEqual(v.text(ids), line)
        XCTAssertEqual(ids[4], 1, "space is class 1 in both vocabularies")
        XCTAssertEqual(try v.labels("a1"), [2, 28])
        XCTAssertThrowsError(try AVVocabulary.english.labels(line)) { XCTAssertTrue("\($0)".contains("english vocabulary"), "\($0)") }
        XCTAssertThrowsError(try v.labels("don't")) { XCTAssertTrue("\($0)".contains("(space, a–z, 1–5)"), "\($0)") }
        // The allowed characters in the message come from the symbols.
        XCTAssertEqual(v.allowedCharacters, "space, a–z, 1–5")
        XCTAssertEqual(AVVocabulary.english.allowedCharacters, "space, apostrophe, a–z")
        XCTAssertThrowsError(try v.labels("ni6")) { XCTAssertTrue("\($0)".contains("'6'"), "\($0)") }
        // Greedy CTC with 33 classes: repeats merge, blanks split.
        var logits = [Float](repeating: 0, count: 5 * 33)
        for (step, cls) in [13, 13, 0, 13, 30].enumerated() { logits[step * 33 + cls] = 5 }
        XCTAssertEqual(v.greedyCTC(logits: logits, steps: 5), "ll3")
        XCTAssertEqual(CharacterErrorRate.tokenRate([("lan2 ye3 chun1", "lan2 ye4 chun1 wei1")]), 2.0 / 4)
        XCTAssertEqual(CharacterErrorRate.tokenRate([("lan2 ye3 chun1", "lan2 ye4 chun1 wei1")], ignoringTones: true), 1.0 / 4)
    }

    /// The vocabulary is part of the checkpoint: a pinyin model saves it (configuration key and the
    /// symbols in the metadata), the trainer and the inference model read it back, and an English
    /// configuration is written exactly as before (no key).
    func testCheckpointKeepsTheVocabularyAndRefusesAWrongOne() throws {
        XCTAssertFalse(tinyConfiguration(nil).json.contains("vocabulary"), "English configurations keep their bytes")
        XCTAssertTrue(tinyConfiguration(.pinyin).json.contains(#""vocabulary":"pinyin""#))
        XCTAssertEqual(try JSONDecoder().decode(AVConfiguration.self, from: Data(tinyConfiguration(.pinyin).json.utf8)).vocabulary, .pinyin)

        let dir = try tempDir("ckpt")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = TrainingSettings()
        s.batchSize = 1; s.steps = 4; s.warmupSteps = 1; s.seed = 7
        let trainer = AVTrainer(model: AVModel(tinyConfiguration(.pinyin), seed: 7), settings: s)
        XCTAssertEqual(trainer.model.head.parameters[0].shape, [2 * 33, 16])
        let e = try randomExample(frames: 12, text: "ni3 hao3", seed: 3)
        for _ in 0..<2 { trainer.trainStep([e]) }
        let path = dir + "/zh.safetensors"
        try trainer.save(to: path)
        let (metadata, _) = try SafetensorsReader.read(path: path)
        XCTAssertEqual(metadata["vocabulary"], " abcdefghijklmnopqrstuvwxyz12345")

        let loaded = try AVTrainer.load(from: path)
        XCTAssertEqual(loaded.model.configuration.vocabulary, .pinyin)
        try loaded.save(to: dir + "/again.safetensors")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try Data(contentsOf: URL(fileURLWithPath: dir + "/again.safetensors")))
        let recognizer = try AVRecognizer(path: path)
        XCTAssertEqual(recognizer.outputVocabulary, .pinyin)
        XCTAssertEqual(recognizer.classes, 33)
        for (audio, video, modality) in [(true, true, Modality.both), (true, false, .audioOnly)] {
            let whole = loaded.model.step(e, modality: modality, train: false).logits
            XCTAssertEqual(recognizer.greedyText(recognizer.logits(crops: e.crops, mel: e.mel, frames: e.frames, useAudio: audio, useVideo: video)),
                           AVVocabulary.pinyin.greedyCTC(logits: whole, steps: loaded.model.ctcSteps(e.frames)))
            XCTAssertEqual(recognizer.transcribe(crops: e.crops, mel: e.mel, frames: e.frames, useAudio: audio, useVideo: video),
                           loaded.model.transcribe(e, modality: modality))
        }

        // Wrong vocabulary for the weights: the configuration says English (or nothing) but the
        // head has 2 × 33 outputs.
        let wrong = dir + "/wrong.safetensors"
        try rewrite(path, to: wrong) { m in
            m["configuration"] = m["configuration"]?.replacingOccurrences(of: #","vocabulary":"pinyin""#, with: "")
            m["vocabulary"] = nil
        }
        XCTAssertThrowsError(try AVRecognizer(path: wrong)) { error in
            XCTAssertTrue("\(error)".contains("do not fit its vocabulary english"), "\(error)")
        }
        XCTAssertThrowsError(try AVTrainer.load(from: wrong)) { error in
            XCTAssertTrue("\(error)".contains("ctc.head.weight does not fit the configuration's vocabulary english"), "\(error)")
        }
        // A vocabulary this version does not know.
        let unknown = dir + "/unknown.safetensors"
        try rewrite(path, to: unknown) { m in m["configuration"] = m["configuration"]?.replacingOccurrences(of: #""pinyin""#, with: #""zhuyin""#) }
        XCTAssertThrowsError(try AVRecognizer(path: unknown)) { XCTAssertTrue("\($0)".contains(#""zhuyin" is not one this version knows (english, pinyin)"#), "\($0)") }
        XCTAssertThrowsError(try AVTrainer.load(from: unknown)) { XCTAssertTrue("\($0)".contains(#""zhuyin" is not one this version knows"#), "\($0)") }
        // Stored symbols that differ from this version's table (e.g. a future or hand-edited vocabulary).
        let symbols = dir + "/symbols.safetensors"
        try rewrite(path, to: symbols) { m in m["vocabulary"] = " abcdefghijklmnopqrstuvwxyz01234" }
        XCTAssertThrowsError(try AVRecognizer(path: symbols)) { XCTAssertTrue("\($0)".contains("was stored as"), "\($0)") }
        XCTAssertThrowsError(try AVTrainer.load(from: symbols)) { XCTAssertTrue("\($0)".contains("was stored as"), "\($0)") }
    }

    /// The first committed English checkpoint (no vocabulary key) still loads as English with 29 classes.
    func testShippedCheckpointIsEnglish() throws {
        let shipped = TestPaths.fixtures.appendingPathComponent("av/av-grid-d64.safetensors").path
        let (metadata, _) = try SafetensorsReader.read(path: shipped)
        XCTAssertFalse(metadata["configuration"]?.contains("vocabulary") ?? true)
        XCTAssertNil(metadata["vocabulary"])
        XCTAssertEqual(try AVRecognizer(path: shipped).outputVocabulary, .english)
        let trainer = try AVTrainer.load(from: shipped)
        XCTAssertNil(trainer.model.configuration.vocabulary)
        XCTAssertEqual(trainer.model.head.parameters[0].shape[0], trainer.model.configuration.ctcSubframes * 29)
    }

    /// A tiny Mandarin corpus written to disk reads back with the pinyin as labels (the transcript
    /// stays hanzi); the English vocabulary on a Mandarin clip, or the pinyin one on an English
    /// clip, is a clear error.
    func testCorpusReaderTakesThePinyinOfMandarinClips() throws {
        let set = try SentenceSet.mandarin(pinyinFile: TestPaths.fixtures.appendingPathComponent("mandarin-pinyin-sample.tsv").path)
        let dir = try tempDir("corpus")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CorpusGenerator(configuration: CorpusConfiguration(seed: 3, trainClips: 1, validationClips: 0, testClips: 1),
                            babble: nil, sentences: set).write(to: dir)
        let entries = try CorpusReader.manifest(dir)
        XCTAssertEqual(entries.count, 2)
        for entry in entries {
            let pinyin = try XCTUnwrap(entry.pinyin)
            let transcript = try String(contentsOfFile: dir + "/clips/\(entry.id)/transcript.txt", encoding: .utf8)
            XCTAssertEqual(transcript, entry.text + "\n")
            XCTAssertEqual(entry.text.count, pinyin.split(separator: " ").count, "one syllable per character")
            let e = try CorpusReader.example(entry, in: dir, vocabulary: .pinyin)
            XCTAssertEqual(e.text, pinyin)
            XCTAssertEqual(e.labels, try AVVocabulary.pinyin.labels(pinyin))
            XCTAssertEqual(e.frames, entry.videoFrames)
            XCTAssertGreaterThanOrEqual(e.frames * 2, e.labels.count, "the CTC steps (2 per frame) hold the pinyin")
            XCTAssertThrowsError(try CorpusReader.example(entry, in: dir)) { error in
                XCTAssertTrue("\(error)".contains("is Mandarin (language zh)") && "\(error)".contains("--vocabulary pinyin"), "\(error)")
            }
        }
        var english = entries[0]
        english = ManifestEntry(id: "train-000000", split: "train", language: "en", text: "bin blue at a one now", audio: english.audio,
                                mouth: english.mouth, frames: nil, alignment: english.alignment, noisy: [:], voice: "en-us",
                                wordsPerMinute: 160, pitch: 50, face: 1, videoFrames: english.videoFrames, audioSamples: english.audioSamples)
        XCTAssertThrowsError(try CorpusReader.example(english, in: dir, vocabulary: .pinyin)) { error in
            XCTAssertTrue("\(error)".contains("has no \"pinyin\" labels"), "\(error)")
        }
        XCTAssertEqual(try CorpusReader.example(english, in: dir).text, "bin blue at a one now")
    }

    /// Two synthesized Mandarin clips, a few steps of the tiny model on their pinyin: the loss falls,
    /// and the inference model reading the checkpoint decodes what the trainer decodes.
    func testTinyMandarinRunLossFallsAndDecodesAsPinyin() throws {
        let set = try SentenceSet.mandarin(pinyinFile: TestPaths.fixtures.appendingPathComponent("mandarin-pinyin-sample.tsv").path)
        let synth = ClipSynthesizer(plan: CorpusPlan(seed: 5, sentences: set))
        let examples = try (0..<2).map { try AVExampleLoader.example(try synth.clip(split: .train, index: $0, fullFrames: false), vocabulary: .pinyin) }
        for e in examples { XCTAssertTrue(e.text.contains { "12345".contains($0) }, e.text) }
        var s = TrainingSettings()
        s.batchSize = 2; s.steps = 40; s.warmupSteps = 3; s.peakLearningRate = 1e-2; s.seed = 4; s.corpusSeed = 5
        let trainer = AVTrainer(model: AVModel(tinyConfiguration(.pinyin), seed: s.seed), settings: s)
        var losses: [Double] = []
        for _ in 0..<24 { losses.append(trainer.trainStep(examples)) }
        let early = losses.prefix(3).reduce(0, +) / 3, late = losses.suffix(3).reduce(0, +) / 3
        XCTAssertLessThan(late, early * 0.8, "loss per label: \(losses)")
        let dir = try tempDir("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try trainer.save(to: dir + "/zh.safetensors")
        let recognizer = try AVRecognizer(path: dir + "/zh.safetensors")
        for e in examples {
            let text = recognizer.transcribe(crops: e.crops, mel: e.mel, frames: e.frames)
            XCTAssertEqual(text, trainer.model.transcribe(e))
            XCTAssertTrue(text.allSatisfy { AVVocabulary.pinyin.symbols.contains($0) }, text)
        }
    }
}
