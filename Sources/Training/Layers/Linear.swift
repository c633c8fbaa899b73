import Foundation
import Tensor

/// y = x·Wᵀ + b. x: (rows, in), W: (out, in), b: (out) → y: (rows, out).
public struct Linear {
    public let weight: Parameter
    public let bias: Parameter
    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public init(name: String, inFeatures: Int, outFeatures: Int, random r: inout SplitMix) {
        weight = Parameter(name: name + ".weight", shape: [outFeatures, inFeatures], fanIn: inFeatures, fanOut: outFeatures, random: &r)
        bias = Parameter(name: name + ".bias", constant: 0, count: outFeatures)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: [Float], rows: Int) -> [Float] {
        // x: (rows, in) · Wᵀ: (in, out) -> (rows, out)
        var y = GeneralMatrixMultiply.product(x, weight.value, m: rows, n: outFeatures, k: inFeatures, transposeB: true)
        for r in 0..<rows { for o in 0..<outFeatures { y[r * outFeatures + o] += bias.value[o] } }
        return y
    }

    /// Accumulates dW = dyᵀ·x and db = Σ dy; returns dx = dy·W.
    public func backward(_ dy: [Float], x: [Float], rows: Int) -> [Float] {
        GeneralMatrixMultiply.accumulate(dy, x, into: &weight.grad, m: outFeatures, n: inFeatures, k: rows, transposeA: true)
        addColumnSums(dy, rows: rows, width: outFeatures, into: &bias.grad)
        return GeneralMatrixMultiply.product(dy, weight.value, m: rows, n: inFeatures, k: outFeatures)
    }
}

/// max(0, x) elementwise.
public enum ReLU {
    public static func forward(_ x: [Float]) -> [Float] { x.map { max($0, 0) } }
    /// dx = dy where the output was positive.
    public static func backward(_ dy: [Float], y: [Float]) -> [Float] { zip(dy, y).map { $1 > 0 ? $0 : 0 } }
}

/// Inverted dropout with a seeded mask: kept values are scaled by 1/(1 − p).
public struct Dropout {
    public let probability: Float
    public init(probability: Float) { self.probability = probability }

    /// The mask (0 or 1/(1 − p)) for `count` values.
    public func mask(count: Int, random r: inout SplitMix) -> [Float] {
        let keep = 1 / (1 - probability)
        return (0..<count).map { _ in r.unit() < probability ? 0 : keep }
    }

    public static func apply(_ x: [Float], mask: [Float]) -> [Float] { zip(x, mask).map { $0 * $1 } }
}
