import CaptionCore

/// Audio from a raw PCM file, FIFO or standard input (streamed), or samples already decoded from
/// any other file (`init(samples:…)`: WAV, FLAC, MP3, … through the one audio-file reader,
/// `Features.AudioDecoder`), delivered as 16-kHz mono chunks stamped on CLOCK_MONOTONIC, paced at
/// real time or as fast as `next()` is called.
public final class AudioFileSource {
    public enum Format: Sendable, Equatable {
        /// RIFF/WAVE: decode it with the audio-file reader (which reads a pipe whole: its header
        /// may give the length only at the end) and give the samples to `init(samples:…)`.
        case wav
        /// Headerless interleaved samples (streamed).
        case raw(PCMSampleFormat, rate: Int, channels: Int)
        /// A compressed or container format (FLAC, MP3, Ogg, MP4, …) this source cannot parse:
        /// decode it with the audio-file reader and give the samples to `init(samples:…)`.
        case encoded
    }

    public let outputRate: Int
    private let stream: ByteStream?     // nil for decoded samples
    private let format: Format
    private let pacer: Pacer
    private let chunkSamples: Int
    private var converter: SampleConverter?
    private var decoded: [Float] = []
    private var decodedPosition = 0
    private var emitted = 0
    private var finished = false

    /// - Parameters:
    ///   - path: a file or FIFO path, or "-" for standard input.
    ///   - resamplers: makes the converter from a raw file's rate to `outputRate`
    ///     (`Features.Resampler.Factory`; the daemon's comes through Streaming).
    ///   - chunkDuration: seconds per delivered chunk.
    public init(path: String, format: Format, resamplers: any SampleRateConverterFactory, pacing: Pacer.Mode,
                chunkDuration: Double = 0.02, outputRate: Int = AudioRate.model) throws {
        guard chunkDuration > 0, chunkDuration <= 10 else {
            throw CaptureError.invalidConfiguration(key: "chunk_duration", reason: "\(chunkDuration) s is outside (0, 10]")
        }
        self.outputRate = outputRate
        self.format = format
        let stream = try ByteStream(path: path)
        self.stream = stream
        chunkSamples = max(1, Int(chunkDuration * Double(outputRate)))
        switch format {
        case .encoded, .wav:
            throw CaptureError.invalidInput(source: stream.name,
                reason: "a WAV, compressed or container format: decode it first with the audio-file reader (Features.AudioDecoder; the daemon does) and pass the samples")
        case let .raw(sampleFormat, rate, channels):
            guard (1000...768_000).contains(rate), (1...64).contains(channels) else {
                throw CaptureError.invalidConfiguration(key: "raw", reason: "rate \(rate) Hz and \(channels) channels: need 1000…768000 Hz and 1…64 channels")
            }
            converter = try SampleConverter(input: PCMParameters(format: sampleFormat, rate: rate, channels: channels,
                                                                 periodFrames: 0, bufferFrames: 0),
                                            outputRate: outputRate, resamplers: resamplers)
        }
        pacer = Pacer(mode: pacing)
    }

    /// Samples already decoded to `outputRate` mono (by the audio-file reader), delivered in
    /// chunks like a file's.
    public init(samples: [Float], pacing: Pacer.Mode, chunkDuration: Double = 0.02,
                outputRate: Int = AudioRate.model) throws {
        guard chunkDuration > 0, chunkDuration <= 10 else {
            throw CaptureError.invalidConfiguration(key: "chunk_duration", reason: "\(chunkDuration) s is outside (0, 10]")
        }
        self.outputRate = outputRate
        format = .encoded
        stream = nil
        chunkSamples = max(1, Int(chunkDuration * Double(outputRate)))
        decoded = samples
        finished = true
        pacer = Pacer(mode: pacing)
    }

    /// The next chunk (sleeping first when paced), or nil at end of input.
    public func next() throws -> AudioChunk? {
        while decoded.count - decodedPosition < chunkSamples, !finished { try decodeMore() }
        let n = min(chunkSamples, decoded.count - decodedPosition)
        guard n > 0 else { return nil }
        let samples = Array(decoded[decodedPosition..<(decodedPosition + n)])
        decodedPosition += n
        if decodedPosition > 1 << 16 { decoded.removeFirst(decodedPosition); decodedPosition = 0 }
        let mediaStart = Double(emitted) / Double(outputRate)
        emitted += n
        pacer.wait(until: Double(emitted) / Double(outputRate))
        return AudioChunk(samples: samples, startTime: pacer.timestamp(mediaStart), sampleRate: outputRate,
                          firstSampleIndex: UInt64(emitted - n))
    }

    private func decodeMore() throws {
        guard case let .raw(sampleFormat, _, channels) = format, var conv = converter, let stream else { finished = true; return }
        let bytesPerFrame = sampleFormat.bytesPerSample * channels
        let frames = 4096
        var bytes = [UInt8](repeating: 0, count: frames * bytesPerFrame)
        let got = try bytes.withUnsafeMutableBytes { try stream.read(into: $0) }
        let whole = got / bytesPerFrame
        if whole > 0 {
            decoded += bytes.withUnsafeBytes { conv.convert($0.baseAddress!, frames: whole) }
        }
        if got < bytes.count {
            finished = true
            decoded += conv.flush()
            if got % bytesPerFrame != 0 {
                converter = conv
                throw CaptureError.invalidInput(source: stream.name,
                    reason: "raw PCM ends with \(got % bytesPerFrame) stray bytes at byte \(stream.offset): not a whole frame of \(channels) × \(sampleFormat.rawValue); check the format and channel count")
            }
        }
        converter = conv
    }
}

import Foundation
