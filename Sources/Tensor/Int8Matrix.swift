import CVectorKernels

/// A (rows, columns) weight matrix in 8 bits, CTranslate2's int8 scheme: row `o` is stored as
/// int8 values q[o, ·] in [-127, 127] with one float scale s[o] (w ≈ q / s, s = 127 / max|w[o]|).
/// `linear` quantises its input rows the same way at run time (per row, dynamic) and sums the
/// products exactly in int32 (`cvk_gemm_s8`: AVX2 vpmaddubsw/vpmaddwd, or the portable C kernel),
/// for a few rows (a decoding step); many rows (the encoder, a prompt) widen blocks of the matrix
/// to float32 and use sgemm, which on AVX2 without VNNI is faster than 8-bit products.
public struct Int8Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// (rows, columns) int8, row-major.
    public let values: [Int8]
    /// (rows) — w[o, i] ≈ values[o, i] / scales[o].
    public let scales: [Float]

    /// Input rows up to which `linear` uses the 8-bit kernel; more rows use sgemm on float32 blocks.
    public static let kernelRows = 8
    /// Matrix rows widened per block on the sgemm path (about 4 MB of float32 at 256 columns).
    static let blockElements = 1 << 20

    /// A matrix as a checkpoint stores it (CTranslate2 `…/weight` int8 and `…/weight_scale`).
    /// -128 (never written by CTranslate2, which rounds into ±127) is read as -127, so the sign
    /// trick of the AVX2 kernel stays exact.
    public init(rows: Int, columns: Int, values: [Int8], scales: [Float]) throws {
        guard rows >= 0, columns >= 0, values.count == rows * columns, scales.count == rows else {
            throw TensorError.shapeMismatch(operation: "Int8Matrix",
                                            reason: "(\(rows), \(columns)) needs \(rows * columns) values and \(rows) scales, got \(values.count) and \(scales.count)")
        }
        if let bad = scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw TensorError.shapeMismatch(operation: "Int8Matrix",
                                            reason: "scale of row \(bad) is \(scales[bad]); scales must be finite and positive")
        }
        self.rows = rows
        self.columns = columns
        self.values = values.contains(-128) ? values.map { max($0, -127) } : values
        self.scales = scales
    }

    /// Quantises float32 weights (rows, columns) as CTranslate2's converter does with
    /// `--quantization int8`: per row, s = 127 / max|w| (1 for a zero row), q = round(w · s).
    public init(quantizing w: UnsafePointer<Float>, rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        var s = [Float](repeating: 1, count: rows)
        values = [Int8](unsafeUninitializedCapacity: rows * columns) { buf, count in
            s.withUnsafeMutableBufferPointer { sp in
                if let q = buf.baseAddress, let scales = sp.baseAddress {
                    Int8Matrix.quantizeRows(w, rows: rows, columns: columns, into: q, scales: scales)
                }
            }
            count = rows * columns
        }
        scales = s
    }

    /// Quantises `rows` float rows of `columns` into `q` (rows × columns) and `scales` (rows),
    /// CTranslate2's scheme (the AVX2 or the portable kernel; both give the same bytes).
    public static func quantizeRows(_ x: UnsafePointer<Float>, rows: Int, columns: Int,
                                    into q: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>) {
        CheckedKernels.quantizeRows(portable: !VectorExtensions.available, x: .init(x, rows * columns), rows: rows,
                                    in: columns, ldx: columns, q: .init(q, rows * columns), ldq: columns,
                                    scales: .init(scales, rows))
    }

    /// Quantises a 2-D tensor.
    public init(quantizing tensor: Tensor) throws {
        guard tensor.rank == 2 else {
            throw TensorError.shapeMismatch(operation: "Int8Matrix(quantizing:)", reason: "shape \(tensor.shape) is not a matrix")
        }
        self = tensor.data.withUnsafeBufferPointer {
            Int8Matrix(quantizing: $0.baseAddress!, rows: tensor.shape[0], columns: tensor.shape[1])
        }
    }

    /// Row `i` dequantised into `out` (columns floats).
    public func row(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        let inv = 1 / scales[i]
        values.withUnsafeBufferPointer { v in
            let p = v.baseAddress! + i * columns
            for c in 0..<columns { out[c] = Float(p[c]) * inv }
        }
    }

    /// Rows [first, first + count) dequantised into `out` (count × columns floats).
    public func rows(_ first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<count { row(first + r, into: out + r * columns) }
    }

    /// The whole matrix dequantised (a float32 tensor of shape (rows, columns)).
    public func dequantized() -> Tensor {
        let data = [Float](unsafeUninitializedCapacity: rows * columns) { buf, count in
            if let p = buf.baseAddress { self.rows(0, count: rows, into: p) }
            count = rows * columns
        }
        // The element count matches the shape by construction.
        return (try? Tensor(shape: [rows, columns], data: data)) ?? Tensor(zeros: [rows, columns])
    }

    /// Stride of the quantised input rows: columns rounded up to 32 bytes, tail zeroed.
    var quantizedStride: Int { (columns + 31) / 32 * 32 }

    /// y (n, rows) = x (n, columns) · Wᵀ + b, like `Kernels.linear` with the dequantised matrix.
    /// `portable` forces the plain-C kernel (tests).
    public func linear(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                       into y: UnsafeMutablePointer<Float>, portable: Bool = false) {
        guard n > 0, rows > 0 else { return }
        if n <= Self.kernelRows || portable {
            linear8(x, rows: n, bias: bias, into: y, portable: portable || !VectorExtensions.enabled)
            return
        }
        // Many rows: blocks of the matrix dequantised to float32, each multiplied by sgemm.
        let blockRows = max(1, min(rows, Self.blockElements / max(1, columns)))
        let block = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * columns)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: n * blockRows)
        defer { block.deallocate(); out.deallocate() }
        var first = 0
        while first < rows {
            let m = min(blockRows, rows - first)
            self.rows(first, count: m, into: block)
            // out (n, m) = x (n, columns) · blockᵀ + b[first..<first+m], then into y's columns
            Kernels.linear(x, rows: n, inFeatures: columns, weight: block, outFeatures: m,
                           bias: bias.map { $0 + first }, into: out)
            for r in 0..<n { (y + r * rows + first).update(from: out + r * m, count: m) }
            first += m
        }
    }

    /// The 8-bit path: x quantised per row (dynamic), int32 sums, scaled back per output.
    func linear8(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>, portable: Bool) {
        let ldq = quantizedStride
        let q = UnsafeMutablePointer<Int8>.allocate(capacity: n * ldq)
        let xs = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { q.deallocate(); xs.deallocate() }
        // x (n, columns) -> q (n, ldq) int8, xs (n)
        CheckedKernels.quantizeRows(portable: portable, x: .init(x, n * columns), rows: n, in: columns, ldx: columns,
                                    q: .init(q, n * ldq), ldq: ldq, scales: .init(xs, n))
        values.withUnsafeBufferPointer { w in
            scales.withUnsafeBufferPointer { s in
                // y (n, rows) = q · Wᵀ / (xs ⊗ s) + b
                CheckedKernels.gemmS8(portable: portable, w: w, wscale: s, out: rows, in: columns, x: .init(q, n * ldq),
                                      ldx: ldq, xscale: .init(xs, n), rows: n,
                                      bias: bias.map { UnsafeBufferPointer($0, rows) }, y: .init(y, n * rows), ldy: rows,
                                      threads: BLASThreads.count)
            }
        }
    }
}
