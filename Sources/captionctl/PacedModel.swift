import CaptionCore
import Streaming

/// `captionctl simulate --paced`: the live captioner as the daemon runs it, without real time.
/// The audio arrives on a virtual clock at its own rate; every decode moves the clock on by the
/// compute it measured, so audio piles up behind a slow decode exactly as behind the daemon's
/// pipeline thread, and `LiveSchedule` adapts to the measured decode times as it does live. Events
/// are stamped with the virtual time they were emitted at. What it leaves out: the capture thread
/// and other processes competing for the cores, and scheduling jitter, so its latencies are those
/// of an idle machine, from one run of the decodes (not bit-for-bit repeatable: decode times vary).
final class PacedModel: StreamingModel {
    private let inner: StreamingModel
    /// The virtual capture clock (CLOCK_MONOTONIC seconds in the daemon).
    private(set) var now: Double
    /// Each decode moves the clock on by its measured compute times this: a machine (or a
    /// sanitizer build, or a competing process) this many times slower.
    let slowdown: Double

    init(_ inner: StreamingModel, startingAt now: Double, slowdown: Double = 1) {
        self.inner = inner
        self.now = now
        self.slowdown = slowdown
    }

    var sampleRate: Int { inner.sampleRate }
    var language: String { inner.language }
    var incremental: Bool { inner.incremental }
    var hasFinalPass: Bool { inner.hasFinalPass }
    var name: String { inner.name }
    var fasterModel: String? { inner.fasterModel }
    var passContextSeconds: Double { inner.passContextSeconds }

    /// The clock waits for audio that has not arrived yet (the pipeline idles until `time`).
    func wait(until time: Double) { now = max(now, time) }

    private func timed<T>(_ body: () throws -> T) rethrows -> T {
        let began = MonotonicClock.now()
        defer { now += (MonotonicClock.now() - began) * slowdown }
        return try body()
    }

    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try timed { try inner.decodeWindow(samples, startTime: startTime, prompt: prompt) }
    }

    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try timed { try inner.decodeUtterance(samples, startTime: startTime, prompt: prompt) }
    }

    func decodeEarlyPass(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis? {
        try timed { try inner.decodeEarlyPass(samples, startTime: startTime, prompt: prompt) }
    }
}
