import XCTest
import Foundation
@testable import Features

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
