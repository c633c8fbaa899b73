@testable import Features

/// FLAC: magic sniffing, metadata blocks, frame headers, subframes (constant, verbatim, fixed,
/// LPC), Rice residuals, CRCs (Features.FLACDecoder), then resampling of what decoded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFLAC(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = FLACDecoder.isFLAC(Array(bytes.prefix(64)))
    guard let decoded = try? FLACDecoder.decode(bytes) else { return 0 }
    let rate = decoded.stream.sampleRate
    if rate >= 4000, rate <= 768_000, !decoded.samples.isEmpty {
        _ = try? Resampler.resample(decoded.samples, from: rate, to: 16000)
    }
    return 0
}
