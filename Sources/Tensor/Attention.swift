import CBLAS
import CVectorKernels

/// Multi-head scaled dot-product attention over strided row-major buffers, so fused QKV
/// projections (rows of 3·d) and KV caches are used in place without copies.
///
/// Two schedules with one contract: `perHead` (whole (queries × keys) score matrix per head) for
/// one query or short prompts, and `blocked` for long sequences (the encoder's 1500 × 1500):
/// blocks of `blockRows` queries of one head, so a block's scores stay in L2 through scoring,
/// softmax and weighting, spread over the engine's workers (`WorkerPool`).
public enum Attention {
    /// Query rows per block of the blocked schedule: 64 × 1500 keys × 4 bytes = 384 KB of scores.
    static let blockRows = 64
    /// Query rows per block when the keys are packed transposed (no causal mask: the encoder).
    /// Larger blocks amortise each sgemm's packing of the values; 192 × 1500 × 4 bytes = 1.1 MB of
    /// scores per worker. Measured with OpenBLAS 0.3.21 on this machine's EPYC, one thread, one
    /// tiny.en encoder layer (1500 positions, 6 heads of 64; CPU time, min of 4, machine loaded):
    /// 64 rows with Kᵀ by sgemm's transpose 135 ms, 192 rows with packed Kᵀ 101 ms.
    static let packedBlockRows = 192

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
        if queries >= 2 * blockRows {
            blocked(q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldv, queries: queries, keys: keys, heads: heads,
                    headDim: headDim, causalOffset: causalOffset, scores: scores, into: out, ldo: ldo)
        } else {
            perHead(q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldv, queries: queries, keys: keys, heads: heads,
                    headDim: headDim, causalOffset: causalOffset, scores: scores, into: out, ldo: ldo)
        }
    }

    /// Whole score matrix per head. Same contract as `multiHead`.
    public static func perHead(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                               v: UnsafePointer<Float>, ldv: Int, queries: Int, keys: Int, heads: Int,
                               headDim: Int, causalOffset: Int?, scores: UnsafeMutablePointer<Float>,
                               into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard queries > 0, keys > 0 else { return }
        let threads = BLASThreads.count      // (first use also pins OpenBLAS to one thread)
        let visible = causalOffset.map { min(keys, $0 + 1) } ?? keys   // keys one query sees
        // One query with the vector extensions: heads over the worker pool, AVX2 dot products.
        if queries == 1, VectorExtensions.enabled {
            if cvk_attend_one(q, k, ldk, v, ldv, visible, Int32(heads), Int32(headDim), out,
                              Int32(threads)) == 1 { return }
        }
        // One query: each head's two sgemv calls are small (keys × D); OpenBLAS runs them on the
        // calling thread.
        for h in 0..<heads {
            let qh = q + h * headDim, kh = k + h * headDim, vh = v + h * headDim, oh = out + h * headDim
            if queries == 1 {
                // scores (visible) = K_h (visible, D) · q_h (D) · scale
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(visible), Int32(headDim), scale(headDim), kh,
                            Int32(ldk), qh, 1, 0, scores, 1)
                Kernels.softmax(scores, rows: 1, width: visible)
                // out_h (D) = V_hᵀ (D, visible) · p (visible)
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(visible), Int32(headDim), 1, vh, Int32(ldv),
                            scores, 1, 0, oh, 1)
                continue
            }
            block(qh: qh, ldq: ldq, kh: kh, ldk: ldk, vh: vh, ldv: ldv, firstQuery: 0, rows: queries, keys: keys,
                  headDim: headDim, causalOffset: causalOffset, scores: scores, into: oh, ldo: ldo)
        }
    }

    /// Blocks of `blockRows` queries of one head, spread over min(threads, blocks) workers, each
    /// with its own slice of `scores`. Same contract as `multiHead`; needs queries ≥ blockRows.
    public static func blocked(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                               v: UnsafePointer<Float>, ldv: Int, queries: Int, keys: Int, heads: Int,
                               headDim: Int, causalOffset: Int?, scores: UnsafeMutablePointer<Float>,
                               into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard queries > 0, keys > 0 else { return }
        // Without a mask every block of a head multiplies by the same Kᵀ: it is packed once per
        // head, (D, keys) row-major, instead of sgemm transposing K again for every block.
        let packed: UnsafeMutablePointer<Float>? = causalOffset == nil ? .allocate(capacity: heads * headDim * keys) : nil
        defer { packed?.deallocate() }
        if let packed {
            for h in 0..<heads {
                // kt_h (D, keys) = K_h (keys, D)ᵀ
                cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(keys), Int32(headDim), 1, k + h * headDim, Int32(ldk),
                                packed + h * headDim * keys, Int32(keys))
            }
        }
        let rowsPerBlock = min(packed == nil ? blockRows : packedBlockRows, queries)
        let blocksPerHead = (queries + rowsPerBlock - 1) / rowsPerBlock
        let items = heads * blocksPerHead
        // Each worker owns rowsPerBlock × keys floats of `scores` (queries × keys in all).
        let workers = max(1, min(BLASThreads.count, items, queries / rowsPerBlock))
        WorkerPool.run(workers: workers) { w, participants in
            let scratch = scores + w * rowsPerBlock * keys
            var item = w
            while item < items {
                let h = item / blocksPerHead, first = (item % blocksPerHead) * rowsPerBlock
                let rows = min(rowsPerBlock, queries - first)
                block(qh: q + first * ldq + h * headDim, ldq: ldq, kh: k + h * headDim, ldk: ldk,
                      keysTransposed: packed.map { UnsafePointer($0 + h * headDim * keys) },
                      vh: v + h * headDim, ldv: ldv, firstQuery: first, rows: rows, keys: keys, headDim: headDim,
                      causalOffset: causalOffset, scores: scratch, into: out + first * ldo + h * headDim, ldo: ldo)
                item += participants
            }
        }
    }

    @inline(__always)
    private static func scale(_ headDim: Int) -> Float { 1 / Float(headDim).squareRoot() }

    /// `rows` queries (global indices firstQuery…) of one head against all keys.
    /// qh: (rows, ldq), kh/vh: (keys, ldk/ldv), scores: (rows, keys) scratch, oh: (rows, ldo);
    /// `keysTransposed`, when given, is K_hᵀ packed (D, keys).
    private static func block(qh: UnsafePointer<Float>, ldq: Int, kh: UnsafePointer<Float>, ldk: Int,
                              keysTransposed: UnsafePointer<Float>? = nil,
                              vh: UnsafePointer<Float>, ldv: Int, firstQuery: Int, rows: Int, keys: Int,
                              headDim: Int, causalOffset: Int?, scores: UnsafeMutablePointer<Float>,
                              into oh: UnsafeMutablePointer<Float>, ldo: Int) {
        // scores (rows, keys) = Q_h (rows, D) · K_hᵀ (D, keys) · scale
        if let kt = keysTransposed {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(keys), Int32(headDim),
                        scale(headDim), qh, Int32(ldq), kt, Int32(keys), 0, scores, Int32(keys))
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(headDim),
                        scale(headDim), qh, Int32(ldq), kh, Int32(ldk), 0, scores, Int32(keys))
        }
        if let offset = causalOffset {
            for i in 0..<rows {
                let visible = offset + firstQuery + i + 1
                if visible < keys {
                    let row = scores + i * keys
                    for j in visible..<keys { row[j] = -Float.infinity }
                }
            }
        }
        guard VectorExtensions.enabled else {
            Kernels.softmax(scores, rows: rows, width: keys)
            // out_h (rows, D) = P (rows, keys) · V_h (keys, D)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headDim), Int32(keys),
                        1, scores, Int32(keys), vh, Int32(ldv), 0, oh, Int32(ldo))
            return
        }
        // The softmax's division moves after the weighting (D values per row instead of keys):
        // E = exp(scores − row max), out_h = (E · V_h) / rowsum(E).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { inverse in
            cvk_exp_rows(scores, rows, keys, inverse.baseAddress)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(headDim), Int32(keys),
                        1, scores, Int32(keys), vh, Int32(ldv), 0, oh, Int32(ldo))
            for i in 0..<rows {
                let row = oh + i * ldo, s = inverse[i]
                for j in 0..<headDim { row[j] *= s }
            }
        }
    }
}
