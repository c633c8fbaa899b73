import CVectorKernels

extension HalfMatrix {
    /// y (n, rows) = x (n, columns) · Mᵀ + b for the rows of a beam: the weights are widened once
    /// for all n rows (`cvk_gemv_half_batch`), and row r's result equals `linear` of that row alone
    /// (one-row kernel), bit for bit, whatever n is.
    public func linearBatch(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                            into y: UnsafeMutablePointer<Float>) {
        guard n > 0, rows > 0 else { return }
        bits.withUnsafeBufferPointer { w in
            cvk_gemv_half_batch(w.baseAddress, rows, columns, x, n, columns, bias, y, rows, Int32(BLASThreads.count))
        }
    }
}
