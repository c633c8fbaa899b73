import Foundation
import Tensor

/// The one mapping between Hugging Face (transformers) Whisper names and the CTranslate2 names the
/// network is built from. Q, K, V projections are fused as CTranslate2 stores them (K has no bias:
/// its part of the fused bias is zero); the output projection is the tied token embedding.
public enum WhisperNameMapping {
    /// How one CTranslate2 tensor is made from Hugging Face tensors (names relative to the prefix).
    enum Source {
        case copy(String)
        /// Rows concatenated in order; nil parts of a bias are zeros of the width of `like`.
        case concat([String?], like: String)
    }

    /// CTranslate2 name -> Hugging Face source, for a model with the given layer counts.
    static func table(encoderLayers: Int, decoderLayers: Int) -> [(String, Source)] {
        var t: [(String, Source)] = []
        func norm(_ ct2: String, _ hf: String) {
            t.append((ct2 + "/gamma", .copy(hf + ".weight")))
            t.append((ct2 + "/beta", .copy(hf + ".bias")))
        }
        func linear(_ ct2: String, _ hf: String, bias: Bool = true) {
            t.append((ct2 + "/weight", .copy(hf + ".weight")))
            if bias { t.append((ct2 + "/bias", .copy(hf + ".bias"))) }
        }
        func fused(_ ct2: String, _ parts: [String], biasless: String) {
            t.append((ct2 + "/weight", .concat(parts.map { $0 + ".weight" }, like: parts[0] + ".weight")))
            let withBias = parts.first { $0 != biasless } ?? parts[0]
            t.append((ct2 + "/bias", .concat(parts.map { $0 == biasless ? nil : $0 + ".bias" }, like: withBias + ".bias")))
        }
        func layer(_ ct2: String, _ hf: String, cross: Bool) {
            norm(ct2 + "/self_attention/layer_norm", hf + ".self_attn_layer_norm")
            let a = hf + ".self_attn"
            fused(ct2 + "/self_attention/linear_0", [a + ".q_proj", a + ".k_proj", a + ".v_proj"], biasless: a + ".k_proj")
            linear(ct2 + "/self_attention/linear_1", a + ".out_proj")
            if cross {
                let c = hf + ".encoder_attn"
                norm(ct2 + "/attention/layer_norm", hf + ".encoder_attn_layer_norm")
                linear(ct2 + "/attention/linear_0", c + ".q_proj")
                fused(ct2 + "/attention/linear_1", [c + ".k_proj", c + ".v_proj"], biasless: c + ".k_proj")
                linear(ct2 + "/attention/linear_2", c + ".out_proj")
            }
            norm(ct2 + "/ffn/layer_norm", hf + ".final_layer_norm")
            linear(ct2 + "/ffn/linear_0", hf + ".fc1")
            linear(ct2 + "/ffn/linear_1", hf + ".fc2")
        }
        linear("encoder/conv1", "encoder.conv1")
        linear("encoder/conv2", "encoder.conv2")
        t.append(("encoder/position_encodings/encodings", .copy("encoder.embed_positions.weight")))
        for i in 0..<encoderLayers { layer("encoder/layer_\(i)", "encoder.layers.\(i)", cross: false) }
        norm("encoder/layer_norm", "encoder.layer_norm")
        t.append(("decoder/embeddings/weight", .copy("decoder.embed_tokens.weight")))
        t.append(("decoder/position_encodings/encodings", .copy("decoder.embed_positions.weight")))
        for i in 0..<decoderLayers { layer("decoder/layer_\(i)", "decoder.layers.\(i)", cross: true) }
        norm("decoder/layer_norm", "decoder.layer_norm")
        return t
    }

    /// Builds a CTranslate2-named store from Hugging Face tensors, taking each source from `hf` (so
    /// `hf.checkAllUsed()` afterwards reports tensors of another architecture). The optional
    /// `proj_out.weight` must equal the embedding (Whisper ties them).
    static func ctranslate2Store(fromHuggingFace hf: WeightStore) throws -> WeightStore {
        let prefix = hf.contains("model.encoder.conv1.weight") ? "model." : ""
        func count(_ side: String) -> Int {
            var n = 0
            while hf.contains("\(prefix)\(side).layers.\(n).fc1.weight") { n += 1 }
            return n
        }
        var out: [String: Tensor] = [:]
        for (name, source) in table(encoderLayers: count("encoder"), decoderLayers: count("decoder")) {
            switch source {
            case let .copy(h):
                out[name] = try hf.take(prefix + h)
            case let .concat(parts, like):
                let reference = try hf.shape(of: prefix + like)
                var data: [Float] = []
                var rows = 0
                for part in parts {
                    if let part {
                        let t = try hf.take(prefix + part, shape: reference)
                        data += t.data
                    } else {
                        data += [Float](repeating: 0, count: reference.reduce(1, *))
                    }
                    rows += reference[0]
                }
                out[name] = try Tensor(shape: [rows] + reference.dropFirst(), data: data)
            }
        }
        if hf.contains("proj_out.weight") {
            let projection = try hf.take("proj_out.weight")
            guard projection == out["decoder/embeddings/weight"] else {
                throw ModelsError.invalidModel(path: hf.path, reason: "proj_out.weight differs from the token embedding; untied output projections are not supported")
            }
        }
        return WeightStore(path: hf.path, tensors: out, aliases: ["decoder/projection/weight": "decoder/embeddings/weight"])
    }
}

extension WhisperNameMapping {
    /// The inverse of `ctranslate2Store(fromHuggingFace:)` over the same table: Hugging Face tensors
    /// (with the `model.` prefix) from a loaded CTranslate2 Whisper checkpoint directory, for export
    /// to safetensors. Fused projections are split; the zero K biases are dropped.
    public static func huggingFaceTensors(fromCTranslate2 directory: URL) throws -> [String: Tensor] {
        let bin = directory.appendingPathComponent("model.bin").path
        let store = try CTranslate2Reader.read(path: bin, spec: "WhisperSpec").store
        func count(_ side: String) -> Int {
            var n = 0
            while store.contains("\(side)/layer_\(n)/self_attention/linear_0/weight") { n += 1 }
            return n
        }
        var out: [String: Tensor] = [:]
        for (name, source) in table(encoderLayers: count("encoder"), decoderLayers: count("decoder")) {
            let t = try store.take(name)
            switch source {
            case let .copy(h):
                out["model." + h] = t
            case let .concat(parts, _):
                let rows = t.shape[0] / parts.count
                for (i, part) in parts.enumerated() {
                    guard let part else { continue }
                    out["model." + part] = try t.rowSlice(i * rows, rows)
                }
            }
        }
        return out
    }
}
