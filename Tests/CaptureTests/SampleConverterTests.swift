import XCTest
import Features
@testable import Capture

/// `SampleConverter` resamples through CaptionCore's `SampleRateConverterFactory` seam (Capture
/// imports no Features): the samples are those of `Features.Resampler` called directly, and a
/// refused rate keeps the resampler's own words inside the capture error.
final class SampleConverterTests: XCTestCase {
    private func params(rate: Int, channels: Int) -> PCMParameters {
        PCMParameters(format: .s16LE, rate: rate, channels: channels, periodFrames: 0, bufferFrames: 0)
    }

    func testSamplesEqualTheResamplerCalledDirectly() throws {
        // 44.1 kHz stereo S16, fed in uneven periods.
        let frames = 9_000
        let interleaved: [Int16] = (0..<(2 * frames)).map { i in
            Int16(truncatingIfNeeded: (i &* 7_919 &+ (i / 2) &* 104_729) % 30_000 - 15_000)
        }
        var converter = try SampleConverter(input: params(rate: 44_100, channels: 2), outputRate: 16_000,
                                            resamplers: Resampler.Factory())
        var direct = try Resampler(inputRate: 44_100, outputRate: 16_000)
        var got: [Float] = [], expected: [Float] = []
        var at = 0, step = 441
        while at < frames {
            let n = min(step, frames - at)
            got += interleaved.withUnsafeBytes { converter.convert($0.baseAddress! + at * 4, frames: n) }
            // (n, 2) → (n): the same scaling and mean the converter documents.
            let mono = (at..<(at + n)).map { f in
                (Float(interleaved[2 * f]) / 32768 + Float(interleaved[2 * f + 1]) / 32768) * 0.5
            }
            expected += direct.process(mono)
            at += n
            step = step * 5 % 997 + 1
        }
        got += converter.flush()
        expected += direct.flush()
        XCTAssertEqual(got.count, expected.count)
        XCTAssertEqual(got, expected, "bit-identical to Features.Resampler")
        XCTAssertGreaterThan(got.count, 3_000)
    }

    func testRefusedRatesKeepTheResamplersMessage() {
        XCTAssertThrowsError(try SampleConverter(input: params(rate: 546_338, channels: 1), outputRate: 16_000,
                                                 resamplers: Resampler.Factory())) { error in
            XCTAssertEqual(error as? CaptureError, .invalidConfiguration(key: "rate",
                reason: "cannot resample from 546338 Hz to 16000 Hz: the rates share no useful common divisor and the filter would need 35 MB; convert the audio to a standard rate (8000, 16000, 22050, 44100, 48000 Hz …) first"))
        }
        XCTAssertThrowsError(try SampleConverter(input: params(rate: 0, channels: 1), outputRate: 16_000,
                                                 resamplers: Resampler.Factory())) { error in
            XCTAssertEqual("\(error)", "capture setting 'rate': cannot resample from 0 Hz to 16000 Hz: both rates must be between 1 and 1000000 Hz")
        }
    }
}
