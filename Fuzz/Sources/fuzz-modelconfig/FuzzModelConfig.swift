import Foundation
@testable import Models

/// A model directory's `config.json` (Models.ModelConfig: the JSON object, the head counts of a
/// Hugging Face config, CTranslate2's suppress_ids_begin).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let config = try? ModelConfig(data: Data(bytes: data, count: size), path: "<fuzz>") else { return 0 }
    _ = try? config.positiveInt("encoder_attention_heads")
    _ = try? config.positiveInt("decoder_attention_heads")
    _ = config.suppressIdsBegin
    return 0
}
