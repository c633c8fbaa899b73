import CBLAS

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
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(outFeatures), Int32(inFeatures), 1, weight, Int32(inFeatures),
                        x, 1, bias == nil ? 0 : 1, y, 1)
            return
        }
        gemm(x, rows: rows, inFeatures: inFeatures, weight: weight, ldw: inFeatures, outFeatures: outFeatures,
             bias: bias, into: y, ldy: outFeatures)
    }
}
