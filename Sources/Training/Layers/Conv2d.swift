import Foundation
import Tensor

/// 2-D convolution by im2col + sgemm, one image at a time. x: (C, H, W) → y: (O, Ho, Wo).
/// W: (O, C·k·k) with index c·k·k + ky·k + kx; zero padding `padding`, stride `stride`.
public struct Conv2d {
    public let weight: Parameter
    public let bias: Parameter?
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int

    public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, random r: inout SplitMix) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding
        let fan = inChannels * kernel * kernel
        // He-style uniform for ReLU networks.
        let bound = (6 / Float(fan)).squareRoot()
        weight = Parameter(name: name + ".weight", shape: [outChannels, fan], value: (0..<(outChannels * fan)).map { _ in r.uniform(-bound, bound) })
        self.bias = bias ? Parameter(name: name + ".bias", constant: 0, count: outChannels) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1)
    }

    /// cols: (C·k·k, Ho·Wo).
    func im2col(_ x: [Float], height h: Int, width w: Int) -> [Float] { layout(h, w).columns(x) }

    func col2im(_ cols: [Float], height h: Int, width w: Int) -> [Float] { layout(h, w).image(cols) }

    private func layout(_ h: Int, _ w: Int) -> ImageColumns {
        ImageColumns(channels: inChannels, height: h, width: w, kernel: kernel, stride: stride, padding: padding)
    }

    public func forward(_ x: [Float], height h: Int, width w: Int) -> [Float] {
        let (ho, wo) = outputSize(h, w)
        let cols = im2col(x, height: h, width: w)
        // W: (O, CKK) · cols: (CKK, L) -> y: (O, L)
        var y = GeneralMatrixMultiply.product(weight.value, cols, m: outChannels, n: ho * wo, k: inChannels * kernel * kernel)
        if let bias { for o in 0..<outChannels { for i in 0..<(ho * wo) { y[o * ho * wo + i] += bias.value[o] } } }
        return y
    }

    /// Only dW = dy·colsᵀ (and db), for a first layer whose input needs no gradient.
    public func accumulateWeightGradient(_ dy: [Float], x: [Float], height h: Int, width w: Int) {
        let (ho, wo) = outputSize(h, w)
        let l = ho * wo, ckk = inChannels * kernel * kernel
        let cols = im2col(x, height: h, width: w)
        GeneralMatrixMultiply.accumulate(dy, cols, into: &weight.grad, m: outChannels, n: ckk, k: l, transposeB: true)
        if let bias { for o in 0..<outChannels { var s: Float = 0; for i in 0..<l { s += dy[o * l + i] }; bias.grad[o] += s } }
    }

    /// Accumulates dW = dy·colsᵀ (and db); returns dx = col2im(Wᵀ·dy).
    public func backward(_ dy: [Float], x: [Float], height h: Int, width w: Int) -> [Float] {
        let (ho, wo) = outputSize(h, w)
        let l = ho * wo, ckk = inChannels * kernel * kernel
        let cols = im2col(x, height: h, width: w)
        GeneralMatrixMultiply.accumulate(dy, cols, into: &weight.grad, m: outChannels, n: ckk, k: l, transposeB: true)
        if let bias { for o in 0..<outChannels { var s: Float = 0; for i in 0..<l { s += dy[o * l + i] }; bias.grad[o] += s } }
        let dcols = GeneralMatrixMultiply.product(weight.value, dy, m: ckk, n: l, k: outChannels, transposeA: true)
        return col2im(dcols, height: h, width: w)
    }

    // MARK: a batch of images through one sgemm

    /// x: (N, C, H, W) → y: (N, O, Ho, Wo), with the N images' columns side by side in one
    /// (C·k·k, N·L) matrix so the product is one sgemm instead of N small ones.
    public func forward(batch x: [Float], images n: Int, height h: Int, width w: Int) -> [Float] {
        let (ho, wo) = outputSize(h, w)
        let l = ho * wo, ckk = inChannels * kernel * kernel
        let cols = batchColumns(x, images: n, height: h, width: w)                   // (CKK, N·L)
        let y = GeneralMatrixMultiply.product(weight.value, cols, m: outChannels, n: n * l, k: ckk)   // (O, N·L)
        var out = [Float](repeating: 0, count: n * outChannels * l)                   // (N, O, L)
        for o in 0..<outChannels {
            let b = bias?.value[o] ?? 0
            for f in 0..<n { for i in 0..<l { out[(f * outChannels + o) * l + i] = y[o * n * l + f * l + i] + b } }
        }
        return out
    }

    /// The batch version of `backward`; `inputGradient: false` skips dx (a first layer).
    public func backward(batch dy: [Float], x: [Float], images n: Int, height h: Int, width w: Int,
                         inputGradient: Bool = true) -> [Float] {
        let (ho, wo) = outputSize(h, w)
        let l = ho * wo, ckk = inChannels * kernel * kernel
        var dyt = [Float](repeating: 0, count: outChannels * n * l)                  // (O, N·L)
        for f in 0..<n { for o in 0..<outChannels { for i in 0..<l { dyt[o * n * l + f * l + i] = dy[(f * outChannels + o) * l + i] } } }
        let cols = batchColumns(x, images: n, height: h, width: w)
        GeneralMatrixMultiply.accumulate(dyt, cols, into: &weight.grad, m: outChannels, n: ckk, k: n * l, transposeB: true)
        if let bias { for o in 0..<outChannels { var s: Float = 0; for i in 0..<(n * l) { s += dyt[o * n * l + i] }; bias.grad[o] += s } }
        guard inputGradient else { return [] }
        let dcols = GeneralMatrixMultiply.product(weight.value, dyt, m: ckk, n: n * l, k: outChannels, transposeA: true)  // (CKK, N·L)
        let per = inChannels * h * w
        var dx = [Float](repeating: 0, count: n * per)
        var one = [Float](repeating: 0, count: ckk * l)
        for f in 0..<n {
            for r in 0..<ckk { for i in 0..<l { one[r * l + i] = dcols[r * n * l + f * l + i] } }
            let image = col2im(one, height: h, width: w)
            for i in 0..<per { dx[f * per + i] = image[i] }
        }
        return dx
    }

    /// (C·k·k, N·L): image f's columns at f·L.
    func batchColumns(_ x: [Float], images n: Int, height h: Int, width w: Int) -> [Float] {
        let (ho, wo) = outputSize(h, w)
        let l = ho * wo, ckk = inChannels * kernel * kernel, per = inChannels * h * w
        var cols = [Float](repeating: 0, count: ckk * n * l)
        for f in 0..<n {
            let one = im2col(Array(x[f * per..<(f + 1) * per]), height: h, width: w)  // (CKK, L)
            for r in 0..<ckk { for i in 0..<l { cols[r * n * l + f * l + i] = one[r * l + i] } }
        }
        return cols
    }
}
