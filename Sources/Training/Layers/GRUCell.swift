import Foundation
import Tensor

/// A GRU cell (PyTorch's equations) over a batch of rows:
///   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
///   n = tanh(W_in x + b_in + r ∘ (W_hn h + b_hn)), h' = (1 − z) ∘ n + z ∘ h.
/// W_ih: (3H, I), W_hh: (3H, H) with gates stacked r, z, n.
public struct GRUCell {
    public let inputWeight: Parameter, hiddenWeight: Parameter, inputBias: Parameter, hiddenBias: Parameter
    public let inputSize: Int, hiddenSize: Int

    public init(name: String, inputSize: Int, hiddenSize: Int, random r: inout SplitMix) {
        self.inputSize = inputSize; self.hiddenSize = hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot()
        func uniform(_ n: Int) -> [Float] { (0..<n).map { _ in r.uniform(-bound, bound) } }
        inputWeight = Parameter(name: name + ".weight_ih", shape: [3 * hiddenSize, inputSize], value: uniform(3 * hiddenSize * inputSize))
        hiddenWeight = Parameter(name: name + ".weight_hh", shape: [3 * hiddenSize, hiddenSize], value: uniform(3 * hiddenSize * hiddenSize))
        inputBias = Parameter(name: name + ".bias_ih", shape: [3 * hiddenSize], value: uniform(3 * hiddenSize))
        hiddenBias = Parameter(name: name + ".bias_hh", shape: [3 * hiddenSize], value: uniform(3 * hiddenSize))
    }

    public var parameters: [Parameter] { [inputWeight, hiddenWeight, inputBias, hiddenBias] }

    public struct Cache { let x: [Float], h: [Float], r: [Float], z: [Float], n: [Float], hiddenN: [Float] }

    /// x: (B, I), h: (B, H) → h': (B, H).
    public func forward(_ x: [Float], hidden h: [Float], rows b: Int) -> ([Float], Cache) {
        let hs = hiddenSize
        // gi: (B, 3H) = x·W_ihᵀ + b_ih; gh: (B, 3H) = h·W_hhᵀ + b_hh
        var gi = GeneralMatrixMultiply.product(x, inputWeight.value, m: b, n: 3 * hs, k: inputSize, transposeB: true)
        var gh = GeneralMatrixMultiply.product(h, hiddenWeight.value, m: b, n: 3 * hs, k: hs, transposeB: true)
        for row in 0..<b { for j in 0..<(3 * hs) { gi[row * 3 * hs + j] += inputBias.value[j]; gh[row * 3 * hs + j] += hiddenBias.value[j] } }
        var r = [Float](repeating: 0, count: b * hs), z = r, n = r, hn = r, out = r
        for row in 0..<b {
            for j in 0..<hs {
                let o = row * 3 * hs, k = row * hs + j
                r[k] = sigmoid(gi[o + j] + gh[o + j])
                z[k] = sigmoid(gi[o + hs + j] + gh[o + hs + j])
                hn[k] = gh[o + 2 * hs + j]
                n[k] = tanh(gi[o + 2 * hs + j] + r[k] * hn[k])
                out[k] = (1 - z[k]) * n[k] + z[k] * h[k]
            }
        }
        return (out, Cache(x: x, h: h, r: r, z: z, n: n, hiddenN: hn))
    }

    /// Accumulates the weight gradients; returns (dx, dh).
    public func backward(_ dout: [Float], cache c: Cache, rows b: Int) -> (dx: [Float], dh: [Float]) {
        let hs = hiddenSize
        var dgi = [Float](repeating: 0, count: b * 3 * hs), dgh = dgi
        var dh = [Float](repeating: 0, count: b * hs)
        for row in 0..<b {
            for j in 0..<hs {
                let k = row * hs + j, o = row * 3 * hs
                let g = dout[k]
                let dn = g * (1 - c.z[k]), dz = g * (c.h[k] - c.n[k])
                dh[k] = g * c.z[k]
                let dnPre = dn * (1 - c.n[k] * c.n[k])
                let dr = dnPre * c.hiddenN[k]
                let dzPre = dz * c.z[k] * (1 - c.z[k]), drPre = dr * c.r[k] * (1 - c.r[k])
                dgi[o + j] = drPre; dgi[o + hs + j] = dzPre; dgi[o + 2 * hs + j] = dnPre
                dgh[o + j] = drPre; dgh[o + hs + j] = dzPre; dgh[o + 2 * hs + j] = dnPre * c.r[k]
            }
        }
        GeneralMatrixMultiply.accumulate(dgi, c.x, into: &inputWeight.grad, m: 3 * hs, n: inputSize, k: b, transposeA: true)
        GeneralMatrixMultiply.accumulate(dgh, c.h, into: &hiddenWeight.grad, m: 3 * hs, n: hs, k: b, transposeA: true)
        addColumnSums(dgi, rows: b, width: 3 * hs, into: &inputBias.grad)
        addColumnSums(dgh, rows: b, width: 3 * hs, into: &hiddenBias.grad)
        let dx = GeneralMatrixMultiply.product(dgi, inputWeight.value, m: b, n: inputSize, k: 3 * hs)
        GeneralMatrixMultiply.accumulate(dgh, hiddenWeight.value, into: &dh, m: b, n: hs, k: 3 * hs)
        return (dx, dh)
    }
}
