/// A (rows, columns) weight matrix kept as IEEE half-precision bits and computed in float32:
/// the one-token decoder reads every weight once per step, so half the bytes is nearly half the
/// time. Made only from float32 values that half precision holds exactly (checkpoints stored
/// in float16), so results equal the float32 matrix's up to summation order; and only when the
/// CPU has AVX2, FMA and F16C (`VectorExtensions`).
public struct HalfMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    let bits: HalfBits   // internal: HalfMatrix+Batch.swift reads it

    /// Input rows up to which `linear` uses the half-precision kernel; more rows widen blocks of
    /// the matrix to float32 and use sgemm.
    public static let kernelRows = 4
    /// Matrix rows widened per block on the sgemm path (about 4 MB of float32 at 512 columns).
    static let blockElements = 1 << 20

    /// Converts a 2-D tensor; nil when a value is not exactly representable in half precision or
    /// the CPU lacks the vector extensions.
    public init?(exactly tensor: Tensor) {
        guard VectorExtensions.available, tensor.rank == 2 else { return nil }
        let n = tensor.count
        var exact = false
        let converted = [UInt16](unsafeUninitializedCapacity: n) { buf, count in
            exact = tensor.data.withUnsafeBufferPointer { CheckedKernels.floatToHalfExact($0, buf, count: n) }
            if !exact { buf.baseAddress?.initialize(repeating: 0, count: n) }
            count = n
        }
        guard exact else { return nil }
        rows = tensor.shape[0]
        columns = tensor.shape[1]
        bits = HalfBits(converted)
    }

    /// Half-precision bits as a checkpoint stores them (rows × columns, row-major). Only where the
    /// CPU has the vector extensions (`WeightStore.takeHalf` checks `VectorExtensions.available`).
    init(rows: Int, columns: Int, bits: [UInt16]) {
        self.init(rows: rows, columns: columns, storage: HalfBits(bits))
    }

    /// Bits held as they are, an array or a mapped checkpoint's bytes (`WeightStore.takeHalf`).
    init(rows: Int, columns: Int, storage: HalfBits) {
        precondition(storage.count == rows * columns, "HalfMatrix: \(storage.count) values for (\(rows), \(columns))")
        self.rows = rows
        self.columns = columns
        self.bits = storage
    }

    /// Whether the weights are read where the memory-mapped checkpoint holds them (no copy).
    public var isMapped: Bool { bits.isMapped }

    /// Row `i` widened to float32 into `out` (columns floats).
    public func row(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        bits.withUnsafeBufferPointer {
            CheckedKernels.halfToFloat(.init($0.baseAddress.map { $0 + i * columns }, $0.count - i * columns),
                                       .init(out, columns), count: columns)
        }
    }

    /// The whole matrix in float32 (tests, reference paths).
    public func floats() -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * columns) { buf, count in
            bits.withUnsafeBufferPointer { CheckedKernels.halfToFloat($0, buf, count: rows * columns) }
            count = rows * columns
        }
    }

    /// y (n, rows) = x (n, columns) · Mᵀ + b, like `Kernels.linear` with this matrix as the weight.
    public func linear(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                       into y: UnsafeMutablePointer<Float>) {
        guard n > 0, rows > 0 else { return }
        bits.withUnsafeBufferPointer { w in
            if n <= Self.kernelRows {
                // One decoding step: half-precision weights widened in registers, over the pool.
                CheckedKernels.gemvHalf(w: w, out: rows, in: columns, x: .init(x, n * columns), rows: n, ldx: columns,
                                        bias: bias.map { UnsafeBufferPointer($0, rows) }, y: .init(y, n * rows), ldy: rows,
                                        threads: BLASThreads.count)
                return
            }
            // Many rows (a prompt, the encoder output): blocks of the matrix widened to float32,
            // each multiplied by Kernels.linear (over the engine's threads).
            let blockRows = max(1, min(rows, Self.blockElements / max(1, columns)))
            let block = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * columns)
            let out = UnsafeMutablePointer<Float>.allocate(capacity: n * blockRows)
            defer { block.deallocate(); out.deallocate() }
            var first = 0
            while first < rows {
                let m = min(blockRows, rows - first)
                CheckedKernels.halfToFloat(.init(w.baseAddress.map { $0 + first * columns }, w.count - first * columns),
                                           .init(block, blockRows * columns), count: m * columns)
                // out (n, m) = x (n, columns) · blockᵀ + b[first..<first+m], then into y's columns
                Kernels.linear(x, rows: n, inFeatures: columns, weight: block, outFeatures: m,
                               bias: bias.map { $0 + first }, into: out)
                for r in 0..<n { (y + r * rows + first).update(from: out + r * m, count: m) }
                first += m
            }
        }
    }
}
