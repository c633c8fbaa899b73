extension HalfMatrix {
    /// y (n, rows) = x (n, columns) · Mᵀ + b for the rows of a beam: the weights are widened once
    /// for all n rows (`cvk_gemv_half_batch`), and row r's result equals `linear` of that row alone
    /// (one-row kernel), bit for bit, whatever n is.
    public func linearBatch(_ x: UnsafePointer<Float>, rows n: Int, bias: UnsafePointer<Float>?,
                            into y: UnsafeMutablePointer<Float>) {
        guard n > 0, rows > 0 else { return }
        bits.withUnsafeBufferPointer { w in
            CheckedKernels.gemvHalf(batch: true, w: w, out: rows, in: columns, x: .init(x, n * columns), rows: n,
                                    ldx: columns, bias: bias.map { UnsafeBufferPointer($0, rows) }, y: .init(y, n * rows),
                                    ldy: rows, threads: BLASThreads.count)
        }
    }
}
