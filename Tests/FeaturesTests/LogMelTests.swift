import XCTest
import Features

/// The fast log-mel against its naive reference, edge cases of framing, and the streaming front end
/// against the one-shot one.
final class LogMelTests: XCTestCase {
    /// A chirp plus seeded noise: energy in every band, no silent floor.
    static func testSignal(count: Int, seed: UInt64 = 3) -> [Float] {
        var noise = FFTTests.Noise(state: seed)
        return (0..<count).map { n in
            let t = Double(n) / 16_000
            return Float(0.4 * sin(2 * Double.pi * (200 + 3000 * t) * t)) + 0.05 * noise.next()
        }
    }

    func maxDifference(_ a: MelSpectrogram, _ b: MelSpectrogram) -> Float {
        XCTAssertEqual(a.bins, b.bins); XCTAssertEqual(a.frames, b.frames)
        return zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
    }

    func testMatchesNaiveReference() {
        for bins in [80, 128] {
            let samples = Self.testSignal(count: 4_321)
            let fast = LogMelSpectrogram(melBins: bins)(samples)
            let slow = LogMelReference.logMel(samples, melBins: bins)
            XCTAssertEqual(fast.frames, (4_321 + 160) / 160)
            let diff = maxDifference(fast, slow)
            print("log-mel \(bins) bins vs naive reference: max abs difference \(diff)")
            XCTAssertLessThan(diff, 1e-4)
        }
    }

    func testShortSignalsReflectLikeNumpy() {
        // Fewer samples than half a window: numpy's reflect pad reflects repeatedly.
        for count in [0, 1, 2, 50, 199, 201, 400] {
            let samples = Self.testSignal(count: count, seed: UInt64(count + 1))
            let fast = LogMelSpectrogram()(samples)
            let slow = LogMelReference.logMel(samples)
            XCTAssertEqual(fast.frames, (count + 160) / 160, "\(count) samples")
            XCTAssertLessThan(maxDifference(fast, slow), 1e-4, "\(count) samples")
        }
        XCTAssertEqual(LogMelSpectrogram()([], padding: 0).frames, 0)
    }

    func testVectorLog10MatchesLibm() {
        // Over the clamped range [1e-10, 1e6], log-spaced, plus exact powers of ten and of two.
        var worst: Float = 0
        var values: [Float] = (0..<16_000).map { Float(pow(10.0, -10 + 16 * Double($0) / 16_000)) }
        values += [1e-10, 1, 10, 0.5, 2, 1.4142135, 1.4142137, 0.70710677, 65_536]
        for start in stride(from: 0, to: values.count - 8, by: 8) {
            let lanes = FFTLanes(values[start..<start + 8])
            let fast = LogMelFrameKernel.log10(lanes)
            for j in 0..<8 { worst = max(worst, abs(fast[j] - log10f(lanes[j]))) }
        }
        XCTAssertLessThan(worst, 2e-6, "vector log10 vs log10f")
        XCTAssertEqual(LogMelFrameKernel.log10(FFTLanes(repeating: 1))[0], 0)
    }

    func testReflectIndexMatchesNumpyPad() {
        // np.pad([1, 2, 3], (4, 5), "reflect") == [1 2 3 2 1 2 3 2 1 2 3 2]
        let got = (-4..<8).map { LogMelFrameKernel.reflect($0, length: 3) + 1 }
        XCTAssertEqual(got, [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2])
    }

    func testNormalisationFloorsAtMaxMinusEight() {
        var values: [Float] = [-10, 2, 1.5, -6.5, -5.9]
        LogMelSpectrogram.normalize(&values)
        let floor: Float = (-6 + 4) / 4
        let expected: [Float] = [floor, 1.5, 5.5 / 4, floor, (-5.9 + 4) / 4]
        XCTAssertEqual(values, expected)
    }

    func testStreamingEqualsOneShotForAnyChunking() {
        let samples = Self.testSignal(count: 16_000 * 3 + 77)
        let oneShot = LogMelSpectrogram().rawLogMel(samples)
        var noise = FFTTests.Noise(state: 99)
        for maxChunk in [1_000, 160, 7, 48_000 * 2] {
            var stream = StreamingLogMel()
            var frames: [Float] = []
            var i = 0
            var emittedBeforeEnd = 0
            while i < samples.count {
                let size = max(1, Int((noise.next() + 1) / 2 * Float(maxChunk)))
                let chunk = Array(samples[i..<min(samples.count, i + size)])
                frames += stream.feed(chunk)
                i += chunk.count
                // Never emits a frame whose window is not complete yet.
                if stream.nextFrame > 0 {
                    XCTAssertLessThanOrEqual((stream.nextFrame - 1) * 160 + 200, stream.sampleCount)
                }
            }
            emittedBeforeEnd = frames.count / 80
            frames += stream.finish()
            XCTAssertEqual(frames.count, oneShot.count, "chunks up to \(maxChunk)")
            XCTAssertEqual(frames, oneShot, "chunks up to \(maxChunk): streaming differs from one-shot")
            XCTAssertGreaterThan(emittedBeforeEnd, oneShot.count / 80 - 3, "frames should flow before the end")
            XCTAssertEqual(stream.finish(), [], "finish twice yields nothing")
        }
        // The per-window normalisation equals the one-shot spectrogram on the same samples.
        var stream = StreamingLogMel()
        let raw = stream.feed(samples) + stream.finish()
        let windowed = StreamingLogMel.normalizedWindow(raw, bins: 80)
        XCTAssertEqual(windowed.data, LogMelSpectrogram()(samples).data)
    }

    func testStreamingShortInputEqualsOneShot() {
        for count in [0, 5, 150, 200, 201, 330] {
            let samples = Self.testSignal(count: count)
            var stream = StreamingLogMel()
            let raw = samples.map { stream.feed([$0]) }.reduce([], +) + stream.finish()
            XCTAssertEqual(raw, LogMelSpectrogram().rawLogMel(samples), "\(count) samples")
        }
    }

    /// Speed of a 30-s window (release build); reported, not asserted (the machine is shared).
    func testThirtySecondWindowSpeed() {
        let samples = Self.testSignal(count: 16_000 * 30)
        let mel = LogMelSpectrogram()
        _ = mel(samples)
        var best = Double.infinity
        #if DEBUG
        let runs = 1   // unoptimised SIMD code is ~300× slower; the figure that matters is release
        #else
        let runs = 5
        #endif
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            let out = mel(samples)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            XCTAssertEqual(out.frames, 3_001)
        }
        print(String(format: "log-mel of a 30-s window (80 bins, 3001 frames): best of %d = %.2f ms", runs, best))
    }
}
