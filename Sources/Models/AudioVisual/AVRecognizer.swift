import Features
import Foundation
import Tensor

/// The audio-visual model for inference, from a checkpoint written by the Swift trainer
/// (`Training.AVTrainer`, docs/CORPUS.md): the video CNN with batch norm folded, the WaveNet audio
/// encoder, cross-modal attention fusion with the modality gate, the CTC head and the CTC-triggered
/// GRU attention decoder. Everything is causal, so `AVStream` advances one 40-ms frame at a time
/// with cached state and gives exactly the whole-clip result.
public final class AVRecognizer {
    public let width: Int
    public let melBins: Int
    public let melFramesPerVideoFrame: Int
    public let dilations: [Int]
    /// CTC steps per frame, frames of the other modality each fusion query sees, decoder lookahead.
    public let ctcSubframes: Int, fusionWindow: Int, decoderLookahead: Int
    public let attentionDepth: Int
    public let decodingCTCWeight: Float
    /// The English symbols (the vocabulary of every checkpoint before Mandarin); a loaded
    /// checkpoint's own vocabulary is `outputVocabulary`.
    public static let vocabulary: [Character] = AVVocabulary.english.symbols
    /// The checkpoint's output vocabulary (configuration key `vocabulary`; absent: English).
    public let outputVocabulary: AVVocabulary
    public var classes: Int { outputVocabulary.classes }
    /// Whether the checkpoint has the attention decoder (else greedy CTC text).
    public var hasDecoder: Bool { decoder != nil }
    /// Layers of the video branch's temporal stack (0: the per-frame CNN alone).
    public var videoTemporalLayers: Int { videoTemporal.count }

    let inputPool: Int
    let conv1: FoldedConv2d, conv2: FoldedConv2d, blockA: FoldedConv2d, blockB: FoldedConv2d, conv3: FoldedConv2d
    let videoProjection: DenseLayer
    let audioInput: DenseLayer
    let audioConvWeights: [[Float]], audioConvBiases: [[Float]]   // per layer: (2d, d·2) with index c·2 + tap
    let residuals: [DenseLayer], skips: [DenseLayer]
    let audioQuery: DenseLayer, audioKey: DenseLayer, audioValue: DenseLayer
    let videoQuery: DenseLayer, videoKey: DenseLayer, videoValue: DenseLayer
    let gate: DenseLayer, head: DenseLayer
    let decoder: AVDecoderWeights?
    /// The video branch's gated causal conv layers over the per-frame features (none in checkpoints
    /// whose configuration lacks `videoTemporalDilations`, e.g. the first committed checkpoint, Tests/Fixtures/av/av-grid-d64.safetensors).
    let videoTemporal: [AVTemporalLayer]

