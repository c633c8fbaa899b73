import XCTest
import Foundation
@testable import CaptionCore

/// The polyphase tables are built once per rate pair and shared (the fuzzed WAV/PCM decoders and
/// every file source of an odd rate used to rebuild a 16,000-phase table per input).
final class ResamplerFilterCacheTests: XCTestCase {
    func testResamplersOfTheSameRatesShareOneTableAndResampleAlike() throws {
        let signal = (0..<4_000).map { Float(sin(Double($0) * 0.05)) }
        let first = try Resampler.resample(signal, from: 12_347, to: 16_000)
        let tables = FilterCache.shared.count
        let second = try Resampler.resample(signal, from: 12_347, to: 16_000)
        XCTAssertEqual(FilterCache.shared.count, tables, "the second resampler reused the table")
        XCTAssertEqual(first, second)
        // The cached table is the one a fresh build gives.
        let r = try Resampler(inputRate: 12_347, outputRate: 16_000)
        let cutoff = min(1.0, 16_000.0 / 12_347.0) * 0.945
        XCTAssertEqual(r.table, Resampler.filterTable(up: r.up, halfWidth: r.halfWidth, cutoff: cutoff))
    }

    func testTheCacheStaysBounded() throws {
        for rate in [8_001, 8_003, 8_007, 8_009, 8_011, 8_013, 8_017, 8_019, 8_021] {   // 16,000 phases × 34 taps each
            _ = try Resampler(inputRate: rate, outputRate: 16_000)
        }
        XCTAssertLessThanOrEqual(FilterCache.shared.storedFloats, FilterCache.capacity)
        XCTAssertLessThan(FilterCache.shared.count, 9, "9 tables of 544,000 floats do not all fit in 4 M")
    }
}

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
            XCTAssertEqual(error as? CaptionCoreError,
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
