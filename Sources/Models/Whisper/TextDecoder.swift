import CBLAS
import Tensor

/// Whisper's text decoder: token + learned position embeddings, `layers` residual blocks with
/// cross-attention, final layer norm, logits against the token embedding (tied projection).
/// CTranslate2 names under `decoder/`.
struct TextDecoder {
    let width: Int
    let vocabulary: Int
    let contextLength: Int
    let embedding: TokenEmbedding     // (nVocab, d)
    let projection: TokenEmbedding    // (nVocab, d): `decoder/projection/weight`, an alias of the embedding
    let positions: Tensor     // (nTextCtx, d)
    let blocks: [ResidualAttentionBlock]
    let finalNorm: LayerNormLayer

    init(_ w: WeightStore, dims: WhisperDimensions) throws {
        let d = dims.nTextState
        width = d
        vocabulary = dims.nVocab
        contextLength = dims.nTextCtx
        embedding = try TokenEmbedding(w, "decoder/embeddings/weight", shape: [dims.nVocab, d])
        // Tied weights (the alias every Whisper checkpoint has) share the embedding's table rather
        // than converting a second copy (nVocab × d halves: 40 MB for tiny.en, 53 MB for base).
        if w.aliasTarget(of: "decoder/projection/weight") == "decoder/embeddings/weight" {
            try w.takeShared("decoder/projection/weight", shape: [dims.nVocab, d])
            projection = embedding
        } else if w.contains("decoder/projection/weight") {
            projection = try TokenEmbedding(w, "decoder/projection/weight", shape: [dims.nVocab, d])
        } else {
            projection = embedding
        }
        positions = try w.take("decoder/position_encodings/encodings", shape: [dims.nTextCtx, d])
        blocks = try (0..<dims.nTextLayer).map {
            try ResidualAttentionBlock(w, prefix: "decoder/layer_\($0)", width: d, heads: dims.nTextHead,
                                       crossAttention: true)
        }
        finalNorm = try LayerNormLayer(w, "decoder/layer_norm", width: d)
    }

    /// Runs `tokens` after `caches[0].length` earlier ones; returns the logits after the tokens
    /// at `logitRows` (indices into `tokens`; rows × nVocab, row-major): the last token's for a
    /// step, every token's for `stepAll`.
    func forward(_ tokens: [Int], caches: inout [KVCache], cross: CrossAttentionMemory,
                 _ ws: ForwardWorkspace, logitRows: Range<Int>) throws -> [Float] {
        let n = tokens.count, d = width
        let offset = caches.first?.length ?? 0
        guard n > 0 else {
            throw TensorError.shapeMismatch(operation: "WhisperDecoderState.step", reason: "no tokens to feed")
        }
        guard offset + n <= contextLength else {
            throw TensorError.shapeMismatch(operation: "WhisperDecoderState.step",
                                            reason: "\(offset) + \(n) tokens exceed the text context of \(contextLength)")
        }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw TensorError.shapeMismatch(operation: "WhisperDecoderState.step",
                                            reason: "token \(bad) is outside the vocabulary 0..<\(vocabulary)")
        }
        ws.reserve(rows: n, keys: max(offset + n, cross.frames))
        let x = ws.stream
        // x (n, d) = embedding[tokens] + positions[offset..<offset+n]
        positions.data.withUnsafeBufferPointer { p in
            for (i, token) in tokens.enumerated() {
                let row = x + i * d, pr = p.baseAddress! + (offset + i) * d
                embedding.row(token, into: row)
                for j in 0..<d { row[j] += pr[j] }
            }
        }
        for (l, block) in blocks.enumerated() {
            try cross.keysValues[l].withUnsafeBufferPointer { kv in
                try block.decode(x, rows: n, cache: &caches[l], cross: kv.baseAddress!, frames: cross.frames, ws)
            }
        }
        let kept = logitRows.clamped(to: 0..<n)
        let rows = kept.count
        let first = x + kept.lowerBound * d
        finalNorm(first, rows: rows, into: first)                     // h: (rows, d)
        return [Float](unsafeUninitializedCapacity: rows * vocabulary) { out, count in
            // logits (rows, nVocab) = h (rows, d) · Eᵀ (d, nVocab)
            projection.logits(first, rows: rows, into: out.baseAddress!)
            count = rows * vocabulary
        }
    }
}

