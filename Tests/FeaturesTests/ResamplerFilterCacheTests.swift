import XCTest
import Foundation
@testable import Features

/// The polyphase tables are built once per rate pair and shared (the fuzzed WAV/PCM decoders and
/// every file source of an odd rate used to rebuild a 16,000-phase table per input), and a table
/// with many phases (an odd rate) is built row by row as outputs need them, so a short clip at an
/// odd rate costs rows for its few outputs, not millions of taps.
final class ResamplerFilterCacheTests: XCTestCase {
    /// The whole table, built without the cache (the reference the lazy rows must equal).
    private func freshTable(_ r: Resampler) -> [Float] {
        var table: [Float] = []
        for p in 0..<r.up { Resampler.appendRow(phase: p, up: r.up, halfWidth: r.halfWidth, cutoff: r.cutoff, to: &table) }
        return table
    }

    func testAStandardRateBuildsItsWholeTableAndSharesIt() throws {
        let r = try Resampler(inputRate: 44_100, outputRate: 16_000)
        XCTAssertTrue(r.rowOf.isEmpty, "44.1 kHz (15,040 floats) is built whole")
        XCTAssertEqual(r.table, freshTable(r))
        let tables = FilterCache.shared.count
        let again = try Resampler(inputRate: 44_100, outputRate: 16_000)
        XCTAssertEqual(FilterCache.shared.count, tables, "the second resampler reused the table")
        XCTAssertEqual(again.table, r.table)
    }

    func testAShortClipAtAnOddRateBuildsOnlyTheRowsItUsesAndResamplesLikeTheWholeTable() throws {
        // The table depends on (phases, taps, cutoff) only: every rate below 16 kHz with gcd 1 shares
        // one, so each test here uses a rate above 16 kHz (its own cutoff) that no other test uses.
        let signal = (0..<1_000).map { Float(sin(Double($0) * 0.05)) }
        var lazy = try Resampler(inputRate: 23_417, outputRate: 16_000)
        XCTAssertEqual(lazy.up, 16_000)
        XCTAssertTrue(lazy.table.isEmpty, "nothing built before the first output")
        // The same resampler with the whole table in phase order (the eager build).
        var whole = try Resampler(inputRate: 23_417, outputRate: 16_000)
        whole.table = freshTable(whole)
        whole.rowOf = []
        // In uneven chunks, as a stream arrives.
        var lazyOut: [Float] = [], at = 0, step = 1
        while at < signal.count {
            let n = min(step, signal.count - at)
            lazyOut += lazy.process(Array(signal[at..<(at + n)]))
            at += n
            step = step * 7 % 97 + 1
        }
        lazyOut += lazy.flush()
        let wholeOut = whole.process(signal) + whole.flush()
        XCTAssertEqual(lazyOut.count, 684)                    // ceil(1000 · 16000 / 23417)
        XCTAssertEqual(lazyOut, wholeOut, "row-by-row gives the same samples as the whole table")
        XCTAssertLessThanOrEqual(lazy.rowsBuilt, 684, "rows only for the outputs made")
        XCTAssertEqual(lazy.table.count, lazy.rowsBuilt * 2 * lazy.halfWidth)
        XCTAssertFalse(lazy.rowOf.isEmpty, "not complete: 16,000 phases, 684 used")
    }

    func testALongInputCompletesTheTableInPhaseOrderAndCachesIt() throws {
        // 17,011 Hz: 16,000 phases × 38 taps, a rate no other test uses.
        let signal = (0..<20_000).map { Float(sin(Double($0) * 0.01)) }
        var r = try Resampler(inputRate: 17_011, outputRate: 16_000)
        XCTAssertFalse(r.rowOf.isEmpty)
        let out = r.process(signal) + r.flush()
        XCTAssertEqual(out.count, (20_000 * 16_000 + 17_010) / 17_011)
        XCTAssertTrue(r.rowOf.isEmpty, "more outputs than phases: every phase has its row")
        XCTAssertEqual(r.table, freshTable(r), "put in phase order")
        let next = try Resampler(inputRate: 17_011, outputRate: 16_000)
        XCTAssertTrue(next.rowOf.isEmpty, "the completed table came from the cache")
        XCTAssertEqual(next.table, r.table)
    }

    func testTheCacheStaysBounded() throws {
        // 16,000 phases × 34 taps each, each with its own cutoff (so 9 different tables)
        for rate in [16_001, 16_003, 16_007, 16_009, 16_011, 16_013, 16_017, 16_019, 16_021] {
            let r = try Resampler(inputRate: rate, outputRate: 16_000)
            _ = Resampler.filterTable(up: r.up, halfWidth: r.halfWidth, cutoff: r.cutoff)
        }
        XCTAssertLessThanOrEqual(FilterCache.shared.storedFloats, FilterCache.capacity)
        XCTAssertLessThan(FilterCache.shared.count, 9, "9 tables of 544,000 floats do not all fit in 4 M")
    }
}
