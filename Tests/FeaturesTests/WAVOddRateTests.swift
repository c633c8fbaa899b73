import XCTest
import Foundation
import Features

/// make fuzz (wav): a 73-byte WAV declaring 546,338 Hz made the resampler build an 8,000-phase ×
/// 1,158-tap table (37 MB, >10 s under ASan: a libFuzzer timeout). Such rate pairs are refused.
final class ResamplerOddRateTests: XCTestCase {
    func testOddHighRateFromTheFuzzedWAVIsRefusedQuickly() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fixtures/fuzz/wav-546338hz-timeout.wav")
        let wav = try WAVFile(data: try Data(contentsOf: url), path: url.path)
        XCTAssertEqual(wav.sampleRate, 546_338)
        let t0 = Date()
        XCTAssertThrowsError(try Resampler.resample(wav.monoSamples(), from: wav.sampleRate, to: 16_000)) { error in
            XCTAssertEqual(error as? FeaturesError,
                           .unsupportedRateRatio(input: 546_338, output: 16_000, tableFloats: 8_000 * 1_158))
            XCTAssertTrue("\(error)".contains("convert the audio to a standard rate"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1, "refused before building anything")
        // Standard and merely odd rates still work.
        for rate in [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 192_000, 44_101] {
            XCTAssertNoThrow(try Resampler(inputRate: rate, outputRate: 16_000), "\(rate) Hz")
        }
    }
}
