/// How many elements each C entry point the engine calls (OpenBLAS and CVectorKernels) touches
/// from each pointer it is given, computed from its size arguments alone (issue 9 item 1).
/// `CheckedBLAS` and `CheckedKernels` compare these with the buffers at every call; the formulas
/// are tested against the indices each routine's definition reads and writes, and against real
/// calls on buffers that end at a PROT_NONE page (TensorTests.CExtentTests).
///
/// Row-major throughout (the engine passes CblasRowMajor only). An operand that the call does not
/// touch (an empty dimension) needs 0 elements.
public enum CExtent {
    /// Elements a row-major (rows, columns) matrix with leading dimension `ld` spans:
    /// (rows − 1)·ld + columns; 0 when it has no element.
    @inline(__always)
    public static func matrix(rows: Int, columns: Int, ld: Int) -> Int {
        rows > 0 && columns > 0 ? (rows - 1) * ld + columns : 0
    }

    /// Elements a strided vector of `count` entries spans: (count − 1)·|increment| + 1.
    @inline(__always)
    public static func vector(_ count: Int, increment: Int = 1) -> Int {
        count > 0 ? (count - 1) * abs(increment) + 1 : 0
    }

    /// cblas_sgemm (row-major): C (m, n) = α·op(A) (m, k)·op(B) (k, n) + β·C.
    /// A is stored (m, k) with lda ≥ k, or transposed (k, m) with lda ≥ m; B (k, n) with ldb ≥ n,
    /// or transposed (n, k) with ldb ≥ k; C (m, n) with ldc ≥ n. With k = 0 only C is touched
    /// (scaled by β).
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int,
                             ldc: Int) -> (a: Int, b: Int, c: Int) {
        guard m > 0, n > 0 else { return (0, 0, 0) }
        let c = matrix(rows: m, columns: n, ld: ldc)
        guard k > 0 else { return (0, 0, c) }
        let a = transA ? matrix(rows: k, columns: m, ld: lda) : matrix(rows: m, columns: k, ld: lda)
        let b = transB ? matrix(rows: n, columns: k, ld: ldb) : matrix(rows: k, columns: n, ld: ldb)
        return (a, b, c)
    }

    /// The smallest leading dimensions OpenBLAS accepts for `sgemm` (it refuses smaller ones
    /// with a "parameter" message and computes nothing).
    public static func sgemmMinimumLeadingDimensions(transA: Bool, transB: Bool, m: Int, n: Int,
                                                     k: Int) -> (lda: Int, ldb: Int, ldc: Int) {
        (max(1, transA ? m : k), max(1, transB ? k : n), max(1, n))
    }

    /// cblas_sgemv (row-major): A stored (m, n) with lda ≥ n; y = α·A·x + β·y (x: n, y: m), or
    /// transposed y = α·Aᵀ·x + β·y (x: m, y: n).
    public static func sgemv(trans: Bool, m: Int, n: Int, lda: Int, incx: Int = 1,
                             incy: Int = 1) -> (a: Int, x: Int, y: Int) {
        guard m > 0, n > 0 else { return (0, 0, 0) }
        return (matrix(rows: m, columns: n, ld: lda), vector(trans ? m : n, increment: incx),
                vector(trans ? n : m, increment: incy))
    }

    /// cblas_somatcopy (row-major): B = α·op(A), A stored (rows, cols) with lda ≥ cols; B is
    /// (rows, cols) with ldb ≥ cols, or transposed (cols, rows) with ldb ≥ rows.
    public static func somatcopy(trans: Bool, rows: Int, cols: Int, lda: Int, ldb: Int) -> (a: Int, b: Int) {
        guard rows > 0, cols > 0 else { return (0, 0) }
        return (matrix(rows: rows, columns: cols, ld: lda),
                trans ? matrix(rows: cols, columns: rows, ld: ldb) : matrix(rows: rows, columns: cols, ld: ldb))
    }

    /// cvk_gemv_half / cvk_gemv_half_batch / cvk_gemm_s8(_portable): y (rows, ldy) = x (rows, ldx)
    /// · Wᵀ + b with W (out, in) dense, b (out), one scale per weight row and per input row for
    /// the int8 kernels.
    public static func rowProduct(out: Int, in: Int, rows: Int, ldx: Int,
                                  ldy: Int) -> (w: Int, x: Int, bias: Int, y: Int) {
        guard out > 0, rows > 0 else { return (0, 0, 0, 0) }
        return (out * `in`, matrix(rows: rows, columns: `in`, ld: ldx), out, matrix(rows: rows, columns: out, ld: ldy))
    }

    /// cvk_quantize_rows_s8(_portable): x (rows, ldx) read for `in` columns, q (rows, ldq) written
    /// whole (columns in..<ldq are zeroed, the last row's too), scales (rows).
    public static func quantizeRows(rows: Int, in: Int, ldx: Int, ldq: Int) -> (x: Int, q: Int, scales: Int) {
        guard rows > 0 else { return (0, 0, 0) }
        return (matrix(rows: rows, columns: `in`, ld: ldx), rows * ldq, rows)
    }

    /// cvk_attend_batch (and cvk_attend_one with rows = 1, ldq = ldo = heads·D): queries
    /// q (rows, ldq) and out (rows, ldo) use heads·D columns; keys k (keys, ldk) and values
    /// v (keys, ldv) too.
    public static func attention(rows: Int, ldq: Int, keys: Int, ldk: Int, ldv: Int, heads: Int, headDim: Int,
                                 ldo: Int) -> (q: Int, k: Int, v: Int, out: Int) {
        let width = heads * headDim
        guard rows > 0, keys > 0, width > 0 else { return (0, 0, 0, 0) }
        return (matrix(rows: rows, columns: width, ld: ldq), matrix(rows: keys, columns: width, ld: ldk),
                matrix(rows: keys, columns: width, ld: ldv), matrix(rows: rows, columns: width, ld: ldo))
    }
}
