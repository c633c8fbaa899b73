import XCTest
import TestSupport
import Features

/// `WindowLogMel` (each 10-ms frame of the live windows computed once, normalised per window)
/// against the one-shot front end on a real recording, over windows as the live path makes them:
/// growing by a step, trimmed forward, off the hop grid, restarted with other audio, up to 30 s.
final class WindowLogMelTests: XCTestCase {
    /// Silence after a window and its encoder frames, as `WhisperWindowDecoder` pads it (2 s,
    /// at least 5 s in all, at most 30 s).
    static func layout(_ n: Int) -> (zeros: Int, frames: Int) {
        let padded = min(480_000, max(n + 32_000, 80_000))
        let zeros = max(0, padded - n)
        let content = (n + zeros) / 160
        return (zeros, min(3000, max(2, content - content % 2)))
    }

    func check(_ cache: WindowLogMel, _ audio: [Float], from: Int, to: Int, absolute: Int,
               file: StaticString = #filePath, line: UInt = #line) -> Double {
        let content = audio[from..<to]
        let (zeros, frames) = Self.layout(content.count)
        let got = cache.features(content, first: absolute, zeros: zeros, frames: frames)
        let want = cache.oneShot(content, zeros: zeros, frames: frames)
        XCTAssertEqual(got.count, want.count, file: file, line: line)
        var worst: Float = 0
        for i in 0..<min(got.count, want.count) { worst = max(worst, abs(got[i] - want[i])) }
        XCTAssertLessThanOrEqual(worst, 1e-5, "window [\(from), \(to)) at \(absolute)", file: file, line: line)
        return Double(worst)
    }

    func testIncrementalEqualsOneShotOnRealSpeech() throws {
        guard let shared = TestPaths.sharedFixtures else {
            throw XCTSkip("shared fixtures not found (set CAPTIOND_SHARED_FIXTURES or place them at ../shared/fixtures)")
        }
        let jfk = try AudioDecoder.load(shared.appendingPathComponent("whisper_cpp/jfk.wav").path)   // 11 s
        let audio = jfk + jfk + jfk                                                                   // 33 s
        let cache = WindowLogMel()
        let origin = 160 * 7_000     // absolute index of audio[0], on the hop grid
        var worst = 0.0
        // A window from 0 growing by 0.5 s, then trimmed forward at 4.0 s (on the grid) and growing.
        for end in stride(from: 8_000, through: 96_000, by: 8_000) {
            worst = max(worst, check(cache, audio, from: 0, to: end, absolute: origin))
        }
        let afterGrowth = (cache.computedFrames, cache.reusedFrames)
        XCTAssertGreaterThan(afterGrowth.1, afterGrowth.0 * 2, "frames reused \(afterGrowth.1), computed \(afterGrowth.0)")
        for end in stride(from: 104_000, through: 176_000, by: 8_000) {
            worst = max(worst, check(cache, audio, from: 64_000, to: end, absolute: origin + 64_000))
        }
        // Off the grid (37 samples later): computed afresh, still equal; then back on the grid.
        worst = max(worst, check(cache, audio, from: 64_037, to: 176_000, absolute: origin + 64_037))
        worst = max(worst, check(cache, audio, from: 64_000, to: 184_000, absolute: origin + 64_000))
        // Other audio at the same absolute indices (a restarted buffer): the overlap differs, nothing reused.
        let reusedBefore = cache.reusedFrames
        worst = max(worst, check(cache, audio, from: 80_000, to: 200_000, absolute: origin + 64_000))
        XCTAssertEqual(cache.reusedFrames, reusedBefore, "frames reused across different audio")
        // Up to the longest window: 30 s with no silence after it, and a window shorter than a frame's span.
        for end in [300_000, 400_000, 480_000] {
            worst = max(worst, check(cache, audio, from: 0, to: end, absolute: origin))
        }
        worst = max(worst, check(cache, audio, from: 480_000, to: 480_300, absolute: origin + 480_000))
        print(String(format: "window log-mel: %d frames computed, %d reused; max |incremental − one-shot| %.2e",
                     cache.computedFrames, cache.reusedFrames, worst))
    }
}
