import CVectorKernels

extension Int8Matrix {
    /// y (n, rows) = x (n, columns) · Wᵀ + b for the rows of a beam: one 8-bit product for all n
    /// rows (`cvk_gemm_s8` reads each group of weight rows once and applies it to every input row),
    /// whatever n is (no float32-block path), so row r's result equals `linear` of that row alone
    /// bit for bit: the input is quantised per row and the sums are exact int32.
    /// `portable` forces the plain-C kernel (tests).
    public func linearBatch(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                            into y: UnsafeMutablePointer<Float>, portable: Bool = false) {
        guard n > 0, rows > 0 else { return }
        linear8(x, rows: n, bias: bias, into: y, portable: portable || !VectorExtensions.enabled)
    }
}
