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

    /// The elements each operand of the contract spans from its pointer, which every C call below
    /// is checked against (`CheckedBLAS`, `CheckedKernels`): q (queries, ldq), k and v (keys, ld),
    /// out (queries, ldo), heads·D columns each, and the scores scratch.
    private struct Extents {
        let q, k, v, out, scores: Int
        init(ldq: Int, ldk: Int, ldv: Int, ldo: Int, queries: Int, keys: Int, heads: Int, headDim: Int) {
            let width = heads * headDim
            q = CExtent.matrix(rows: queries, columns: width, ld: ldq)
            k = CExtent.matrix(rows: keys, columns: width, ld: ldk)
            v = CExtent.matrix(rows: keys, columns: width, ld: ldv)
            out = CExtent.matrix(rows: queries, columns: width, ld: ldo)
            scores = scratchCount(queries: queries, keys: keys)
        }
    }

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
        let e = Extents(ldq: ldq, ldk: ldk, ldv: ldv, ldo: ldo, queries: queries, keys: keys, heads: heads,
                        headDim: headDim)
        // One query with the vector extensions: heads over the worker pool, AVX2 dot products.
        if queries == 1, VectorExtensions.enabled {
            if CheckedKernels.attendOne(q: .init(q, e.q), k: .init(k, e.k), ldk: ldk, v: .init(v, e.v), ldv: ldv,
                                        keys: visible, heads: heads, headDim: headDim, out: .init(out, e.out),
                                        threads: threads) { return }
        }
        // One query: each head's two sgemv calls are small (keys × D); OpenBLAS runs them on the
        // calling thread.
        for h in 0..<heads {
            let column = h * headDim   // head h's columns start here in q, k, v and out
            let qh = UnsafeBufferPointer(q + column, e.q - column), kh = UnsafeBufferPointer(k + column, e.k - column)
            let vh = UnsafeBufferPointer(v + column, e.v - column), oh = UnsafeMutableBufferPointer(out + column, e.out - column)
            let sc = UnsafeMutableBufferPointer(scores, e.scores)
            if queries == 1 {
                // scores (visible) = K_h (visible, D) · q_h (D) · scale
                CheckedBLAS.sgemv(m: visible, n: headDim, alpha: scale(headDim), a: kh, lda: ldk, x: qh, y: sc)
                Kernels.softmax(scores, rows: 1, width: visible)
                // out_h (D) = V_hᵀ (D, visible) · p (visible)
                CheckedBLAS.sgemv(trans: true, m: visible, n: headDim, a: vh, lda: ldv, x: UnsafeBufferPointer(sc), y: oh)
                continue
            }
            block(qh: qh, ldq: ldq, kh: kh, ldk: ldk, vh: vh, ldv: ldv, firstQuery: 0, rows: queries, keys: keys,
                  headDim: headDim, causalOffset: causalOffset, scores: sc, into: oh, ldo: ldo)
        }
    }

    /// Blocks of `blockRows` queries of one head, spread over min(threads, blocks) workers, each
    /// with its own slice of `scores`. Same contract as `multiHead`; needs queries ≥ blockRows.
    /// Without a mask, when `packedApplies`, the fused kernel of `packed` runs instead.
    public static func blocked(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                               v: UnsafePointer<Float>, ldv: Int, queries: Int, keys: Int, heads: Int,
                               headDim: Int, causalOffset: Int?, scores: UnsafeMutablePointer<Float>,
                               into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard queries > 0, keys > 0 else { return }
        if causalOffset == nil, packedApplies(headDim: headDim) {
            // No mask, AVX2: one fused kernel per block of queries (PackedAttention.swift).
            packed(q: q, ldq: ldq, k: k, ldk: ldk, v: v, ldv: ldv, queries: queries, keys: keys, heads: heads,
                   headDim: headDim, into: out, ldo: ldo)
            return
        }
        let e = Extents(ldq: ldq, ldk: ldk, ldv: ldv, ldo: ldo, queries: queries, keys: keys, heads: heads,
                        headDim: headDim)
        let packedCount = heads * headDim * keys
        // Without a mask every block of a head multiplies by the same Kᵀ: it is packed once per
        // head, (D, keys) row-major, instead of sgemm transposing K again for every block.
        let packed: UnsafeMutablePointer<Float>? = causalOffset == nil ? .allocate(capacity: packedCount) : nil
        defer { packed?.deallocate() }
        if let packed {
            for h in 0..<heads {
                // kt_h (D, keys) = K_h (keys, D)ᵀ
                CheckedBLAS.somatcopy(trans: true, rows: keys, cols: headDim, a: .init(k + h * headDim, e.k - h * headDim),
                                      lda: ldk, b: .init(packed + h * headDim * keys, packedCount - h * headDim * keys),
                                      ldb: keys)
            }
        }
        let rowsPerBlock = min(packed == nil ? blockRows : packedBlockRows, queries)
        let blocksPerHead = (queries + rowsPerBlock - 1) / rowsPerBlock
        let items = heads * blocksPerHead
        // Each worker owns rowsPerBlock × keys floats of `scores` (queries × keys in all).
        let workers = max(1, min(BLASThreads.count, items, queries / rowsPerBlock))
        WorkerPool.run(workers: workers) { w, participants in
            // This worker's slice: rowsPerBlock × keys floats, inside the scores buffer.
            let sliceStart = w * rowsPerBlock * keys
            let scratch = UnsafeMutableBufferPointer(scores + sliceStart, min(rowsPerBlock * keys, e.scores - sliceStart))
            var item = w
            while item < items {
                let h = item / blocksPerHead, first = (item % blocksPerHead) * rowsPerBlock
                let rows = min(rowsPerBlock, queries - first)
                let qOffset = first * ldq + h * headDim, oOffset = first * ldo + h * headDim
                block(qh: .init(q + qOffset, e.q - qOffset), ldq: ldq, kh: .init(k + h * headDim, e.k - h * headDim), ldk: ldk,
                      keysTransposed: packed.map { UnsafeBufferPointer($0 + h * headDim * keys, packedCount - h * headDim * keys) },
                      vh: .init(v + h * headDim, e.v - h * headDim), ldv: ldv, firstQuery: first, rows: rows, keys: keys,
                      headDim: headDim, causalOffset: causalOffset, scores: scratch,
                      into: .init(out + oOffset, e.out - oOffset), ldo: ldo)
                item += participants
            }
        }
    }

    @inline(__always)
    private static func scale(_ headDim: Int) -> Float { 1 / Float(headDim).squareRoot() }

    /// `rows` queries (global indices firstQuery…) of one head against all keys.
    /// qh: (rows, ldq), kh/vh: (keys, ldk/ldv), scores: (rows, keys) scratch, oh: (rows, ldo);
    /// `keysTransposed`, when given, is K_hᵀ packed (D, keys).
    /// Each buffer is what the caller owns from that pointer (checked at every C call).
    private static func block(qh: UnsafeBufferPointer<Float>, ldq: Int, kh: UnsafeBufferPointer<Float>, ldk: Int,
                              keysTransposed: UnsafeBufferPointer<Float>? = nil,
                              vh: UnsafeBufferPointer<Float>, ldv: Int, firstQuery: Int, rows: Int, keys: Int,
                              headDim: Int, causalOffset: Int?, scores scoreBuffer: UnsafeMutableBufferPointer<Float>,
                              into oh: UnsafeMutableBufferPointer<Float>, ldo: Int) {
        // scores (rows, keys) = Q_h (rows, D) · K_hᵀ (D, keys) · scale
        if let kt = keysTransposed {
            CheckedBLAS.sgemm(m: rows, n: keys, k: headDim, alpha: scale(headDim), a: qh, lda: ldq, b: kt, ldb: keys,
                              c: scoreBuffer, ldc: keys)
        } else {
            CheckedBLAS.sgemm(transB: true, m: rows, n: keys, k: headDim, alpha: scale(headDim), a: qh, lda: ldq, b: kh,
                              ldb: ldk, c: scoreBuffer, ldc: keys)
        }
        guard let scores = scoreBuffer.baseAddress, rows * keys <= scoreBuffer.count else { return }
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
            CheckedBLAS.sgemm(m: rows, n: headDim, k: keys, a: UnsafeBufferPointer(scoreBuffer), lda: keys, b: vh, ldb: ldv,
                              c: oh, ldc: ldo)
            return
        }
        // The softmax's division moves after the weighting (D values per row instead of keys):
        // E = exp(scores − row max), out_h = (E · V_h) / rowsum(E).
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { inverse in
            CheckedKernels.expRows(scoreBuffer, rows: rows, width: keys, inverse: inverse)
            CheckedBLAS.sgemm(m: rows, n: headDim, k: keys, a: UnsafeBufferPointer(scoreBuffer), lda: keys, b: vh, ldb: ldv,
                              c: oh, ldc: ldo)
            guard let o = oh.baseAddress, CExtent.matrix(rows: rows, columns: headDim, ld: ldo) <= oh.count else { return }
            for i in 0..<rows {
                let row = o + i * ldo, s = inverse[i]
                for j in 0..<headDim { row[j] *= s }
            }
        }
    }
}
