/// Whisper's log-mel of a whole recording, computed from chunks as they are decoded, so a long
/// file never exists as one sample array: only the raw mel frames are kept (80 × 4 bytes per
/// 10 ms, 1.9 MB per audio minute, against 3.8 MB of samples). Whisper normalises with the
/// maximum over the whole recording (floor at max − 8), so that step waits for `finish`. Equal to
/// `LogMelSpectrogram(melBins)(samples, padding:)` of the concatenated chunks.
public struct LogMelAccumulator: Sendable {
    private var stream: StreamingLogMel
    /// Raw frames so far, frame-major (frames × bins).
    private var raw: [Float] = []
    public var sampleCount: Int { stream.sampleCount }
    public var melBins: Int { stream.melBins }

    public init(melBins: Int = 80, padding: Int = 160) {
        stream = StreamingLogMel(melBins: melBins, padding: padding)
    }

    public mutating func feed(_ samples: [Float]) {
        raw.append(contentsOf: stream.feed(samples))
    }

    /// The normalised spectrogram (bins × frames); the accumulator is empty afterwards.
    public mutating func finish() -> MelSpectrogram {
        raw.append(contentsOf: stream.finish())
        var values = raw
        raw = []
        LogMelSpectrogram.normalize(&values)
        return MelSpectrogram(bins: melBins, frameMajor: values)
    }
}
