import Foundation
import Models
import XCTest
@testable import Training

/// A training step's clips run on several threads (`ParallelClipSteps`): the result must be the same
/// bits for any thread count, and the summed gradients must be the gradients of the clips.
final class ParallelTrainingTests: XCTestCase {
    func configuration() -> AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 8; c.videoChannels1 = 2; c.videoChannels2 = 4; c.audioDilations = [1, 2]
        c.attentionDepth = 4; c.fusionWindow = 3; c.decoderHidden = 6; c.decoderEmbedding = 3
        return c
    }

    /// Clips of different lengths (so threads finish them at different times), with noisy copies.
    func examples(_ n: Int, seed: UInt64) -> [AVExample] {
        var r = SplitMix(seed: seed)
        return (0..<n).map { i in
            let t = 3 + (i * 5) % 7
            let labels = (0..<(1 + i % 3)).map { 1 + ($0 * 7 + i) % 28 }
            let mel = (0..<(t * 320)).map { _ in r.uniform(-1, 1) }
            return AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: mel, frames: t, labels: labels,
                             text: AVVocabulary.english.text(labels), noisyMels: [mel.map { $0 + 0.3 * r.uniform(-1, 1) }])
        }
    }

    func trainer(threads: Int, perClip: Bool) -> AVTrainer {
        var s = TrainingSettings()
        s.batchSize = 6; s.steps = 10; s.warmupSteps = 2; s.seed = 7
        let t = AVTrainer(model: AVModel(configuration(), seed: 7), settings: s)
        t.threads = threads
        t.perClipVideoStatistics = perClip
        return t
    }

    /// 1, 2 and 5 threads give bit-identical parameters, running statistics, optimizer state and
    /// losses after a few steps, with per-clip and with whole-batch video statistics.
    func testStepsAreBitIdenticalForAnyThreadCount() {
        let data = examples(9, seed: 11)
        for perClip in [true, false] {
            var runs: [(losses: [Double], trainer: AVTrainer)] = []
            for threads in [1, 2, 5] {
                let t = trainer(threads: threads, perClip: perClip)
                runs.append(((0..<3).map { _ in t.trainStep(data) }, t))
            }
            let reference = runs[0]
            for run in runs.dropFirst() {
                XCTAssertEqual(run.losses, reference.losses, "threads \(run.trainer.threads), per clip \(perClip)")
                for (a, b) in zip(reference.trainer.model.parameters, run.trainer.model.parameters) {
                    XCTAssertTrue(a.value == b.value, "\(a.name) differs with \(run.trainer.threads) threads (per clip \(perClip))")
                }
                for (a, b) in zip(reference.trainer.model.video.buffers, run.trainer.model.video.buffers) {
                    XCTAssertTrue(a.1 == b.1, "\(a.0) differs with \(run.trainer.threads) threads (per clip \(perClip))")
                }
                XCTAssertTrue(reference.trainer.optimizer.state == run.trainer.optimizer.state)
            }
            XCTAssertTrue(reference.losses.allSatisfy(\.isFinite))
        }
    }

    /// The gradient the parallel step leaves is the sum of the clips' gradients computed one after
    /// another on one model (up to float rounding: the sums are grouped differently), and the video
    /// batch norm's running statistics are exactly those of the clips run in order.
    func testParallelGradientIsTheSumOfTheClipsGradients() {
        let data = examples(5, seed: 3)
        let clips = data.enumerated().map { i, e in
            (example: e, mel: i % 2 == 0 ? nil : e.noisyMels[0], modality: [Modality.both, .audioOnly, .videoOnly][i % 3])
        }
        let sequential = AVModel(configuration(), seed: 5), parallel = AVModel(configuration(), seed: 5)
        for p in sequential.parameters { p.zeroGrad() }
        var sequentialLosses: [Double] = []
        for clip in clips {
            sequentialLosses.append(sequential.step(clip.example, mel: clip.mel, modality: clip.modality, train: true, gradientScale: 0.2).loss)
        }
        for p in parallel.parameters { p.zeroGrad() }
        let losses = ParallelClipSteps().run(clips, model: parallel, video: nil, gradientScale: 0.2, threads: 2)
        XCTAssertEqual(losses.count, clips.count)
        for (a, b) in zip(sequentialLosses, losses) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(a))) }
        var nonzero = 0
        for (a, b) in zip(sequential.parameters, parallel.parameters) {
            let scale = a.grad.map { abs($0) }.max() ?? 0
            let diff = zip(a.grad, b.grad).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(diff, 1e-5 + 1e-4 * scale, "\(a.name): max difference \(diff) (largest gradient \(scale))")
            if scale > 0 { nonzero += 1 }
        }
        XCTAssertGreaterThan(nonzero, sequential.parameters.count / 2)
        for (a, b) in zip(sequential.video.buffers, parallel.video.buffers) {
            XCTAssertTrue(a.1 == b.1, "\(a.0): running statistics differ from the clips run in order")
        }
        // The running statistics did move (the check above compares something).
        XCTAssertFalse(AVModel(configuration(), seed: 5).video.buffers[0].1 == parallel.video.buffers[0].1)
    }
}
