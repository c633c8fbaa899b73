extension Kernels {
    /// `linear` on the calling thread only: y = x·Wᵀ + b with x: (rows, inFeatures),
    /// W: (outFeatures, inFeatures). For small per-frame graphs (Vision's face models, dozens of
    /// small products per frame) where handing each product to the worker pool costs more than
    /// the product itself on a busy machine. OpenBLAS runs single-threaded (pinned by BLASThreads).
    public static func linearSerial(_ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
                                    weight: UnsafePointer<Float>, outFeatures: Int, bias: UnsafePointer<Float>?,
                                    into y: UnsafeMutablePointer<Float>) {
        guard rows > 0, outFeatures > 0 else { return }
        _ = BLASThreads.count   // first use pins OpenBLAS to one thread
        if rows == 1 {
            if let bias { y.update(from: bias, count: outFeatures) }
            CheckedBLAS.sgemv(m: outFeatures, n: inFeatures, a: .init(weight, outFeatures * inFeatures), lda: inFeatures,
                              x: .init(x, inFeatures), beta: bias == nil ? 0 : 1, y: .init(y, outFeatures))
            return
        }
        gemm(.init(x, rows * inFeatures), rows: rows, inFeatures: inFeatures, weight: .init(weight, outFeatures * inFeatures),
             ldw: inFeatures, outFeatures: outFeatures, bias: bias, into: .init(y, rows * outFeatures), ldy: outFeatures)
    }
}
