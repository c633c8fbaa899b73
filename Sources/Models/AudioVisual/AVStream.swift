import Foundation
import Tensor

/// Incremental run of an `AVRecognizer`: feed one video frame and its 40 ms of log-mel, get that
/// frame's CTC logits (ctcSubframes rows); the decoder emits a character as soon as the frames
/// its CTC spike lets it read (spike frame + lookahead) have arrived. Each gated causal conv keeps
/// the last `dilation` inputs, the fusion the other modality's last `fusionWindow` keys and values,
/// the decoder the fused frames seen so far. `finish()` ends the clip and returns the transcript,
/// the same as the trainer's whole-clip `AVModel.transcribe`.
public final class AVStream {
    let model: AVRecognizer
    let useAudio: Bool, useVideo: Bool
    /// Per audio layer: past inputs h[t − dilation …, t − 1], oldest first.
    var history: [[[Float]]]
    /// Per video temporal layer: its past inputs, oldest first.
    var videoHistory: [[[Float]]]
    /// The last `fusionWindow` frames' keys and values: video's for the audio queries, audio's for the video queries.
    var videoKeys: [[Float]] = [], videoValues: [[Float]] = [], audioKeys: [[Float]] = [], audioValues: [[Float]] = []
    /// Fused frames (T, d) and the decoder's keys of them (T, depth).
    var memory: [Float] = [], decoderKeys: [Float] = []
    public private(set) var frames = 0
    var ctcSteps = 0, previousArgmax = -1
    /// CTC spikes not yet decoded: (CTC step, that step's logits).
    var pending: [(step: Int, logits: [Float])] = []
    /// The attention decoder (nil without one) and its state after the characters emitted.
    let attention: TriggeredAttention?
    var decoderState: TriggeredAttention.State?
    var previous = 0
    var ids: [Int] = []
    /// Frames since the last CTC spike (all blank or repeats), counted only when the stream
    /// decodes (`decodes`); the live path's endpoint reads `AVIncrementalDecoder`'s trailing blank.
    public private(set) var framesSinceSpike = 0
    /// The fused encoder output of the last frame fed (d), for a decoder outside the stream.
    public private(set) var lastFused: [Float] = []
    /// Fused frames the decoder keeps (0 when it does not decode).
    public var retainedFrames: Int { memory.count / max(1, model.width) }

    /// Whether the attention decoder runs (`text`, `finish`). Without it the stream keeps no
    /// per-frame memory, so a stream that only gives CTC logits (`AVIncrementalDecoder`, live for
    /// hours) stays the same size however long it runs.
    public let decodes: Bool

    public init(_ model: AVRecognizer, useAudio: Bool = true, useVideo: Bool = true, decodes: Bool = true) {
        self.model = model; self.useAudio = useAudio; self.useVideo = useVideo; self.decodes = decodes
        history = model.dilations.map { d in Array(repeating: [Float](repeating: 0, count: model.width), count: d) }
        videoHistory = model.videoTemporal.map { Array(repeating: [Float](repeating: 0, count: model.width), count: $0.historyLength) }
        attention = TriggeredAttention(model, weight: 1)
        decoderState = attention?.initial
    }

    /// The transcript so far (characters already emitted).
    public var text: String { model.outputVocabulary.text(ids) }

    /// The audio encoder's output for one frame of log-mel (bins·per) → (d).
    func audioFrame(_ mel: [Float]) -> [Float] {
        let d = model.width
        var h = model.audioInput(mel, rows: 1)                                      // (d)
        var skip = [Float](repeating: 0, count: d)
        for i in model.dilations.indices {
            let past = history[i].removeFirst()                                      // h[t − dilation]
            history[i].append(h)
            // conv tap 0 reads h[t − dilation], tap 1 reads h[t]; weight index c·2 + tap.
            var pre = model.audioConvBiases[i]
            let w = model.audioConvWeights[i]
            for o in 0..<(2 * d) {
                var acc: Float = 0
                for c in 0..<d { acc += w[o * 2 * d + c * 2] * past[c] + w[o * 2 * d + c * 2 + 1] * h[c] }
                pre[o] += acc
            }
            let g = (0..<d).map { tanh(pre[$0]) * (1 / (1 + exp(-pre[d + $0]))) }
            let res = model.residuals[i](g, rows: 1), sk = model.skips[i](g, rows: 1)
            for j in 0..<d { h[j] += res[j]; skip[j] += sk[j] }
        }
        return skip.map { max($0, 0) }
    }

