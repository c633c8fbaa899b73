import Foundation

/// The video CNN's output for the clips of one training batch, computed in one pass so batch norm
/// normalises over the frames of all the clips.
///
/// Why: batch norm's running statistics (used in evaluation and by the folded inference model)
/// average the batches' statistics. When each clip was its own batch, training normalised every
/// channel by that clip's own mean and variance, which removes everything constant within a clip
/// (face, skin, lighting, and the offset of each feature), while evaluation subtracted the mean over
/// all clips: the video features the fusion saw in evaluation were off by a per-clip offset it never
/// saw in training. A batch of clips makes the training statistics the ones evaluation uses.
/// Measured (assets/av-grid.md): evaluating the shipped checkpoint with per-clip statistics gives
/// a lower CER than with the running ones, so the mismatch is real; but the one 1,200-step run
/// trained with `VideoBatch` ended worse (loss 1.22 instead of 0.84), so it is an option
/// (`captionctl train --batch-video-statistics`), not the default.
public final class VideoBatch {
    /// (ΣT, d): clip i's rows are offsets[i] ..< offsets[i + 1].
    public let features: [Float]
    let cache: VideoFrontend.Cache
    public let offsets: [Int]
    let width: Int
    /// d(loss)/d(features), filled by the clips' steps.
    public private(set) var gradient: [Float]

    init(features: [Float], cache: VideoFrontend.Cache, offsets: [Int], width: Int) {
        self.features = features; self.cache = cache; self.offsets = offsets; self.width = width
        gradient = [Float](repeating: 0, count: features.count)
    }

    /// Clip `i`'s features (T_i, d).
    public func rows(of i: Int) -> [Float] { Array(features[offsets[i] * width..<offsets[i + 1] * width]) }

    /// Clips' steps may run on several threads (`ParallelClipSteps`); each adds only its own rows,
    /// so the result does not depend on their order, and the lock keeps the writes apart.
    private let lock = NSLock()

    /// Adds clip `i`'s gradient (T_i, d).
    public func addGradient(_ g: [Float], of i: Int) {
        lock.lock()
        defer { lock.unlock() }
        let start = offsets[i] * width
        for j in g.indices { gradient[start + j] += g[j] }
    }
}
