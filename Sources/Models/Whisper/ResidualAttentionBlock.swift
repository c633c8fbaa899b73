import Tensor

/// One Whisper transformer layer (pre-norm): self-attention, cross-attention (decoder only), MLP.
/// Mirrors the CTranslate2 names under `prefix` (e.g. `decoder/layer_3`): `self_attention/linear_0`
/// is the fused Q,K,V projection (3d, d), `attention/linear_0` the cross Q, `attention/linear_1` the
/// fused cross K,V (2d, d), `…/linear_1`/`linear_2` the output projections, `ffn/linear_0|1` the MLP.
struct ResidualAttentionBlock {
    let width: Int
    let heads: Int
    let selfNorm: LayerNormLayer
    let selfQKV: LinearLayer
    let selfOut: LinearLayer
    let crossNorm: LayerNormLayer?
    let crossQuery: LinearLayer?
    let crossKeyValue: LinearLayer?
    let crossOut: LinearLayer?
    let mlpNorm: LayerNormLayer
    let fc1: LinearLayer
    let fc2: LinearLayer

    init(_ w: WeightStore, prefix: String, width d: Int, heads: Int, crossAttention: Bool) throws {
        width = d
        self.heads = heads
        selfNorm = try LayerNormLayer(w, prefix + "/self_attention/layer_norm", width: d)
        // Decoder layers (with cross-attention) run one token at a time: half-precision weights.
        let half = crossAttention
        selfQKV = try LinearLayer(w, prefix + "/self_attention/linear_0", in: d, out: 3 * d, halfPrecision: half)
        selfOut = try LinearLayer(w, prefix + "/self_attention/linear_1", in: d, out: d, halfPrecision: half)
        if crossAttention {
            crossNorm = try LayerNormLayer(w, prefix + "/attention/layer_norm", width: d)
            crossQuery = try LinearLayer(w, prefix + "/attention/linear_0", in: d, out: d, halfPrecision: half)
            crossKeyValue = try LinearLayer(w, prefix + "/attention/linear_1", in: d, out: 2 * d, halfPrecision: half)
            crossOut = try LinearLayer(w, prefix + "/attention/linear_2", in: d, out: d, halfPrecision: half)
        } else {
            crossNorm = nil; crossQuery = nil; crossKeyValue = nil; crossOut = nil
        }
        mlpNorm = try LayerNormLayer(w, prefix + "/ffn/layer_norm", width: d)
        fc1 = try LinearLayer(w, prefix + "/ffn/linear_0", in: d, out: 4 * d, halfPrecision: half)
        fc2 = try LinearLayer(w, prefix + "/ffn/linear_1", in: 4 * d, out: d, halfPrecision: half)
    }

    var headDim: Int { width / heads }

    /// Encoder layer over all T positions, no mask. x: (T, d) updated in place.
    func encode(_ x: UnsafeMutablePointer<Float>, rows t: Int, _ ws: ForwardWorkspace) {
        let d = width
        selfNorm(x, rows: t, into: ws.normed)                         // h: (T, d)
        selfQKV(ws.normed, rows: t, into: ws.qkv)                     // qkv: (T, 3d)
        Attention.multiHead(q: ws.qkv, ldq: 3 * d, k: ws.qkv + d, ldk: 3 * d, v: ws.qkv + 2 * d, ldv: 3 * d,
                            queries: t, keys: t, heads: heads, headDim: headDim, causalOffset: nil,
                            scores: ws.scores, into: ws.attended, ldo: d) // a: (T, d)
        selfOut(ws.attended, rows: t, into: ws.normed)                // o: (T, d)
        Kernels.add(x, ws.normed, count: t * d)                       // x += o
        mlp(x, rows: t, ws)
    }

