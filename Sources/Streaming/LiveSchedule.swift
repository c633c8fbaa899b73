import CaptionCore

/// Keeps the live path at the newest audio whatever the model and the machine: a pure state
/// machine (no clock of its own) that the driver tells what time it is (`tick`), how long each
/// decode took (`decoded`) and how far decoding has got (`progress`), and that `CaptionPolicy`
/// asks before each decode:
///
/// - **newest audio only**: a due window decode is deferred while more than `staleAfterSeconds`
///   of newer audio is already captured (the captioner catches up through the cheap voice-activity
///   frames and decodes once, at the newest audio; no queue of stale steps);
/// - **the step grows** to `stepHeadroom` × the recent window-decode time when that is longer than
///   the configured step;
/// - **the window is trimmed at committed text** once its predicted decode time exceeds
///   `windowDecodeBudget` (never below `minimumWindowSeconds`, never past uncommitted words);
/// - **the final pass fits a budget**: the whole utterance when its predicted time (plus the audio
///   waiting) fits `finalBudgetSeconds`, else only the window's uncommitted audio, else none (the
///   final is then built from the committed and last-decoded words); an utterance whose last
///   look gives no word gets its pass after all, late rather than lost (the policy does not ask
///   when the utterance is ended from outside: end of input, SIGTERM, pause and a model swap
///   always run the whole pass);
/// - **lag** (audio seconds captured but not yet decoded) is tracked, and `cannotKeepUp` says when
///   the model is too slow for this machine (lag above `lagLimitSeconds`, or a step grown past
///   `slowStepSeconds`).
///
/// Audio is never dropped for lateness: the schedule only moves decodes later or makes them
/// cheaper. Disabled (`enabled == false`: input not on the capture clock, e.g. a file read as fast
/// as possible) it answers with the configuration's fixed values, so the output is deterministic.
///
/// Positions on the capture clock (now, a decode's end, an utterance's range) are `SampleIndex`es
/// at `rate`, as in `CaptionPolicy`; compute times are seconds, and so are the lag figures it
/// reports.
public struct LiveSchedule: Equatable, Sendable {
    public struct Limits: Equatable, Sendable {
        /// Newer audio beyond a due decode's end that makes the decode stale (s).
        public var staleAfterSeconds = 0.25
        /// The step is at least this many times the recent window-decode time.
        public var stepHeadroom = 1.5
        /// Predicted window-decode time above which the window is trimmed at committed text (s).
        public var windowDecodeBudget = 0.8
        /// Shortest window the budget trims to (s).
        public var minimumWindowSeconds = 4.0
        /// End of speech → final budget for the final pass, including the audio waiting (s).
        public var finalBudgetSeconds = 1.2
        /// Lag above which the model is said not to keep up (s).
        public var lagLimitSeconds = 3.0
        /// A step grown past this (s) also means the model does not keep up.
        public var slowStepSeconds = 2.0
        /// Before any final pass is measured, a pass is predicted to cost this many window decodes
        /// (a Whisper pass encodes a 30-s context, a window 5–17 s; measured with base: a 2–4 s
        /// utterance's pass 2.5–3.2 s of CPU, a window decode 0.8 s).
        public var firstPassPerWindowDecode = 3.0
        /// Weight of the newest measurement in the running averages.
        public var smoothing = 0.3
        /// Factor on the predicted pass cost after each skipped pass (`finalPlan`).
        public var skipRelaxation = 0.85
        public init() {}
    }

    public enum DecodeKind: Sendable { case window, finalPass }

    /// How the final of an utterance is decoded.
    public enum FinalPlan: Equatable, Sendable {
        /// The whole utterance once more.
        case full
        /// Only the audio from the window start (what is not committed yet), after the committed text.
        case fromWindow
        /// No final pass: the final is the committed words and the last window decode's.
        case none
    }

    public let enabled: Bool
    public let limits: Limits
    /// Samples per second of the positions it is given.
    public let rate: Int
    let configuredStep: Double
    let configuredWindow: Double
    /// Audio a final pass encodes whatever the utterance's length (s; `StreamingModel.passContextSeconds`):
    /// Whisper's pass encodes a 30-s context, so its cost hardly depends on the utterance's length
    /// up to 30 s. 0: the cost is proportional to the audio.
    public let passContextSeconds: Double

