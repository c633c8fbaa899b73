import CaptionCore
/// A log-mel spectrogram: (bins, frames) row-major, as Whisper computes it.
public struct MelSpectrogram: Sendable {
    public let bins: Int
    public let frames: Int
    /// bins × frames values, row-major (bin-major): value(bin b, frame f) = data[b * frames + f].
    public var data: [Float]
    public init(bins: Int, frames: Int, data: [Float]) { self.bins = bins; self.frames = frames; self.data = data }

    /// From frame-major values (frames × bins, one column per frame, as the kernels produce them).
    public init(bins: Int, frameMajor: [Float]) {
        let frames = bins == 0 ? 0 : frameMajor.count / bins
        var data = [Float](repeating: 0, count: bins * frames)
        for f in 0..<frames {
            for b in 0..<bins { data[b * frames + f] = frameMajor[f * bins + b] }
        }
        self.init(bins: bins, frames: frames, data: data)
    }

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

    /// The column of frame `f` (bins values).
    public func column(_ f: Int) -> [Float] { (0..<bins).map { data[$0 * frames + f] } }
}

/// Whisper's log-mel front end: n_fft 400, hop 160, Hann window, power spectrum, Slaney mel filter
/// bank (80 or 128 bins), log10 clamped at 1e-10, floor at max − 8, then (x + 4) / 4 — exactly as
/// faster-whisper 1.2.1's FeatureExtractor (centred STFT with reflect padding, last frame dropped).
public struct LogMelSpectrogram: Sendable {
    public let melBins: Int
    public let nFFT = 400
    public let hopLength = 160
    public let sampleRate = AudioRate.model
    public let kernel: LogMelFrameKernel

    public init(melBins: Int = 80) {
        self.melBins = melBins
        kernel = LogMelFrameKernel(melBins: melBins)
    }

    /// Log-mel of 16-kHz mono samples, padded at the end with `padding` zero samples first
    /// (faster-whisper pads 160). frames = (samples + padding) / hop.
    public func callAsFunction(_ samples: [Float], padding: Int = 160) -> MelSpectrogram {
        var raw = rawLogMel(samples, padding: padding)          // (frames × bins) frame-major
        Self.normalize(&raw)
        return MelSpectrogram(bins: melBins, frameMajor: raw)  // (bins × frames)
    }

    /// The clamped log10-mel before normalisation, frame-major (frames × bins).
    public func rawLogMel(_ samples: [Float], padding: Int = 160) -> [Float] {
        let signal = samples + [Float](repeating: 0, count: max(0, padding))   // (L) = samples + zeros
        let frames = signal.count / hopLength
        var raw = [Float](repeating: 0, count: frames * melBins)
        if frames == 0 { return raw }
        signal.withUnsafeBufferPointer { s in
            raw.withUnsafeMutableBufferPointer { out in
                guard let o = out.baseAddress else { return }
                kernel.rawFrames(signal: s, signalStart: 0, length: s.count, frames: 0..<frames, out: o)
            }
        }
        return raw
    }

    /// Whisper's normalisation of a window of raw log10-mel values (any layout): floor at max − 8,
    /// then (x + 4) / 4.
    public static func normalize(_ values: inout [Float]) {
        guard let top = values.max() else { return }
        let floor = top - 8
        for i in values.indices { values[i] = (max(values[i], floor) + 4) / 4 }
    }
}
