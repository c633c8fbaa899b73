import Foundation
import XCTest
@testable import Training

/// The recipe options added for issue 13's training recipe (`videoOnlyShare`,
/// `videoLearningRateScale`, `melAugmentation`) are optional: checkpoints made before them (the committed one) read
/// as before, and settings without them write the same JSON as before.
final class TrainingSettingsTests: XCTestCase {
    func testSettingsWithoutTheNewOptionsKeepTheirBytes() throws {
        // The settings of the first committed checkpoint (Tests/Fixtures/av/av-grid-d64.safetensors), as its metadata stores them.
        let shipped = #"{"weightDecay":0.01,"peakLearningRate":0.003,"batchSize":8,"maxGradientNorm":5,"corpusSeed":1,"finalLearningRate":0.0001,"steps":1200,"cleanAudioProbability":0.4,"seed":1,"warmupSteps":60}"#
        let s = try JSONDecoder().decode(TrainingSettings.self, from: Data(shipped.utf8))
        XCTAssertNil(s.videoOnlyShare)
        XCTAssertNil(s.videoLearningRateScale)
        XCTAssertNil(s.melAugmentation)
        XCTAssertNil(s.initializationSeed)
        XCTAssertEqual(s.modelSeed, 1)
        XCTAssertEqual(s.steps, 1200)
        let written = String(decoding: try AVConfiguration.encoder.encode(s), as: UTF8.self)
        XCTAssertEqual(written, #"{"batchSize":8,"cleanAudioProbability":0.4,"corpusSeed":1,"finalLearningRate":0.0001,"maxGradientNorm":5,"peakLearningRate":0.003,"seed":1,"steps":1200,"warmupSteps":60,"weightDecay":0.01}"#)
        var t = s
        t.videoOnlyShare = 0.7; t.videoLearningRateScale = 2
        t.melAugmentation = MelAugmentation(frequencyWarp: 0.1, frequencyMasks: 2, timeMasks: 2)
        t.initializationSeed = 2
        XCTAssertEqual(t.modelSeed, 2)
        let round = try JSONDecoder().decode(TrainingSettings.self, from: try AVConfiguration.encoder.encode(t))
        XCTAssertEqual(round, t)
    }

    /// `--init-seed`: the initial weights come from their own seed, and a checkpoint keeps it, so
    /// a resumed run and the record of how a model was made stay exact.
    func testInitializationSeedIsStoredAndReloaded() throws {
        var c = AVConfiguration()
        c.modelWidth = 8; c.videoChannels1 = 2; c.videoChannels2 = 4; c.audioDilations = [1, 2]
        c.attentionDepth = 4; c.decoderHidden = 6; c.decoderEmbedding = 3
        var s = TrainingSettings()
        s.seed = 1; s.initializationSeed = 2; s.steps = 4; s.batchSize = 1
        let trainer = AVTrainer(model: AVModel(c, seed: s.modelSeed), settings: s)
        XCTAssertEqual(trainer.model.parameters.map(\.value), AVModel(c, seed: 2).parameters.map(\.value))
        XCTAssertNotEqual(trainer.model.parameters.map(\.value), AVModel(c, seed: 1).parameters.map(\.value))
        let path = NSTemporaryDirectory() + "captiond-initseed-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try trainer.save(to: path)
        let reloaded = try AVTrainer.load(from: path)
        XCTAssertEqual(reloaded.settings.initializationSeed, 2)
        XCTAssertEqual(reloaded.settings.seed, 1)
        XCTAssertEqual(reloaded.model.parameters.map(\.value), trainer.model.parameters.map(\.value))
    }
}