    public init(path: String) throws {
        let (metadata, store) = try SafetensorsReader.read(path: path)
        func invalid(_ reason: String) -> ModelsError { .invalidModel(path: path, reason: reason) }
        guard metadata["format"] == "captiond-av-1", let json = metadata["configuration"],
              let c = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let d = c["modelWidth"] as? Int, let c1 = c["videoChannels1"] as? Int, let c2 = c["videoChannels2"] as? Int,
              let dil = c["audioDilations"] as? [Int], let bins = c["melBins"] as? Int, let per = c["melFramesPerVideoFrame"] as? Int,
              let depth = c["attentionDepth"] as? Int, let window = c["fusionWindow"] as? Int, let k = c["ctcSubframes"] as? Int,
              let hidden = c["decoderHidden"] as? Int, let embedding = c["decoderEmbedding"] as? Int,
              let lookahead = c["decoderLookahead"] as? Int, let mu = (c["decodingCTCWeight"] as? NSNumber)?.floatValue,
              let pool = c["videoInputPool"] as? Int, [1, 2, 4].contains(pool), k >= 1, window >= 1 else {
            throw invalid("not an audio-visual checkpoint from this version of `captionctl train` (metadata format/configuration missing or incomplete)")
        }
        let temporalDilations = c["videoTemporalDilations"] as? [Int] ?? [], temporalKernel = c["videoTemporalKernel"] as? Int ?? 3
        guard temporalKernel >= 1, temporalDilations.allSatisfy({ $0 >= 1 }) else {
            throw invalid("videoTemporalKernel \(temporalKernel) / videoTemporalDilations \(temporalDilations) in the configuration: both must be at least 1")
        }
        let vocabularyName = c["vocabulary"] as? String
        guard let vocabulary = AVVocabulary.named(vocabularyName) else {
            throw invalid("its vocabulary \"\(vocabularyName ?? "")\" is not one this version knows (\(AVVocabulary.knownNames)); use the captionctl that trained it")
        }
        if let stored = metadata["vocabulary"], stored != vocabulary.symbolString {
            throw invalid("its \(vocabulary.kind.rawValue) vocabulary was stored as \"\(stored)\", but this version's is \"\(vocabulary.symbolString)\": the classes would decode as the wrong letters; use the captionctl that trained it or retrain")
        }
        outputVocabulary = vocabulary
        width = d; melBins = bins; melFramesPerVideoFrame = per; dilations = dil
        ctcSubframes = k; fusionWindow = window; decoderLookahead = lookahead; attentionDepth = depth; decodingCTCWeight = mu
        inputPool = pool
        conv1 = try FoldedConv2d(store, conv: "video.conv1", bn: "video.bn1", inChannels: 1, outChannels: c1, stride: 2)
        conv2 = try FoldedConv2d(store, conv: "video.conv2", bn: "video.bn2", inChannels: c1, outChannels: c2, stride: 2)
        blockA = try FoldedConv2d(store, conv: "video.block.conv1", bn: "video.block.bn1", inChannels: c2, outChannels: c2, stride: 1)
        blockB = try FoldedConv2d(store, conv: "video.block.conv2", bn: "video.block.bn2", inChannels: c2, outChannels: c2, stride: 1)
        conv3 = try FoldedConv2d(store, conv: "video.conv3", bn: "video.bn3", inChannels: c2, outChannels: c2, stride: 2)
        videoProjection = try DenseLayer(store, "video.proj", inFeatures: c2, outFeatures: d)
        audioInput = try DenseLayer(store, "audio.input", inFeatures: bins * per, outFeatures: d)
        var cw: [[Float]] = [], cb: [[Float]] = [], res: [DenseLayer] = [], sk: [DenseLayer] = []
        for i in dil.indices {
            cw.append(try store.take("audio.layer\(i).conv.weight", shape: [2 * d, d * 2]).data)
            cb.append(try store.take("audio.layer\(i).conv.bias", shape: [2 * d]).data)
            res.append(try DenseLayer(store, "audio.layer\(i).res", inFeatures: d, outFeatures: d))
            sk.append(try DenseLayer(store, "audio.layer\(i).skip", inFeatures: d, outFeatures: d))
        }
        audioConvWeights = cw; audioConvBiases = cb; residuals = res; skips = sk
        audioQuery = try DenseLayer(store, "fusion.audio_query", inFeatures: d, outFeatures: depth)
        audioKey = try DenseLayer(store, "fusion.audio_key", inFeatures: d, outFeatures: depth)
        audioValue = try DenseLayer(store, "fusion.audio_value", inFeatures: d, outFeatures: d)
        videoQuery = try DenseLayer(store, "fusion.video_query", inFeatures: d, outFeatures: depth)
        videoKey = try DenseLayer(store, "fusion.video_key", inFeatures: d, outFeatures: depth)
        videoValue = try DenseLayer(store, "fusion.video_value", inFeatures: d, outFeatures: d)
        gate = try DenseLayer(store, "fusion.gate", inFeatures: 2 * d, outFeatures: d)
        do {
            head = try DenseLayer(store, "ctc.head", inFeatures: d, outFeatures: k * vocabulary.classes)
            decoder = hidden > 0 ? try AVDecoderWeights(store, width: d, hidden: hidden, embedding: embedding, depth: depth,
                                                        classes: vocabulary.classes) : nil
        } catch {
            throw invalid("the output layers do not fit its vocabulary \(vocabulary) (\(error)): the configuration names the wrong vocabulary for these weights")
        }
        videoTemporal = try temporalDilations.enumerated().map { i, dilation in
            try AVTemporalLayer(store, "video.temporal.layer\(i)", width: d, kernel: temporalKernel, dilation: dilation)
        }
        for name in store.names where name.hasPrefix("optimizer.") { store.ignore(name) }
        try store.checkAllUsed()
    }

    /// The video encoder on one standardised 64×64 crop → (width).
    func videoFrame(_ crop: [Float]) -> [Float] {
        let s = 64 / inputPool
        var x = crop
        if inputPool > 1 {                                                          // average-pool to (s, s)
            let k = inputPool, scale = 1 / Float(k * k)
            x = [Float](repeating: 0, count: s * s)
            for y in 0..<s {
                for xx in 0..<s {
                    var sum: Float = 0
                    for dy in 0..<k { for dx in 0..<k { sum += crop[(y * k + dy) * 64 + xx * k + dx] } }
                    x[y * s + xx] = sum * scale
                }
            }
        }
        let r1 = conv1(x, height: s, width: s).map { max($0, 0) }                   // (c1, s/2, s/2)
        let r2 = conv2(r1, height: s / 2, width: s / 2).map { max($0, 0) }          // (c2, s/4, s/4)
        let rA = blockA(r2, height: s / 4, width: s / 4).map { max($0, 0) }
        let bB = blockB(rA, height: s / 4, width: s / 4)
        let rBlock = zip(bB, r2).map { max($0 + $1, 0) }                            // basic block
        let r3 = conv3(rBlock, height: s / 4, width: s / 4).map { max($0, 0) }      // (c2, s/8, s/8)
        let channels = conv3.outChannels, area = (s / 8) * (s / 8)
        let pooled = (0..<channels).map { c in (0..<area).reduce(Float(0)) { $0 + r3[c * area + $1] } / Float(area) }
        return videoProjection(pooled, rows: 1)
    }