/// The token embedding (nVocab, d), also the output projection (Whisper ties them): half
/// precision when the checkpoint's values allow it exactly (`HalfMatrix`), else float32.
struct TokenEmbedding {
    let vocabulary: Int
    let width: Int
    let full: Tensor?
    let half: HalfMatrix?
    let int8: Int8Matrix?

    init(_ table: Tensor, allowsHalf: Bool = true) {
        vocabulary = table.shape[0]
        width = table.shape[1]
        half = allowsHalf ? HalfMatrix(exactly: table) : nil
        full = half == nil ? table : nil
        int8 = nil
    }

    /// The table `name` of `w`: 8-bit when the store holds it so (an int8 checkpoint or
    /// `--compute int8`); a float16 table's bits as they are (no float32 round trip); else as
    /// `init(_:)`.
    init(_ w: WeightStore, _ name: String, shape: [Int]) throws {
        if w.isInt8(name) {
            self.init(int8: try w.takeInt8(name, shape: shape))
        } else if w.allowsHalfPrecision, let stored = try w.takeHalf(name, shape: shape) {
            self.init(half: stored)
        } else {
            self.init(try w.take(name, shape: shape), allowsHalf: w.allowsHalfPrecision)
        }
    }

    private init(int8: Int8Matrix) {
        vocabulary = int8.rows
        width = int8.columns
        self.int8 = int8
        half = nil
        full = nil
    }

    private init(half: HalfMatrix) {
        vocabulary = half.rows
        width = half.columns
        self.half = half
        full = nil
        int8 = nil
    }

    /// Row `token` into `out` (d floats).
    func row(_ token: Int, into out: UnsafeMutablePointer<Float>) {
        if let int8 { int8.row(token, into: out); return }
        if let half { half.row(token, into: out); return }
        full?.data.withUnsafeBufferPointer { (out).update(from: $0.baseAddress! + token * width, count: width) }
    }

    /// Rows up to which a half-precision table projects by `HalfMatrix.linearBatch` (the table
    /// widened once in registers for 4 rows at a time) rather than `linear`'s float32 blocks and
    /// sgemm. The (51864, 384) table, 1 thread: 5 rows 11.3 vs 27.8 ms, 8: 14.3 vs 28.3, 16: 27.0
    /// vs 69.8, 32: 55.1 vs 86.4, 64: 108 vs 137, 128: 204 vs 197; (51865, 512): 16 rows 31.1 vs
    /// 35.4, 32: 70.4 vs 56.3 (2 threads: batch ahead up to 128 rows). It serves the alignment
    /// pass of the live window decodes (start tokens, text and EOT: 5–20 rows in an opening).
    static let batchRows = 16

    /// logits (rows, nVocab) = h (rows, d) · Eᵀ; sgemv for one float32 row.
    func logits(_ h: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
        if let int8 { int8.linear(h, rows: rows, bias: nil, into: out); return }
        if let half {
            if rows > HalfMatrix.kernelRows && rows <= Self.batchRows {
                half.linearBatch(h, rows: rows, bias: nil, into: out)
            } else {
                half.linear(h, rows: rows, bias: nil, into: out)
            }
            return
        }
        full?.data.withUnsafeBufferPointer { e in
            Kernels.linear(h, rows: rows, inFeatures: width, weight: e.baseAddress!, outFeatures: vocabulary,
                           bias: nil, into: out)
        }
    }
}

/// The cross-attention keys and values of one encoder output, one (2·frames, d) array per decoder
/// layer: K (frames, d) in rows 0..<frames, V (frames, d) in rows frames..<2·frames. Computed once
/// per window; immutable and shared by every session (and fork) attending to that window.
public final class CrossAttentionMemory: @unchecked Sendable {
    public let frames: Int
    let keysValues: [[Float]]

    init(frames: Int, keysValues: [[Float]]) {
        self.frames = frames
        self.keysValues = keysValues
    }
}
