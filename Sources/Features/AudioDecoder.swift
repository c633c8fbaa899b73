import CaptionCore
import Foundation

/// Decodes an audio or video file to 16-kHz mono Float32 samples in [-1, 1]: WAV and FLAC
/// (recognised by their magic, not their name) natively, every other container through ffmpeg.
/// A regular file is sniffed with pread (nothing consumed); anything else (a FIFO, `<(cat x.flac)`,
/// `/dev/stdin`) is read once, to its end, into memory and decoded from there.
public enum AudioDecoder {
    public static let sampleRate = AudioRate.model

    /// The samples of the file at `path` (warnings dropped; see `decode`).
    public static func load(_ path: String) throws -> [Float] { try decode(AudioInput(path: path)).samples }

    public static func decode(_ path: String) throws -> DecodedAudio { try decode(AudioInput(path: path)) }

    /// The samples of `input`: 16 kHz, mono, Float32 in [-1, 1], with the warnings of what was
    /// repaired. Throws `FeaturesError` (one line naming the file, the problem and the fix).
    public static func decode(_ input: AudioInput) throws -> DecodedAudio {
        let source = try AudioSourceBytes.open(input)
        var warnings: [String] = []
        var samples = try decodeNatively(source, warnings: &warnings) ?? decodeWithFFmpeg(source)
        if samples.isEmpty { throw FeaturesError.noAudio(path: input.name) }
        var range = SampleRangeCheck()
        range.clip(&samples)
        if let clipped = range.warning(name: input.name) { warnings.append(clipped) }
        return DecodedAudio(samples: samples, warnings: warnings)
    }

    /// Decodes `input` chunk by chunk (about `chunkSamples` 16-kHz samples each, in order) into
    /// `body`, so a long recording never exists as one array: ffmpeg's output is converted as it
    /// arrives. WAV and FLAC are decoded natively as a whole (their size is the file's) and then
    /// handed out in chunks. Returns the warnings. Same samples as `decode`.
    public static func stream(_ input: AudioInput, chunkSamples: Int = 30 * AudioRate.model,
                              into body: ([Float]) throws -> Void) throws -> [String] {
        let source = try AudioSourceBytes.open(input)
        var warnings: [String] = []
        var range = SampleRangeCheck()
        var total = 0
        let chunk = max(1, chunkSamples)
        if let samples = try decodeNatively(source, warnings: &warnings) {
            var start = 0
            while start < samples.count {
                var piece = Array(samples[start..<min(samples.count, start + chunk)])
                range.clip(&piece)
                try body(piece)
                start += piece.count
            }
            total = samples.count
        } else {
            try withFFmpeg(source) { reader in
                try reader.read(chunkSamples: chunk) { piece in
                    var piece = piece
                    range.clip(&piece)
                    total += piece.count
                    try body(piece)
                }
            }
        }
        if total == 0 { throw FeaturesError.noAudio(path: input.name) }
        if let clipped = range.warning(name: input.name) { warnings.append(clipped) }
        return warnings
    }

    /// WAV or FLAC (by their magic) decoded natively, or nil for every other format.
    static func decodeNatively(_ source: AudioSourceBytes, warnings: inout [String]) throws -> [Float]? {
        let head = try source.head(count: 16)
        if head.isEmpty { throw FeaturesError.emptyFile(path: source.name) }
        if isRIFFWAVE(head) {
            do {
                return try decodeWAV(source)
            } catch let FeaturesError.invalidWAV(_, reason) where reason.hasPrefix("unsupported WAV encoding") {
                // μ-law, A-law, ADPCM…: a valid WAV that ffmpeg can decode; if it cannot, say why natively.
                guard let decoded = try? FFmpegAudioReader(source).read() else {
                    throw FeaturesError.invalidWAV(path: source.name, reason: reason)
                }
                return decoded
            }
        }
        if try isFLAC(source, head: head) { return try decodeFLAC(source, warnings: &warnings) }
        return nil
    }

    /// True when the bytes start with a RIFF/WAVE header.
    static func isRIFFWAVE(_ head: [UInt8]) -> Bool {
        head.count >= 12 && head[0..<4].elementsEqual("RIFF".utf8) && head[8..<12].elementsEqual("WAVE".utf8)
    }

    /// "fLaC" at the start or right after an ID3v2 tag (an MP3's tag is followed by MPEG frames).
    static func isFLAC(_ source: AudioSourceBytes, head: [UInt8]) throws -> Bool {
        let tag = FLACDecoder.id3v2Length(head)
        if tag == 0 { return FLACDecoder.isFLAC(head) }
        return try source.bytes(at: tag, count: 4).elementsEqual("fLaC".utf8)
    }

