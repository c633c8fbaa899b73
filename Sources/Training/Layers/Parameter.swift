import Foundation

/// A trainable tensor: its value and the gradient accumulated by backward passes.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var grad: [Float]

    public init(name: String, shape: [Int], value: [Float]) {
        precondition(value.count == shape.reduce(1, *), "parameter \(name): \(value.count) values for shape \(shape)")
        self.name = name; self.shape = shape; self.value = value
        grad = [Float](repeating: 0, count: value.count)
    }

    /// Uniform in ±√(6 / (fanIn + fanOut)) (Glorot), from the seeded generator.
    public convenience init(name: String, shape: [Int], fanIn: Int, fanOut: Int, random r: inout SplitMix) {
        let bound = (6 / Float(max(fanIn + fanOut, 1))).squareRoot()
        self.init(name: name, shape: shape, value: (0..<shape.reduce(1, *)).map { _ in r.uniform(-bound, bound) })
    }

    public convenience init(name: String, constant: Float, count: Int) {
        self.init(name: name, shape: [count], value: [Float](repeating: constant, count: count))
    }

    public func zeroGrad() { for i in grad.indices { grad[i] = 0 } }
}

/// Σ over rows of a (rows, width) array, added into `into`.
@inline(__always) func addColumnSums(_ x: [Float], rows: Int, width: Int, into: inout [Float]) {
    for r in 0..<rows { for c in 0..<width { into[c] += x[r * width + c] } }
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
