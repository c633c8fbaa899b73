import CVectorKernels

/// A (rows, columns) weight matrix rounded to bfloat16 (8-bit mantissa, float32's range) and laid
/// out for Intel AMX tiles (`--compute bfloat16`). `linear` rounds its input rows to bfloat16 too
/// and sums the products in float32 on the tiles (`cvk_gemm_bf16_amx`: 16 × 16 × 32 products per
/// instruction, against 16 per AVX-512 FMA). Made only on CPUs with AMX-BF16 (`available`); a
/// portable kernel over the same packed form runs when the tiles decline. The naive kernel is
/// `BFloat16Reference`.
public struct BFloat16Matrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    /// The packed tiles (`cvk_bf16_pack`'s layout), `packedCount(out: rows, in: columns)` values.
    let packed: [UInt16]

    /// True when this CPU has AMX-BF16 and the kernel lets this process use the tiles.
    public static var available: Bool { cvk_amx_bf16() == 1 }

    /// Elements of the packed form of an (out, in) matrix (both rounded up to 32).
    public static func packedCount(out: Int, in: Int) -> Int { (out + 31) / 32 * 32 * ((`in` + 31) / 32 * 32) }

    /// Rounds float32 weights (rows, columns) to bfloat16 and packs them.
    public init(_ weight: Tensor) throws {
        guard weight.shape.count == 2, weight.shape[0] > 0, weight.shape[1] > 0 else {
            throw TensorError.shapeMismatch(operation: "BFloat16Matrix", reason: "expected a non-empty (rows, columns) matrix, got \(weight.shape)")
        }
        let (r, c) = (weight.shape[0], weight.shape[1])
        var packed = [UInt16](repeating: 0, count: Self.packedCount(out: r, in: c))
        weight.data.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { CheckedKernels.packBFloat16(w: w, out: r, in: c, ldw: c, packed: $0) }
        }
        self.rows = r
        self.columns = c
        self.packed = packed
    }

    /// y (n, rows) = bf16(x) (n, columns) · bf16(W)ᵀ + bias, on the engine's threads' AMX tiles, or
    /// on the calling thread without them when the tiles decline (no AMX, scratch memory short) or
    /// `portable` is set. Returns the kernel that ran.
    @discardableResult
    public func linear(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                       into y: UnsafeMutablePointer<Float>, portable: Bool = false) -> CheckedKernels.BFloat16Kernel {
        packed.withUnsafeBufferPointer { p in
            CheckedKernels.gemmBFloat16(packed: p, out: rows, in: columns, x: .init(start: x, count: n * columns), rows: n,
                                        ldx: columns, bias: bias.map { .init(start: $0, count: rows) },
                                        y: .init(start: y, count: n * rows), ldy: rows, threads: BLASThreads.count,
                                        portable: portable)
        }
    }
}

/// The naive twin of `BFloat16Matrix.linear`: inputs and weights rounded to bfloat16 as the kernel
/// rounds them, products summed in float64 (the tiles sum in float32, in their own order).
public enum BFloat16Reference {
    public static func round(_ x: Float) -> Float { Float(bitPattern: UInt32(cvk_bf16_round(x)) << 16) }

    public static func linear(_ x: [Float], rows n: Int, weight: [Float], out: Int, in: Int, bias: [Float]?) -> [Float] {
        let xr = x.map(round), wr = weight.map(round)
        var y = [Float](repeating: 0, count: n * out)
        for r in 0..<n {
            for o in 0..<out {
                var s = Double(bias?[o] ?? 0)
                for i in 0..<`in` { s += Double(xr[r * `in` + i]) * Double(wr[o * `in` + i]) }
                y[r * out + o] = Float(s)
            }
        }
        return y
    }
}