    /// Native WAV: decode, average the channels, resample to 16 kHz.
    static func decodeWAV(_ source: AudioSourceBytes) throws -> [Float] {
        let wav = try WAVFile(data: Data(try source.all()), path: source.name)
        return try resampled(wav.monoSamples(), from: wav.sampleRate, path: source.name)
    }

    /// Mono samples at `rate` → 16 kHz (frames · 16000 / rate) by the band-limited resampler.
    /// Rates outside `AudioRate.supportedInput` are refused (a 1-Hz header is a decompression bomb).
    static func resampled(_ mono: [Float], from rate: Int, path: String) throws -> [Float] {
        if let refusal = AudioRate.refusal(rate) { throw FeaturesError.resampling(path: path, reason: refusal) }
        if rate == sampleRate || mono.isEmpty { return mono }
        do {
            return try Resampler.resample(mono, from: rate, to: sampleRate)
        } catch {
            throw FeaturesError.resampling(path: path, reason: String(describing: error))
        }
    }

    /// Native FLAC: decode, average the channels, resample to 16 kHz. A stream the decoder does not
    /// handle (33-bit side channels, frames changing format mid-stream) goes to ffmpeg; a corrupt
    /// one is an error naming the byte; one cut inside a frame keeps its intact frames, with a warning.
    static func decodeFLAC(_ source: AudioSourceBytes, warnings: inout [String]) throws -> [Float] {
        let data = try source.all()
        let path = source.name
        let decoded: FLACDecoder.Decoded
        do {
            decoded = try FLACDecoder.decode(data)
        } catch FLACDecoder.Failure.unsupported {
            return try FFmpegAudioReader(source).read()
        } catch let FLACDecoder.Failure.truncated(byte) {
            throw FeaturesError.invalidFLAC(path: path, reason: "the file ends inside its first frame or header (byte \(byte) of \(data.count))")
        } catch let FLACDecoder.Failure.corrupt(byte, reason) {
            throw FeaturesError.invalidFLAC(path: path, reason: "\(reason) at byte \(byte)")
        }
        let rate = decoded.stream.sampleRate
        if let cut = decoded.truncatedAt {
            let seconds = Double(decoded.samples.count) / Double(max(rate, 1))
            warnings.append("\(path): the file is cut inside the frame at byte \(cut) of \(data.count); decoded the \(String(format: "%.2f", seconds)) s of intact frames before it (re-encode or re-copy the file to get the rest)")
        }
        if let refusal = AudioRate.refusal(rate) { throw FeaturesError.resampling(path: path, reason: refusal) }
        // Other rates: ffmpeg's resampler when it is installed (the one faster-whisper uses, so the
        // features match its), else the project's band-limited resampler. The native decode
        // above still checks every frame's CRC first. A cut file stays native (ffmpeg would
        // report the cut its own way).
        if rate != sampleRate, !decoded.samples.isEmpty, decoded.truncatedAt == nil,
           let viaFFmpeg = try? FFmpegAudioReader(source).read() {
            return viaFFmpeg
        }
        return try resampled(decoded.samples, from: rate, path: path)
    }

    /// Any other container through ffmpeg; a file named .wav that is no WAV and that ffmpeg cannot
    /// read gets a "not a WAV file" error instead of ffmpeg's wording.
    static func decodeWithFFmpeg(_ source: AudioSourceBytes) throws -> [Float] {
        try withFFmpeg(source) { try $0.read() }
    }

    /// Runs `body` with an ffmpeg reader of `source`, translating a failure on a file named .wav.
    static func withFFmpeg<T>(_ source: AudioSourceBytes, _ body: (FFmpegAudioReader) throws -> T) throws -> T {
        let ext = (source.name as NSString).pathExtension.lowercased()
        let claimsWAV = ext == "wav" || ext == "wave"
        do {
            return try body(FFmpegAudioReader(source))
        } catch let FeaturesError.ffmpegFailed(_, _, message) where claimsWAV {
            throw FeaturesError.notWAV(path: source.name, detail: "ffmpeg: \(message)")
        } catch FeaturesError.ffmpegMissing where claimsWAV {
            throw FeaturesError.notWAV(path: source.name, detail: "ffmpeg is not installed; `apt-get install ffmpeg` if it is another format")
        }
    }
}
