/// A dense Float32 tensor, row-major, with its shape. Weights are stored this way after conversion
/// from the checkpoint's element type; the data array is copy-on-write, so copies are cheap.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var data: [Float]

    /// Creates a tensor; fails when the element count does not match the shape.
    public init(shape: [Int], data: [Float]) throws {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count == data.count else {
            throw TensorError.shapeMismatch(operation: "Tensor(shape:data:)",
                                            reason: "shape \(shape) needs \(count) values, got \(data.count)")
        }
        self.shape = shape
        self.data = data
    }

    /// A zero-filled tensor.
    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Size of dimension `i` (negative counts from the end).
    public func dim(_ i: Int) -> Int { shape[i < 0 ? shape.count + i : i] }

    /// Rows × columns view of a rank ≥ 1 tensor: (product of leading dims, last dim).
    public var rows: Int { shape.isEmpty ? 1 : count / max(1, shape[shape.count - 1]) }
    public var columns: Int { shape.last ?? 1 }

    /// The same values with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, data: data)
    }

    /// The scalar of a rank-0 (or single-element) tensor.
    public var scalar: Float? { data.count == 1 ? data[0] : nil }

    /// Rows [start, start + n) of a (rows, columns) tensor.
    public func rowSlice(_ start: Int, _ n: Int) throws -> Tensor {
        guard rank >= 1, start >= 0, n >= 0, start + n <= shape[0] else {
            throw TensorError.shapeMismatch(operation: "rowSlice", reason: "rows \(start)..<\(start + n) of shape \(shape)")
        }
        let stride = shape.dropFirst().reduce(1, *)
        return try Tensor(shape: [n] + shape.dropFirst(), data: Array(data[(start * stride)..<((start + n) * stride)]))
    }
}
