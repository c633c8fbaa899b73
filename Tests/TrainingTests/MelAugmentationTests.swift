import Features
import Foundation
import Models
import XCTest
@testable import Training

/// Log-mel augmentation of training clips (`MelAugmentation`): the warp moves formants the way a
/// longer or shorter vocal tract does, masks cover what they say, everything is reproducible from
/// the seed, and the trainer's other draws do not change when it is on.
final class MelAugmentationTests: XCTestCase {
    let bins = 80

    /// A model small enough for a few training steps in a test (as `ParallelTrainingTests`'s).
    static var tinyModel: AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 8; c.videoChannels1 = 2; c.videoChannels2 = 4; c.audioDilations = [1, 2]
        c.attentionDepth = 4; c.fusionWindow = 3; c.decoderHidden = 6; c.decoderEmbedding = 3
        return c
    }

    /// Frames with one bright band at bin `peak` (log-mel values: −1 floor, +1 band).
    func band(at peak: Int, frames: Int = 5) -> [Float] {
        (0..<frames).flatMap { _ in (0..<bins).map { $0 == peak ? Float(1) : -1 } }
    }

    /// The bin with the most energy in the first frame.
    func brightest(_ mel: [Float]) -> Int { (0..<bins).max { mel[$0] < mel[$1] } ?? -1 }

    /// α = 1 is the identity; α > 1 moves a formant up by the ratio of its frequency, α < 1 down.
    func testTheWarpMovesAFormantByItsFrequencyRatio() {
        let mel = band(at: 40)
        XCTAssertEqual(MelAugmentation.warped(mel, frames: 5, melBins: bins, alpha: 1, sampleRate: 16_000), mel)
        let spacing = MelFilterBank.hzToMel(8_000) / Double(bins + 1)
        let hz = MelFilterBank.melToHz(41 * spacing)   // bin 40's centre
        for alpha: Float in [0.9, 1.1] {
            let expected = MelFilterBank.hzToMel(hz * Double(alpha)) / spacing - 1
            let moved = brightest(MelAugmentation.warped(mel, frames: 5, melBins: bins, alpha: alpha, sampleRate: 16_000))
            XCTAssertEqual(Double(moved), expected, accuracy: 1.0, "α \(alpha): bin 40 (\(Int(hz)) Hz) should move to ~\(expected)")
            XCTAssertTrue(alpha > 1 ? moved > 40 : moved < 40)
        }
    }

    /// Off changes nothing and draws nothing; the same seed gives the same result, another seed
    /// another one.
    func testOffIsTheIdentityAndTheSeedDecides() {
        var r = SplitMix(seed: 3)
        let mel = (0..<(50 * bins)).map { _ in r.uniform(-1, 1) }
        var a = SplitMix(seed: 9), b = SplitMix(seed: 9), c = SplitMix(seed: 10)
        XCTAssertEqual(MelAugmentation().apply(mel, melBins: bins, random: &a), mel)
        var fresh = SplitMix(seed: 9)
        XCTAssertEqual(a.next(), fresh.next(), "off draws nothing")
        let on = MelAugmentation(frequencyWarp: 0.1, frequencyMasks: 2, timeMasks: 2)
        a = SplitMix(seed: 9)
        let x = on.apply(mel, melBins: bins, random: &a), y = on.apply(mel, melBins: bins, random: &b)
        XCTAssertEqual(x, y)
        XCTAssertNotEqual(x, mel)
        XCTAssertNotEqual(on.apply(mel, melBins: bins, random: &c), x)
        XCTAssertEqual(x.count, mel.count)
    }

    /// Masks set whole bands and whole frames to the clip's mean, and only those: every frame
    /// either is untouched outside the masked bands or is all mean.
    func testMasksCoverBandsAndFramesWithTheMean() {
        var r = SplitMix(seed: 5)
        let frames = 60
        let mel = (0..<(frames * bins)).map { _ in r.uniform(-1, 1) }
        let mean = mel.reduce(0, +) / Float(mel.count)
        let masks = MelAugmentation(frequencyMasks: 2, frequencyMaskWidth: 8, timeMasks: 2, timeMaskFrames: 10)
        var seen = (bands: 0, frames: 0)
        for seed in 0..<20 {
            var g = SplitMix(seed: UInt64(seed))
            let out = masks.apply(mel, melBins: bins, random: &g)
            let maskedFrames = (0..<frames).filter { f in (0..<bins).allSatisfy { out[f * bins + $0] == mean } }
            let others = (0..<frames).filter { !maskedFrames.contains($0) }
            let maskedBins = (0..<bins).filter { b in others.allSatisfy { out[$0 * bins + b] == mean } }
            XCTAssertLessThanOrEqual(maskedFrames.count, 2 * 10, "seed \(seed)")
            XCTAssertLessThanOrEqual(maskedBins.count, 2 * 8, "seed \(seed)")
            for f in others { for b in 0..<bins where !maskedBins.contains(b) { XCTAssertEqual(out[f * bins + b], mel[f * bins + b]) } }
            seen.bands += maskedBins.count; seen.frames += maskedFrames.count
        }
        XCTAssertGreaterThan(seen.bands, 0)
        XCTAssertGreaterThan(seen.frames, 0)
    }

    /// In the trainer: reproducible, a different model than without it, and finite.
    func testTrainingWithAugmentationIsReproducibleAndChangesTheModel() {
        let c = Self.tinyModel
        var r = SplitMix(seed: 4)
        let data = (0..<6).map { i -> AVExample in
            let t = 4 + i % 3, labels = [1 + i, 3 + i]
            return AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: (0..<(t * 320)).map { _ in r.uniform(-1, 1) },
                             frames: t, labels: labels, text: AVVocabulary.english.text(labels))
        }
        func run(_ augmentation: MelAugmentation?) -> (losses: [Double], first: [Float]) {
            var s = TrainingSettings()
            s.batchSize = 4; s.steps = 10; s.warmupSteps = 2; s.seed = 7
            s.melAugmentation = augmentation
            let t = AVTrainer(model: AVModel(c, seed: 7), settings: s)
            t.threads = 2
            let losses = (0..<3).map { _ in t.trainStep(data) }
            return (losses, t.model.audio.parameters[0].value)
        }
        let on = MelAugmentation(frequencyWarp: 0.1, frequencyMasks: 1, frequencyMaskWidth: 4, timeMasks: 1, timeMaskFrames: 2)
        let a = run(on), b = run(on), off = run(nil)
        XCTAssertEqual(a.losses, b.losses)
        XCTAssertEqual(a.first, b.first)
        XCTAssertNotEqual(a.first, off.first)
        XCTAssertTrue(a.losses.allSatisfy(\.isFinite))
    }

    /// Out-of-range values are named (the options' check), and a checkpoint that stores them is
    /// refused on load with the file and the reason, instead of crashing a resumed run (a warp of
    /// 5 reads negative frequencies).
    func testOutOfRangeValuesAreRefusedInOptionsAndCheckpoints() throws {
        XCTAssertNil(MelAugmentation(frequencyWarp: 0.1, frequencyMasks: 2, timeMasks: 2).problem)
        XCTAssertEqual(MelAugmentation(frequencyWarp: 5).problem?.option, "--frequency-warp")
        XCTAssertEqual(MelAugmentation(frequencyWarp: .nan).problem?.option, "--frequency-warp")
        XCTAssertEqual(MelAugmentation(frequencyMasks: -1).problem?.option, "--frequency-masks")
        XCTAssertEqual(MelAugmentation(frequencyMaskWidth: Int.max).problem?.option, "frequencyMaskWidth")
        let c = Self.tinyModel
        var s = TrainingSettings()
        s.melAugmentation = MelAugmentation(frequencyWarp: 5)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-augmentation-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AVTrainer(model: AVModel(c, seed: 1), settings: s).save(to: path)
        XCTAssertThrowsError(try AVTrainer.load(from: path)) { error in
            XCTAssertTrue("\(error)".contains("--frequency-warp"), "\(error)")
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }
}
