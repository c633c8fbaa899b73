import Foundation
import XCTest
import Models
@testable import Training

final class AVModelTrainingTests: XCTestCase {
    func randomExample(frames t: Int, labels: [Int], seed: UInt64) -> AVExample {
        var r = SplitMix(seed: seed)
        return AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: (0..<(t * 320)).map { _ in r.uniform(-1, 1) },
                         frames: t, labels: labels, text: AVVocabulary.english.text(labels))
    }

    /// The whole model's backward pass (video CNN with batch norm and a basic block, WaveNet audio
    /// stack, gated fusion, CTC head) against finite differences of the CTC loss, on a few
    /// coordinates of every parameter tensor.
    func testWholeModelGradientMatchesFiniteDifferences() {
        var c = AVConfiguration()
        c.modelWidth = 8; c.videoChannels1 = 4; c.videoChannels2 = 4; c.audioDilations = [1, 2]
        let model = AVModel(c, seed: 3)
        let e = randomExample(frames: 3, labels: [3, 4], seed: 9)
        for p in model.parameters { p.zeroGrad() }
        model.step(e, modality: .both, train: true)
        let step: Float = 1e-3
        var checked = 0
        for p in model.parameters {
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 3)) {
                let numeric = p.centralDifference(at: i, step: step) { model.step(e, modality: .both, train: false, batchStatistics: true).loss }, analytic = Double(p.grad[i])
                XCTAssertLessThanOrEqual(abs(analytic - numeric), 5e-3 + 2e-2 * max(abs(analytic), abs(numeric)),
                                         "\(p.name)[\(i)]: analytic \(analytic), numeric \(numeric)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    /// A tiny run on two synthesized corpus clips: the loss falls, and a checkpoint reloads to the
    /// same bytes and continues exactly like the uninterrupted run.
    func testTinyTrainingRunLossFallsAndCheckpointReloads() throws {
        let synth = ClipSynthesizer(plan: CorpusPlan(seed: 5))
        let examples = try (0..<2).map { try AVExampleLoader.example(try synth.clip(split: .train, index: $0, fullFrames: false)) }
        var c = AVConfiguration()
        c.modelWidth = 16; c.videoChannels1 = 4; c.videoChannels2 = 8; c.audioDilations = [1, 2]
        c.attentionDepth = 8; c.decoderHidden = 16; c.decoderEmbedding = 8
        var s = TrainingSettings()
        s.batchSize = 2; s.steps = 40; s.warmupSteps = 3; s.peakLearningRate = 1e-2; s.seed = 4; s.corpusSeed = 5
        let trainer = AVTrainer(model: AVModel(c, seed: s.seed), settings: s)
        var losses: [Double] = []
        let dir = NSTemporaryDirectory() + "captiond-av-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for k in 0..<24 {
            losses.append(trainer.trainStep(examples))
            if k == 19 { try trainer.save(to: dir + "/step20.safetensors") }
        }
        let early = losses.prefix(3).reduce(0, +) / 3, late = losses.suffix(3).reduce(0, +) / 3
        XCTAssertLessThan(late, early * 0.8, "loss per label: \(losses)")

        let resumed = try AVTrainer.load(from: dir + "/step20.safetensors")
        XCTAssertEqual(resumed.step, 20)
        try resumed.save(to: dir + "/again.safetensors")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/step20.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: dir + "/again.safetensors")))
        for _ in 0..<4 { resumed.trainStep(examples) }
        for (a, b) in zip(trainer.model.parameters, resumed.model.parameters) {
            XCTAssertTrue(a.value == b.value, "\(a.name) differs after resuming")
        }
        // Greedy decoding and CER run end to end (the value is not asserted after 24 steps).
        let cer = trainer.characterErrorRate(examples)
        XCTAssertTrue(cer >= 0 && cer.isFinite)

        // The inference model (Models.AVRecognizer: batch norm folded, fed one frame at a time with
        // cached encoder, fusion and decoder state) gives the trainer's whole-clip CTC logits and the
        // same joint CTC/attention transcript, with both inputs and with either alone.
        let recognizer = try AVRecognizer(path: dir + "/step20.safetensors")
        let saved = try AVTrainer.load(from: dir + "/step20.safetensors")
        XCTAssertTrue(recognizer.hasDecoder)
        for (i, e) in examples.enumerated() {
            for (useAudio, useVideo, modality) in [(true, true, Modality.both), (true, false, .audioOnly), (false, true, .videoOnly)] {
                let whole = saved.model.step(e, modality: modality, train: false).logits
                let streamed = recognizer.logits(crops: e.crops, mel: e.mel, frames: e.frames, useAudio: useAudio, useVideo: useVideo)
                XCTAssertEqual(whole.count, streamed.count)
                let diff = zip(whole, streamed).map { abs($0 - $1) }.max() ?? 1
                XCTAssertLessThan(diff, 1e-3, "clip \(i) \(modality): incremental inference differs from the whole-clip run by \(diff)")
                XCTAssertEqual(recognizer.greedyText(streamed), AVVocabulary.english.greedyCTC(logits: whole, steps: saved.model.ctcSteps(e.frames)))
                let text = recognizer.transcribe(crops: e.crops, mel: e.mel, frames: e.frames, useAudio: useAudio, useVideo: useVideo)
                XCTAssertEqual(text, saved.model.transcribe(e, modality: modality), "clip \(i) \(modality)")
                // Streaming: the text only grows, one frame at a time, and every character whose
                // spike is two or more frames before the end is out before `finish()`.
                let stream = AVStream(recognizer, useAudio: useAudio, useVideo: useVideo)
                var shown = ""
                for f in 0..<e.frames {
                    _ = stream.feed(crop: Array(e.crops[f * 4096..<(f + 1) * 4096]), mel: Array(e.mel[f * 320..<(f + 1) * 320]))
                    XCTAssertTrue(stream.text.hasPrefix(shown), "frame \(f): \"\(stream.text)\" revises \"\(shown)\"")
                    shown = stream.text
                }
                let early = CTCAlignment.greedySpikes(logits: whole, steps: saved.model.ctcSteps(e.frames), classes: AVVocabulary.english.classes)
                    .filter { $0.step / saved.model.configuration.ctcSubframes + 1 + saved.model.configuration.decoderLookahead <= e.frames }.count
                XCTAssertEqual(shown.count, early, "characters out before the end of the clip")
                XCTAssertEqual(stream.finish(), text)
            }
        }
    }

    /// A written corpus reads back into the same examples the synthesizer makes (crops, labels,
    /// frame count; the audio went through 16-bit PCM, so the log-mel agrees closely, not exactly).
    func testCorpusFolderReadsBackIntoExamples() throws {
        let dir = NSTemporaryDirectory() + "captiond-av-read-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = CorpusConfiguration(seed: 21, trainClips: 1, validationClips: 0, testClips: 0)
        try CorpusGenerator(configuration: config, babble: nil).write(to: dir)
        let entries = try CorpusReader.manifest(dir)
        XCTAssertEqual(entries.count, 1)
        let read = try CorpusReader.example(entries[0], in: dir)
        let direct = try AVExampleLoader.example(try ClipSynthesizer(plan: CorpusPlan(seed: 21)).clip(split: .train, index: 0, fullFrames: false))
        XCTAssertEqual(read.frames, direct.frames)
        XCTAssertEqual(read.labels, direct.labels)
        XCTAssertTrue(read.crops == direct.crops)
        let melDiff = zip(read.mel, direct.mel).map { abs($0 - $1) }.max() ?? 1
        XCTAssertLessThan(melDiff, 0.05)
        XCTAssertThrowsError(try CorpusReader.manifest(dir + "/missing"))
    }

    func testCharacterErrorRateAndVocabulary() throws {
        XCTAssertEqual(CharacterErrorRate.rate([("bin blue", "bin blue")]), 0)
        XCTAssertEqual(CharacterErrorRate.rate([("bn blux", "bin blue")]), 2.0 / 8)
        XCTAssertEqual(AVVocabulary.english.text(try AVVocabulary.english.labels("set red at a one now")), "set red at a one now")
        XCTAssertThrowsError(try AVVocabulary.english.labels("naïve"))
        // Greedy CTC: repeats merge, blanks separate.
        let v = AVVocabulary.english.classes
        var logits = [Float](repeating: 0, count: 5 * v)
        for (f, id) in [3, 3, 0, 3, 4].enumerated() { logits[f * v + id] = 5 }
        XCTAssertEqual(AVVocabulary.english.greedyCTC(logits: logits, steps: 5), "aab")
    }
}
