import Tensor

/// The precision weights are held and multiplied in (`--compute`, `model.compute`):
/// - `int8`: linear layers in 8 bits with a float scale per row (CTranslate2's int8 scheme; a
///   float checkpoint is quantised as it is read, its token embedding, the tied output
///   projection, kept in half precision; an int8 checkpoint's embedding stays 8-bit), activations
///   quantised per row at run time for decoding steps;
/// - `float16`: float checkpoints as they are (the decoder's weights in half precision when the
///   values allow it exactly); an int8 checkpoint is widened to float32;
/// - `float32`: every weight widened to float32;
/// - `bfloat16`: as `float16`, and the encoder's linear layers multiply bfloat16-rounded inputs and
///   weights on Intel AMX tiles, summing in float32 (`BFloat16Matrix`); on a CPU without AMX-BF16
///   the same as `float16`.
/// No compute type (nil, `default`) keeps the checkpoint's own weights (int8 for an int8
/// checkpoint, else float16) and, on a CPU with AMX-BF16, multiplies the encoder's float layers as
/// `bfloat16` does: on the fixtures the same transcripts (tiny.en, base; English and Mandarin,
/// beam 1 and 5) in about 60 % of the CPU time (docs/MODELS.md). `float16` keeps every product in
/// float32 on any CPU. The live captioner's default does not use the tiles (`WhisperStreamingModel`).
public enum ComputeType: String, CaseIterable, Sendable {
    case int8, float16, float32, bfloat16

    /// Parses a user's value; the error names the accepted ones.
    public static func parse(_ text: String) throws -> ComputeType? {
        if text == "default" || text == "auto" { return nil }
        guard let c = ComputeType(rawValue: text) else {
            throw ModelsError.decoding("compute type '\(text)': expected int8, float16, float32, bfloat16 or default (the checkpoint's own)")
        }
        return c
    }
}

extension Optional where Wrapped == ComputeType {
    /// Whether the encoder's float layers multiply on AMX tiles (`BFloat16Matrix`): `bfloat16`,
    /// and the default when `byDefault`, on a CPU that has them.
    func usesBFloat16Tiles(byDefault: Bool) -> Bool {
        (self == .bfloat16 || (self == nil && byDefault)) && BFloat16Matrix.available
    }

    /// What the CTranslate2 reader does with the checkpoint's matrices.
    var weightQuantization: WeightQuantization {
        switch self {
        case .none: return WeightQuantization(keepInt8: true)
        case .some(.int8): return WeightQuantization(keepInt8: true, quantize: ComputeType.quantizable)
        case .some(.float16), .some(.float32), .some(.bfloat16): return .none
        }
    }
}

extension ComputeType {
    /// The matrices quantised on load: every linear layer (rank-2 `…/weight` variables), as
    /// CTranslate2 does, but not the token embedding `decoder/embeddings/weight`, which CTranslate2
    /// also quantises: it is the output projection too, and in 8 bits its logits turned near ties
    /// (a fixture's "cold-hearted" read "coldhearted" with 2 engine threads; 2.98 → 4.17 % WER on
    /// the English fixtures, tiny.en). Half precision costs 20 MB more (tiny.en). Convolutions
    /// stay float32.
    @Sendable static func quantizable(_ name: String) -> Bool { name.hasSuffix("/weight") && name != "decoder/embeddings/weight" }
}
