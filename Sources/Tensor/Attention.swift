import CBLAS

/// Multi-head scaled dot-product attention over strided row-major buffers, so fused QKV
/// projections (rows of 3·d) and KV caches are used in place without copies.
public enum Attention {
    /// Scratch floats `multiHead` needs: queries × keys.
    public static func scratchCount(queries: Int, keys: Int) -> Int { max(1, queries * keys) }

    /// out[i, h·D..<(h+1)·D] = softmax(q_h[i] · k_hᵀ / √D) · v_h for each head h.
    /// q: (queries, ldq), k: (keys, ldk), v: (keys, ldv), out: (queries, ldo); head h occupies
    /// columns h·D..<(h+1)·D of each. With `causalOffset` n, query i sees keys 0...n+i (query i is
    /// position n+i in a cache of earlier keys). `scores` holds scratchCount(queries:keys:) floats.
    public static func multiHead(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                                 v: UnsafePointer<Float>, ldv: Int, queries: Int, keys: Int, heads: Int,
                                 headDim: Int, causalOffset: Int?, scores: UnsafeMutablePointer<Float>,
                                 into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard queries > 0, keys > 0 else { return }
        let scale = 1 / Float(headDim).squareRoot()
        for h in 0..<heads {
            let qh = q + h * headDim, kh = k + h * headDim, vh = v + h * headDim, oh = out + h * headDim
            if queries == 1 {
                let visible = causalOffset.map { min(keys, $0 + 1) } ?? keys
                // scores (visible) = K_h (visible, D) · q_h (D) · scale
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(visible), Int32(headDim), scale, kh, Int32(ldk),
                            qh, 1, 0, scores, 1)
                Kernels.softmax(scores, rows: 1, width: visible)
                // out_h (D) = V_hᵀ (D, visible) · p (visible)
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(visible), Int32(headDim), 1, vh, Int32(ldv),
                            scores, 1, 0, oh, 1)
                continue
            }
            // scores (queries, keys) = Q_h (queries, D) · K_hᵀ (D, keys) · scale
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queries), Int32(keys), Int32(headDim),
                        scale, qh, Int32(ldq), kh, Int32(ldk), 0, scores, Int32(keys))
            if let offset = causalOffset {
                for i in 0..<queries {
                    let first = offset + i + 1
                    if first < keys {
                        let row = scores + i * keys
                        for j in first..<keys { row[j] = -Float.infinity }
                    }
                }
            }
            Kernels.softmax(scores, rows: queries, width: keys)
            // out_h (queries, D) = P (queries, keys) · V_h (keys, D)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(queries), Int32(headDim), Int32(keys),
                        1, scores, Int32(keys), vh, Int32(ldv), 0, oh, Int32(ldo))
        }
    }
}
