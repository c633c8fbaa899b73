import Foundation
import Models
import XCTest
import Features
@testable import Training

/// By default the video CNN's batch norm normalises each clip over its own frames in training,
/// which removes whatever is constant within a clip, while evaluation subtracts the running mean
/// over all clips, so evaluation's video features differ from training's by a per-clip offset.
/// `VideoBatch` (`perClipVideoStatistics = false`) runs the CNN once over every clip of a training
/// batch, so training uses the statistics evaluation uses; these tests check that path.
final class VideoBatchNormTests: XCTestCase {
    func configuration() -> AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 6; c.videoChannels1 = 2; c.videoChannels2 = 3; c.audioDilations = [1, 2]
        c.attentionDepth = 4; c.fusionWindow = 3; c.decoderHidden = 5; c.decoderEmbedding = 3
        return c
    }

    /// Clips that differ by a constant per clip (a face, lighting) and, within a clip, a little per frame.
    func clips(_ n: Int, frames t: Int, seed: UInt64) -> [AVExample] {
        var r = SplitMix(seed: seed)
        return (0..<n).map { i in
            let face = (0..<4096).map { _ in r.gaussian() }
            var crops: [Float] = []
            for _ in 0..<t { crops += face.map { $0 + 0.3 * r.gaussian() } }
            let labels = [3 + i, 4, 5 + i]
            return AVExample(crops: crops, mel: (0..<(t * 320)).map { _ in r.uniform(-1, 1) }, frames: t, labels: labels,
                             text: AVVocabulary.english.text(labels))
        }
    }

    /// Clips whose crops show a dark mouth of a clip-specific opening (rows) on a lit face, with
    /// sensor noise: what tells the clips apart is in the picture.
    func mouthClips(_ openings: [Int], frames t: Int, seed: UInt64) -> [AVExample] {
        var r = SplitMix(seed: seed)
        return openings.enumerated().map { i, opening in
            var crops: [Float] = []
            for _ in 0..<t {
                var crop = [UInt8](repeating: 0, count: 4096)
                for y in 0..<64 {
                    for x in 0..<64 {
                        let inMouth = abs(y - 32) * 2 < opening && abs(x - 32) < 16
                        let base: Float = inMouth ? 40 : 150 + Float(y)
                        crop[y * 64 + x] = UInt8(max(0, min(255, base + 8 * r.gaussian())))
                    }
                }
                crops += MouthCropSpec.standardised(crop)
            }
            let labels = [3 + i, 4, 5 + i]
            return AVExample(crops: crops, mel: [Float](repeating: 0, count: t * 320), frames: t, labels: labels,
                             text: AVVocabulary.english.text(labels))
        }
    }

    func maxDifference(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }

    /// Once the running statistics have settled on a batch, evaluation gives each clip the video
    /// features training gave it in that batch; training on each clip alone (the old way) does not.
    func testTrainingStatisticsAreTheOnesEvaluationUses() {
        let model = AVModel(configuration(), seed: 3)
        let batch = clips(3, frames: 5, seed: 11)
        var video = model.encodeVideo(batch)
        for _ in 0..<150 { video = model.encodeVideo(batch) }                  // running statistics settle
        var worstBatched: Float = 0, worstPerClip: Float = 0
        for (i, e) in batch.enumerated() {
            let evaluation = model.video.forward(e.crops, frames: e.frames, batchStatistics: false).0
            worstBatched = max(worstBatched, maxDifference(video.rows(of: i), evaluation))
            let perClipCopy = AVModel(configuration(), seed: 3)                  // same weights, its own statistics
            let perClip = perClipCopy.video.forward(e.crops, frames: e.frames, batchStatistics: true).0
            worstPerClip = max(worstPerClip, maxDifference(perClip, evaluation))
        }
        XCTAssertLessThan(worstBatched, 1e-2, "training features in a batch vs evaluation features")
        XCTAssertGreaterThan(worstPerClip, 0.1, "per-clip statistics should differ from evaluation's (the old bug)")
    }

    /// The batched video pass is in the training graph: the video CNN's gradient from a batch of
    /// clips (batch norm across clips) matches finite differences of the batch's summed loss.
    func testBatchedVideoGradientMatchesFiniteDifferences() {
        let model = AVModel(configuration(), seed: 5)
        let batch = clips(2, frames: 4, seed: 13)
        let modalities: [Modality] = [.both, .videoOnly]
        func loss() -> Double {
            let video = model.encodeVideo(batch)
            return batch.indices.reduce(0) { $0 + model.step(batch[$1], modality: modalities[$1], train: false, batch: (video, $1)).loss }
        }
        for p in model.parameters { p.zeroGrad() }
        let video = model.encodeVideo(batch)
        for i in batch.indices { model.step(batch[i], modality: modalities[i], train: true, batch: (video, i)) }
        model.backwardVideo(video)
        let step: Float = 1e-3
        var checked = 0, nonZero = 0
        for p in model.parameters where p.name.hasPrefix("video.") {
            if p.grad.contains(where: { $0 != 0 }) { nonZero += 1 }
            for i in Swift.stride(from: 0, to: p.value.count, by: max(1, p.value.count / 3)) {
                let numeric = p.centralDifference(at: i, step: step) { loss() }, analytic = Double(p.grad[i])
                XCTAssertLessThanOrEqual(abs(analytic - numeric), 5e-3 + 2e-2 * max(abs(analytic), abs(numeric)),
                                         "\(p.name)[\(i)]: analytic \(analytic), numeric \(numeric)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
        XCTAssertEqual(nonZero, model.video.parameters.count, "every video parameter gets a gradient")
    }

    /// Video-only training on a few clips lowers the video-only loss as evaluation computes it
    /// (running statistics), and the loss depends on the video: the clips' transcripts are the same
    /// characters in different orders, told apart only by the mouth in the picture, and each is much
    /// less likely under another clip's crops. The video branch learns, and what it learns in training
    /// holds in evaluation. (Measured: 1.16 per label with its own crops, 1.75 with another's.)
    func testVideoOnlyTrainingLearnsFromTheVideo() {
        let transcripts = [[3, 4], [4, 3], [3, 3]]
        let examples = zip(mouthClips([4, 14, 26], frames: 6, seed: 17), transcripts).map { e, labels in
            AVExample(crops: e.crops, mel: e.mel, frames: e.frames, labels: labels, text: AVVocabulary.english.text(labels))
        }
        let swapped = examples.indices.map { i in
            let other = examples[(i + 1) % examples.count], e = examples[i]
            return AVExample(crops: other.crops, mel: e.mel, frames: e.frames, labels: e.labels, text: e.text)
        }
        var s = TrainingSettings()
        s.batchSize = 3; s.steps = 180; s.warmupSteps = 3; s.peakLearningRate = 1e-2; s.seed = 2
        let trainer = AVTrainer(model: AVModel(configuration(), seed: 7), settings: s)
        trainer.forcedModality = .videoOnly
        trainer.perClipVideoStatistics = false
        func evaluationLoss(_ clips: [AVExample]) -> Double {
            clips.reduce(0) { $0 + trainer.model.step($1, modality: .videoOnly, train: false).loss } / Double(clips.count)
        }
        let before = evaluationLoss(examples)
        for _ in 0..<90 { trainer.trainStep(examples) }
        let after = evaluationLoss(examples), withOtherVideo = evaluationLoss(swapped)
        XCTAssertLessThan(after, 0.5 * before, "video-only evaluation loss per label \(before) -> \(after)")
        XCTAssertLessThan(after + 0.3, withOtherVideo, "own crops \(after), another clip's crops \(withOtherVideo)")
    }
}
