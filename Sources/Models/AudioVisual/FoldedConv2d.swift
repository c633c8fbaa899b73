import Foundation
import Tensor

/// A 3×3 convolution with its batch norm folded in (inference): W' = W·γ/σ, b' = β − μ·γ/σ, per
/// output channel; im2col + sgemm per frame. x: (C, H, W) → (O, Ho, Wo).
struct FoldedConv2d {
    let weight: [Float]   // (O, C·k·k)
    let bias: [Float]     // (O)
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int

    /// Loads `conv` (O, C·k·k, no bias) and `bn` (weight, bias, running_mean, running_var) and folds them.
    init(_ store: WeightStore, conv: String, bn: String, inChannels: Int, outChannels: Int, stride: Int, epsilon: Float = 1e-5) throws {
        self.inChannels = inChannels; self.outChannels = outChannels; kernel = 3; self.stride = stride; padding = 1
        let fan = inChannels * 9
        let w = try store.take(conv + ".weight", shape: [outChannels, fan]).data
        let gamma = try store.take(bn + ".weight", shape: [outChannels]).data
        let beta = try store.take(bn + ".bias", shape: [outChannels]).data
        let mean = try store.take(bn + ".running_mean", shape: [outChannels]).data
        let variance = try store.take(bn + ".running_var", shape: [outChannels]).data
        var folded = w, b = [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            let scale = gamma[o] / (variance[o] + epsilon).squareRoot()
            for i in 0..<fan { folded[o * fan + i] = w[o * fan + i] * scale }
            b[o] = beta[o] - mean[o] * scale
        }
        weight = folded; bias = b
    }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) { ((h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1) }

    func callAsFunction(_ x: [Float], height h: Int, width w: Int) -> [Float] {
        let (ho, wo) = outputSize(h, w)
        let k = kernel, l = ho * wo
        let cols = ImageColumns(channels: inChannels, height: h, width: w, kernel: k, stride: stride, padding: padding)
            .columns(x)                                                   // (C·k·k, Ho·Wo)
        // W': (O, C·k·k) · cols -> (O, Ho·Wo), + b'
        var y = GeneralMatrixMultiply.product(weight, cols, m: outChannels, n: l, k: inChannels * k * k)
        for o in 0..<outChannels { for i in 0..<l { y[o * l + i] += bias[o] } }
        return y
    }
}

/// y = x·Wᵀ + b for one or more rows.
struct DenseLayer {
    let weight: [Float], bias: [Float]
    let inFeatures: Int, outFeatures: Int

    init(_ store: WeightStore, _ name: String, inFeatures: Int, outFeatures: Int) throws {
        weight = try store.take(name + ".weight", shape: [outFeatures, inFeatures]).data
        bias = try store.take(name + ".bias", shape: [outFeatures]).data
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
    }

    func callAsFunction(_ x: [Float], rows: Int) -> [Float] {
        var y = GeneralMatrixMultiply.product(x, weight, m: rows, n: outFeatures, k: inFeatures, transposeB: true)
        for r in 0..<rows { for o in 0..<outFeatures { y[r * outFeatures + o] += bias[o] } }
        return y
    }
}
