import Features
import Foundation
import Models

/// One training example: mouth crops (T, 64·64) and log-mel (T, 4·80) with the transcript's
/// character ids. Crops are kept as bytes when loaded from a corpus (a quarter of the memory) and
/// standardised (MouthCropSpec) when used; `noisyMels` are the same clip's audio with noise mixed
/// in (the corpus's noisy copies), drawn from in training.
public struct AVExample: Sendable {
    let cropBytes: [UInt8]?
    let storedCrops: [Float]
    public let mel: [Float]
    public let noisyMels: [[Float]]
    public let frames: Int
    public let labels: [Int]
    public let text: String

    public init(crops: [Float], mel: [Float], frames: Int, labels: [Int], text: String, noisyMels: [[Float]] = []) {
        cropBytes = nil; storedCrops = crops
        self.mel = mel; self.frames = frames; self.labels = labels; self.text = text; self.noisyMels = noisyMels
    }

    public init(cropBytes: [UInt8], mel: [Float], frames: Int, labels: [Int], text: String, noisyMels: [[Float]] = []) {
        self.cropBytes = cropBytes; storedCrops = []
        self.mel = mel; self.frames = frames; self.labels = labels; self.text = text; self.noisyMels = noisyMels
    }

    /// Standardised crops (T, 4096).
    public var crops: [Float] {
        guard let cropBytes else { return storedCrops }
        var out: [Float] = []
        out.reserveCapacity(cropBytes.count)
        for f in 0..<(cropBytes.count / 4096) { out += MouthCropSpec.standardised(Array(cropBytes[f * 4096..<(f + 1) * 4096])) }
        return out
    }
}

/// Which inputs the model sees (modality dropout in training; audio-only / video-only evaluation).
public enum Modality: String, Sendable { case both, audioOnly, videoOnly }

/// The audio-visual model of issue 13: per-frame video CNN and WaveNet audio encoder, fused by
/// cross-modal attention with a learned modality gate (`CrossModalFusion`); on the fused frames a
/// CTC head (`ctcSubframes` CTC steps per frame) and a GRU attention decoder whose attention reads
/// only frames already seen, triggered by the CTC spikes (`AttentionDecoder`). Trained with the
/// joint loss λ·CTC + (1 − λ)·label-smoothed cross-entropy and decoded jointly. Everything is
/// causal, so `Models.AVStream` runs it one frame at a time.
public final class AVModel {
    public let configuration: AVConfiguration
    public let video: VideoFrontend
    public let audio: AudioFrontend
    public let fusion: CrossModalFusion
    public let head: Linear
    public let decoder: AttentionDecoder?
    /// Temporal context over the per-frame video features (nil without `videoTemporalDilations`).
    public let videoTemporal: VideoTemporalStack?

    public init(_ c: AVConfiguration, seed: UInt64) {
        configuration = c
        var r = SplitMix(seed: seed, stream: "av-model-init")
        video = VideoFrontend(c, random: &r)
        audio = AudioFrontend(c, random: &r)
        fusion = CrossModalFusion(c, random: &r)
        head = Linear(name: "ctc.head", inFeatures: c.modelWidth, outFeatures: c.ctcSubframes * c.outputVocabulary.classes, random: &r)
        decoder = c.decoderHidden > 0 ? AttentionDecoder(c, classes: c.outputVocabulary.classes, random: &r) : nil
        // Last, so a model without it initialises every other layer as before.
        videoTemporal = c.videoTemporalDilations.isEmpty ? nil : VideoTemporalStack(c, random: &r)
    }

    public var parameters: [Parameter] {
        video.parameters + audio.parameters + fusion.parameters + head.parameters + (decoder?.parameters ?? [])
            + (videoTemporal?.parameters ?? [])
    }

    /// CTC steps of a clip of `t` frames.
    public func ctcSteps(_ t: Int) -> Int { t * configuration.ctcSubframes }

    struct Encoded {
        let fused: [Float], ctcLogits: [Float]
        let a: [Float], v: [Float], videoCache: VideoFrontend.Cache?, audioCache: AudioFrontend.Cache, fusionCache: CrossModalFusion.Cache
        let temporalCache: VideoTemporalStack.Cache?
    }

