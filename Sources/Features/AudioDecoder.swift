// API fixed for the other modules; the implementation is being written (issue 2, Features).

/// Decodes an audio or video file to 16-kHz mono Float32 samples in [-1, 1]: WAV natively, every
/// other container through ffmpeg.
public enum AudioDecoder {
    public static let sampleRate = 16_000
    public static func load(_ path: String) throws -> [Float] {
        throw FeaturesError.unsupported(path: path, reason: "audio decoding is not built yet")
    }
}

/// Errors of the Features module; each names the file, the problem and the fix.
public enum FeaturesError: Error, CustomStringConvertible, Equatable {
    case unsupported(path: String, reason: String)
    public var description: String {
        switch self {
        case let .unsupported(path, reason): return "\(path): \(reason)"
        }
    }
}
