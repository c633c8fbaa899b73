import Foundation
import Tensor

/// One layer of the video branch's temporal stack (`Training.VideoTemporalStack`) for inference, one
/// frame at a time: h' = h + R·(tanh(F ∗ h) · σ(G ∗ h)), with ∗ a causal conv of kernel K and
/// dilation d over the frames. The conv weight is (2d, d·K) with index c·K + j; tap j reads
/// h[t − (K − 1 − j)·dilation].
struct AVTemporalLayer {
    let convWeight: [Float], convBias: [Float]
    let residual: DenseLayer
    let width: Int, kernel: Int, dilation: Int

    init(_ store: WeightStore, _ prefix: String, width d: Int, kernel: Int, dilation: Int) throws {
        width = d; self.kernel = kernel; self.dilation = dilation
        convWeight = try store.take(prefix + ".conv.weight", shape: [2 * d, d * kernel]).data
        convBias = try store.take(prefix + ".conv.bias", shape: [2 * d]).data
        residual = try DenseLayer(store, prefix + ".res", inFeatures: d, outFeatures: d)
    }

    /// Past inputs a frame needs: h[t − (K − 1)·dilation] … h[t − 1].
    var historyLength: Int { (kernel - 1) * dilation }

    /// One frame: h (d) and the layer's `history` (oldest first, `historyLength` frames, zeros
    /// before the clip) → h' (d); `history` moves on by one frame.
    func step(_ h: [Float], history: inout [[Float]]) -> [Float] {
        let d = width, k = kernel
        // taps[j] = h[t − (K − 1 − j)·dilation]
        let taps = (0..<k).map { j -> [Float] in
            let back = (k - 1 - j) * dilation
            return back == 0 ? h : history[history.count - back]
        }
        var pre = convBias                                                           // (2d)
        for o in 0..<(2 * d) {
            var acc: Float = 0
            for c in 0..<d { for j in 0..<k { acc += convWeight[o * d * k + c * k + j] * taps[j][c] } }
            pre[o] += acc
        }
        let g = (0..<d).map { tanh(pre[$0]) * (1 / (1 + exp(-pre[d + $0]))) }       // (d)
        let res = residual(g, rows: 1)
        if historyLength > 0 { history.removeFirst(); history.append(h) }
        return zip(h, res).map { $0 + $1 }
    }
}
