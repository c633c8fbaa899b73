/// C = α·op(A)·op(B) + β·C over row-major buffers, with either operand transposed: the product
/// backward passes need (dx = dy·W, dW = dyᵀ·x). `sgemm` is OpenBLAS; `sgemmReference` is the
/// naive triple loop it is tested against (TensorTests.GeneralMatrixMultiplyTests).
public enum GeneralMatrixMultiply {
    /// op(A): (m, k), op(B): (k, n), C: (m, n). A is stored (m, k) or, transposed, (k, m); B (k, n) or (n, k).
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, beta: Float = 0,
                             _ c: UnsafeMutablePointer<Float>) {
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, .init(a, m * k),
              .init(b, k * n), beta: beta, .init(c, m * n))
    }

    /// `sgemm` on buffers (the elements the caller owns from each pointer), checked by `CheckedBLAS`.
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      _ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, beta: Float,
                      _ c: UnsafeMutableBufferPointer<Float>) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            for i in 0..<min(m * n, c.count) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        CheckedBLAS.sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
                          lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// The naive reference of `sgemm` (Double accumulation).
    public static func sgemmReference(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                                      _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, beta: Float = 0,
                                      _ c: UnsafeMutablePointer<Float>) {
        for i in 0..<m {
            for j in 0..<n {
                var acc: Double = 0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    acc += Double(av) * Double(bv)
                }
                c[i * n + j] = Float(Double(alpha) * acc + (beta == 0 ? 0 : Double(beta) * Double(c[i * n + j])))
            }
        }
    }

    /// Array convenience: returns op(A)·op(B) as a new (m, n) array.
    public static func product(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
                               transposeA: Bool = false, transposeB: Bool = false) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        accumulate(a, b, into: &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        return c
    }

    /// Adds op(A)·op(B) into `c` (β = 1): for accumulating gradients.
    public static func accumulate(_ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int,
                                  transposeA: Bool = false, transposeB: Bool = false) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "GeneralMatrixMultiply: buffers smaller than the shapes")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    // Empty operands (m, n or k = 0) have no storage: nothing to add.
                    guard pa.baseAddress != nil, pb.baseAddress != nil, pc.baseAddress != nil else { return }
                    sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1, pa, pb, beta: 1, pc)
                }
            }
        }
    }
}
