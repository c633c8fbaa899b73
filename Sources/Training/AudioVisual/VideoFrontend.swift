import Foundation

/// The per-frame CNN over standardised mouth crops, average-pooled from 64 × 64 to S × S
/// (S = 64 / videoInputPool): conv(3×3, stride 2) → BN → ReLU to S/2, conv(stride 2) → BN → ReLU to
/// S/4, one ResNet basic block (conv → BN → ReLU → conv → BN, + identity, ReLU), conv(stride 2) →
/// BN → ReLU to S/8, global average pool, linear to the model width. Batch norm runs over the frames of a clip in training.
public final class VideoFrontend {
    public let conv1: Conv2d, conv2: Conv2d, blockA: Conv2d, blockB: Conv2d, conv3: Conv2d
    public var bn1: BatchNorm, bn2: BatchNorm, bnA: BatchNorm, bnB: BatchNorm, bn3: BatchNorm
    public let projection: Linear
    let c1: Int, c2: Int
    /// Side of the CNN's input: 64 / `videoInputPool` (the crop is average-pooled first).
    let side: Int, pool: Int

    public init(_ c: AVConfiguration, random r: inout SplitMix) {
        c1 = c.videoChannels1; c2 = c.videoChannels2
        pool = c.videoInputPool; side = 64 / c.videoInputPool
        conv1 = Conv2d(name: "video.conv1", inChannels: 1, outChannels: c1, kernel: 3, stride: 2, padding: 1, bias: false, random: &r)
        conv2 = Conv2d(name: "video.conv2", inChannels: c1, outChannels: c2, kernel: 3, stride: 2, padding: 1, bias: false, random: &r)
        blockA = Conv2d(name: "video.block.conv1", inChannels: c2, outChannels: c2, kernel: 3, stride: 1, padding: 1, bias: false, random: &r)
        blockB = Conv2d(name: "video.block.conv2", inChannels: c2, outChannels: c2, kernel: 3, stride: 1, padding: 1, bias: false, random: &r)
        conv3 = Conv2d(name: "video.conv3", inChannels: c2, outChannels: c2, kernel: 3, stride: 2, padding: 1, bias: false, random: &r)
        bn1 = BatchNorm(name: "video.bn1", channels: c1); bn2 = BatchNorm(name: "video.bn2", channels: c2)
        bnA = BatchNorm(name: "video.block.bn1", channels: c2); bnB = BatchNorm(name: "video.block.bn2", channels: c2)
        bn3 = BatchNorm(name: "video.bn3", channels: c2)
        projection = Linear(name: "video.proj", inFeatures: c2, outFeatures: c.modelWidth, random: &r)
    }

    public var parameters: [Parameter] {
        [conv1, conv2, blockA, blockB, conv3].flatMap(\.parameters) + [bn1, bn2, bnA, bnB, bn3].flatMap(\.parameters) + projection.parameters
    }

    public var buffers: [(String, [Float])] {
        [("video.bn1", bn1), ("video.bn2", bn2), ("video.block.bn1", bnA), ("video.block.bn2", bnB), ("video.bn3", bn3)]
            .flatMap { [($0.0 + ".running_mean", $0.1.runningMean), ($0.0 + ".running_var", $0.1.runningVariance)] }
    }

    public func setBuffer(_ name: String, _ v: [Float]) -> Bool {
        for (prefix, keyPath) in [("video.bn1", \VideoFrontend.bn1), ("video.bn2", \.bn2), ("video.block.bn1", \.bnA),
                                  ("video.block.bn2", \.bnB), ("video.bn3", \.bn3)] as [(String, ReferenceWritableKeyPath<VideoFrontend, BatchNorm>)] {
            if name == prefix + ".running_mean" { self[keyPath: keyPath].runningMean = v; return true }
            if name == prefix + ".running_var" { self[keyPath: keyPath].runningVariance = v; return true }
        }
        return false
    }