    /// CTC logits (T·ctcSubframes, classes) for a whole clip: crops (T, 4096) standardised, mel
    /// (T, bins·per); computed frame by frame through `AVStream`.
    public func logits(crops: [Float], mel: [Float], frames t: Int, useAudio: Bool = true, useVideo: Bool = true) -> [Float] {
        let stream = AVStream(self, useAudio: useAudio, useVideo: useVideo)
        var out: [Float] = []
        for f in 0..<t { out += stream.feed(crop: crop(crops, f), mel: melRow(mel, f)) }
        return out
    }

    /// The transcript of a whole clip (joint CTC/attention decoding, or greedy CTC without a decoder).
    public func transcribe(crops: [Float], mel: [Float], frames t: Int, useAudio: Bool = true, useVideo: Bool = true) -> String {
        let stream = AVStream(self, useAudio: useAudio, useVideo: useVideo)
        for f in 0..<t { _ = stream.feed(crop: crop(crops, f), mel: melRow(mel, f)) }
        return stream.finish()
    }

    func crop(_ crops: [Float], _ f: Int) -> [Float] { Array(crops[f * 4096..<(f + 1) * 4096]) }
    func melRow(_ mel: [Float], _ f: Int) -> [Float] {
        let n = melBins * melFramesPerVideoFrame
        return Array(mel[f * n..<(f + 1) * n])
    }

    /// Best-path CTC text of logits (steps, classes); `frames` is ignored (the rows are counted).
    public func greedyText(_ logits: [Float], frames _: Int = 0) -> String {
        var out = "", previous = -1
        for f in 0..<(logits.count / classes) {
            var best = 0
            for j in 1..<classes where logits[f * classes + j] > logits[f * classes + best] { best = j }
            if best != previous && best != 0 { out.append(outputVocabulary.symbols[best - 1]) }
            previous = best
        }
        return out
    }
}

/// The attention decoder's weights (names as `Training.AttentionDecoder` writes them).
struct AVDecoderWeights {
    let embedding: [Float]                   // (V, e)
    let inputWeight: [Float], hiddenWeight: [Float], inputBias: [Float], hiddenBias: [Float]
    let query: DenseLayer, key: DenseLayer, output: DenseLayer
    let hidden: Int, embeddingSize: Int, width: Int, depth: Int

    init(_ store: WeightStore, width d: Int, hidden h: Int, embedding e: Int, depth: Int, classes v: Int) throws {
        hidden = h; embeddingSize = e; width = d; self.depth = depth
        embedding = try store.take("decoder.embedding.weight", shape: [v, e]).data
        inputWeight = try store.take("decoder.gru.weight_ih", shape: [3 * h, e + d]).data
        hiddenWeight = try store.take("decoder.gru.weight_hh", shape: [3 * h, h]).data
        inputBias = try store.take("decoder.gru.bias_ih", shape: [3 * h]).data
        hiddenBias = try store.take("decoder.gru.bias_hh", shape: [3 * h]).data
        query = try DenseLayer(store, "decoder.query", inFeatures: h, outFeatures: depth)
        key = try DenseLayer(store, "decoder.key", inFeatures: d, outFeatures: depth)
        output = try DenseLayer(store, "decoder.output", inFeatures: h + d, outFeatures: v)
    }

    /// GRU (PyTorch's equations) on x = [E(previous); context]: (e + d), h: (H) → h'.
    func gru(_ x: [Float], _ h: [Float]) -> [Float] {
        let hs = hidden
        var gi = GeneralMatrixMultiply.product(x, inputWeight, m: 1, n: 3 * hs, k: embeddingSize + width, transposeB: true)
        var gh = GeneralMatrixMultiply.product(h, hiddenWeight, m: 1, n: 3 * hs, k: hs, transposeB: true)
        for j in 0..<(3 * hs) { gi[j] += inputBias[j]; gh[j] += hiddenBias[j] }
        var out = [Float](repeating: 0, count: hs)
        for j in 0..<hs {
            let r = 1 / (1 + exp(-(gi[j] + gh[j])))
            let z = 1 / (1 + exp(-(gi[hs + j] + gh[hs + j])))
            let n = tanh(gi[2 * hs + j] + r * gh[2 * hs + j])
            out[j] = (1 - z) * n + z * h[j]
        }
        return out
    }
}
