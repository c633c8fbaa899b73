import Foundation
import Tensor

/// The clips of one training step on several threads, with a result that does not depend on the
/// number of threads or their timing.
///
/// Each clip runs its forward and backward pass on its own gradient replica of the model: the
/// model's parameter values (shared, read only), its own gradients, and video batch norm that
/// records each clip's statistics instead of updating running ones. When all clips are done, the
/// calling thread sums the replicas' gradients into the model's in clip order and applies the
/// recorded statistics to the model's running ones in clip order. A step is therefore the same
/// bits with 1, 2 or 8 threads (`ParallelTrainingTests`); which thread ran a clip, and when,
/// changes nothing.
///
/// Why per clip and not per thread: a thread's gradient buffer would sum its clips in an order
/// that depends on which clips it took; one buffer per clip makes the sum g₀ + g₁ + … fixed.
/// The cost is a zeroed gradient copy per clip and one addition pass (~0.3 M values per clip),
/// small against a clip's forward and backward pass.
final class ParallelClipSteps {
    private var replicas: [AVModel] = []

    /// One clip of the step: example, the log-mel to use (nil: clean) and the inputs it sees.
    typealias Clip = (example: AVExample, mel: [Float]?, modality: Modality)

    /// Runs every clip's step on `threads` threads; afterwards `model`'s gradients hold the sum of
    /// the clips' gradients (added to what they held) and its video running statistics are updated
    /// as if the clips had run one after another. `video`: the step's `VideoBatch` (its gradient
    /// rows are filled; the caller runs `backwardVideo`). Returns the clips' losses in clip order.
    func run(_ clips: [Clip], model: AVModel, video: VideoBatch?, gradientScale: Float, threads: Int) -> [Double] {
        let n = clips.count
        while replicas.count < n {
            let replica = AVModel(model.configuration, seed: 0)
            replica.video.deferRunningStatistics()
            replicas.append(replica)
        }
        let parameters = model.parameters
        let used = Array(replicas.prefix(n))
        for replica in used {
            for (p, q) in zip(parameters, replica.parameters) { q.value = p.value; q.zeroGrad() }
            _ = replica.video.takeDeferredStatistics()
        }
        let slots = (0..<n).map { _ in ClipResult() }
        let queue = ClipQueue(count: n)
        WorkerPool.run(workers: max(1, min(threads, n))) { _, _ in
            while let i = queue.next() {
                let clip = clips[i], replica = used[i]
                slots[i].loss = replica.step(clip.example, mel: clip.mel, modality: clip.modality, train: true,
                                             gradientScale: gradientScale, batch: video.map { ($0, i) }).loss
                slots[i].statistics = replica.video.takeDeferredStatistics()
            }
        }
        for i in 0..<n {
            for (p, q) in zip(parameters, used[i].parameters) { add(q.grad, into: &p.grad) }
            model.video.applyRunningStatistics(slots[i].statistics)
        }
        return slots.map(\.loss)
    }
}

/// What a clip's step leaves for the calling thread (each slot written by one thread only).
private final class ClipResult {
    var loss: Double = .infinity
    var statistics: [[(mean: [Float], variance: [Float])]] = []
}

/// Hands out clip indices 0, 1, … to whichever thread asks next.
final class ClipQueue {
    private let lock = NSLock()
    private var nextIndex = 0
    let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
}
