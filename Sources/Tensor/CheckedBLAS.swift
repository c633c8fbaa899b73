import CBLAS

/// Every OpenBLAS routine the engine calls, behind the range check of `CCallCheck`: each operand
/// comes as a buffer (its start and the elements the caller owns from there) and the call goes
/// ahead only when the extent the routine touches (`CExtent`) fits every buffer, the leading
/// dimensions are ones OpenBLAS accepts and the sizes fit its `int` parameters. Row-major only.
/// No other file calls cblas_* directly.
public enum CheckedBLAS {
    /// C (m, n) = α·op(A)·op(B) + β·C, `cblas_sgemm(CblasRowMajor, …)`.
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutableBufferPointer<Float>, ldc: Int) {
        let e = CExtent.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        let least = CExtent.sgemmMinimumLeadingDimensions(transA: transA, transB: transB, m: m, n: n, k: k)
        var check = CCallCheck("cblas_sgemm")
        check.int32("m", m); check.int32("n", n); check.int32("k", k)
        check.int32("lda", lda); check.int32("ldb", ldb); check.int32("ldc", ldc)
        check.leading("lda", lda, atLeast: least.lda)
        check.leading("ldb", ldb, atLeast: least.ldb)
        check.leading("ldc", ldc, atLeast: least.ldc)
        check.operand("A", needs: e.a, has: a.count)
        check.operand("B", needs: e.b, has: b.count)
        check.operand("C", needs: e.c, has: c.count)
        guard check.passed("transA \(transA) transB \(transB) m \(m) n \(n) k \(k) lda \(lda) ldb \(ldb) ldc \(ldc); "
                           + "buffers A \(a.count) B \(b.count) C \(c.count)") else { return }
        guard m > 0, n > 0 else { return }
        BLASThreads.pinOpenBLAS()
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb),
                    beta, c.baseAddress, Int32(ldc))
    }

    /// y = α·op(A)·x + β·y with A stored (m, n), `cblas_sgemv(CblasRowMajor, …)`; unit strides.
    public static func sgemv(trans: Bool = false, m: Int, n: Int, alpha: Float = 1, a: UnsafeBufferPointer<Float>,
                             lda: Int, x: UnsafeBufferPointer<Float>, beta: Float = 0,
                             y: UnsafeMutableBufferPointer<Float>) {
        let e = CExtent.sgemv(trans: trans, m: m, n: n, lda: lda)
        var check = CCallCheck("cblas_sgemv")
        check.int32("m", m); check.int32("n", n); check.int32("lda", lda)
        check.leading("lda", lda, atLeast: max(1, n))
        check.operand("A", needs: e.a, has: a.count)
        check.operand("x", needs: e.x, has: x.count)
        check.operand("y", needs: e.y, has: y.count)
        guard check.passed("trans \(trans) m \(m) n \(n) lda \(lda); buffers A \(a.count) x \(x.count) y \(y.count)")
        else { return }
        guard m > 0, n > 0 else { return }
        BLASThreads.pinOpenBLAS()
        cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a.baseAddress,
                    Int32(lda), x.baseAddress, 1, beta, y.baseAddress, 1)
    }

    /// B = α·op(A) with A stored (rows, cols), `cblas_somatcopy(CblasRowMajor, …)`.
    public static func somatcopy(trans: Bool, rows: Int, cols: Int, alpha: Float = 1, a: UnsafeBufferPointer<Float>,
                                 lda: Int, b: UnsafeMutableBufferPointer<Float>, ldb: Int) {
        let e = CExtent.somatcopy(trans: trans, rows: rows, cols: cols, lda: lda, ldb: ldb)
        var check = CCallCheck("cblas_somatcopy")
        check.int32("rows", rows); check.int32("cols", cols); check.int32("lda", lda); check.int32("ldb", ldb)
        check.leading("lda", lda, atLeast: max(1, cols))
        check.leading("ldb", ldb, atLeast: max(1, trans ? rows : cols))
        check.operand("A", needs: e.a, has: a.count)
        check.operand("B", needs: e.b, has: b.count)
        guard check.passed("trans \(trans) rows \(rows) cols \(cols) lda \(lda) ldb \(ldb); "
                           + "buffers A \(a.count) B \(b.count)") else { return }
        guard rows > 0, cols > 0 else { return }
        BLASThreads.pinOpenBLAS()
        cblas_somatcopy(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols), alpha,
                        a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb))
    }

    /// y += α·x over `count` elements (unit strides), `cblas_saxpy`.
    public static func saxpy(count: Int, alpha: Float = 1, x: UnsafeBufferPointer<Float>,
                             y: UnsafeMutableBufferPointer<Float>) {
        var check = CCallCheck("cblas_saxpy")
        check.int32("count", count)
        check.operand("x", needs: CExtent.vector(count), has: x.count)
        check.operand("y", needs: CExtent.vector(count), has: y.count)
        guard check.passed("count \(count); buffers x \(x.count) y \(y.count)") else { return }
        guard count > 0 else { return }
        BLASThreads.pinOpenBLAS()
        cblas_saxpy(Int32(count), alpha, x.baseAddress, 1, y.baseAddress, 1)
    }
}

extension UnsafeBufferPointer {
    /// `count` elements from `start` (shorthand for the checked C wrappers' operands).
    @inline(__always)
    public init(_ start: UnsafePointer<Element>?, _ count: Int) { self.init(start: start, count: Swift.max(0, count)) }
    @inline(__always)
    public init(_ start: UnsafeMutablePointer<Element>?, _ count: Int) {
        self.init(start: UnsafePointer(start), count: Swift.max(0, count))
    }
}

extension UnsafeMutableBufferPointer {
    /// `count` elements from `start` (shorthand for the checked C wrappers' operands).
    @inline(__always)
    public init(_ start: UnsafeMutablePointer<Element>?, _ count: Int) { self.init(start: start, count: Swift.max(0, count)) }
}
