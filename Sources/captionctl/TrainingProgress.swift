import Foundation
import Training

/// The training progress line of `captionctl train`: step, mean loss of the last 20 steps,
/// frames/s and ETA, rewritten in place on a terminal, every 10th step as a plain line in a log.
/// The initial-draw trials (`--init-trials`) count in the ETA with the run's own steps.
final class TrainingProgress {
    let meanFrames: Double
    let batchSize: Int
    let gradientNorms: Bool
    let terminal = isatty(STDERR_FILENO) == 1
    let started = Date()
    /// Steps still to run after the current phase (later trials and the run after them).
    var stepsAfterPhase = 0
    private var done = 0
    private var recent: [Double] = []

    init(examples: [AVExample], batchSize: Int, gradientNorms: Bool) {
        meanFrames = examples.isEmpty ? 0 : Double(examples.reduce(0) { $0 + $1.frames }) / Double(examples.count)
        self.batchSize = batchSize
        self.gradientNorms = gradientNorms
    }

    /// Starts a phase (a trial or the run): the loss mean restarts.
    func begin() { recent = [] }

    /// After one step of `trainer` with `loss`; `total`: the phase's last step; `label`: the
    /// phase's name in the line ("train", "trial 2/8 (init seed 2)").
    func stepped(_ trainer: AVTrainer, loss: Double, total: Int, label: String = "train") {
        done += 1
        recent.append(loss); if recent.count > 20 { recent.removeFirst() }
        let elapsed = Date().timeIntervalSince(started)
        let framesPerSecond = Double(done * batchSize) * meanFrames / max(elapsed, 1e-9)
        let eta = elapsed / Double(done) * Double(total - trainer.step + stepsAfterPhase)
        let line = String(format: "%@: step %d/%d  loss %.3f  %.0f frames/s  ETA %.0f s", label, trainer.step, total,
                          recent.reduce(0, +) / Double(recent.count), framesPerSecond, eta)
        let norms = gradientNorms ? "  |g| " + trainer.gradientNormsByGroup().map { String(format: "%@ %.3g", $0.0, $0.1) }.joined(separator: " ") : ""
        if terminal { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + norms).utf8)) } else if trainer.step % 10 == 0 { printError(line + norms) }
    }

    /// Ends the in-place line on a terminal (before a result line).
    func endLine() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
