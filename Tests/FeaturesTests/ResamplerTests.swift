import XCTest
import Features

final class ResamplerTests: XCTestCase {
    func sine(_ freq: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Float] {
        (0..<Int(Double(rate) * seconds)).map { Float(amplitude * sin(2 * .pi * freq * Double($0) / Double(rate))) }
    }

    /// Amplitude of `freq` in `x` by correlation (x long enough for many periods).
    func amplitude(of freq: Double, in x: ArraySlice<Float>, rate: Int) -> Double {
        var s = 0.0, c = 0.0
        for (i, v) in x.enumerated() {
            let ph = 2 * Double.pi * freq * Double(i) / Double(rate)
            s += Double(v) * sin(ph); c += Double(v) * cos(ph)
        }
        return 2 * (s * s + c * c).squareRoot() / Double(x.count)
    }

    func testEqualRatesPassThroughBitExactly() throws {
        let x = sine(440, rate: 16000, seconds: 0.5)
        XCTAssertEqual(try Resampler.resample(x, from: 16000, to: 16000), x)
    }

    func testLengthFollowsTheRateRatio() throws {
        for (a, b) in [(44100, 16000), (48000, 16000), (8000, 16000), (22050, 16000), (16000, 44100)] {
            let x = [Float](repeating: 0.1, count: a)   // one second
            let y = try Resampler.resample(x, from: a, to: b)
            XCTAssertEqual(y.count, b, "\(a) → \(b)")
        }
    }

    func testPassBandToneKeepsItsAmplitudeAndStopBandToneIsRemoved() throws {
        for rate in [44100, 48000, 22050] {
            let tone = try Resampler.resample(sine(1000, rate: rate, seconds: 1), from: rate, to: 16000)
            let a = amplitude(of: 1000, in: tone[2000..<14000], rate: 16000)
            XCTAssertEqual(a, 0.5, accuracy: 0.005, "1 kHz tone from \(rate) Hz")
            // 11 kHz is above the new Nyquist (8 kHz): it must not alias into 5 kHz.
            let high = try Resampler.resample(sine(11000, rate: rate, seconds: 1), from: rate, to: 16000)
            let alias = amplitude(of: Double(16000 - 11000), in: high[2000..<14000], rate: 16000)
            XCTAssertLessThan(alias, 0.5 * 1e-3, "alias of 11 kHz from \(rate) Hz")
        }
    }

    func testChunkedStreamEqualsOneShot() throws {
        let x = sine(300, rate: 44100, seconds: 0.7) .enumerated().map { $0.element + Float($0.offset % 7) * 0.01 }
        let whole = try Resampler.resample(x, from: 44100, to: 16000)
        var r = try Resampler(inputRate: 44100, outputRate: 16000)
        var chunked: [Float] = []
        var i = 0, step = 1
        while i < x.count {
            let end = min(x.count, i + step)
            chunked += r.process(Array(x[i..<end]))
            i = end; step = step * 3 % 1001 + 1
        }
        chunked += r.flush()
        XCTAssertEqual(chunked.count, whole.count)
        let diff = zip(chunked, whole).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(diff, 1e-6)
    }

    func testInvalidRatesThrow() {
        XCTAssertThrowsError(try Resampler(inputRate: 0, outputRate: 16000)) { error in
            XCTAssertTrue("\(error)".contains("0 Hz"))
        }
    }
}
