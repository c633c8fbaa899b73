import Foundation
import Tensor

/// The attention decoder's score inside the CTC prefix beam search (triggered attention, Moritz
/// et al., ICASSP 2019): when the search extends a prefix at CTC step t, the GRU decoder takes one
/// step from that prefix's state reading the fused frames the character's spike lets it see (frame
/// t/k + 1 + lookahead, as in training and in `AVStream`), and its log-probability of the new
/// character is added, weighted, to the prefix's score. Each prefix carries its decoder state.
public struct TriggeredAttention: @unchecked Sendable {
    /// The decoder's state after a prefix: GRU hidden (H) and the last attention context (d).
    public struct State: Sendable, Equatable {
        var hidden: [Float], context: [Float]
    }

    let decoder: AVDecoderWeights
    /// CTC steps per frame and the decoder's lookahead (frames), from the checkpoint.
    public let subframes: Int, lookahead: Int
    /// γ: weight of the decoder's log-probability in the search's score.
    public var weight: Float

    /// nil when the checkpoint has no attention decoder.
    public init?(_ recognizer: AVRecognizer, weight: Float) {
        guard let decoder = recognizer.decoder else { return nil }
        self.decoder = decoder
        subframes = recognizer.ctcSubframes; lookahead = recognizer.decoderLookahead; self.weight = weight
    }

    public var initial: State {
        State(hidden: [Float](repeating: 0, count: decoder.hidden), context: [Float](repeating: 0, count: decoder.width))
    }

    /// Frames a character emitted at CTC step `step` may read, of `available`.
    public func visibleFrames(step: Int, available: Int) -> Int { min(available, step / subframes + 1 + lookahead) }

    /// The decoder's keys of fused frames (frames, d) → (frames, depth).
    public func keys(_ fused: [Float], frames: Int) -> [Float] { decoder.key(fused, rows: frames) }

    /// One decoder step after `previous` (0 before the first character) reading `memory.frames`
    /// frames 0..<visible: log-probabilities over the classes and the state after it. The search
    /// and `AVStream.decodeStep` (the trainer's greedy joint decoding, run incrementally) both call it.
    public func step(_ state: State, previous: Int, memory: Memory, visible: Int) -> (logProbs: [Float], state: State) {
        let d = decoder.width, e = decoder.embeddingSize, depth = decoder.depth
        let x = Array(decoder.embedding[previous * e..<(previous + 1) * e]) + state.context
        let hidden = decoder.gru(x, state.hidden)
        let q = decoder.query(hidden, rows: 1)
        // Softmax attention of q over the visible frames' keys → context (d), as AVStream.attend.
        let n = max(0, min(visible, memory.frames))
        var context = [Float](repeating: 0, count: d)
        if n > 0 {
            let scale = 1 / Float(depth).squareRoot()
            var scores = [Float](repeating: 0, count: n)
            memory.keys.withUnsafeBufferPointer { k in
                for j in 0..<n {
                    let row = (memory.start + j) * depth
                    var acc: Float = 0
                    for i in 0..<depth { acc += q[i] * k[row + i] }
                    scores[j] = acc * scale
                }
            }
            let m = scores.max() ?? 0
            var sum: Float = 0
            for j in 0..<n { scores[j] = exp(scores[j] - m); sum += scores[j] }
            memory.fused.withUnsafeBufferPointer { v in
                for j in 0..<n {
                    let p = scores[j] / sum, row = (memory.start + j) * d
                    for i in 0..<d { context[i] += p * v[row + i] }
                }
            }
        }
        return (LogProbabilities.logSoftmax(decoder.output(hidden + context, rows: 1)), State(hidden: hidden, context: context))
    }

    /// The fused frames (rows of d) and their decoder keys (rows of depth) a search reads, from
    /// frame `start` of the arrays (the range's first frame) for `frames` frames.
    public struct Memory {
        public let fused: [Float], keys: [Float]
        public let start: Int, frames: Int
        public init(fused: [Float], keys: [Float], start: Int, frames: Int) {
            self.fused = fused; self.keys = keys; self.start = start; self.frames = frames
        }
    }
}
