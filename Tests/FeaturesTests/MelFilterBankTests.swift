import XCTest
import TestSupport
import Features

/// The Slaney filter bank against faster-whisper's get_mel_filters (Tests/Fixtures/features/filterbank.json).
final class MelFilterBankTests: XCTestCase {
    struct BankReference: Decodable {
        let shape: [Int]
        let row_sums: [Double]
        let rows: [String: [Double]]
    }

    func testFilterBanksMatchFasterWhisper() throws {
        let url = TestPaths.fixtures.appendingPathComponent("features/filterbank.json")
        let refs = try JSONDecoder().decode([String: BankReference].self, from: Data(contentsOf: url))
        for bins in [80, 128] {
            let ref = try XCTUnwrap(refs[String(bins)], "filterbank.json lacks \(bins) bins; run scripts/reference-features.py")
            let bank = MelFilterBank(melBins: bins)
            XCTAssertEqual([bank.melBins, bank.fftBins], ref.shape)
            var worst = 0.0
            for b in 0..<bins {
                let sum = (0..<bank.fftBins).reduce(0.0) { $0 + Double(bank.weights[b * bank.fftBins + $1]) }
                worst = max(worst, abs(sum - ref.row_sums[b]))
            }
            for (row, values) in ref.rows {
                let b = try XCTUnwrap(Int(row))
                for k in 0..<bank.fftBins { worst = max(worst, abs(Double(bank.weights[b * bank.fftBins + k]) - values[k])) }
            }
            XCTAssertLessThan(worst, 1e-6, "\(bins) bins: max difference \(worst)")
        }
    }

    func testSupportCoversEveryNonZeroWeight() {
        let bank = MelFilterBank(melBins: 80)
        for b in 0..<80 {
            for k in 0..<bank.fftBins where bank.weights[b * bank.fftBins + k] != 0 {
                XCTAssertTrue(bank.support[b].contains(k), "bin \(b) weight \(k) outside its support")
            }
        }
    }

    func testMelScaleRoundTripsAndIsLinearBelow1kHz() {
        XCTAssertEqual(MelFilterBank.hzToMel(500), 7.5, accuracy: 1e-12)
        XCTAssertEqual(MelFilterBank.hzToMel(8000), 45.245640471924965, accuracy: 1e-12)
        for hz in [0.0, 123.0, 999.0, 1000.0, 4321.0, 8000.0] {
            XCTAssertEqual(MelFilterBank.melToHz(MelFilterBank.hzToMel(hz)), hz, accuracy: 1e-9)
        }
    }
}
