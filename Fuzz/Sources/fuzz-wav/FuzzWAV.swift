@testable import Features
import Foundation

/// WAV: the RIFF chunk walk and fmt validation (Features.WAVFile, which
/// Features.AudioDecoder uses), then what the decoders do with a
/// decoded file: mono mix and resampling to 16 kHz.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWAV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    _ = AudioDecoder.isRIFFWAVE([UInt8](bytes.prefix(12)))
    guard let wav = try? WAVFile(data: bytes, path: "<fuzz>") else { return 0 }
    let mono = wav.monoSamples()
    // Rates below 4 kHz are issue 9 fault 3 (a 1-Hz WAV expands into GB of audio), refused by the
    // fix on branch `parsers`; not resampled here so that known fault does not stall the run.
    if wav.sampleRate >= 4000 { _ = try? Resampler.resample(mono, from: wav.sampleRate, to: 16000) }
    return 0
}
