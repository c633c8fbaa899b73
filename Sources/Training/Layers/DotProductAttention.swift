import Foundation
import Tensor

/// Scaled dot-product attention with a key mask: q: (Tq, d), k: (Tk, d), v: (Tk, dv) →
/// out = softmax(q·kᵀ/√d, masked)·v: (Tq, dv). `visible(i)` is the number of keys query i may see
/// (keys 0..<visible(i)): causal and streaming attention restrict it to frames already seen.
public enum DotProductAttention {
    public struct Cache { let q: [Float], k: [Float], v: [Float], p: [Float] }

    public static func forward(q: [Float], k: [Float], v: [Float], queries tq: Int, keys tk: Int, depth d: Int,
                               valueDepth dv: Int, visible: (Int) -> Int) -> ([Float], Cache) {
        forward(q: q, k: k, v: v, queries: tq, keys: tk, depth: d, valueDepth: dv, window: { 0..<visible($0) })
    }

    /// The same with a window of keys per query: query i sees keys `window(i)` (clamped to 0..<Tk),
    /// e.g. (i − W + 1)...i for windowed causal attention. Backward is unchanged (masked p are 0).
    public static func forward(q: [Float], k: [Float], v: [Float], queries tq: Int, keys tk: Int, depth d: Int,
                               valueDepth dv: Int, window: (Int) -> Range<Int>) -> ([Float], Cache) {
        var s = GeneralMatrixMultiply.product(q, k, m: tq, n: tk, k: d, transposeB: true)
        let scale = 1 / Float(d).squareRoot()
        for i in 0..<tq {
            let w = window(i)
            let lo = min(max(w.lowerBound, 0), tk), hi = min(max(w.upperBound, lo), tk)
            var m = -Float.infinity
            for j in lo..<hi { s[i * tk + j] *= scale; m = max(m, s[i * tk + j]) }
            var sum: Float = 0
            for j in 0..<tk {
                if j >= lo && j < hi { s[i * tk + j] = exp(s[i * tk + j] - m); sum += s[i * tk + j] } else { s[i * tk + j] = 0 }
            }
            if sum > 0 { for j in lo..<hi { s[i * tk + j] /= sum } }
        }
        let out = GeneralMatrixMultiply.product(s, v, m: tq, n: dv, k: tk)
        return (out, Cache(q: q, k: k, v: v, p: s))
    }

    /// Returns (dq, dk, dv).
    public static func backward(_ dout: [Float], cache c: Cache, queries tq: Int, keys tk: Int, depth d: Int,
                                valueDepth dv: Int) -> (dq: [Float], dk: [Float], dv: [Float]) {
        let dvOut = GeneralMatrixMultiply.product(c.p, dout, m: tk, n: dv, k: tq, transposeA: true)
        var dp = GeneralMatrixMultiply.product(dout, c.v, m: tq, n: tk, k: dv, transposeB: true)
        let scale = 1 / Float(d).squareRoot()
        for i in 0..<tq {
            var dot: Float = 0
            for j in 0..<tk { dot += dp[i * tk + j] * c.p[i * tk + j] }
            for j in 0..<tk { dp[i * tk + j] = c.p[i * tk + j] * (dp[i * tk + j] - dot) * scale }
        }
        let dq = GeneralMatrixMultiply.product(dp, c.k, m: tq, n: d, k: tk)
        let dk = GeneralMatrixMultiply.product(dp, c.q, m: tk, n: d, k: tq, transposeA: true)
        return (dq, dk, dvOut)
    }
}
