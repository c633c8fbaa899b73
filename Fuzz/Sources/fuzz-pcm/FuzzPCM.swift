import Capture
import Features
import FuzzSupport

/// Raw PCM: the daemon's file source for headerless audio (Capture.AudioFileSource .raw over
/// ByteStream) and Capture.SampleConverter (with Features.Resampler) fed in uneven pieces. The first bytes choose the
/// sample format, channel count and rate; the rest is the stream.
private let rates = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 1000, 768_000, 12345, 7999]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPCM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var cursor = InputCursor(UnsafeRawBufferPointer(start: data, count: size))
    let choice = cursor.byte(), pieces = cursor.byte()
    let format = PCMSampleFormat.allCases[Int(choice % 3)]
    let channels = Int(choice / 3 % 8) + 1
    let rate = rates[Int(choice / 24) % rates.count]
    let payload = cursor.rest

    // AudioFileSource: 20-ms chunks until the end (or the stray-byte error).
    guard let file = MemoryFile.shared, file.refill(payload) else { fatalError("cannot write the fuzz input to /dev/shm") }
    do {
        if let source = try? AudioFileSource(path: file.path, format: .raw(format, rate: rate, channels: channels),
                                             resamplers: Resampler.Factory(),
                                             pacing: .asFastAsPossible) {
            var emitted = 0
            while let chunk = try? source.next() {
                precondition(!chunk.samples.isEmpty && chunk.samples.count <= 320, "chunk of \(chunk.samples.count) samples")
                emitted += chunk.samples.count
                if emitted > 1 << 22 { break }
            }
        }
    }

    // SampleConverter: whole frames in pieces whose sizes come from the input.
    guard var converter = try? SampleConverter(
        input: PCMParameters(format: format, rate: rate, channels: channels, periodFrames: 0, bufferFrames: 0),
        outputRate: 16000, resamplers: Resampler.Factory()) else { return 0 }
    let frameBytes = format.bytesPerSample * channels
    let frames = payload.count / frameBytes
    var at = 0
    var step = Int(pieces % 17) + 1
    while at < frames {
        let n = min(step, frames - at)
        _ = converter.convert(payload.baseAddress! + at * frameBytes, frames: n)
        at += n
        step = step * 3 % 61 + 1
    }
    _ = converter.flush()
    return 0
}