    /// `videoRows`: this clip's rows of a `VideoBatch` (the video CNN already ran over the batch).
    func encode(_ e: AVExample, mel: [Float]?, modality: Modality, batchStatistics: Bool, videoRows: [Float]? = nil) -> Encoded {
        let t = e.frames, d = configuration.modelWidth
        let (vOut, vCache): ([Float], VideoFrontend.Cache?)
        if let videoRows { (vOut, vCache) = (videoRows, nil) } else {
            let (out, cache) = video.forward(e.crops, frames: t, batchStatistics: batchStatistics)   // (T, d)
            (vOut, vCache) = (out, cache)
        }
        var vContext = vOut, tCache: VideoTemporalStack.Cache?
        if let videoTemporal, modality != .audioOnly {
            let (y, cache) = videoTemporal.forward(vOut, frames: t)                              // (T, d) -> (T, d)
            vContext = y; tCache = cache
        }
        let (aOut, aCache) = audio.forward(mel ?? e.mel, frames: t)                               // (T, d)
        let a = modality == .videoOnly ? [Float](repeating: 0, count: t * d) : aOut
        let v = modality == .audioOnly ? [Float](repeating: 0, count: t * d) : vContext
        let (fused, fCache) = fusion.forward(audio: a, video: v, frames: t)                       // (T, d)
        let logits = head.forward(fused, rows: t)                                                 // (T, k·V) = (T·k, V)
        return Encoded(fused: fused, ctcLogits: logits, a: a, v: v, videoCache: vCache, audioCache: aCache, fusionCache: fCache,
                       temporalCache: tCache)
    }

    /// Frames the decoder may read for a character whose CTC spike is at CTC step `s`.
    func visibleFrames(spike s: Int, frames t: Int) -> Int {
        min(t, s / configuration.ctcSubframes + 1 + configuration.decoderLookahead)
    }

    /// Forward and (when `train`) backward for one clip; returns the joint loss per label
    /// (λ·CTC/U + (1 − λ)·CE, or CTC/U without a decoder) and the CTC logits (T·k, V). `mel`
    /// replaces the example's clean log-mel (a noisy copy). Batch norm uses the clip's statistics
    /// when `batchStatistics` (default: when training), else the running ones (evaluation, and what
    /// the folded inference model computes). Gradients are scaled by `gradientScale`.
    /// With `batch` (training), the clip's video features are its rows of that batch's video pass,
    /// and the gradient of those rows is added to `batch.gradient` for `backwardVideo`.
    @discardableResult
    public func step(_ e: AVExample, mel: [Float]? = nil, modality: Modality, train: Bool, batchStatistics: Bool? = nil,
                     gradientScale: Float = 1, batch: (video: VideoBatch, clip: Int)? = nil) -> (loss: Double, logits: [Float]) {
        let t = e.frames, v = configuration.outputVocabulary.classes, u = max(e.labels.count, 1)
        let enc = encode(e, mel: mel, modality: modality, batchStatistics: batchStatistics ?? train,
                         videoRows: batch.map { $0.video.rows(of: $0.clip) })
        let steps = ctcSteps(t)
        let (ctcLoss, dctc) = CTCLoss.lossAndGradient(logits: enc.ctcLogits, frames: steps, classes: v, labels: e.labels)
        guard ctcLoss.isFinite else { return (ctcLoss, enc.ctcLogits) }
        let lambda = decoder == nil ? 1 : Double(configuration.ctcWeight)
        var loss = lambda * ctcLoss / Double(u)
        var decoderPass: (AttentionDecoder, [Float], AttentionDecoder.Cache)?
        if let decoder, !e.labels.isEmpty {
            let spikes = CTCAlignment.forcedAlignment(logits: enc.ctcLogits, steps: steps, classes: v, labels: e.labels)
            let visible = spikes.map { $0.map { visibleFrames(spike: $0, frames: t) } } ?? Array(repeating: t, count: e.labels.count)
            let (logits, cache) = decoder.forward(memory: enc.fused, frames: t, labels: e.labels, visible: visible)
            let (ce, dce) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, rows: e.labels.count, classes: v,
                                                                targets: e.labels, smoothing: configuration.labelSmoothing)
            loss += (1 - lambda) * ce
            decoderPass = (decoder, dce, cache)
        }
        guard train else { return (loss, enc.ctcLogits) }
        let ctcScale = Float(lambda) / Float(u) * gradientScale
        var dfused = head.backward(dctc.map { $0 * ctcScale }, x: enc.fused, rows: t)
        if let (decoder, dce, cache) = decoderPass {
            let scale = Float(1 - lambda) * gradientScale
            add(decoder.backward(dce.map { $0 * scale }, cache: cache, frames: t), into: &dfused)
        }
        let (da, dv) = fusion.backward(dfused, cache: enc.fusionCache, frames: t)
        if modality != .videoOnly { audio.backward(da, cache: enc.audioCache, frames: t) }
        if modality != .audioOnly {
            var dv = dv
            if let videoTemporal, let cache = enc.temporalCache { dv = videoTemporal.backward(dv, cache: cache, frames: t) }
            if let batch { batch.video.addGradient(dv, of: batch.clip) } else if let cache = enc.videoCache { video.backward(dv, cache: cache, frames: t) }
        }
        return (loss, enc.ctcLogits)
    }

    /// Runs the video CNN once over the frames of all `examples` (one batch-norm batch, as the
    /// running statistics used in evaluation and inference describe); see `VideoBatch`.
    public func encodeVideo(_ examples: [AVExample]) -> VideoBatch {
        var crops: [Float] = [], offsets = [0]
        for e in examples { crops += e.crops; offsets.append(offsets[offsets.count - 1] + e.frames) }
        let frames = offsets[offsets.count - 1]
        let (out, cache) = video.forward(crops, frames: frames, batchStatistics: true)          // (ΣT, d)
        return VideoBatch(features: out, cache: cache, offsets: offsets, width: configuration.modelWidth)
    }

    /// Back-propagates the gradient the clips' steps collected in `batch` through the video CNN.
    public func backwardVideo(_ batch: VideoBatch) {
        video.backward(batch.gradient, cache: batch.cache, frames: batch.offsets[batch.offsets.count - 1])
    }

    /// The transcript by joint CTC/attention decoding (`JointDecoding`), or greedy CTC without a
    /// decoder. Whole-clip; `Models.AVStream` gives the same text one frame at a time.
    public func transcribe(_ e: AVExample, mel: [Float]? = nil, modality: Modality = .both, clipStatistics: Bool = false) -> String {
        decode(e, mel: mel, modality: modality, clipStatistics: clipStatistics).joint
    }

    /// The transcript by joint decoding (`transcribe`) and, from the same encoder run, by `search`
    /// over the CTC head (`CTCPrefixBeamSearch`: what `captionctl eval` and the daemon write).
    public func decode(_ e: AVExample, mel: [Float]? = nil, modality: Modality = .both, clipStatistics: Bool = false,
                       search: CTCPrefixBeamSearch? = nil) -> (joint: String, searched: String?) {
        let enc = encode(e, mel: mel, modality: modality, batchStatistics: clipStatistics)
        let vocabulary = configuration.outputVocabulary
        var searched: String?
        if let search {
            let steps = ctcSteps(e.frames), v = vocabulary.classes
            let found = search.search(logProbs: CTCAlignment.logSoftmax(enc.ctcLogits, rows: steps, classes: v), steps: steps, classes: v)
            searched = vocabulary.text(found.ids)
        }
        guard let decoder else { return (vocabulary.greedyCTC(logits: enc.ctcLogits, steps: ctcSteps(e.frames)), searched) }
        let joint = JointDecoding.decode(decoder, memory: enc.fused, frames: e.frames, ctcLogits: enc.ctcLogits,
                                         subframes: configuration.ctcSubframes, lookahead: configuration.decoderLookahead,
                                         ctcWeight: configuration.decodingCTCWeight, vocabulary: vocabulary)
        return (joint, searched)
    }
}

