/// The encoder's self-attention (no mask, long sequences) as one fused kernel per block of
/// queries (`cvk_attend_packed_block`): each head's K and V are packed once into 16-wide panels,
/// then every block of `packedRows` queries computes its scores, exponentials and weighted values
/// in register tiles (6 × 16 with AVX2, 12 × 32 with AVX-512), its scores staying in L2. Replaces two OpenBLAS products and an
/// exponential pass per block (sgemm zeroing the scores, repacking them and V for every block).
/// Measured on an EPYC (AVX2 form; one thread, base's 8 heads of 64 over 1500 positions, CPU
/// time, machine loaded): 77-89 ms per layer against 97-107 ms for `blocked`'s OpenBLAS schedule.
/// On a Sapphire Rapids Xeon (1500 × 1500 keys, D 64, one thread, a C harness around the kernel):
/// 40-45 GFLOP/s for the AVX2 form, 64-101 for the AVX-512 one (noisy machine, same bits).
extension Attention {
    /// Query rows per fused block: 48 × 1504 × 4 bytes = 289 KB of scores per worker (L2).
    static let packedRows = 48

    /// Whether `packed` runs for these sizes (AVX2 + FMA, head dimension a multiple of 16 ≤ 128).
    static func packedApplies(headDim: Int) -> Bool {
        VectorExtensions.enabled && CheckedKernels.packedAttentionTakes(headDim: headDim)
    }

    /// Unmasked multi-head attention by the packed kernel; `multiHead`'s contract without
    /// `causalOffset` and `scores` (the blocks use their own scratch). Needs `packedApplies`.
    public static func packed(q: UnsafePointer<Float>, ldq: Int, k: UnsafePointer<Float>, ldk: Int,
                              v: UnsafePointer<Float>, ldv: Int, queries: Int, keys: Int, heads: Int, headDim: Int,
                              into out: UnsafeMutablePointer<Float>, ldo: Int) {
        guard queries > 0, keys > 0, heads > 0 else { return }
        let width = heads * headDim
        let qCount = CExtent.matrix(rows: queries, columns: width, ld: ldq)
        let kCount = CExtent.matrix(rows: keys, columns: width, ld: ldk)
        let vCount = CExtent.matrix(rows: keys, columns: width, ld: ldv)
        let outCount = CExtent.matrix(rows: queries, columns: width, ld: ldo)
        let keyStride = CheckedKernels.packedKeysCount(keys: keys, headDim: headDim), valueStride = keys * headDim
        let kp = UnsafeMutablePointer<Float>.allocate(capacity: heads * keyStride)
        let vp = UnsafeMutablePointer<Float>.allocate(capacity: heads * valueStride)
        defer { kp.deallocate(); vp.deallocate() }
        let threads = BLASThreads.count
        // kp_h: K_hᵀ in 16-key panels, vp_h: V_h in 16-column panels, one head per item.
        WorkerPool.run(workers: max(1, min(threads, heads))) { w, participants in
            var h = w
            while h < heads {
                let column = h * headDim
                CheckedKernels.packHead(k: .init(start: k + column, count: kCount - column), ldk: ldk,
                                        v: .init(start: v + column, count: vCount - column), ldv: ldv, keys: keys,
                                        headDim: headDim, kp: .init(start: kp + h * keyStride, count: keyStride),
                                        vp: .init(start: vp + h * valueStride, count: valueStride))
                h += participants
            }
        }
        let rowsPerBlock = min(packedRows, queries)
        let blocksPerHead = (queries + rowsPerBlock - 1) / rowsPerBlock
        let items = heads * blocksPerHead
        let workers = max(1, min(threads, items))
        let scratchCount = CheckedKernels.packedScratchCount(rows: rowsPerBlock, keys: keys)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * scratchCount)
        defer { scratch.deallocate() }
        let scale = 1 / Float(headDim).squareRoot()
        WorkerPool.run(workers: workers) { w, participants in
            let mine = UnsafeMutableBufferPointer(start: scratch + w * scratchCount, count: scratchCount)
            var item = w
            while item < items {
                let h = item / blocksPerHead, first = (item % blocksPerHead) * rowsPerBlock
                let rows = min(rowsPerBlock, queries - first)
                let qOffset = first * ldq + h * headDim, oOffset = first * ldo + h * headDim
                // out[first..<first+rows, head h] = softmax(Q_h Kᵀ_h / √D) V_h
                _ = CheckedKernels.attendPacked(q: .init(start: q + qOffset, count: qCount - qOffset), ldq: ldq, rows: rows,
                                                kp: .init(start: kp + h * keyStride, count: keyStride),
                                                vp: .init(start: vp + h * valueStride, count: valueStride), keys: keys,
                                                headDim: headDim, scale: scale, scratch: mine,
                                                out: .init(start: out + oOffset, count: outCount - oOffset), ldo: ldo)
                item += participants
            }
        }
    }
}
