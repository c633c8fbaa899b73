import Foundation
import Tensor

/// A Whisper checkpoint read from a model directory into a store with CTranslate2 names, with the
/// hyper-parameters derived from config.json and the tensor shapes.
struct WhisperCheckpoint {
    let store: WeightStore
    let dims: WhisperDimensions
    let source: URL

    /// `compute` chooses what happens to the weight matrices (`ComputeType`; nil: the checkpoint's own).
    static func load(directory: URL, compute: ComputeType? = nil, defaultTiles: Bool = true) throws -> WhisperCheckpoint {
        let fm = FileManager.default
        let configURL = directory.appendingPathComponent("config.json")
        guard fm.fileExists(atPath: configURL.path) else {
            throw ModelsError.invalidModel(path: directory.path, reason: "config.json is missing: install the model with scripts/fetch-models")
        }
        let config: ModelConfig
        do {
            config = try ModelConfig(data: try Data(contentsOf: configURL), path: configURL.path)
        } catch let error as ModelsError { throw error } catch {
            throw ModelsError.invalidModel(path: configURL.path, reason: "unreadable: \(error.localizedDescription)")
        }
        let bin = directory.appendingPathComponent("model.bin")
        let safetensors = directory.appendingPathComponent("model.safetensors")
        if fm.fileExists(atPath: bin.path) {
            let store = try CTranslate2Reader.read(path: bin.path, spec: "WhisperSpec",
                                                   quantization: compute.weightQuantization).store
            store.allowsHalfPrecision = compute != .float32
            store.bfloat16Matrices = compute.usesBFloat16Tiles(byDefault: defaultTiles)
            try checkFlags(store)
            let encoderHeads = try count(store, "encoder/num_heads")
            let decoderHeads = try count(store, "decoder/num_heads")
            return WhisperCheckpoint(store: store, dims: try dimensions(store, encoderHeads: encoderHeads,
                                                                        decoderHeads: decoderHeads), source: bin)
        }
        if fm.fileExists(atPath: safetensors.path) {
            let hf = try SafetensorsReader.read(path: safetensors.path).store
            let encoderHeads = try config.positiveInt("encoder_attention_heads")
            let decoderHeads = try config.positiveInt("decoder_attention_heads")
            let store = try WhisperNameMapping.ctranslate2Store(fromHuggingFace: hf)
            if compute == .int8 { store.quantizeMatrices(where: ComputeType.quantizable) }
            store.allowsHalfPrecision = compute != .float32
            store.bfloat16Matrices = compute.usesBFloat16Tiles(byDefault: defaultTiles)
            try hf.checkAllUsed()
            hf.release()
            return WhisperCheckpoint(store: store, dims: try dimensions(store, encoderHeads: encoderHeads,
                                                                        decoderHeads: decoderHeads), source: safetensors)
        }
        throw ModelsError.invalidModel(path: directory.path, reason: "neither model.bin (CTranslate2) nor model.safetensors (Hugging Face) is present")
    }

    /// A count stored as a scalar tensor: a whole number in 1...65_536 (a float or out-of-range
    /// value would trap in Int(·) or divide by zero later), else a one-line error naming it.
    private static func count(_ store: WeightStore, _ name: String) throws -> Int {
        let v = try store.scalar(name)
        guard v.isFinite, v.rounded() == v, v >= 1, v <= 65_536 else {
            throw ModelsError.invalidModel(path: store.path, reason: "\(name) is \(v == v.rounded() && v.isFinite ? String(Int(v)) : String(v)); it must be a whole number of attention heads ≥ 1 (the file is corrupt: re-install the model with scripts/fetch-models)")
        }
        return Int(v)
    }