    static let batchNormPaths: [ReferenceWritableKeyPath<VideoFrontend, BatchNorm>] = [\.bn1, \.bn2, \.bnA, \.bnB, \.bn3]

    /// Makes training forwards record their batch-norm statistics instead of updating the running
    /// ones (a gradient replica of the trainer's parallel step; see `BatchNorm.deferredUpdates`).
    func deferRunningStatistics() {
        for path in Self.batchNormPaths { self[keyPath: path].deferredUpdates = [] }
    }

    /// The statistics recorded since the last call, per batch norm (in `batchNormPaths` order).
    func takeDeferredStatistics() -> [[(mean: [Float], variance: [Float])]] {
        Self.batchNormPaths.map { path in
            defer { self[keyPath: path].deferredUpdates = [] }
            return self[keyPath: path].deferredUpdates ?? []
        }
    }

    /// Applies statistics recorded by `takeDeferredStatistics` (of a replica) to the running ones.
    func applyRunningStatistics(_ recorded: [[(mean: [Float], variance: [Float])]]) {
        for (path, updates) in zip(Self.batchNormPaths, recorded) {
            for u in updates { self[keyPath: path].applyRunningUpdate(mean: u.mean, variance: u.variance) }
        }
    }

    /// Stage: per-frame convolution of `x` (T, C, H, W) → (T, O, Ho, Wo), all frames in one sgemm.
    static func convFrames(_ conv: Conv2d, _ x: [Float], frames t: Int, h: Int, w: Int) -> [Float] {
        conv.forward(batch: x, images: t, height: h, width: w)
    }

    static func convFramesBackward(_ conv: Conv2d, _ dy: [Float], x: [Float], frames t: Int, h: Int, w: Int) -> [Float] {
        conv.backward(batch: dy, x: x, images: t, height: h, width: w)
    }

    public struct Cache {
        let x0: [Float], a1: [Float], bn1: BatchNorm.Cache, r1: [Float]
        let a2: [Float], bn2: BatchNorm.Cache, r2: [Float]
        let aA: [Float], bnA: BatchNorm.Cache, rA: [Float], aB: [Float], bnB: BatchNorm.Cache, rBlock: [Float]
        let a3: [Float], bn3: BatchNorm.Cache, r3: [Float], pooled: [Float]
    }

    /// crops: (T, 64·64) standardised → (T, width).
    /// `batchStatistics`: batch norm over this clip's frames (training) or the running statistics.
    public func forward(_ crops: [Float], frames t: Int, batchStatistics: Bool = true) -> ([Float], Cache) {
        // Evaluation only reads the batch norms (the model may be decoding clips on several threads).
        func norm(_ bn: ReferenceWritableKeyPath<VideoFrontend, BatchNorm>, _ x: [Float], _ s: Int) -> ([Float], BatchNorm.Cache) {
            if batchStatistics { return self[keyPath: bn].forwardTraining(x, batch: t, spatial: s) }
            return (self[keyPath: bn].forwardInference(x, batch: t, spatial: s), BatchNorm.Cache(normalised: [], inverseStd: []))
        }
        let s1 = side / 2, s2 = side / 4, s3 = side / 8
        let x0 = Self.averagePool(crops, frames: t, factor: pool)                   // (T, 1, side, side)
        let a1 = Self.convFrames(conv1, x0, frames: t, h: side, w: side)            // (T, c1, side/2, side/2)
        let (b1, k1) = norm(\.bn1, a1, s1 * s1); let r1 = ReLU.forward(b1)
        let a2 = Self.convFrames(conv2, r1, frames: t, h: s1, w: s1)                // (T, c2, side/4, side/4)
        let (b2, k2) = norm(\.bn2, a2, s2 * s2); let r2 = ReLU.forward(b2)
        let aA = Self.convFrames(blockA, r2, frames: t, h: s2, w: s2)
        let (bA, kA) = norm(\.bnA, aA, s2 * s2); let rA = ReLU.forward(bA)
        let aB = Self.convFrames(blockB, rA, frames: t, h: s2, w: s2)
        let (bB, kB) = norm(\.bnB, aB, s2 * s2)
        let rBlock = ReLU.forward(zip(bB, r2).map { $0 + $1 })                      // basic block: + identity
        let a3 = Self.convFrames(conv3, rBlock, frames: t, h: s2, w: s2)            // (T, c2, side/8, side/8)
        let (b3, k3) = norm(\.bn3, a3, s3 * s3); let r3 = ReLU.forward(b3)
        var pooled = [Float](repeating: 0, count: t * c2)                           // (T, c2)
        let area = s3 * s3
        for i in 0..<(t * c2) { var s: Float = 0; for p in 0..<area { s += r3[i * area + p] }; pooled[i] = s / Float(area) }
        let out = projection.forward(pooled, rows: t)
        return (out, Cache(x0: x0, a1: a1, bn1: k1, r1: r1, a2: a2, bn2: k2, r2: r2, aA: aA, bnA: kA, rA: rA,
                           aB: aB, bnB: kB, rBlock: rBlock, a3: a3, bn3: k3, r3: r3, pooled: pooled))
    }

