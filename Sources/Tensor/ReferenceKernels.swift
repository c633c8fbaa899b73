#if canImport(Glibc)
import Glibc
#endif

/// Naive loops with the same signatures as `Kernels`: the ground truth the fast kernels are
/// compared against in TensorTests. Slow on purpose; never used on the inference path.
public enum ReferenceKernels {
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                              weight: UnsafePointer<Float>, outFeatures: Int, bias: UnsafePointer<Float>?,
                              into y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var acc: Double = bias.map { Double($0[o]) } ?? 0
                for i in 0..<inFeatures { acc += Double(x[r * inFeatures + i]) * Double(weight[o * inFeatures + i]) }
                y[r * outFeatures + o] = Float(acc)
            }
        }
    }

    public static func conv1d(_ x: UnsafePointer<Float>, layout: Kernels.ConvLayout, inChannels: Int, length: Int,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outChannels: Int,
                              kernel: Int, stride: Int, padding: Int, into y: UnsafeMutablePointer<Float>) {
        let outLength = Kernels.convOutputLength(length, kernel: kernel, stride: stride, padding: padding)
        for t in 0..<outLength {
            for o in 0..<outChannels {
                var acc: Double = bias.map { Double($0[o]) } ?? 0
                for c in 0..<inChannels {
                    for k in 0..<kernel {
                        let s = t * stride + k - padding
                        guard s >= 0 && s < length else { continue }
                        let v = layout == .channelsFirst ? x[c * length + s] : x[s * inChannels + c]
                        acc += Double(v) * Double(weight[(o * inChannels + c) * kernel + k])
                    }
                }
                y[t * outChannels + o] = Float(acc)
            }
        }
    }

    public static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, epsilon: Float = 1e-5,
                                 into y: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            var mean: Double = 0
            for i in 0..<width { mean += Double(x[r * width + i]) }
            mean /= Double(width)
            var variance: Double = 0
            for i in 0..<width { let d = Double(x[r * width + i]) - mean; variance += d * d }
            variance /= Double(width)
            for i in 0..<width {
                let norm = (Double(x[r * width + i]) - mean) / (variance + Double(epsilon)).squareRoot()
                y[r * width + i] = Float(norm * Double(gamma[i]) + Double(beta[i]))
            }
        }
    }

    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { let v = Double(x[i]); x[i] = Float(0.5 * v * (1 + erf(v / 2.0.squareRoot()))) }
    }

    public static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let m = (0..<width).map { Double(x[r * width + $0]) }.max() ?? 0
            let e = (0..<width).map { exp(Double(x[r * width + $0]) - m) }
            let s = e.reduce(0, +)
            for i in 0..<width { x[r * width + i] = Float(e[i] / s) }
        }
    }

    /// Multi-head attention with explicit loops; same contract as `Attention.multiHead`.
    public static func attention(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                                 v: UnsafePointer<Float>, ldv: Int, queries: Int, keys: Int, heads: Int,
                                 headDim: Int, causalOffset: Int?, into out: UnsafeMutablePointer<Float>, ldo: Int) {
        let scale = 1 / Double(headDim).squareRoot()
        for h in 0..<heads {
            for i in 0..<queries {
                let visible = causalOffset.map { min(keys, $0 + i + 1) } ?? keys
                var scores = [Double](repeating: 0, count: visible)
                for j in 0..<visible {
                    var dot: Double = 0
                    for d in 0..<headDim { dot += Double(q[i * ldq + h * headDim + d]) * Double(k[j * ldk + h * headDim + d]) }
                    scores[j] = dot * scale
                }
                let m = scores.max() ?? 0
                let e = scores.map { exp($0 - m) }
                let s = e.reduce(0, +)
                for d in 0..<headDim {
                    var acc: Double = 0
                    for j in 0..<visible { acc += e[j] / s * Double(v[j * ldv + h * headDim + d]) }
                    out[i * ldo + h * headDim + d] = Float(acc)
                }
            }
        }
    }
}
