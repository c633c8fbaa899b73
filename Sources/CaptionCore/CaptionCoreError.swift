/// Errors of the CaptionCore module; each names the file or value, the problem and the fix.
public enum CaptionCoreError: Error, CustomStringConvertible, Equatable {
    /// A resampler configuration that cannot work.
    case invalidSampleRate(input: Int, output: Int)
    /// A rate pair whose polyphase filter would be unreasonably large (odd high rates).
    case unsupportedRateRatio(input: Int, output: Int, tableFloats: Int)

    public var description: String {
        switch self {
        case let .invalidSampleRate(input, output):
            return "cannot resample from \(input) Hz to \(output) Hz: both rates must be between 1 and 1000000 Hz"
        case let .unsupportedRateRatio(input, output, floats):
            return "cannot resample from \(input) Hz to \(output) Hz: the rates share no useful common divisor and the filter would need \(floats / 262_144) MB; convert the audio to a standard rate (8000, 16000, 22050, 44100, 48000 Hz …) first"
        }
    }
}