    /// Decoder layer for n new tokens after `cache.length` earlier ones. x: (n, d) in place;
    /// `cache` gains the n keys/values; `cross` is the encoder's K then V (2·frames, d). `crossQueries`,
    /// when given, sees the cross-attention queries (n, d) (word alignment reads its heads' scores).
    func decode(_ x: UnsafeMutablePointer<Float>, rows n: Int, cache: inout KVCache,
                cross: UnsafePointer<Float>, frames: Int, _ ws: ForwardWorkspace,
                crossQueries: ((UnsafePointer<Float>) -> Void)? = nil) throws {
        let d = width
        let offset = cache.length
        selfNorm(x, rows: n, into: ws.normed)                         // h: (n, d)
        selfQKV(ws.normed, rows: n, into: ws.qkv)                     // qkv: (n, 3d)
        try cache.append(keys: ws.qkv + d, ldk: 3 * d, values: ws.qkv + 2 * d, ldv: 3 * d, rows: n)
        let keys = cache.length
        cache.keys.withUnsafeBufferPointer { kb in
            cache.values.withUnsafeBufferPointer { vb in
                // a (n, d) = softmax(q kᵀ/√D, causal) v over the cached (offset + n) positions
                Attention.multiHead(q: ws.qkv, ldq: 3 * d, k: kb.baseAddress!, ldk: d, v: vb.baseAddress!, ldv: d,
                                    queries: n, keys: keys, heads: heads, headDim: headDim, causalOffset: offset,
                                    scores: ws.scores, into: ws.attended, ldo: d)
            }
        }
        selfOut(ws.attended, rows: n, into: ws.normed)                // o: (n, d)
        Kernels.add(x, ws.normed, count: n * d)
        if let crossNorm, let crossQuery, let crossOut {
            crossNorm(x, rows: n, into: ws.normed)                    // h: (n, d)
            crossQuery(ws.normed, rows: n, into: ws.qkv)              // q: (n, d)
            crossQueries?(ws.qkv)
            // cross: K (frames, d) then V (frames, d), each contiguous (`CrossAttentionMemory`)
            Attention.multiHead(q: ws.qkv, ldq: d, k: cross, ldk: d, v: cross + frames * d, ldv: d,
                                queries: n, keys: frames, heads: heads, headDim: headDim, causalOffset: nil,
                                scores: ws.scores, into: ws.attended, ldo: d) // a: (n, d)
            crossOut(ws.attended, rows: n, into: ws.normed)
            Kernels.add(x, ws.normed, count: n * d)
        }
        mlp(x, rows: n, ws)
    }

    /// Cross-attention K,V of one encoder output: audio (frames, d) -> (2·frames, d), planar: the
    /// keys (frames, d) then the values (frames, d). The projection gives rows of [K | V] (frames, 2d);
    /// they are split so the one-token attention streams K, then V, through contiguous memory (rows
    /// of 2d floats put each key's d floats on its own 4 KB page for base, which stalled the
    /// hardware prefetcher at every key: 2x slower over the 1500 keys of a window).
    func crossKeysValues(_ audio: UnsafePointer<Float>, frames: Int) -> [Float] {
        guard let crossKeyValue else { return [] }
        let d = width
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: frames * 2 * d)
        defer { rows.deallocate() }
        crossKeyValue(audio, rows: frames, into: rows)                // kv: (frames, 2d)
        return [Float](unsafeUninitializedCapacity: frames * 2 * d) { buf, n in
            let out = buf.baseAddress!
            for f in 0..<frames {
                (out + f * d).update(from: rows + f * 2 * d, count: d)                 // K[f]
                (out + (frames + f) * d).update(from: rows + f * 2 * d + d, count: d)  // V[f]
            }
            n = frames * 2 * d
        }
    }

    /// x += fc2(gelu(fc1(LN(x)))). x: (rows, d) -> hidden (rows, 4d) -> (rows, d)
    private func mlp(_ x: UnsafeMutablePointer<Float>, rows: Int, _ ws: ForwardWorkspace) {
        mlpNorm(x, rows: rows, into: ws.normed)                       // h: (rows, d)
        fc1(ws.normed, rows: rows, into: ws.hidden)                   // f: (rows, 4d)
        Kernels.gelu(ws.hidden, count: rows * 4 * width)
        fc2(ws.hidden, rows: rows, into: ws.normed)                   // o: (rows, d)
        Kernels.add(x, ws.normed, count: rows * width)
    }
}
