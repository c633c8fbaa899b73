/// The naive reference of the 8-bit kernels (`cvk_quantize_rows_s8`, `cvk_gemm_s8` and their
/// portable versions): one row, one output, one product at a time. Same arithmetic, so the fast
/// kernels must match it exactly (TensorTests.Int8KernelTests).
public enum Int8Reference {
    /// Per-row dynamic quantisation: scale = 127 / max|x| (1 for a zero row), q = round(x · scale),
    /// ties to even, clamped to ±127. Returns q (rows × columns) and the scales.
    public static func quantizeRows(_ x: [Float], rows: Int, columns: Int) -> (values: [Int8], scales: [Float]) {
        var q = [Int8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 1, count: rows)
        for r in 0..<rows {
            var amax: Float = 0
            for c in 0..<columns { amax = max(amax, abs(x[r * columns + c])) }
            let s: Float = amax > 0 ? 127 / max(amax, 127 / Float.greatestFiniteMagnitude) : 1
            scales[r] = s
            for c in 0..<columns {
                let v = (x[r * columns + c] * s).rounded(.toNearestOrEven)
                q[r * columns + c] = Int8(min(127, max(-127, v)))
            }
        }
        return (q, scales)
    }

    /// y (n, out) = (Σ_i w[o, i] x[r, i]) / (xscale[r] · wscale[o]) + bias[o], int32 sums.
    public static func linear(_ w: Int8Matrix, x: [Float], rows n: Int, bias: [Float]?) -> [Float] {
        let (q, xs) = quantizeRows(x, rows: n, columns: w.columns)
        var y = [Float](repeating: 0, count: n * w.rows)
        for r in 0..<n {
            for o in 0..<w.rows {
                var acc: Int32 = 0
                for i in 0..<w.columns {
                    acc += Int32(w.values[o * w.columns + i]) * Int32(q[r * w.columns + i])
                }
                y[r * w.rows + o] = Float(acc) / (xs[r] * w.scales[o]) + (bias?[o] ?? 0)
            }
        }
        return y
    }
}
