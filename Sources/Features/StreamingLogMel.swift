/// Whisper's log-mel computed incrementally for the live service: feed 16-kHz sample chunks of any
/// size, get each raw (clamped log10) mel frame as soon as every sample its window needs has
/// arrived; `finish` adds the end padding (zeros, then reflection) and returns the rest. Over any
/// chunking, the frames of all `feed` calls plus `finish` equal `LogMelSpectrogram.rawLogMel` of the
/// whole signal. Normalise a window of frames with `normalizedWindow` (max − 8, (x + 4) / 4).
public struct StreamingLogMel: Sendable {
    public let kernel: LogMelFrameKernel
    public let padding: Int
    public var melBins: Int { kernel.bank.melBins }
    /// Samples from absolute index `bufferStart` on (older ones are no longer needed).
    var buffer: [Float] = []
    var bufferStart = 0
    /// Samples fed so far and the next frame to emit.
    public private(set) var sampleCount = 0
    public private(set) var nextFrame = 0
    public private(set) var finished = false

    public init(melBins: Int = 80, padding: Int = 160) {
        kernel = LogMelFrameKernel(melBins: melBins)
        self.padding = max(0, padding)
    }

    /// Appends samples; returns the frames completed by them, frame-major (count × melBins).
    public mutating func feed(_ samples: [Float]) -> [Float] {
        guard !finished else { return [] }
        buffer.append(contentsOf: samples)
        sampleCount += samples.count
        // Frame f needs samples up to f·hop + nFFT/2 − 1, and (reflection at the start) up to nFFT/2.
        let half = kernel.nFFT / 2
        var end = nextFrame
        while max((end * kernel.hopLength) + half - 1, half) < sampleCount { end += 1 }
        return emit(upTo: end, length: sampleCount)
    }

    /// Ends the stream: pads `padding` zeros, reflects at the end, returns the remaining frames
    /// (count × melBins). Total frames = (samples + padding) / hop, as in the one-shot front end.
    public mutating func finish() -> [Float] {
        guard !finished else { return [] }
        finished = true
        buffer.append(contentsOf: [Float](repeating: 0, count: padding))
        let length = sampleCount + padding
        return emit(upTo: length / kernel.hopLength, length: length)
    }

    /// Whisper's normalisation of a window of raw frames (count × bins, frame-major) as a
    /// (bins × count) spectrogram.
    public static func normalizedWindow(_ rawFrames: [Float], bins: Int) -> MelSpectrogram {
        var values = rawFrames
        LogMelSpectrogram.normalize(&values)
        return MelSpectrogram(bins: bins, frameMajor: values)
    }

    mutating func emit(upTo end: Int, length: Int) -> [Float] {
        let count = max(0, end - nextFrame)
        var out = [Float](repeating: 0, count: count * melBins)
        if count > 0 {
            let frames = nextFrame..<end
            let start = bufferStart
            buffer.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    guard let o0 = o.baseAddress else { return }
                    kernel.rawFrames(signal: s, signalStart: start, length: length, frames: frames, out: o0)
                }
            }
            nextFrame = end
        }
        // Keep what later frames can still reach: from nextFrame·hop − nFFT/2 on, and the first
        // nFFT/2 + 1 samples while frames near the start (reflected) are pending.
        let keepFrom = nextFrame * kernel.hopLength - kernel.nFFT / 2
        if keepFrom > kernel.nFFT / 2 + 1, keepFrom > bufferStart, !finished {
            let drop = min(keepFrom - bufferStart, buffer.count)
            buffer.removeFirst(drop)
            bufferStart += drop
        }
        return out
    }
}
