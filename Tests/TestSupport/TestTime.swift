import Foundation

/// How much longer than usual the tests' waits for a live daemon may take: the limits are set for
/// an optimised build, and ThreadSanitizer runs the same decodes 4–6 times slower (`rtf` 3.8–5.7
/// in `status` with base and tiny.en, `make sanitize-tsan-models` of 3 Dec 2026, where 60-s waits
/// ran out with captions on their way). `CAPTIOND_TEST_TIME_SCALE` sets it; without it the scale
/// is 5 under ThreadSanitizer and 1 otherwise. Only waits for events scale, never an assertion
/// on a measured latency.
public enum TestTime {
    public static let scale: Double = {
        if let s = ProcessInfo.processInfo.environment["CAPTIOND_TEST_TIME_SCALE"], let v = Double(s), v >= 1 { return v }
        return Sanitizer.runtime == "ThreadSanitizer" ? 5 : 1
    }()

    /// `seconds` of waiting, scaled.
    public static func wait(_ seconds: Double) -> Double { seconds * scale }
}