/// Joint CTC/attention decoding with CTC-triggered attention: the greedy CTC spikes fix how many
/// characters there are and when each was spoken; at each spike the decoder takes one step reading
/// the frames seen so far (spike frame + lookahead), and the character is the argmax over non-blank
/// c of (1 − μ)·log p_att(c | previous characters) + μ·log p_ctc(c | spike, not blank).
public enum JointDecoding {
    public static func decode(_ decoder: AttentionDecoder, memory f: [Float], frames t: Int, ctcLogits: [Float],
                              subframes k: Int, lookahead: Int, ctcWeight mu: Float, vocabulary: AVVocabulary = .english) -> String {
        let v = decoder.classes
        let keys = decoder.key.forward(f, rows: t)                                     // (T, depth)
        var state = decoder.initialState()
        var ids: [Int] = []
        for spike in CTCAlignment.greedySpikes(logits: ctcLogits, steps: t * k, classes: v) {
            let visible = min(t, spike.step / k + 1 + lookahead)
            let (next, readout, _) = decoder.step(state, memory: f, keys: keys, frames: t, visible: visible)
            let attention = CTCAlignment.logSoftmax(decoder.output.forward(readout, rows: 1), rows: 1, classes: v)
            let best = choose(attention: attention, ctcRow: Array(ctcLogits[spike.step * v..<(spike.step + 1) * v]), ctcWeight: mu)
            state = next; state.previous = best
            ids.append(best)
        }
        return vocabulary.text(ids)
    }

    /// argmax over c ≥ 1 of (1 − μ)·attention[c] + μ·log p_ctc(c | not blank).
    public static func choose(attention: [Float], ctcRow: [Float], ctcWeight mu: Float) -> Int {
        let ctc = CTCAlignment.logSoftmax(ctcRow, rows: 1, classes: ctcRow.count)
        var best = 1, bestScore = -Float.infinity
        for c in 1..<ctcRow.count {
            let score = (1 - mu) * attention[c] + mu * ctc[c]         // log(1 − p_blank) is the same for every c
            if score > bestScore { bestScore = score; best = c }
        }
        return best
    }
}
