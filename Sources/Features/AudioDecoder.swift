import CaptionCore
import Foundation

/// Decodes an audio or video file to 16-kHz mono Float32 samples in [-1, 1]: WAV and FLAC
/// (recognised by their magic, not their name) natively, every other container through ffmpeg.
public enum AudioDecoder {
    public static let sampleRate = 16_000

    /// The samples of the file at `path`: 16 kHz, mono, Float32. Throws `FeaturesError` (one line
    /// naming the file, the problem and the fix) on any bad input.
    public static func load(_ path: String) throws -> [Float] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw FeaturesError.fileNotFound(path: path)
        }
        if isDir.boolValue { throw FeaturesError.isDirectory(path: path) }
        let head = try readHead(path, count: 12)
        if head.isEmpty { throw FeaturesError.emptyFile(path: path) }

        let samples: [Float]
        if isRIFFWAVE(head) {
            do {
                samples = try decodeWAV(path)
            } catch let FeaturesError.invalidWAV(_, reason) where reason.hasPrefix("unsupported WAV encoding") {
                // μ-law, A-law, ADPCM…: a valid WAV that ffmpeg can decode; if it cannot, say why natively.
                guard let decoded = try? FFmpegAudioReader(path: path).read() else {
                    throw FeaturesError.invalidWAV(path: path, reason: reason)
                }
                samples = decoded
            }
        } else if FLACDecoder.isFLAC(head) {
            samples = try decodeFLAC(path)
        } else {
            samples = try decodeWithFFmpeg(path, head: head)
        }
        if samples.isEmpty { throw FeaturesError.noAudio(path: path) }
        return samples
    }

    /// True when the bytes start with a RIFF/WAVE header.
    static func isRIFFWAVE(_ head: [UInt8]) -> Bool {
        head.count >= 12 && head[0..<4].elementsEqual("RIFF".utf8) && head[8..<12].elementsEqual("WAVE".utf8)
    }

    /// Native WAV: decode, average the channels, resample to 16 kHz.
    static func decodeWAV(_ path: String) throws -> [Float] {
        let wav: WAVFile
        do {
            wav = try WAVFile(contentsOf: path)
        } catch let CaptionCoreError.invalidWAV(_, reason) {
            throw FeaturesError.invalidWAV(path: path, reason: reason)
        }
        return try resampled(wav.monoSamples(), from: wav.sampleRate, path: path)
    }

    /// Mono samples at `rate` → 16 kHz (frames · 16000 / rate) by the band-limited resampler.
    static func resampled(_ mono: [Float], from rate: Int, path: String) throws -> [Float] {
        if rate == sampleRate || mono.isEmpty { return mono }
        do {
            return try Resampler.resample(mono, from: rate, to: sampleRate)
        } catch {
            throw FeaturesError.resampling(path: path, reason: String(describing: error))
        }
    }

    /// Native FLAC: decode, average the channels, resample to 16 kHz. A stream the decoder does not
    /// handle (33-bit side channels, frames changing format mid-stream) goes to ffmpeg; a corrupt
    /// or truncated one is an error naming the byte.
    static func decodeFLAC(_ path: String) throws -> [Float] {
        let data: [UInt8]
        do {
            data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw FeaturesError.unsupported(path: path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        let decoded: (samples: [Float], stream: FLACDecoder.Stream)
        do {
            decoded = try FLACDecoder.decode(data)
        } catch FLACDecoder.Failure.unsupported {
            return try FFmpegAudioReader(path: path).read()
        } catch let FLACDecoder.Failure.truncated(byte) {
            throw FeaturesError.invalidFLAC(path: path, reason: "the file ends inside a frame (byte \(byte) of \(data.count))")
        } catch let FLACDecoder.Failure.corrupt(byte, reason) {
            throw FeaturesError.invalidFLAC(path: path, reason: "\(reason) at byte \(byte)")
        }
        let rate = decoded.stream.sampleRate
        // Other rates: ffmpeg's resampler when it is installed (the one faster-whisper uses, so the
        // features match its), else the project's band-limited resampler. The native decode
        // above still checks every frame's CRC first.
        if rate != sampleRate, !decoded.samples.isEmpty, let viaFFmpeg = try? FFmpegAudioReader(path: path).read() {
            return viaFFmpeg
        }
        return try resampled(decoded.samples, from: rate, path: path)
    }

    /// Any other container through ffmpeg; a file named .wav that is no WAV and that ffmpeg cannot
    /// read gets a "not a WAV file" error instead of ffmpeg's wording.
    static func decodeWithFFmpeg(_ path: String, head: [UInt8]) throws -> [Float] {
        let ext = (path as NSString).pathExtension.lowercased()
        let claimsWAV = ext == "wav" || ext == "wave"
        do {
            return try FFmpegAudioReader(path: path).read()
        } catch let FeaturesError.ffmpegFailed(_, _, message) where claimsWAV {
            throw FeaturesError.notWAV(path: path, detail: "ffmpeg: \(message)")
        } catch FeaturesError.ffmpegMissing where claimsWAV {
            throw FeaturesError.notWAV(path: path, detail: "ffmpeg is not installed; `apt-get install ffmpeg` if it is another format")
        }
    }

    /// Up to `count` bytes from the start of the file (fewer when the file is shorter).
    static func readHead(_ path: String, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FeaturesError.systemCall(function: "open", errno: errno, context: "opening \(path)") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + filled, count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FeaturesError.systemCall(function: "read", errno: errno, context: "reading \(path)")
            }
            if n == 0 { break }
            filled += n
        }
        return Array(buffer[0..<filled])
    }
}
