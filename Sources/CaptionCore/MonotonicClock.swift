import Foundation

/// Seconds on CLOCK_MONOTONIC: the one clock every sample, frame and caption is stamped with.
public enum MonotonicClock {
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
