/// Keys and values of the positions attended so far, for one attention layer: (capacity, width)
/// each, the first `length` rows valid. A value type: copying a cache forks it (beam search).
public struct KVCache: Sendable {
    public let capacity: Int
    public let width: Int
    public private(set) var length: Int = 0
    public private(set) var keys: [Float]
    public private(set) var values: [Float]

    public init(capacity: Int, width: Int) {
        self.capacity = capacity
        self.width = width
        keys = [Float](repeating: 0, count: capacity * width)
        values = [Float](repeating: 0, count: capacity * width)
    }

    /// Appends `rows` keys and values read from strided buffers (row r at k + r·ldk).
    public mutating func append(keys k: UnsafePointer<Float>, ldk: Int, values v: UnsafePointer<Float>, ldv: Int,
                                rows: Int) throws {
        guard length + rows <= capacity else {
            throw TensorError.shapeMismatch(operation: "KVCache.append",
                                            reason: "\(length) + \(rows) positions exceed the capacity of \(capacity)")
        }
        let w = width, start = length
        keys.withUnsafeMutableBufferPointer { kb in
            for r in 0..<rows { (kb.baseAddress! + (start + r) * w).update(from: k + r * ldk, count: w) }
        }
        values.withUnsafeMutableBufferPointer { vb in
            for r in 0..<rows { (vb.baseAddress! + (start + r) * w).update(from: v + r * ldv, count: w) }
        }
        length += rows
    }

    /// Forgets every position after the first `n`.
    public mutating func truncate(to n: Int) { length = max(0, min(n, length)) }
}