    public func backward(_ dout: [Float], cache c: Cache, frames t: Int) {
        let dpooled = projection.backward(dout, x: c.pooled, rows: t)
        let s1 = side / 2, s2 = side / 4, s3 = side / 8, area = s3 * s3
        var dr3 = [Float](repeating: 0, count: t * c2 * area)
        for i in 0..<(t * c2) { for p in 0..<area { dr3[i * area + p] = dpooled[i] / Float(area) } }
        let db3 = bn3.backward(ReLU.backward(dr3, y: c.r3), cache: c.bn3, batch: t, spatial: area)
        let dBlock = ReLU.backward(Self.convFramesBackward(conv3, db3, x: c.rBlock, frames: t, h: s2, w: s2), y: c.rBlock)
        let dbB = bnB.backward(dBlock, cache: c.bnB, batch: t, spatial: s2 * s2)
        let drA = Self.convFramesBackward(blockB, dbB, x: c.rA, frames: t, h: s2, w: s2)
        let dbA = bnA.backward(ReLU.backward(drA, y: c.rA), cache: c.bnA, batch: t, spatial: s2 * s2)
        let dr2Branch = Self.convFramesBackward(blockA, dbA, x: c.r2, frames: t, h: s2, w: s2)
        let dr2 = zip(dr2Branch, dBlock).map { $0 + $1 }
        let db2 = bn2.backward(ReLU.backward(dr2, y: c.r2), cache: c.bn2, batch: t, spatial: s2 * s2)
        let dr1 = Self.convFramesBackward(conv2, db2, x: c.r1, frames: t, h: s1, w: s1)
        let db1 = bn1.backward(ReLU.backward(dr1, y: c.r1), cache: c.bn1, batch: t, spatial: s1 * s1)
        // conv1's weight gradient (its input gradient is not needed: the crops are data).
        _ = conv1.backward(batch: db1, x: c.x0, images: t, height: side, width: side, inputGradient: false)
    }

    /// Mean of each `factor` × `factor` block of the (T, 64·64) crops → (T, (64/factor)²).
    public static func averagePool(_ crops: [Float], frames t: Int, factor k: Int) -> [Float] {
        guard k > 1 else { return crops }
        let o = 64 / k, scale = 1 / Float(k * k)
        var out = [Float](repeating: 0, count: t * o * o)
        for f in 0..<t {
            for y in 0..<o {
                for x in 0..<o {
                    var s: Float = 0
                    for dy in 0..<k { for dx in 0..<k { s += crops[f * 4096 + (y * k + dy) * 64 + x * k + dx] } }
                    out[f * o * o + y * o + x] = s * scale
                }
            }
        }
        return out
    }
}
