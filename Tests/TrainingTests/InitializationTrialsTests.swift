import Foundation
import Models
import XCTest
@testable import Training

/// `InitializationTrials` (`captionctl train --init-trials`): the draw with the lowest mean loss over
/// its trial's last steps is chosen, and the chosen trainer is exactly the run with that weight seed.
final class InitializationTrialsTests: XCTestCase {
    func testScoreIsTheMeanOfTheWindowAndANonFiniteLossLoses() {
        XCTAssertEqual(InitializationTrials.score([9, 9, 1, 2, 3], window: 3), 2)
        XCTAssertEqual(InitializationTrials.score([1, 2], window: 5), 1.5)
        XCTAssertEqual(InitializationTrials.score([1, .nan, 2], window: 2), .infinity)
        XCTAssertEqual(InitializationTrials.score([], window: 2), .infinity)
        typealias T = InitializationTrials.Trial
        XCTAssertEqual(InitializationTrials.best([T(seed: 1, score: 1.2), T(seed: 2, score: 1.0), T(seed: 3, score: 1.1)]), 1)
        XCTAssertEqual(InitializationTrials.best([T(seed: 1, score: 1.0), T(seed: 2, score: 1.0)]), 0, "ties go to the lower seed")
        XCTAssertEqual(InitializationTrials.best([T(seed: 1, score: .infinity), T(seed: 2, score: 3)]), 1)
        XCTAssertNil(InitializationTrials.best([T(seed: 1, score: .infinity)]))
        XCTAssertNil(InitializationTrials.best([]))
    }

    func testOutOfRangeOptionsAreRefusedByName() {
        func refused(_ count: Int, _ steps: Int, _ window: Int, total: Int, _ option: String) {
            XCTAssertThrowsError(try InitializationTrials(count: count, steps: steps, window: window, totalSteps: total)) { e in
                guard case let .invalidArgument(name, _) = e as? TrainingError else { return XCTFail("\(e)") }
                XCTAssertEqual(name, option)
            }
        }
        refused(0, 10, 5, total: 100, "--init-trials")
        refused(65, 10, 5, total: 100, "--init-trials")
        refused(2, 100, 5, total: 100, "--trial-steps")
        refused(2, 0, 0, total: 100, "--trial-steps")
        refused(2, 10, 11, total: 100, "--trial-window")
        refused(2, 10, 0, total: 100, "--trial-window")
        // One draw is the plain run: the trial options are not used, so not checked.
        XCTAssertNoThrow(try InitializationTrials(count: 1, steps: 420, window: 40, totalSteps: 100))
        XCTAssertEqual(try InitializationTrials(count: 3, steps: 4, window: 2, totalSteps: 10).seeds(first: 5), [5, 6, 7])
    }

    func configuration() -> AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 8; c.videoChannels1 = 2; c.videoChannels2 = 4; c.audioDilations = [1, 2]
        c.attentionDepth = 4; c.fusionWindow = 3; c.decoderHidden = 6; c.decoderEmbedding = 3
        return c
    }

    func examples(_ n: Int) -> [AVExample] {
        var r = SplitMix(seed: 3)
        return (0..<n).map { i in
            let t = 3 + i % 4
            let labels = (0..<(1 + i % 3)).map { 1 + ($0 * 5 + i) % 28 }
            let mel = (0..<(t * 320)).map { _ in r.uniform(-1, 1) }
            return AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: mel, frames: t, labels: labels,
                             text: AVVocabulary.english.text(labels), noisyMels: [])
        }
    }

    func trainer(initializationSeed: UInt64) -> AVTrainer {
        var s = TrainingSettings()
        s.seed = 4; s.batchSize = 3; s.steps = 6; s.warmupSteps = 1
        s.initializationSeed = initializationSeed == s.seed ? nil : initializationSeed
        return AVTrainer(model: AVModel(configuration(), seed: s.modelSeed), settings: s)
    }

    /// Three draws of 3 steps: each score is the mean of that draw's own last two losses, the
    /// lowest wins, and the winner continued to the end has the bits of the single run with its seed.
    func testTheChosenDrawContinuesAsTheRunWithItsSeed() throws {
        let data = examples(5)
        let trials = try InitializationTrials(count: 3, steps: 3, window: 2, totalSteps: 6)
        var reported: [Int] = []
        let (chosen, results) = try trials.run(first: 4, make: { _, seed in trainer(initializationSeed: seed) }, step: { _, t in t.trainStep(data) },
                                               finished: { i, _ in reported.append(i) })
        XCTAssertEqual(reported, [0, 1, 2])
        XCTAssertEqual(results.map(\.seed), [4, 5, 6])
        for r in results {
            let alone = trainer(initializationSeed: r.seed)
            let losses = (0..<3).map { _ in alone.trainStep(data) }
            XCTAssertEqual(r.score, InitializationTrials.score(losses, window: 2), "seed \(r.seed)")
        }
        let best = try XCTUnwrap(InitializationTrials.best(results))
        XCTAssertEqual(chosen.settings.modelSeed, results[best].seed)
        XCTAssertEqual(chosen.step, 3)
        XCTAssertTrue(results.allSatisfy { $0.score >= results[best].score })

        while chosen.step < 6 { chosen.trainStep(data) }
        let single = trainer(initializationSeed: results[best].seed)
        while single.step < 6 { single.trainStep(data) }
        XCTAssertEqual(chosen.model.parameters.map(\.value), single.model.parameters.map(\.value))
        XCTAssertEqual(chosen.optimizer.state, single.optimizer.state)
        XCTAssertEqual(chosen.settings, single.settings)
    }
}
