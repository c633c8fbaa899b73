import Foundation
import Tensor

/// What the alignment pass of a token sequence returns: the decoder's logits after every token and
/// the alignment heads' cross-attention scores (q·k/√D, before the softmax) over the audio frames.
public struct AlignmentPass: Sendable {
    /// Tokens fed.
    public var tokens: Int
    /// Encoder frames attended to.
    public var frames: Int
    public var vocabulary: Int
    /// (tokens, vocabulary) row-major.
    public var logits: [Float]
    /// One (tokens, frames) row-major score matrix per requested head, in the order asked.
    public var scores: [[Float]]
}

extension WhisperModel {
    /// Feeds `tokens` in one pass over a fresh decoder state attending to the encoder output of
    /// `session` (its cross-attention memory) and records the cross-attention scores of `heads`
    /// (teacher forcing, as CTranslate2's `align`).
    public func alignmentPass(session: WhisperDecoderState, tokens: [Int], heads: [AlignmentHead]) throws -> AlignmentPass {
        let memory = session.memory
        for h in heads where !(0..<dims.nTextLayer).contains(h.layer) || !(0..<dims.nTextHead).contains(h.head) {
            throw ModelsError.decoding("alignment head [\(h.layer), \(h.head)] is outside \(dims.nTextLayer) layers × \(dims.nTextHead) heads")
        }
        return try decoder.alignmentPass(tokens, cross: memory, heads: heads)
    }
}

extension TextDecoder {
    /// The forward pass of `forward(_:caches:cross:_:logitRows:)` over a whole sequence from an empty
    /// cache, with every row's logits and the listed heads' cross-attention scores.
    func alignmentPass(_ tokens: [Int], cross: CrossAttentionMemory, heads: [AlignmentHead]) throws -> AlignmentPass {
        let n = tokens.count, d = width
        guard n > 0, n <= contextLength else {
            throw ModelsError.decoding("alignment of \(n) tokens: need 1...\(contextLength)")
        }
        if let bad = tokens.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw ModelsError.decoding("token \(bad) is outside the vocabulary 0..<\(vocabulary)")
        }
        let ws = ForwardWorkspace(width: d)
        // `x` below is `ws`'s memory, used after the last use of `ws` itself: keep `ws` (whose
        // deinit frees that memory) alive to the end of the pass, not to its last mention.
        defer { withExtendedLifetime(ws) {} }
        ws.reserve(rows: n, keys: max(n, cross.frames))
        var caches = blocks.map { _ in KVCache(capacity: contextLength, width: d) }
        let x = ws.stream
        // x (n, d) = embedding[tokens] + positions[0..<n]
        positions.data.withUnsafeBufferPointer { p in
            for (i, token) in tokens.enumerated() {
                let row = x + i * d, pr = p.baseAddress! + i * d
                embedding.row(token, into: row)
                for j in 0..<d { row[j] += pr[j] }
            }
        }
        let frames = cross.frames
        var scores = [[Float]](repeating: [], count: heads.count)
        for (l, block) in blocks.enumerated() {
            let wanted = heads.enumerated().filter { $0.element.layer == l }
            let headDim = block.headDim
            let scale = 1 / Float(headDim).squareRoot()
            try cross.keysValues[l].withUnsafeBufferPointer { kv in
                let keys = kv.baseAddress!                                   // K: (frames, d), then V
                try block.decode(x, rows: n, cache: &caches[l], cross: keys, frames: frames, ws,
                                 crossQueries: wanted.isEmpty ? nil : { q in   // q: (n, d)
                    for (slot, head) in wanted {
                        // s (n, frames) = q_h (n, D) · K_h (frames, D)ᵀ / √D
                        var s = [Float](repeating: 0, count: n * frames)
                        let off = head.head * headDim
                        for i in 0..<n {
                            let qi = q + i * d + off
                            for f in 0..<frames {
                                let kf = keys + f * d + off
                                var dot: Float = 0
                                for k in 0..<headDim { dot += qi[k] * kf[k] }
                                s[i * frames + f] = dot * scale
                            }
                        }
                        scores[slot] = s
                    }
                })
            }
        }
        finalNorm(x, rows: n, into: x)                                        // h: (n, d)
        let v = vocabulary
        let logits = [Float](unsafeUninitializedCapacity: n * v) { buf, count in
            projection.logits(x, rows: n, into: buf.baseAddress!)             // (n, nVocab)
            count = n * v
        }
        return AlignmentPass(tokens: n, frames: frames, vocabulary: v, logits: logits, scores: scores)
    }
}
