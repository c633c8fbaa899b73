import Foundation
import Tensor

/// The streaming attention decoder: a GRU over characters whose attention reads only encoder frames
/// already seen. Step u (emitting character y_u):
///   x_u = [E(y_{u−1}); c_{u−1}],  s_u = GRU(x_u, s_{u−1}),
///   c_u = Attn(q = Q·s_u, keys K·f_{0..<n_u}, values f_{0..<n_u}),  logits_u = O·[s_u; c_u],
/// with y_{−1} = blank (start), c_{−1} = 0, and n_u = the frames visible when y_u is emitted. The CTC
/// head decides n_u (triggered attention, Moritz et al., ICASSP 2019): y_u's CTC spike at frame t_u
/// lets the decoder see frames 0 … t_u + lookahead. In training t_u comes from the CTC forced alignment
/// (`CTCAlignment`), in decoding from the greedy CTC spikes, so the decoder emits as frames arrive.
public final class AttentionDecoder {
    public let embedding: Parameter
    public let gru: GRUCell
    public let query: Linear, key: Linear, output: Linear
    public let width: Int, hidden: Int, depth: Int, embeddingSize: Int, classes: Int

    public init(_ c: AVConfiguration, classes v: Int, random r: inout SplitMix) {
        width = c.modelWidth; hidden = c.decoderHidden; depth = c.attentionDepth; embeddingSize = c.decoderEmbedding; classes = v
        embedding = Parameter(name: "decoder.embedding.weight", shape: [v, embeddingSize],
                              value: (0..<(v * embeddingSize)).map { _ in r.gaussian() * 0.1 })
        gru = GRUCell(name: "decoder.gru", inputSize: embeddingSize + width, hiddenSize: hidden, random: &r)
        query = Linear(name: "decoder.query", inFeatures: hidden, outFeatures: depth, random: &r)
        key = Linear(name: "decoder.key", inFeatures: width, outFeatures: depth, random: &r)
        output = Linear(name: "decoder.output", inFeatures: hidden + width, outFeatures: v, random: &r)
    }

    public var parameters: [Parameter] { [embedding] + gru.parameters + query.parameters + key.parameters + output.parameters }

    /// The recurrent state between steps.
    public struct State { public var hidden: [Float]; public var context: [Float]; public var previous: Int }

    public func initialState() -> State {
        State(hidden: [Float](repeating: 0, count: hidden), context: [Float](repeating: 0, count: width), previous: 0)
    }

    struct StepCache { let x: [Float], gru: GRUCell.Cache, h: [Float], attention: DotProductAttention.Cache }

    /// One step on memory f: (T, d) with keys K·f: (T, depth), seeing frames 0..<visible → (state', s_u ; c_u).
    func step(_ s: State, memory f: [Float], keys: [Float], frames t: Int, visible: Int) -> (State, [Float], StepCache) {
        let e = Array(embedding.value[s.previous * embeddingSize..<(s.previous + 1) * embeddingSize])
        let x = e + s.context                                                         // (e + d)
        let (h, gc) = gru.forward(x, hidden: s.hidden, rows: 1)                       // (H)
        let q = query.forward(h, rows: 1)                                             // (depth)
        let (c, ac) = DotProductAttention.forward(q: q, k: keys, v: f, queries: 1, keys: t, depth: depth,
                                                  valueDepth: width, window: { _ in 0..<visible })  // (d)
        return (State(hidden: h, context: c, previous: s.previous), h + c, StepCache(x: x, gru: gc, h: h, attention: ac))
    }

    public struct Cache { let memory: [Float], steps: [StepCache], readouts: [Float], previous: [Int] }

    /// Teacher forcing: memory (T, d), labels (U), visible[u] frames for label u → logits (U, V).
    public func forward(memory f: [Float], frames t: Int, labels: [Int], visible: [Int]) -> ([Float], Cache) {
        let keys = key.forward(f, rows: t)                                            // (T, depth)
        var s = initialState()
        var steps: [StepCache] = [], readouts: [Float] = [], previous: [Int] = []
        for (u, y) in labels.enumerated() {
            previous.append(s.previous)
            let (next, readout, cache) = step(s, memory: f, keys: keys, frames: t, visible: visible[u])
            steps.append(cache); readouts += readout
            s = next; s.previous = y
        }
        let logits = output.forward(readouts, rows: labels.count)                    // (U, H + d) -> (U, V)
        return (logits, Cache(memory: f, steps: steps, readouts: readouts, previous: previous))
    }

    /// Backpropagation through the steps; accumulates the gradients, returns d memory: (T, d).
    public func backward(_ dlogits: [Float], cache c: Cache, frames t: Int) -> [Float] {
        let u = c.steps.count, hd = hidden + width
        let dreadout = output.backward(dlogits, x: c.readouts, rows: u)              // (U, H + d)
        var dkeys = [Float](repeating: 0, count: t * depth)
        var dmemory = [Float](repeating: 0, count: t * width)
        var dhNext = [Float](repeating: 0, count: hidden), dcNext = [Float](repeating: 0, count: width)
        for i in stride(from: u - 1, through: 0, by: -1) {
            let sc = c.steps[i]
            var dh = Array(dreadout[i * hd..<(i * hd + hidden)])
            var dc = Array(dreadout[(i * hd + hidden)..<((i + 1) * hd)])
            add(dhNext, into: &dh); add(dcNext, into: &dc)
            let (dq, dk, dv) = DotProductAttention.backward(dc, cache: sc.attention, queries: 1, keys: t, depth: depth, valueDepth: width)
            add(dk, into: &dkeys); add(dv, into: &dmemory)
            add(query.backward(dq, x: sc.h, rows: 1), into: &dh)
            let (dx, dhPrevious) = gru.backward(dh, cache: sc.gru, rows: 1)
            let p = c.previous[i]
            for j in 0..<embeddingSize { embedding.grad[p * embeddingSize + j] += dx[j] }
            dcNext = Array(dx[embeddingSize...]); dhNext = dhPrevious
        }
        add(key.backward(dkeys, x: c.memory, rows: t), into: &dmemory)
        return dmemory
    }
}
