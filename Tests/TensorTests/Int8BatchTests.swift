import XCTest
import Tensor
import TestSupport

/// `Int8Matrix.linearBatch` (the rows of a beam in one 8-bit product) against the one-row path
/// (`linear` of each row alone: bit for bit) and the naive reference (`Int8Reference`: exactly),
/// for row counts on both sides of `Int8Matrix.kernelRows`, where `linear` would switch to the
/// float32-block path.
final class Int8BatchTests: XCTestCase {
    func testBatchEqualsOneRowAtATimeAndTheReference() throws {
        var rng = SeededRandom(state: 91)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for threads in [1, 2] {
            BLASThreads.set(threads)
            for (out, inFeatures) in [(5, 31), (37, 33), (384, 384), (1030, 515)] {
                let w = rng.floats(out * inFeatures, scale: 0.5)
                let m = w.withUnsafeBufferPointer { Int8Matrix(quantizing: $0.baseAddress!, rows: out, columns: inFeatures) }
                let b = rng.floats(out)
                for rows in [1, 2, 5, 8, 9, 12] {
                    let x = rng.floats(rows * inFeatures, scale: 2)
                    for portable in [false, true] {
                        var batch = [Float](repeating: .nan, count: rows * out)
                        var single = batch
                        b.withUnsafeBufferPointer { bb in
                            batch.withUnsafeMutableBufferPointer { y in
                                m.linearBatch(x, rows: rows, bias: bb.baseAddress, into: y.baseAddress!, portable: portable)
                            }
                            x.withUnsafeBufferPointer { xb in
                                single.withUnsafeMutableBufferPointer { y in
                                    for r in 0..<rows {
                                        m.linear(xb.baseAddress! + r * inFeatures, rows: 1, bias: bb.baseAddress,
                                                 into: y.baseAddress! + r * out, portable: portable)
                                    }
                                }
                            }
                        }
                        let what = "out \(out) in \(inFeatures) rows \(rows) portable \(portable) threads \(threads)"
                        XCTAssertEqual(batch.map(\.bitPattern), single.map(\.bitPattern), what)
                        XCTAssertEqual(batch, Int8Reference.linear(m, x: x, rows: rows, bias: b), what)
                    }
                }
            }
        }
    }
}