    /// The newest clock reading (capture clock, as a sample index); nil before the first.
    public private(set) var now: SampleIndex?
    /// Running average of a window decode's compute time (s).
    public private(set) var windowDecodeSeconds: Double?
    /// Running averages of compute seconds per second of audio decoded (for the final pass, per
    /// second of the audio it encodes: at least `passContextSeconds`).
    public private(set) var windowCostPerSecond: Double?
    public private(set) var finalCostPerSecond: Double?
    /// The cheapest final pass measured (s): the floor of any pass's cost, since a pass always
    /// encodes the same 30-s context whatever the utterance's length (a 1-s utterance's pass costs
    /// about what a 4-s one's does; per second of audio it looked 4 times cheaper).
    public private(set) var finalPassFloor: Double?
    /// Factor on the predicted pass compute: `skipRelaxation` per pass skipped since the last one
    /// measured.
    public private(set) var passEstimateScale = 1.0
    /// Audio seconds captured but not yet decoded, now and at most so far.
    public private(set) var lag = 0.0
    public private(set) var maxLag = 0.0
    /// The recent lag peak (decays by 1 s every 10 s).
    private var lagPeak = 0.0
    private var lagPeakAt: SampleIndex?
    /// Decodes moved to newer audio, final passes shortened and skipped (for status and tests).
    public private(set) var deferredDecodes = 0
    public private(set) var shortenedFinalPasses = 0
    public private(set) var skippedFinalPasses = 0

    public init(configuration: StreamingConfiguration, enabled: Bool, limits: Limits = Limits(),
                rate: Int = AudioRate.model, passContextSeconds: Double = 0) {
        self.enabled = enabled
        self.passContextSeconds = max(0, passContextSeconds)
        self.limits = limits
        self.rate = max(1, rate)
        configuredStep = configuration.stepSeconds
        configuredWindow = configuration.windowSeconds
    }

    // MARK: What the driver reports

    /// The clock now, as the sample captured at this moment (never goes back).
    public mutating func tick(now t: SampleIndex) { now = max(now ?? t, t) }

    /// A decode of `audioSamples` samples of audio took `compute` seconds.
    public mutating func decoded(_ kind: DecodeKind, audioSamples: SampleIndex, compute: Double) {
        let audioSeconds = seconds(audioSamples)
        guard audioSeconds > 0, compute.isFinite, compute >= 0 else { return }
        func blend(_ old: Double?, _ new: Double) -> Double {
            old.map { $0 + (new - $0) * limits.smoothing } ?? new
        }
        switch kind {
        case .window:
            windowDecodeSeconds = blend(windowDecodeSeconds, compute)
            windowCostPerSecond = blend(windowCostPerSecond, compute / audioSeconds)
        case .finalPass:
            finalCostPerSecond = blend(finalCostPerSecond, compute / max(audioSeconds, passContextSeconds))
            finalPassFloor = min(finalPassFloor ?? compute, compute)
            passEstimateScale = 1
        }
    }

    /// Decoding is complete up to sample `decodedThrough` at the current `now`.
    public mutating func progress(decodedThrough: SampleIndex) {
        guard enabled, let now else { return }
        lag = seconds(max(0, now - decodedThrough))
        maxLag = max(maxLag, lag)
        if lag >= recentPeak { lagPeak = lag; lagPeakAt = now }
    }

    /// The recent lag peak, decayed by 1 s every 10 s since it was reached.
    private var recentPeak: Double {
        guard let now, let at = lagPeakAt else { return lagPeak }
        return lagPeak - seconds(max(0, now - at)) / 10
    }

    private func seconds(_ samples: SampleIndex) -> Double { Double(samples) / Double(rate) }
    private func samples(_ seconds: Double) -> SampleIndex { SampleClock(rate: rate).samples(seconds) }

    // MARK: What the policy asks

    /// Seconds between window decodes.
    public var stepSeconds: Double {
        guard enabled, let d = windowDecodeSeconds else { return configuredStep }
        return max(configuredStep, limits.stepHeadroom * d)
    }

    /// Samples between window decodes (`stepSeconds`).
    public var stepSamples: SampleIndex { samples(stepSeconds) }

