import Features
import Foundation
import Tensor

/// The audio-visual CTC model for inference, from a checkpoint written by the Swift trainer
/// (`Training.AVTrainer`): batch norm folded into the video convolutions, and both encoders causal,
/// so `AVStream` advances one 40-ms frame at a time with cached audio history and gives exactly
/// the whole-clip result.
public final class AVRecognizer {
    public let width: Int
    public let melBins: Int
    public let melFramesPerVideoFrame: Int
    public let dilations: [Int]
    public static let vocabulary: [Character] = [" ", "'"] + "abcdefghijklmnopqrstuvwxyz".map { $0 }

    let conv1: FoldedConv2d, conv2: FoldedConv2d, blockA: FoldedConv2d, blockB: FoldedConv2d, conv3: FoldedConv2d
    let videoProjection: DenseLayer
    let audioInput: DenseLayer
    let audioConvWeights: [[Float]], audioConvBiases: [[Float]]   // per layer: (2d, d·2) with index c·2 + tap
    let residuals: [DenseLayer], skips: [DenseLayer]
    let gate: DenseLayer, head: DenseLayer
    public var classes: Int { Self.vocabulary.count + 1 }

    public init(path: String) throws {
        let (metadata, store) = try SafetensorsReader.read(path: path)
        func invalid(_ reason: String) -> ModelsError { .invalidModel(path: path, reason: reason) }
        guard metadata["format"] == "captiond-av-1", let json = metadata["configuration"],
              let c = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let d = c["modelWidth"] as? Int, let c1 = c["videoChannels1"] as? Int, let c2 = c["videoChannels2"] as? Int,
              let dil = c["audioDilations"] as? [Int], let bins = c["melBins"] as? Int, let per = c["melFramesPerVideoFrame"] as? Int else {
            throw invalid("not an audio-visual checkpoint from `captionctl train` (metadata format/configuration missing)")
        }
        width = d; melBins = bins; melFramesPerVideoFrame = per; dilations = dil
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
        gate = try DenseLayer(store, "fusion.gate", inFeatures: 2 * d, outFeatures: d)
        head = try DenseLayer(store, "ctc.head", inFeatures: d, outFeatures: Self.vocabulary.count + 1)
        for name in store.names where name.hasPrefix("optimizer.") { store.ignore(name) }
        try store.checkAllUsed()
    }

    /// The video encoder on one standardised 64×64 crop → (width).
    func videoFrame(_ crop: [Float]) -> [Float] {
        let r1 = conv1(crop, height: 64, width: 64).map { max($0, 0) }              // (c1, 32, 32)
        let r2 = conv2(r1, height: 32, width: 32).map { max($0, 0) }                // (c2, 16, 16)
        let rA = blockA(r2, height: 16, width: 16).map { max($0, 0) }
        let bB = blockB(rA, height: 16, width: 16)
        let rBlock = zip(bB, r2).map { max($0 + $1, 0) }                            // basic block
        let r3 = conv3(rBlock, height: 16, width: 16).map { max($0, 0) }            // (c2, 8, 8)
        let channels = conv3.outChannels
        let pooled = (0..<channels).map { c in (0..<64).reduce(Float(0)) { $0 + r3[c * 64 + $1] } / 64 }
        return videoProjection(pooled, rows: 1)
    }

    /// Logits (T, classes) for a whole clip: crops (T, 4096) standardised, mel (T, bins·per).
    public func logits(crops: [Float], mel: [Float], frames t: Int, useAudio: Bool = true, useVideo: Bool = true) -> [Float] {
        let stream = AVStream(self, useAudio: useAudio, useVideo: useVideo)
        var out: [Float] = []
        for f in 0..<t {
            out += stream.feed(crop: Array(crops[f * 4096..<(f + 1) * 4096]),
                               mel: Array(mel[f * melBins * melFramesPerVideoFrame..<(f + 1) * melBins * melFramesPerVideoFrame]))
        }
        return out
    }

    /// Best-path CTC text of logits (T, classes).
    public func greedyText(_ logits: [Float], frames t: Int) -> String {
        var out = "", previous = -1
        for f in 0..<t {
            var best = 0
            for j in 1..<classes where logits[f * classes + j] > logits[f * classes + best] { best = j }
            if best != previous && best != 0 { out.append(Self.vocabulary[best - 1]) }
            previous = best
        }
        return out
    }
}

/// Incremental run of an `AVRecognizer`: feed one video frame and its 40 ms of log-mel, get that
/// frame's logits. Each gated causal conv keeps the last `dilation` inputs it needs.
public final class AVStream {
    let model: AVRecognizer
    let useAudio: Bool, useVideo: Bool
    /// Per audio layer: past inputs h[t − dilation …, t − 1], oldest first.
    var history: [[[Float]]]

    public init(_ model: AVRecognizer, useAudio: Bool = true, useVideo: Bool = true) {
        self.model = model; self.useAudio = useAudio; self.useVideo = useVideo
        history = model.dilations.map { d in Array(repeating: [Float](repeating: 0, count: model.width), count: d) }
    }

    /// crop: 4096 standardised values; mel: (bins·per) → logits (classes).
    public func feed(crop: [Float], mel: [Float]) -> [Float] {
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
        let a = useAudio ? skip.map { max($0, 0) } : [Float](repeating: 0, count: d)
        let v = useVideo ? model.videoFrame(crop) : [Float](repeating: 0, count: d)
        let z = model.gate(a + v, rows: 1)
        var fused = [Float](repeating: 0, count: d)
        for j in 0..<d { let g = 1 / (1 + exp(-z[j])); fused[j] = g * a[j] + (1 - g) * v[j] }
        return model.head(fused, rows: 1)
    }
}
