import Foundation
import XCTest
import Models
import Tensor
@testable import Training

/// The video branch's temporal stack (`VideoTemporalStack`): backward against finite differences,
/// causality, the whole model's gradient through it, the incremental inference model against the
/// whole clip, and checkpoints without it (Tests/Fixtures/av/av-grid-d64.safetensors, the first committed one) loading as before.
final class VideoTemporalTests: XCTestCase {
    func configuration(temporal: [Int] = [1, 2], kernel: Int = 3) -> AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 8; c.videoChannels1 = 2; c.videoChannels2 = 4; c.audioDilations = [1, 2]
        c.attentionDepth = 4; c.fusionWindow = 3; c.decoderHidden = 6; c.decoderEmbedding = 3
        c.videoTemporalDilations = temporal; c.videoTemporalKernel = kernel
        return c
    }

    func randomExample(frames t: Int, labels: [Int], seed: UInt64) -> AVExample {
        var r = SplitMix(seed: seed)
        return AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: (0..<(t * 320)).map { _ in r.uniform(-1, 1) },
                         frames: t, labels: labels, text: AVVocabulary.english.text(labels))
    }

    /// |analytic − numeric| ≤ 5e-3 + 1e-2·max(|analytic|, |numeric|) on `samples` coordinates of `p`.
    func check(_ p: Parameter, analytic: [Float], samples: Int = 20, step: Float = 1e-2, loss: () -> Double,
               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, p.value.count, p.name, file: file, line: line)
        for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / samples)) {
            let numeric = p.centralDifference(at: i, step: step, loss: loss), a = Double(analytic[i])
            XCTAssertLessThanOrEqual(abs(a - numeric), 5e-3 + 1e-2 * max(abs(a), abs(numeric)),
                                     "\(p.name)[\(i)]: analytic \(a), numeric \(numeric)", file: file, line: line)
        }
    }

    /// Backward of the stack (input, both layers' conv weight and bias, residual weight and bias)
    /// against central differences of L = Σ y·R; kernels 2 and 3.
    func testStackBackwardMatchesFiniteDifferences() {
        for kernel in [2, 3] {
            var r = SplitMix(seed: 31)
            let c = configuration(temporal: [1, 2], kernel: kernel)
            let stack = VideoTemporalStack(c, random: &r)
            for p in stack.parameters where p.shape.count == 1 { p.value = p.value.map { _ in r.uniform(-0.5, 0.5) } }
            let t = 7, d = c.modelWidth
            let x = Parameter(name: "x", shape: [t, d], value: (0..<(t * d)).map { _ in r.uniform(-1, 1) })
            let weights = (0..<(t * d)).map { _ in r.uniform(-1, 1) }
            let loss = { zip(stack.forward(x.value, frames: t).0, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
            let (_, cache) = stack.forward(x.value, frames: t)
            let dx = stack.backward(weights, cache: cache, frames: t)
            check(x, analytic: dx, loss: loss)
            XCTAssertEqual(stack.parameters.count, 8)
            for p in stack.parameters { check(p, analytic: p.grad, loss: loss) }
        }
    }

    /// Output frame t depends on input frames t − (K − 1)·Σd … t only.
    func testStackIsCausalWithItsReceptiveField() {
        var r = SplitMix(seed: 5)
        let c = configuration(temporal: [1, 2], kernel: 3)
        XCTAssertEqual(c.videoTemporalReceptiveField, 7)
        let stack = VideoTemporalStack(c, random: &r)
        let t = 12, d = c.modelWidth
        let x = (0..<(t * d)).map { _ in r.uniform(-1, 1) }
        let y = stack.forward(x, frames: t).0
        var changed = x
        for j in 0..<d { changed[4 * d + j] += 1 }                                    // frame 4
        let y2 = stack.forward(changed, frames: t).0
        for f in 0..<t {
            let same = Array(y[f * d..<(f + 1) * d]) == Array(y2[f * d..<(f + 1) * d])
            XCTAssertEqual(same, f < 4 || f > 4 + 6, "frame \(f)")
        }
    }

    /// The joint loss's gradient through the whole model with the temporal stack (every tensor of
    /// the stack and the video projection under it) against finite differences.
    func testWholeModelGradientThroughTheStack() {
        let model = AVModel(configuration(), seed: 3)
        XCTAssertNotNil(model.videoTemporal)
        let e = randomExample(frames: 5, labels: [3, 4], seed: 9)
        for p in model.parameters { p.zeroGrad() }
        model.step(e, modality: .both, train: true)
        let checked = model.parameters.filter { $0.name.hasPrefix("video.temporal") || $0.name.hasPrefix("video.proj") }
        XCTAssertEqual(checked.count, 10)
        for p in checked {
            check(p, analytic: p.grad, samples: 6, step: 1e-3) { model.step(e, modality: .both, train: false, batchStatistics: true).loss }
        }
    }

    /// A few training steps with the stack, a checkpoint, and the inference model (`AVStream`, one
    /// frame at a time with each layer's history) against the trainer's whole clip: the same CTC
    /// logits and transcript with both inputs and each alone; the checkpoint reloads to the same bytes.
    func testStreamingEqualsWholeClipWithTheStack() throws {
        var s = TrainingSettings()
        s.batchSize = 2; s.steps = 10; s.warmupSteps = 2; s.seed = 4
        let trainer = AVTrainer(model: AVModel(configuration(temporal: [1, 2, 4]), seed: 4), settings: s)
        trainer.threads = 2
        let examples = [randomExample(frames: 9, labels: [3, 1, 4], seed: 1), randomExample(frames: 11, labels: [5, 9], seed: 2)]
        var losses: [Double] = []
        for _ in 0..<8 { losses.append(trainer.trainStep(examples)) }
        XCTAssertLessThan(losses.suffix(2).reduce(0, +), losses.prefix(2).reduce(0, +), "\(losses)")
        let dir = NSTemporaryDirectory() + "captiond-avtemporal-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try trainer.save(to: dir + "/a.safetensors")
        let reloaded = try AVTrainer.load(from: dir + "/a.safetensors")
        XCTAssertEqual(reloaded.model.configuration.videoTemporalDilations, [1, 2, 4])
        try reloaded.save(to: dir + "/b.safetensors")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/a.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: dir + "/b.safetensors")))
        let recognizer = try AVRecognizer(path: dir + "/a.safetensors")
        XCTAssertEqual(recognizer.videoTemporalLayers, 3)
        for (i, e) in examples.enumerated() {
            for (useAudio, useVideo, modality) in [(true, true, Modality.both), (true, false, .audioOnly), (false, true, .videoOnly)] {
                let whole = reloaded.model.step(e, modality: modality, train: false).logits
                let streamed = recognizer.logits(crops: e.crops, mel: e.mel, frames: e.frames, useAudio: useAudio, useVideo: useVideo)
                XCTAssertEqual(whole.count, streamed.count)
                let diff = zip(whole, streamed).map { abs($0 - $1) }.max() ?? 1
                XCTAssertLessThan(diff, 1e-3, "clip \(i) \(modality): incremental differs from the whole clip by \(diff)")
                XCTAssertEqual(recognizer.transcribe(crops: e.crops, mel: e.mel, frames: e.frames, useAudio: useAudio, useVideo: useVideo),
                               reloaded.model.transcribe(e, modality: modality), "clip \(i) \(modality)")
            }
        }
        // The video-only logits do depend on the stack (it is not bypassed).
        let plain = AVModel(configuration(temporal: []), seed: 4)
        for (p, q) in zip(plain.parameters, reloaded.model.parameters) where p.name == q.name { p.value = q.value }
        plain.video.bn1 = reloaded.model.video.bn1; plain.video.bn2 = reloaded.model.video.bn2
        plain.video.bnA = reloaded.model.video.bnA; plain.video.bnB = reloaded.model.video.bnB; plain.video.bn3 = reloaded.model.video.bn3
        XCTAssertFalse(plain.step(examples[0], modality: .videoOnly, train: false).logits
                       == reloaded.model.step(examples[0], modality: .videoOnly, train: false).logits)
    }

    /// A configuration without the temporal keys (every checkpoint made before them) has no stack;
    /// the committed checkpoint loads in the trainer and the inference model without one, and its
    /// configuration is the same after a save (apart from the two new keys, at their "off" values).
    func testCheckpointWithoutTheKeysHasNoStack() throws {
        let old = #"{"attentionDepth":32,"audioDilations":[1,2],"ctcSubframes":2,"ctcWeight":0.5,"decoderEmbedding":16,"decoderHidden":64,"decoderLookahead":1,"decodingCTCWeight":0.5,"fusionWindow":4,"labelSmoothing":0.1,"melBins":80,"melFramesPerVideoFrame":4,"modalityDropout":0.3,"modelWidth":64,"videoChannels1":8,"videoChannels2":16,"videoInputPool":2}"#
        let c = try JSONDecoder().decode(AVConfiguration.self, from: Data(old.utf8))
        XCTAssertEqual(c.videoTemporalDilations, [])
        XCTAssertNil(AVModel(c, seed: 1).videoTemporal)
        XCTAssertThrowsError(try JSONDecoder().decode(AVConfiguration.self, from: Data(old.replacingOccurrences(of: #""melBins":80,"#, with: "").utf8)))
        var on = c
        on.videoTemporalDilations = [1, 2]
        XCTAssertEqual(try JSONDecoder().decode(AVConfiguration.self, from: Data(on.json.utf8)), on)

        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/av/av-grid-d64.safetensors").path
        let (metadata, _) = try SafetensorsReader.read(path: shipped)
        XCTAssertFalse(metadata["configuration"]?.contains("videoTemporal") ?? true)
        let trainer = try AVTrainer.load(from: shipped)
        XCTAssertNil(trainer.model.videoTemporal)
        XCTAssertEqual(try AVRecognizer(path: shipped).videoTemporalLayers, 0)
    }
}