    /// Longest window worth decoding now (s): the configured one, or less when the measured cost
    /// per second predicts a decode longer than the budget.
    public var windowSeconds: Double {
        guard enabled, let rate = windowCostPerSecond, rate > 0 else { return configuredWindow }
        return min(configuredWindow, max(limits.minimumWindowSeconds, limits.windowDecodeBudget / rate))
    }

    /// The longest window worth decoding now, in samples (`windowSeconds`).
    public var windowSamples: SampleIndex { samples(windowSeconds) }

    /// True when a decode ending at sample `end` would be stale: newer audio is already captured.
    public func isStale(_ end: SampleIndex) -> Bool {
        guard enabled, let now else { return false }
        return now - end > samples(limits.staleAfterSeconds)
    }

    /// Counts a decode moved to newer audio.
    public mutating func deferDecode() { deferredDecodes += 1 }

    /// How to decode the final of the utterance [utteranceFrom, end) whose window starts at
    /// `windowFrom`: the whole utterance when its predicted pass (plus the audio waiting) fits
    /// `finalBudgetSeconds`, else only the window's audio when that fits, else no pass. A pass is
    /// predicted to cost at least `finalPassFloor` (before any pass, `firstPassPerWindowDecode`
    /// window decodes). `confirmed` (some words committed) no longer forces a pass: an utterance
    /// with nothing committed is not lost without one, because the policy's last look decodes it
    /// to its end, and runs the pass after all when even that gives no word (`CaptionPolicy`).
    /// Counts shortened and skipped passes.
    public mutating func finalPlan(utteranceFrom: SampleIndex, windowFrom: SampleIndex, end: SampleIndex,
                                   confirmed: Bool = true) -> FinalPlan {
        guard let predicted = passPrediction(end: end) else { return .full }
        let shortens = windowFrom - utteranceFrom > samples(0.5)
        if predicted(utteranceFrom) <= limits.finalBudgetSeconds { return .full }
        if shortens, predicted(windowFrom) <= limits.finalBudgetSeconds {
            shortenedFinalPasses += 1
            return .fromWindow
        }
        skippedFinalPasses += 1
        relaxPassEstimate()
        return .none
    }

    /// A skipped pass measures nothing, so one slow pass (a busy moment), or a first guess from the
    /// window decodes that is too high, would otherwise keep every later pass skipped: each skip
    /// lowers the predicted compute by `skipRelaxation`, until a later utterance tries a pass
    /// again and measures it (which resets the factor).
    private mutating func relaxPassEstimate() { passEstimateScale *= limits.skipRelaxation }

    /// True when a whole-utterance pass over [utteranceFrom, end) fits the budget now (what
    /// `finalPlan` would call `.full`), without counting anything: the early final pass
    /// (`EarlyFinal`) runs only then.
    public func affordsFullPass(utteranceFrom: SampleIndex, end: SampleIndex) -> Bool {
        guard let predicted = passPrediction(end: end) else { return true }
        return predicted(utteranceFrom) <= limits.finalBudgetSeconds
    }

    /// Predicted seconds until a pass over [from, end) is done (the audio already waiting plus
    /// its compute, at least `finalPassFloor`); nil when nothing is measured (or disabled).
    /// Measured passes predict by the audio a pass encodes (at least `passContextSeconds`); before
    /// any, a pass is guessed at twice a window decode's cost per second of the utterance, and at
    /// least `firstPassPerWindowDecode` window decodes. Either is scaled by `passEstimateScale`.
    private func passPrediction(end: SampleIndex) -> ((SampleIndex) -> Double)? {
        guard enabled else { return nil }
        let waiting = seconds(max(0, (now ?? end) - end)), scale = passEstimateScale
        if let cost = finalCostPerSecond {
            let floor = finalPassFloor ?? 0, context = passContextSeconds
            return { from in waiting + scale * max(floor, cost * max(self.seconds(end - from), context)) }
        }
        guard let windowCost = windowCostPerSecond else { return nil }
        let floor = (windowDecodeSeconds ?? 0) * limits.firstPassPerWindowDecode
        return { from in waiting + scale * max(floor, 2 * windowCost * self.seconds(end - from)) }
    }

    /// True when this model does not keep up on this machine (recent lag above the limit, or a
    /// window decode so slow that the step had to grow past `slowStepSeconds`).
    public var cannotKeepUp: Bool {
        guard enabled else { return false }
        return recentPeak > limits.lagLimitSeconds || stepSeconds > limits.slowStepSeconds
    }
}
