import Tensor

/// The hypotheses of a beam as rows of one decoder state: each step feeds one token per row in one
/// forward pass (every weight matrix read once for all rows, the cross-attention keys and values
/// once for all queries), and each row keeps its own self-attention keys and values. After the
/// search picks the next beams, `select` gathers the rows' caches into the new order (as
/// CTranslate2 reorders its cache by the beam origins).
public final class WhisperBatchState: WhisperDecoderBatch {
    let model: WhisperModel
    let memory: CrossAttentionMemory
    public private(set) var rows: Int
    /// Tokens fed to every row so far.
    public private(set) var length: Int
    let maxRows: Int
    let capacity: Int
    private var layers: [BeamCacheLayer]
    /// The other buffer of each layer, that `select` gathers into.
    private var spare: [BeamCacheLayer]
    private let workspace: ForwardWorkspace

    /// One row continuing `session` (its cached tokens copied), room for `maxRows` rows and
    /// `steps` more tokens (bounded by the text context).
    init(session: WhisperDecoderState, maxRows: Int, steps: Int) {
        model = session.model
        memory = session.memory
        let dims = model.dims, d = dims.nTextState
        length = session.length
        rows = 1
        self.maxRows = max(1, maxRows)
        capacity = max(1, min(dims.nTextCtx, session.length + max(0, steps)))
        let floats = self.maxRows * capacity * d
        func buffers() -> BeamCacheLayer { BeamCacheLayer(keys: .allocate(capacity: floats), values: .allocate(capacity: floats)) }
        layers = (0..<dims.nTextLayer).map { _ in buffers() }
        spare = (0..<dims.nTextLayer).map { _ in buffers() }
        workspace = ForwardWorkspace(width: d)
        let n = min(length, capacity) * d
        for (l, cache) in session.caches.enumerated() where l < layers.count {
            cache.keys.withUnsafeBufferPointer { layers[l].keys.update(from: $0.baseAddress!, count: n) }
            cache.values.withUnsafeBufferPointer { layers[l].values.update(from: $0.baseAddress!, count: n) }
        }
    }

    deinit {
        for b in layers + spare { b.keys.deallocate(); b.values.deallocate() }
    }

    /// tokens: one per row -> logits (nVocab) per row.
    public func step(_ tokens: [Int]) throws -> [[Float]] {
        let decoder = model.decoder
        let n = rows, d = decoder.width, vocabulary = decoder.vocabulary
        guard tokens.count == n else {
            throw TensorError.shapeMismatch(operation: "WhisperBatchState.step", reason: "\(tokens.count) tokens for \(n) rows")
        }
        guard length < capacity else {
            throw TensorError.shapeMismatch(operation: "WhisperBatchState.step",
                                            reason: "\(length) + 1 tokens exceed the batch's room of \(capacity) (text context \(model.dims.nTextCtx))")
        }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw TensorError.shapeMismatch(operation: "WhisperBatchState.step",
                                            reason: "token \(bad) is outside the vocabulary 0..<\(vocabulary)")
        }
        let ws = workspace
        ws.reserve(rows: n, keys: max(length + 1, memory.frames))
        let x = ws.stream
        // x (n, d) = embedding[tokens] + positions[length]
        decoder.positions.data.withUnsafeBufferPointer { p in
            let pr = p.baseAddress! + length * d
            for (r, token) in tokens.enumerated() {
                let row = x + r * d
                decoder.embedding.row(token, into: row)
                for j in 0..<d { row[j] += pr[j] }
            }
        }
        for (l, block) in decoder.blocks.enumerated() {
            memory.keysValues[l].withUnsafeBufferPointer { kv in
                block.decodeBatch(x, rows: n, position: length, cache: layers[l], rowStride: capacity * d,
                                  cross: kv.baseAddress!, frames: memory.frames, ws)
            }
        }
        length += 1
        decoder.finalNorm(x, rows: n, into: x)                          // h: (n, d)
        let flat = [Float](unsafeUninitializedCapacity: n * vocabulary) { out, count in
            // logits (n, nVocab) = h (n, d) · Eᵀ (d, nVocab), the table read once for all rows
            decoder.projection.batchedLogits(x, rows: n, into: out.baseAddress!)
            count = n * vocabulary
        }
        return (0..<n).map { Array(flat[($0 * vocabulary)..<(($0 + 1) * vocabulary)]) }
    }

    /// New row i continues old row origins[i]: the first `length` positions of each layer's keys
    /// and values are gathered into the spare buffers, which then become the cache.
    public func select(_ origins: [Int]) {
        precondition(origins.count <= maxRows && origins.allSatisfy { $0 >= 0 && $0 < rows },
                     "WhisperBatchState.select: origins \(origins) for \(rows) rows and room for \(maxRows)")
        if origins == Array(0..<rows) { return }
        let d = model.dims.nTextState, stride = capacity * d, n = length * d
        for l in layers.indices {
            for (i, o) in origins.enumerated() {
                (spare[l].keys + i * stride).update(from: layers[l].keys + o * stride, count: n)
                (spare[l].values + i * stride).update(from: layers[l].values + o * stride, count: n)
            }
            swap(&layers[l], &spare[l])
        }
        rows = origins.count
    }
}

extension WhisperDecoderState {
    /// A batch of one row continuing this session, for a beam of up to `maxRows` hypotheses.
    public func makeBatch(maxRows: Int, steps: Int) -> WhisperBatchState {
        WhisperBatchState(session: self, maxRows: maxRows, steps: steps)
    }
}
