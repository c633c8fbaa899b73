/// The best of several initial draws (`captionctl train --init-trials N`, issue 13).
///
/// With the d = 96 recipe, whether a run trains well is decided mostly by its initial weights
/// (assets/av-grid.md: the same recipe ends between clean test CER 0.107 and 0.397 over twelve
/// draws), and the mean training loss over steps 381–420 tells the good draws (under 1.04: CER
/// 0.107–0.112) from the rest (1.08–1.26: CER 0.21–0.40). So a new run can try `count` initial
/// draws (seeds `first`, `first + 1`, …; the data order, noise, dropout and augmentation keep the
/// run's `--seed`), train each for `steps` steps, and go on with the draw whose mean training
/// loss over the last `window` of those steps is lowest. The chosen trainer continues where its
/// trial stopped, so the run is bit-identical to a single run with `--init-seed` of that draw,
/// which the checkpoint records (`TrainingSettings.initializationSeed`).
public struct InitializationTrials: Sendable, Equatable {
    /// Initial draws tried (1: no trials, the plain run).
    public let count: Int
    /// Steps each draw trains before the choice.
    public let steps: Int
    /// The last steps of a trial whose mean training loss ranks it.
    public let window: Int

    /// One tried draw: its weight seed and its score (mean loss over the window; infinite when a
    /// loss was not finite).
    public struct Trial: Sendable, Equatable {
        public let seed: UInt64
        public let score: Double
        public init(seed: UInt64, score: Double) { self.seed = seed; self.score = score }
    }

    /// - Throws: `TrainingError.invalidArgument` naming the option when a value is out of range
    ///   (`totalSteps`: the run's `--steps`, which a trial must stay under).
    public init(count: Int, steps: Int, window: Int, totalSteps: Int) throws {
        guard (1...64).contains(count) else {
            throw TrainingError.invalidArgument(name: "--init-trials", reason: "\(count) is not between 1 and 64")
        }
        guard count == 1 || (1..<totalSteps).contains(steps) else {
            throw TrainingError.invalidArgument(name: "--trial-steps", reason: "\(steps) is not between 1 and --steps − 1 (\(totalSteps - 1))")
        }
        guard count == 1 || (1...steps).contains(window) else {
            throw TrainingError.invalidArgument(name: "--trial-window", reason: "\(window) is not between 1 and --trial-steps (\(steps))")
        }
        self.count = count; self.steps = steps; self.window = window
    }

    /// The weight seeds tried, in order.
    public func seeds(first: UInt64) -> [UInt64] { (0..<count).map { first &+ UInt64($0) } }

    /// Mean of the last `window` losses; infinite when any of them is not finite or there are none.
    public static func score(_ losses: [Double], window: Int) -> Double {
        let tail = losses.suffix(max(1, window))
        guard !tail.isEmpty, tail.allSatisfy(\.isFinite) else { return .infinity }
        return tail.reduce(0, +) / Double(tail.count)
    }

    /// Index of the lowest score (the earliest on ties: the lower seed); nil when none is finite.
    public static func best(_ trials: [Trial]) -> Int? {
        var chosen: Int?
        for (i, t) in trials.enumerated() where t.score.isFinite {
            if let c = chosen, trials[c].score <= t.score { continue }
            chosen = i
        }
        return chosen
    }

    /// Runs the trials and returns the chosen trainer (at step `steps`) with every trial's score.
    /// - Parameters:
    ///   - make: a fresh trainer for trial `index` whose initial weights come from `seed`.
    ///   - step: one training step of trial `index`'s trainer; returns its loss (`AVTrainer.trainStep`).
    ///   - finished: called after each trial with its index and result (a log line).
    /// Only the best trainer so far is kept, so memory stays at two models.
    /// - Throws: what `make` throws, and `TrainingError.invalidArgument` when no draw had a
    ///   finite loss.
    public func run(first: UInt64, make: (_ index: Int, _ seed: UInt64) throws -> AVTrainer, step: (_ index: Int, AVTrainer) -> Double,
                    finished: (Int, Trial) -> Void = { _, _ in }) throws -> (trainer: AVTrainer, trials: [Trial]) {
        var trials: [Trial] = []
        var kept: (trainer: AVTrainer, score: Double)?
        for (i, seed) in seeds(first: first).enumerated() {
            let trainer = try make(i, seed)
            var losses: [Double] = []
            while trainer.step < steps { losses.append(step(i, trainer)) }
            let trial = Trial(seed: seed, score: Self.score(losses, window: window))
            trials.append(trial)
            // `best`'s rule, kept incrementally: a finite score strictly below the kept one (ties: the lower seed).
            if trial.score.isFinite, trial.score < kept?.score ?? .infinity { kept = (trainer, trial.score) }
            finished(i, trial)
        }
        guard let kept else {
            throw TrainingError.invalidArgument(name: "--init-trials", reason: "no initial draw of \(count) trained with a finite loss in \(steps) steps; lower --learning-rate")
        }
        return (kept.trainer, trials)
    }
}
