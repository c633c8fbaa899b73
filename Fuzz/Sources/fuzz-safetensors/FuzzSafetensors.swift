import Tensor

/// safetensors: u64 header length, JSON header (dtype, shape, data_offsets per tensor,
/// __metadata__), data ranges (Tensor.SafetensorsReader's in-memory entry point).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let (_, store) = try? SafetensorsReader.read(bytes: UnsafeRawBufferPointer(start: data, count: size),
                                                       path: "<fuzz>") else { return 0 }
    _ = try? store.shape(of: "x")
    _ = try? store.take("x")
    return 0
}
