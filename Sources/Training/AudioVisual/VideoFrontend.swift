import Foundation

/// The per-frame CNN over 64 × 64 standardised mouth crops: conv(3×3, stride 2) → BN → ReLU to
/// 32×32, conv(stride 2) → BN → ReLU to 16×16, one ResNet basic block (conv → BN → ReLU → conv → BN,
/// + identity, ReLU), conv(stride 2) → BN → ReLU to 8×8, global average pool, linear to the model
/// width. Batch norm runs over the frames of a clip in training.
public final class VideoFrontend {
    public let conv1: Conv2d, conv2: Conv2d, blockA: Conv2d, blockB: Conv2d, conv3: Conv2d
    public var bn1: BatchNorm, bn2: BatchNorm, bnA: BatchNorm, bnB: BatchNorm, bn3: BatchNorm
    public let projection: Linear
    let c1: Int, c2: Int

    public init(_ c: AVConfiguration, random r: inout SplitMix) {
        c1 = c.videoChannels1; c2 = c.videoChannels2
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

    /// Stage: per-frame convolution of `x` (T, C, H, W) → (T, O, Ho, Wo).
    static func convFrames(_ conv: Conv2d, _ x: [Float], frames t: Int, h: Int, w: Int) -> [Float] {
        let per = conv.inChannels * h * w
        var out: [Float] = []
        for f in 0..<t { out += conv.forward(Array(x[f * per..<(f + 1) * per]), height: h, width: w) }
        return out
    }

    static func convFramesBackward(_ conv: Conv2d, _ dy: [Float], x: [Float], frames t: Int, h: Int, w: Int) -> [Float] {
        let per = conv.inChannels * h * w
        let (ho, wo) = conv.outputSize(h, w)
        let outPer = conv.outChannels * ho * wo
        var dx: [Float] = []
        for f in 0..<t {
            dx += conv.backward(Array(dy[f * outPer..<(f + 1) * outPer]), x: Array(x[f * per..<(f + 1) * per]), height: h, width: w)
        }
        return dx
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
        func norm(_ bn: inout BatchNorm, _ x: [Float], _ s: Int) -> ([Float], BatchNorm.Cache) {
            if batchStatistics { return bn.forwardTraining(x, batch: t, spatial: s) }
            return (bn.forwardInference(x, batch: t, spatial: s), BatchNorm.Cache(normalised: [], inverseStd: []))
        }
        let a1 = Self.convFrames(conv1, crops, frames: t, h: 64, w: 64)             // (T, c1, 32, 32)
        let (b1, k1) = norm(&bn1, a1, 1024); let r1 = ReLU.forward(b1)
        let a2 = Self.convFrames(conv2, r1, frames: t, h: 32, w: 32)                // (T, c2, 16, 16)
        let (b2, k2) = norm(&bn2, a2, 256); let r2 = ReLU.forward(b2)
        let aA = Self.convFrames(blockA, r2, frames: t, h: 16, w: 16)
        let (bA, kA) = norm(&bnA, aA, 256); let rA = ReLU.forward(bA)
        let aB = Self.convFrames(blockB, rA, frames: t, h: 16, w: 16)
        let (bB, kB) = norm(&bnB, aB, 256)
        let rBlock = ReLU.forward(zip(bB, r2).map { $0 + $1 })                      // basic block: + identity
        let a3 = Self.convFrames(conv3, rBlock, frames: t, h: 16, w: 16)            // (T, c2, 8, 8)
        let (b3, k3) = norm(&bn3, a3, 64); let r3 = ReLU.forward(b3)
        var pooled = [Float](repeating: 0, count: t * c2)                           // (T, c2)
        for i in 0..<(t * c2) { var s: Float = 0; for p in 0..<64 { s += r3[i * 64 + p] }; pooled[i] = s / 64 }
        let out = projection.forward(pooled, rows: t)
        return (out, Cache(x0: crops, a1: a1, bn1: k1, r1: r1, a2: a2, bn2: k2, r2: r2, aA: aA, bnA: kA, rA: rA,
                           aB: aB, bnB: kB, rBlock: rBlock, a3: a3, bn3: k3, r3: r3, pooled: pooled))
    }

    public func backward(_ dout: [Float], cache c: Cache, frames t: Int) {
        let dpooled = projection.backward(dout, x: c.pooled, rows: t)
        var dr3 = [Float](repeating: 0, count: t * c2 * 64)
        for i in 0..<(t * c2) { for p in 0..<64 { dr3[i * 64 + p] = dpooled[i] / 64 } }
        let db3 = bn3.backward(ReLU.backward(dr3, y: c.r3), cache: c.bn3, batch: t, spatial: 64)
        let dBlock = ReLU.backward(Self.convFramesBackward(conv3, db3, x: c.rBlock, frames: t, h: 16, w: 16), y: c.rBlock)
        let dbB = bnB.backward(dBlock, cache: c.bnB, batch: t, spatial: 256)
        let drA = Self.convFramesBackward(blockB, dbB, x: c.rA, frames: t, h: 16, w: 16)
        let dbA = bnA.backward(ReLU.backward(drA, y: c.rA), cache: c.bnA, batch: t, spatial: 256)
        let dr2Branch = Self.convFramesBackward(blockA, dbA, x: c.r2, frames: t, h: 16, w: 16)
        let dr2 = zip(dr2Branch, dBlock).map { $0 + $1 }
        let db2 = bn2.backward(ReLU.backward(dr2, y: c.r2), cache: c.bn2, batch: t, spatial: 256)
        let dr1 = Self.convFramesBackward(conv2, db2, x: c.r1, frames: t, h: 32, w: 32)
        let db1 = bn1.backward(ReLU.backward(dr1, y: c.r1), cache: c.bn1, batch: t, spatial: 1024)
        _ = Self.convFramesBackward(conv1, db1, x: c.x0, frames: t, h: 64, w: 64)
    }
}