    /// The CTranslate2 WhisperSpec flags this network implements: pre-norm, exact GELU, no ALiBi, no
    /// embedding scaling. Every flag is consumed so none counts as unused.
    private static func checkFlags(_ store: WeightStore) throws {
        let expected: [(String, Float, String)] = [
            ("pre_norm", 1, "pre-norm layers"), ("activation", 3, "exact GELU (code 3)"), ("alibi", 0, "no ALiBi"),
            ("scale_embeddings", 0, "unscaled embeddings"), ("start_from_zero_embedding", 0, "no zero start embedding"),
        ]
        for side in ["encoder", "decoder"] {
            for (flag, value, meaning) in expected where store.contains("\(side)/\(flag)") {
                let v = try store.scalar("\(side)/\(flag)")
                guard v == value else {
                    throw ModelsError.invalidModel(path: store.path, reason: "\(side)/\(flag) is \(v); this network implements \(meaning)")
                }
            }
        }
        // Alignment heads for word timestamps are read by decoding from config.json. The ALiBi
        // options newer converters write (ctranslate2 4.x) only matter when alibi is on, and it
        // was checked to be off above.
        for name in ["decoder/alignment_heads", "decoder/alignment_layer",
                     "decoder/alibi_use_positive_positions", "decoder/scale_alibi"] { store.ignore(name) }
    }

    /// Hyper-parameters from the tensor shapes (CTranslate2 names) and the head counts.
    static func dimensions(_ store: WeightStore, encoderHeads: Int, decoderHeads: Int) throws -> WhisperDimensions {
        let conv1 = try store.shape(of: "encoder/conv1/weight")                      // (d, nMels, 3)
        let audioPositions = try store.shape(of: "encoder/position_encodings/encodings") // (nAudioCtx, d)
        let embedding = try store.shape(of: "decoder/embeddings/weight")             // (nVocab, d)
        let textPositions = try store.shape(of: "decoder/position_encodings/encodings")  // (nTextCtx, d)
        guard conv1.count == 3, audioPositions.count == 2, embedding.count == 2, textPositions.count == 2 else {
            throw ModelsError.invalidModel(path: store.path, reason: "conv1 \(conv1), encoder positions \(audioPositions), embeddings \(embedding) or decoder positions \(textPositions) has the wrong rank")
        }
        func layers(_ side: String) -> Int {
            var n = 0
            while store.contains("\(side)/layer_\(n)/self_attention/linear_0/weight") { n += 1 }
            return n
        }
        func fail(_ reason: String) -> ModelsError {
            .invalidModel(path: store.path, reason: reason + " (the file is corrupt or not a Whisper checkpoint: re-install the model with scripts/fetch-models)")
        }
        for (name, shape) in [("encoder/conv1/weight", conv1), ("encoder/position_encodings/encodings", audioPositions),
                              ("decoder/embeddings/weight", embedding), ("decoder/position_encodings/encodings", textPositions)] {
            guard shape.allSatisfy({ $0 >= 1 }) else { throw fail("\(name) has shape \(shape) with an empty dimension") }
        }
        guard conv1[2] == 3 else { throw fail("encoder/conv1/weight has kernel width \(conv1[2]), Whisper's is 3") }
        let width = conv1[0]
        guard audioPositions[1] == width, embedding[1] == width, textPositions[1] == width else {
            throw fail("widths disagree: encoder/conv1/weight \(conv1), encoder/position_encodings/encodings \(audioPositions), decoder/embeddings/weight \(embedding), decoder/position_encodings/encodings \(textPositions) must all be \(width) wide")
        }
        for (side, heads) in [("encoder", encoderHeads), ("decoder", decoderHeads)] {
            guard heads >= 1, width % heads == 0 else {
                throw fail("\(side)/num_heads is \(heads), which does not divide the width \(width)")
            }
        }
        let dims = WhisperDimensions(nMels: conv1[1], nAudioCtx: audioPositions[0], nAudioState: width,
                                     nAudioHead: encoderHeads, nAudioLayer: layers("encoder"), nVocab: embedding[0],
                                     nTextCtx: textPositions[0], nTextState: width, nTextHead: decoderHeads,
                                     nTextLayer: layers("decoder"))
        guard dims.nAudioLayer > 0, dims.nTextLayer > 0 else {
            throw fail("no encoder or decoder layers (\(dims.nAudioLayer) and \(dims.nTextLayer) found)")
        }
        return dims
    }
}
