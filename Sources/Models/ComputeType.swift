import Tensor

/// The precision weights are held and multiplied in (`--compute`, `model.compute`):
/// - `int8`: linear layers and the token embedding in 8 bits with a float scale per row
///   (CTranslate2's int8 scheme; a float checkpoint is quantised as it is read), activations
///   quantised per row at run time for decoding steps;
/// - `float16`: float checkpoints as they are (the decoder's weights in half precision when the
///   values allow it exactly); an int8 checkpoint is widened to float32;
/// - `float32`: every weight widened to float32.
/// No compute type (nil) keeps the checkpoint's own: int8 for an int8 checkpoint, else float16.
public enum ComputeType: String, CaseIterable, Sendable {
    case int8, float16, float32

    /// Parses a user's value; the error names the accepted ones.
    public static func parse(_ text: String) throws -> ComputeType? {
        if text == "default" || text == "auto" { return nil }
        guard let c = ComputeType(rawValue: text) else {
            throw ModelsError.decoding("compute type '\(text)': expected int8, float16, float32 or default (the checkpoint's own)")
        }
        return c
    }
}

extension Optional where Wrapped == ComputeType {
    /// What the CTranslate2 reader does with the checkpoint's matrices.
    var weightQuantization: WeightQuantization {
        switch self {
        case .none: return WeightQuantization(keepInt8: true)
        case .some(.int8): return WeightQuantization(keepInt8: true, quantize: ComputeType.quantizable)
        case .some(.float16), .some(.float32): return .none
        }
    }
}

extension ComputeType {
    /// The matrices CTranslate2 quantises in a Whisper model: every linear layer and the token
    /// embedding (all rank-2 `…/weight` variables). Convolutions stay float32 here.
    @Sendable static func quantizable(_ name: String) -> Bool { name.hasSuffix("/weight") }
}
