import CaptionCore

/// A position on the live path's one clock: the index of an audio sample at `AudioRate.model`,
/// numbered as the capture numbers them (`AudioChunk.firstSampleIndex`).
public typealias SampleIndex = Int64

/// The live path's one clock, and its conversion to capture-clock seconds. `CaptionPolicy` and
/// `LiveCaptioner` keep every position (voice frames, windows, utterances, decodes) as a
/// `SampleIndex`, so durations are exact sample counts; seconds appear only at the edges: event
/// times leaving for the wire (`seconds(_:)`) and the model's word times coming in (`index(_:)`).
///
/// The anchor is one sample whose capture time is known (the first chunk's first sample, again
/// after a gap the captioner restarts at); every other sample is `rate` per second from it.
public struct SampleClock: Equatable, Sendable {
    public var rate: Int
    public var anchorIndex: SampleIndex
    /// Capture time (CLOCK_MONOTONIC seconds) of sample `anchorIndex`.
    public var anchorTime: Double

    public init(rate: Int = AudioRate.model, anchorIndex: SampleIndex = 0, anchorTime: Double = 0) {
        self.rate = max(1, rate)
        self.anchorIndex = anchorIndex
        self.anchorTime = anchorTime
    }

    /// Capture time of sample `index` (seconds).
    public func seconds(_ index: SampleIndex) -> Double {
        anchorTime + Double(index - anchorIndex) / Double(rate)
    }

    /// The sample captured at `time` (seconds), rounded to the nearest; a non-finite time (a
    /// broken model output) clamps to the far past or future instead of trapping.
    public func index(_ time: Double) -> SampleIndex {
        anchorIndex + samples(time - anchorTime)
    }

    /// A duration in seconds as a whole number of samples (rounded; clamped when non-finite).
    public func samples(_ seconds: Double) -> SampleIndex {
        let x = (seconds * Double(rate)).rounded()
        let limit = Double(SampleIndex(1) << 52)
        guard x.isFinite else { return x > 0 ? SampleIndex(limit) : -SampleIndex(limit) }
        return SampleIndex(min(limit, max(-limit, x)))
    }

    /// A number of samples as seconds.
    public func duration(_ samples: SampleIndex) -> Double { Double(samples) / Double(rate) }
}
