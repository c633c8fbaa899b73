import CaptionCore

/// Errors of the Features module; each is one line naming the file (or call), the problem and the fix.
public enum FeaturesError: Error, CustomStringConvertible, Equatable {
    /// Kept for callers of the first API: a file the decoder cannot handle, with the reason.
    case unsupported(path: String, reason: String)
    /// No file (or no directory entry) at `path`.
    case fileNotFound(path: String)
    /// `path` names a directory, not a file.
    case isDirectory(path: String)
    /// The file has 0 bytes.
    case emptyFile(path: String)
    /// The file decodes, but to zero samples.
    case noAudio(path: String)
    /// A file with a RIFF/WAVE header that cannot be decoded (truncated, lying header, odd encoding).
    case invalidWAV(path: String, reason: String)
    /// A file with a FLAC header that cannot be decoded (truncated, corrupt frame).
    case invalidFLAC(path: String, reason: String)
    /// A file named .wav/.wave that is no WAV file and that ffmpeg cannot decode either.
    case notWAV(path: String, detail: String)
    /// The file needs ffmpeg, which is not installed (or not at `executable`).
    case ffmpegMissing(path: String, executable: String)
    /// ffmpeg ran and failed; `message` is the first line of its stderr.
    case ffmpegFailed(path: String, status: Int32, message: String)
    /// A container (typically a video) without any audio stream.
    case noAudioStream(path: String)
    /// A C call failed: the function, its errno and what it was doing.
    case systemCall(function: String, errno: Int32, context: String)
    /// A resampling configuration that cannot work.
    case resampling(path: String, reason: String)
    /// A resampler rate outside 1…1,000,000 Hz.
    case invalidSampleRate(input: Int, output: Int)
    /// A rate pair whose polyphase filter would be unreasonably large (odd high rates).
    case unsupportedRateRatio(input: Int, output: Int, tableFloats: Int)

    public var description: String {
        switch self {
        case let .unsupported(path, reason):
            return "\(path): \(reason)"
        case let .fileNotFound(path):
            return "\(path): no such file; check the path"
        case let .isDirectory(path):
            return "\(path): is a directory; give an audio or video file"
        case let .emptyFile(path):
            return "\(path): the file is empty (0 bytes); give an audio or video file with sound in it"
        case let .noAudio(path):
            return "\(path): the file contains no audio (0 samples); give a recording with sound in it"
        case let .invalidWAV(path, reason):
            return "\(path): \(reason)"
        case let .invalidFLAC(path, reason):
            return "\(path): not a valid FLAC file: \(reason); check the file (`flac -t FILE`) or re-encode it"
        case let .notWAV(path, detail):
            return "\(path): not a WAV file (no RIFF/WAVE header) and ffmpeg cannot decode it (\(detail)); check the file or convert it with `ffmpeg -i FILE -ar \(AudioRate.model) -ac 1 out.wav`"
        case let .ffmpegMissing(path, executable):
            return "\(path): decoding this format needs ffmpeg, which was not found (\(executable)); install it (`apt-get install ffmpeg`) or convert the file to WAV"
        case let .ffmpegFailed(path, status, message):
            return "\(path): ffmpeg failed (exit status \(status)): \(message)"
        case let .noAudioStream(path):
            return "\(path): the file has no audio stream (a video without sound?); give a file with an audio track"
        case let .systemCall(function, code, context):
            return "\(function) failed while \(context): \(String(cString: strerror(code))) (errno \(code))"
        case let .resampling(path, reason):
            return "\(path): cannot resample: \(reason)"
        case let .invalidSampleRate(input, output):
            return "cannot resample from \(input) Hz to \(output) Hz: both rates must be between 1 and 1000000 Hz"
        case let .unsupportedRateRatio(input, output, floats):
            return "cannot resample from \(input) Hz to \(output) Hz: the rates share no useful common divisor and the filter would need \(floats / 262_144) MB; convert the audio to a standard rate (8000, 16000, 22050, 44100, 48000 Hz …) first"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
