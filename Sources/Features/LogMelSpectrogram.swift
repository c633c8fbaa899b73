// API fixed for the other modules; the implementation is being written (issue 2, Features).

/// A log-mel spectrogram: (bins, frames) row-major, as Whisper computes it.
public struct MelSpectrogram: Sendable {
    public let bins: Int
    public let frames: Int
    /// bins × frames values, row-major (bin-major): value(bin b, frame f) = data[b * frames + f].
    public var data: [Float]
    public init(bins: Int, frames: Int, data: [Float]) { self.bins = bins; self.frames = frames; self.data = data }

    /// Frames [start, start + count) as (bins, count) row-major; frames past the end are zero
    /// (Whisper's pad_or_trim of a feature window).
    public func window(start: Int, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: bins * count)
        let n = max(0, min(count, frames - start))
        if n > 0 {
            for b in 0..<bins {
                for i in 0..<n { out[b * count + i] = data[b * frames + start + i] }
            }
        }
        return out
    }
}

/// Whisper's log-mel front end: n_fft 400, hop 160, Hann window, power spectrum, Slaney mel filter
/// bank (80 or 128 bins), log10 clamped at 1e-10, floor at max − 8, then (x + 4) / 4.
public struct LogMelSpectrogram: Sendable {
    public let melBins: Int
    public let nFFT = 400
    public let hopLength = 160
    public let sampleRate = 16_000

    public init(melBins: Int = 80) { self.melBins = melBins }

    /// Log-mel of 16-kHz mono samples, padded at the end with `padding` zero samples first
    /// (faster-whisper pads 160). frames = (samples + padding) / hop.
    public func callAsFunction(_ samples: [Float], padding: Int = 160) -> MelSpectrogram {
        // Placeholder until the Features work lands.
        let frames = (samples.count + padding) / hopLength
        return MelSpectrogram(bins: melBins, frames: frames, data: [Float](repeating: 0, count: melBins * frames))
    }
}