    /// The video temporal stack on one frame's CNN features (d) → (d); unchanged without one.
    func videoTemporal(_ features: [Float]) -> [Float] {
        var h = features
        for i in model.videoTemporal.indices { h = model.videoTemporal[i].step(h, history: &videoHistory[i]) }
        return h
    }

    /// Softmax attention of one query over rows of keys (n, depth) and values (n, dv) → (dv).
    static func attend(_ q: [Float], keys: [[Float]], values: [[Float]]) -> [Float] {
        let scale = 1 / Float(q.count).squareRoot()
        let scores = keys.map { k in zip(q, k).reduce(Float(0)) { $0 + $1.0 * $1.1 } * scale }
        let m = scores.max() ?? 0
        let e = scores.map { exp($0 - m) }
        let sum = e.reduce(0, +)
        var out = [Float](repeating: 0, count: values.first?.count ?? 0)
        for (p, v) in zip(e, values) { for j in out.indices { out[j] += p / sum * v[j] } }
        return out
    }

    /// crop: 4096 standardised values; mel: (bins·per) → CTC logits (ctcSubframes · classes).
    public func feed(crop: [Float], mel: [Float]) -> [Float] {
        let d = model.width, w = model.fusionWindow
        let a = useAudio ? audioFrame(mel) : [Float](repeating: 0, count: d)
        let v = useVideo ? videoTemporal(model.videoFrame(crop)) : [Float](repeating: 0, count: d)
        func push(_ list: inout [[Float]], _ x: [Float]) { list.append(x); if list.count > w { list.removeFirst() } }
        push(&videoKeys, model.audioKey(v, rows: 1)); push(&videoValues, model.audioValue(v, rows: 1))
        push(&audioKeys, model.videoKey(a, rows: 1)); push(&audioValues, model.videoValue(a, rows: 1))
        let ctxA = Self.attend(model.audioQuery(a, rows: 1), keys: videoKeys, values: videoValues)
        let ctxV = Self.attend(model.videoQuery(v, rows: 1), keys: audioKeys, values: audioValues)
        let a2 = zip(a, ctxA).map { $0 + $1 }, v2 = zip(v, ctxV).map { $0 + $1 }
        let z = model.gate(a2 + v2, rows: 1)
        var fused = [Float](repeating: 0, count: d)
        for j in 0..<d { let g = 1 / (1 + exp(-z[j])); fused[j] = g * a2[j] + (1 - g) * v2[j] }
        let logits = model.head(fused, rows: 1)                                      // (k·V)
        lastFused = fused
        frames += 1
        guard decodes else { return logits }
        memory += fused
        if let decoder = model.decoder { decoderKeys += decoder.key(fused, rows: 1) }
        let classes = model.classes
        var spiked = false
        for s in 0..<model.ctcSubframes {
            let row = Array(logits[s * classes..<(s + 1) * classes])
            var best = 0
            for j in 1..<classes where row[j] > row[best] { best = j }
            if best != previousArgmax && best != 0 { pending.append((ctcSteps, row)); spiked = true }
            previousArgmax = best
            ctcSteps += 1
        }
        framesSinceSpike = spiked ? 0 : framesSinceSpike + 1
        decodeReady(final: false)
        return logits
    }

    /// Ends the clip: decodes the spikes still waiting for lookahead frames; returns the transcript.
    @discardableResult
    public func finish() -> String {
        decodeReady(final: true)
        return text
    }

    /// Decodes the pending spikes whose visible frames have all arrived (all of them when final).
    func decodeReady(final: Bool) {
        while let spike = pending.first {
            let visible = spike.step / model.ctcSubframes + 1 + model.decoderLookahead
            guard final || visible <= frames else { return }
            pending.removeFirst()
            ids.append(decodeStep(spike.logits, visible: min(visible, frames)))
        }
    }

    /// One decoder step reading frames 0..<visible, choosing jointly with the spike's CTC logits.
    func decodeStep(_ ctcRow: [Float], visible: Int) -> Int {
        let classes = model.classes
        let ctc = LogProbabilities.logSoftmax(ctcRow)
        guard let attention, let state = decoderState else {
            var best = 1
            for c in 1..<classes where ctc[c] > ctc[best] { best = c }
            return best
        }
        let seen = TriggeredAttention.Memory(fused: memory, keys: decoderKeys, start: 0, frames: frames)
        let (scores, next) = attention.step(state, previous: previous, memory: seen, visible: visible)
        decoderState = next
        let mu = model.decodingCTCWeight
        var best = 1, bestScore = -Float.infinity
        for c in 1..<classes {
            let score = (1 - mu) * scores[c] + mu * ctc[c]
            if score > bestScore { bestScore = score; best = c }
        }
        previous = best
        return best
    }
}
