/// The sample rates the project works with, in one place.
public enum AudioRate {
    /// Whisper's (and every model's) input rate: 16 kHz mono. The one place this number lives.
    public static let model = 16_000
    /// Input rates decoded and resampled: below 4 kHz a file is mislabelled (or a decompression
    /// bomb: a WAV declaring 1 Hz would expand each sample 16 000 times); above 768 kHz no real
    /// recording exists and the resampler's tables grow without bound.
    public static let supportedInput = 4_000...768_000

    /// The one-line reason a declared rate is refused, or nil when it is supported.
    public static func refusal(_ rate: Int) -> String? {
        if supportedInput.contains(rate) { return nil }
        return "sample rate \(rate) Hz is outside the supported \(supportedInput.lowerBound)…\(supportedInput.upperBound) Hz (a wrong header?); resample it with `ffmpeg -i FILE -ar \(model) out.wav`"
    }
}
