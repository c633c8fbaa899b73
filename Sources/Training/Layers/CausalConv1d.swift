import Foundation
import Tensor

/// Dilated causal 1-D convolution over time-first input: x: (T, C) → y: (T, O), with
/// y[t] = b + Σ_j W[:, :, j] · x[t − (K − 1 − j)·d] (x before 0 is zero), so y[t] sees only x[≤ t].
/// W: (O, C·K) with index c·K + j.
public struct CausalConv1d {
    public let weight: Parameter
    public let bias: Parameter
    public let inChannels: Int, outChannels: Int, kernel: Int, dilation: Int

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, dilation: Int, random r: inout SplitMix) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel; self.dilation = dilation
        weight = Parameter(name: name + ".weight", shape: [outChannels, inChannels * kernel],
                           fanIn: inChannels * kernel, fanOut: outChannels, random: &r)
        bias = Parameter(name: name + ".bias", constant: 0, count: outChannels)
    }

    public var parameters: [Parameter] { [weight, bias] }

    /// How many past input frames an output frame needs (the incremental state's length).
    public var receptiveHistory: Int { (kernel - 1) * dilation }

    /// cols: (T, C·K).
    func im2col(_ x: [Float], frames t: Int) -> [Float] {
        let ck = inChannels * kernel
        var cols = [Float](repeating: 0, count: t * ck)
        for f in 0..<t {
            for j in 0..<kernel {
                let src = f - (kernel - 1 - j) * dilation
                guard src >= 0 else { continue }
                for c in 0..<inChannels { cols[f * ck + c * kernel + j] = x[src * inChannels + c] }
            }
        }
        return cols
    }

    public func forward(_ x: [Float], frames t: Int) -> [Float] {
        let cols = im2col(x, frames: t)
        // cols: (T, CK) · Wᵀ: (CK, O) -> (T, O)
        var y = GeneralMatrixMultiply.product(cols, weight.value, m: t, n: outChannels, k: inChannels * kernel, transposeB: true)
        for f in 0..<t { for o in 0..<outChannels { y[f * outChannels + o] += bias.value[o] } }
        return y
    }

    public func backward(_ dy: [Float], x: [Float], frames t: Int) -> [Float] {
        let ck = inChannels * kernel
        let cols = im2col(x, frames: t)
        GeneralMatrixMultiply.accumulate(dy, cols, into: &weight.grad, m: outChannels, n: ck, k: t, transposeA: true)
        addColumnSums(dy, rows: t, width: outChannels, into: &bias.grad)
        let dcols = GeneralMatrixMultiply.product(dy, weight.value, m: t, n: ck, k: outChannels)
        var dx = [Float](repeating: 0, count: t * inChannels)
        for f in 0..<t {
            for j in 0..<kernel {
                let src = f - (kernel - 1 - j) * dilation
                guard src >= 0 else { continue }
                for c in 0..<inChannels { dx[src * inChannels + c] += dcols[f * ck + c * kernel + j] }
            }
        }
        return dx
    }
}

/// WaveNet's gated activation: x: (T, 2C) = [filter | gate] → tanh(filter) · σ(gate): (T, C).
public enum GatedActivation {
    public static func forward(_ x: [Float], frames t: Int, channels c: Int) -> [Float] {
        var y = [Float](repeating: 0, count: t * c)
        for f in 0..<t { for i in 0..<c { y[f * c + i] = tanh(x[f * 2 * c + i]) * sigmoid(x[f * 2 * c + c + i]) } }
        return y
    }

    public static func backward(_ dy: [Float], x: [Float], frames t: Int, channels c: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: t * 2 * c)
        for f in 0..<t {
            for i in 0..<c {
                let a = tanh(x[f * 2 * c + i]), s = sigmoid(x[f * 2 * c + c + i]), g = dy[f * c + i]
                dx[f * 2 * c + i] = g * s * (1 - a * a)
                dx[f * 2 * c + c + i] = g * a * s * (1 - s)
            }
        }
        return dx
    }
}
