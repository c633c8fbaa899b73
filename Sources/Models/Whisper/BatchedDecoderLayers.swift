import CVectorKernels
import Tensor

// The decoder's forward pass over the rows of a beam: one matrix product per weight for all rows
// (CTranslate2 batches the decoder over the beam the same way). Every row's arithmetic is the
// one-row pass's (`ResidualAttentionBlock.decode` with one token), so a batched beam search picks
// the same tokens with the same scores as rows stepped one by one.

extension LinearLayer {
    /// y (rows, out) = x (rows, in) · Wᵀ + b with the weights read once for all rows; each row
    /// equal to `callAsFunction` on that row alone.
    func batched(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        // 8-bit or half weights: one product for all rows (int8 rows quantised one by one, exact
        // int32 sums). float32 weights: one row at a time keeps the one-row kernel (sgemv) and its
        // results.
        guard int8 != nil || half != nil else {
            for r in 0..<rows { self(x + r * inFeatures, rows: 1, into: y + r * outFeatures) }
            return
        }
        withBias { b in
            if let int8 { int8.linearBatch(x, rows: rows, bias: b, into: y) } else { half?.linearBatch(x, rows: rows, bias: b, into: y) }
        }
    }
}

extension TokenEmbedding {
    /// logits (rows, nVocab) = h (rows, d) · Eᵀ, each row equal to `logits` of that row alone.
    func batchedLogits(_ h: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        if let int8 { int8.linearBatch(h, rows: rows, bias: nil, into: out); return }
        if let half { half.linearBatch(h, rows: rows, bias: nil, into: out); return }
        for r in 0..<rows { logits(h + r * width, rows: 1, into: out + r * vocabulary) }
    }
}

/// Self-attention keys and values of every row of a beam for one layer: row r's position p at
/// (r · capacity + p) · width in `keys` and `values`.
struct BeamCacheLayer {
    var keys: UnsafeMutablePointer<Float>
    var values: UnsafeMutablePointer<Float>
}

extension ResidualAttentionBlock {
    /// One new token per row at position `position` of every row. x: (rows, d) in place; the rows'
    /// keys and values gain that position; `cross` is the encoder's K then V (2·frames, d).
    func decodeBatch(_ x: UnsafeMutablePointer<Float>, rows n: Int, position: Int, cache: BeamCacheLayer,
                     rowStride: Int, cross: UnsafePointer<Float>, frames: Int, _ ws: ForwardWorkspace) {
        let d = width
        selfNorm(x, rows: n, into: ws.normed)                         // h: (n, d)
        selfQKV.batched(ws.normed, rows: n, into: ws.qkv)             // qkv: (n, 3d)
        for r in 0..<n {
            let row = ws.qkv + r * 3 * d
            (cache.keys + r * rowStride + position * d).update(from: row + d, count: d)
            (cache.values + r * rowStride + position * d).update(from: row + 2 * d, count: d)
            // a_r (d) = softmax(q_r k_rᵀ/√D) v_r over the row's own position + 1 keys
            Attention.multiHead(q: row, ldq: 3 * d, k: cache.keys + r * rowStride, ldk: d,
                                v: cache.values + r * rowStride, ldv: d, queries: 1, keys: position + 1,
                                heads: heads, headDim: headDim, causalOffset: position,
                                scores: ws.scores, into: ws.attended + r * d, ldo: d)
        }
        selfOut.batched(ws.attended, rows: n, into: ws.normed)        // o: (n, d)
        Kernels.add(x, ws.normed, count: n * d)
        if let crossNorm, let crossQuery, let crossOut {
            crossNorm(x, rows: n, into: ws.normed)                    // h: (n, d)
            crossQuery.batched(ws.normed, rows: n, into: ws.qkv)      // q: (n, d)
            // a (n, d): every row's query against the same encoder keys, read once for all rows
            let done = VectorExtensions.enabled
                && CheckedKernels.attendBatch(q: .init(ws.qkv, ws.rows * 3 * d), ldq: d, rows: n,
                                              k: .init(cross, frames * d), ldk: d,
                                              v: .init(cross + frames * d, frames * d), ldv: d, keys: frames,
                                              heads: heads, headDim: headDim, out: .init(ws.attended, ws.rows * d), ldo: d,
                                              threads: BLASThreads.count)
            if !done {
                for r in 0..<n {
                    Attention.multiHead(q: ws.qkv + r * d, ldq: d, k: cross, ldk: d, v: cross + frames * d, ldv: d,
                                        queries: 1, keys: frames, heads: heads, headDim: headDim, causalOffset: nil,
                                        scores: ws.scores, into: ws.attended + r * d, ldo: d)
                }
            }
            crossOut.batched(ws.attended, rows: n, into: ws.normed)
            Kernels.add(x, ws.normed, count: n * d)
        }
        mlpNorm(x, rows: n, into: ws.normed)                          // h: (n, d)
        fc1.batched(ws.normed, rows: n, into: ws.hidden)              // f: (n, 4d)
        Kernels.gelu(ws.hidden, count: n * 4 * d)
        fc2.batched(ws.hidden, rows: n, into: ws.normed)              // o: (n, d)
        Kernels.add(x, ws.normed, count: n * d)
    }
}
