import CaptionCore
import Glibc

/// Releases media at real time, or as fast as the consumer takes it, and stamps it on
/// CLOCK_MONOTONIC: media time m is captured at `start + m`.
public struct Pacer: Sendable {
    public enum Mode: String, Sendable { case realTime, asFastAsPossible }

    public let mode: Mode
    public let start: Double

    public init(mode: Mode, start: Double = MonotonicClock.now()) {
        self.mode = mode
        self.start = start
    }

    /// The capture time of media time `mediaTime`.
    public func timestamp(_ mediaTime: Double) -> Double { start + mediaTime }

    /// In real-time mode, sleeps until media time `mediaTime` has been reached.
    public func wait(until mediaTime: Double) {
        guard mode == .realTime else { return }
        let delay = start + mediaTime - MonotonicClock.now()
        if delay > 0 {
            var ts = timespec(tv_sec: Int(delay), tv_nsec: Int((delay - Double(Int(delay))) * 1e9))
            var left = timespec()
            while nanosleep(&ts, &left) < 0 && errno == EINTR { ts = left }
        }
    }
}
