import Foundation

/// One training example: standardised mouth crops (T, 64·64), log-mel (T, 4·80) and the transcript's
/// character ids.
public struct AVExample: Sendable {
    public let crops: [Float]
    public let mel: [Float]
    public let frames: Int
    public let labels: [Int]
    public let text: String

    public init(crops: [Float], mel: [Float], frames: Int, labels: [Int], text: String) {
        self.crops = crops; self.mel = mel; self.frames = frames; self.labels = labels; self.text = text
    }
}

/// Which inputs the model sees (modality dropout in training; audio-only / video-only evaluation).
public enum Modality: String, Sendable { case both, audioOnly, videoOnly }

/// The audio-visual CTC model (first stage of issue 13's design): video CNN and WaveNet audio
/// encoder, fused per frame by a learned modality gate g = σ(W[a; v] + b): f = g∘a + (1 − g)∘v,
/// then a CTC head over characters. Not yet here: cross-modal attention and the GRU attention
/// decoder, and the inference copy in Models with folded batch norm.
public final class AVModel {
    public let configuration: AVConfiguration
    public let video: VideoFrontend
    public let audio: AudioFrontend
    public let gate: Linear
    public let head: Linear

    public init(_ c: AVConfiguration, seed: UInt64) {
        configuration = c
        var r = SplitMix(seed: seed, stream: "av-model-init")
        video = VideoFrontend(c, random: &r)
        audio = AudioFrontend(c, random: &r)
        gate = Linear(name: "fusion.gate", inFeatures: 2 * c.modelWidth, outFeatures: c.modelWidth, random: &r)
        head = Linear(name: "ctc.head", inFeatures: c.modelWidth, outFeatures: CharacterVocabulary.count, random: &r)
    }

    public var parameters: [Parameter] { video.parameters + audio.parameters + gate.parameters + head.parameters }

    /// Forward and (when `train`) backward for one clip; returns the CTC loss and the logits (T, V).
    /// Batch norm uses the clip's statistics when `batchStatistics` (default: when training), else the
    /// running ones (evaluation, and what the folded inference model computes).
    @discardableResult
    public func step(_ e: AVExample, modality: Modality, train: Bool, batchStatistics: Bool? = nil,
                     gradientScale: Float = 1) -> (loss: Double, logits: [Float]) {
        let t = e.frames, d = configuration.modelWidth, v = CharacterVocabulary.count
        let (vOut, vCache) = video.forward(e.crops, frames: t, batchStatistics: batchStatistics ?? train)
        let (aOut, aCache) = audio.forward(e.mel, frames: t)
        let a = modality == .videoOnly ? [Float](repeating: 0, count: t * d) : aOut
        let vv = modality == .audioOnly ? [Float](repeating: 0, count: t * d) : vOut
        var joined = [Float](repeating: 0, count: t * 2 * d)                         // (T, 2d) = [a | v]
        for f in 0..<t { for j in 0..<d { joined[f * 2 * d + j] = a[f * d + j]; joined[f * 2 * d + d + j] = vv[f * d + j] } }
        let z = gate.forward(joined, rows: t)
        let g = z.map(sigmoid)                                                       // (T, d)
        var fused = [Float](repeating: 0, count: t * d)
        for i in fused.indices { fused[i] = g[i] * a[i] + (1 - g[i]) * vv[i] }
        let logits = head.forward(fused, rows: t)                                    // (T, V)
        let (loss, dlogits) = CTCLoss.lossAndGradient(logits: logits, frames: t, classes: v, labels: e.labels)
        guard train, loss.isFinite else { return (loss, logits) }
        let dfused = head.backward(dlogits.map { $0 * gradientScale }, x: fused, rows: t)
        var dz = [Float](repeating: 0, count: t * d), da = dz, dv = dz
        for i in dz.indices {
            dz[i] = dfused[i] * (a[i] - vv[i]) * g[i] * (1 - g[i])
            da[i] = dfused[i] * g[i]; dv[i] = dfused[i] * (1 - g[i])
        }
        let djoined = gate.backward(dz, x: joined, rows: t)
        for f in 0..<t { for j in 0..<d { da[f * d + j] += djoined[f * 2 * d + j]; dv[f * d + j] += djoined[f * 2 * d + d + j] } }
        if modality != .videoOnly { audio.backward(da, cache: aCache, frames: t) }
        if modality != .audioOnly { video.backward(dv, cache: vCache, frames: t) }
        return (loss, logits)
    }
}
