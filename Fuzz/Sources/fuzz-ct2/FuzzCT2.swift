import Tensor

/// CTranslate2 `model.bin`: header, spec name, variables (rank, shape, dtype, byte count, data),
/// aliases, int8 dequantisation (Tensor.CTranslate2Reader, the in-memory entry point that the
/// mmap-based `read(path:)` calls), then the WeightStore lookups loading makes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCT2(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let (_, store) = try? CTranslate2Reader.read(bytes: UnsafeRawBufferPointer(start: data, count: size),
                                                       path: "<fuzz>") else { return 0 }
    for name in ["encoder/num_heads", "decoder/num_heads", "x"] { _ = try? store.scalar(name) }
    _ = try? store.shape(of: "decoder/embeddings/weight")
    _ = try? store.take("x")
    return 0
}
