/// Mono Float32 samples with the CLOCK_MONOTONIC time (seconds) of the first one.
public struct AudioChunk: Sendable, Equatable {
    public var samples: [Float]
    /// Capture time of `samples[0]` on CLOCK_MONOTONIC, in seconds.
    public var startTime: Double
    public var sampleRate: Int
    /// Absolute number of `samples[0]` in its stream (0 for the first sample captured).
    public var firstSampleIndex: UInt64

    public init(samples: [Float], startTime: Double, sampleRate: Int, firstSampleIndex: UInt64 = 0) {
        self.samples = samples
        self.startTime = startTime
        self.sampleRate = sampleRate
        self.firstSampleIndex = firstSampleIndex
    }

    /// Time just after the last sample.
    public var endTime: Double {
        startTime + Double(samples.count) / Double(max(1, sampleRate))
    }
}
