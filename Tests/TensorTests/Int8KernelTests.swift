import XCTest
import Tensor
import TestSupport

/// The 8-bit matrix kernels (AVX2 vpmaddubsw/vpmaddwd and portable C) against the naive reference
/// (`Int8Reference`, same arithmetic: exact int32 sums) and against the float32 product.
final class Int8KernelTests: XCTestCase {
    /// Odd widths put bytes in the tail after the last full 32-byte block; the larger shapes are
    /// split over several threads.
    private let shapes = [(1, 1), (5, 31), (4, 32), (7, 33), (9, 63), (13, 64), (6, 95), (37, 29),
                          (130, 384), (1030, 515), (2048, 512)]

    private func matrix(_ out: Int, _ inFeatures: Int, _ rng: inout SeededRandom) -> (Int8Matrix, [Float]) {
        let w = rng.floats(out * inFeatures, scale: 0.5)
        let m = w.withUnsafeBufferPointer { Int8Matrix(quantizing: $0.baseAddress!, rows: out, columns: inFeatures) }
        return (m, w)
    }

    func testQuantizationMatchesReferenceAndBoundsTheError() throws {
        var rng = SeededRandom(state: 81)
        for (rows, columns) in shapes {
            var x = rng.floats(rows * columns, scale: 3)
            if rows > 2 { for c in 0..<columns { x[2 * columns + c] = 0 } }   // an all-zero row: scale 1
            let (m, _) = x.withUnsafeBufferPointer { p in
                (Int8Matrix(quantizing: p.baseAddress!, rows: rows, columns: columns), 0)
            }
            let ref = Int8Reference.quantizeRows(x, rows: rows, columns: columns)
            XCTAssertEqual(m.values, ref.values, "(\(rows), \(columns))")
            XCTAssertEqual(m.scales, ref.scales, "(\(rows), \(columns))")
            XCTAssertFalse(m.values.contains(-128))
            // Dequantised within half a step of the original.
            let back = m.dequantized().data
            for r in 0..<rows {
                for c in 0..<columns {
                    XCTAssertLessThanOrEqual(abs(back[r * columns + c] - x[r * columns + c]), 0.5 / m.scales[r] * 1.0001)
                }
            }
        }
    }

    func testAVX2AndPortableKernelsEqualTheReferenceExactly() throws {
        var rng = SeededRandom(state: 82)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for threads in 1...3 {
            BLASThreads.set(threads)
            for (out, inFeatures) in shapes {
                let (m, _) = matrix(out, inFeatures, &rng)
                let b = rng.floats(out)
                for rows in [1, 3, 4, 8] {
                    let x = rng.floats(rows * inFeatures, scale: 2)
                    for bias in [rows % 2 == 0] {   // with and without a bias across the row counts
                        let ref = Int8Reference.linear(m, x: x, rows: rows, bias: bias ? b : nil)
                        var portable = [Float](repeating: .nan, count: rows * out)
                        var fast = portable
                        b.withUnsafeBufferPointer { bb in
                            m.linear(x, rows: rows, bias: bias ? bb.baseAddress : nil, into: &portable, portable: true)
                            m.linear(x, rows: rows, bias: bias ? bb.baseAddress : nil, into: &fast)
                        }
                        let what = "out \(out) in \(inFeatures) rows \(rows) bias \(bias) threads \(threads)"
                        XCTAssertEqual(portable, ref, "portable " + what)
                        if VectorExtensions.available { XCTAssertEqual(fast, ref, "AVX2 " + what) }
                    }
                }
            }
        }
    }

    func testInt8LinearApproximatesFloatLinearForFewAndManyRows() throws {
        var rng = SeededRandom(state: 83)
        for (out, inFeatures) in [(37, 29), (1030, 515), (384, 1536)] {
            let (m, w) = matrix(out, inFeatures, &rng)
            let b = rng.floats(out)
            for rows in [1, 4, 9, 40] {   // 9 and 40 take the float32-block (sgemm) path
                let x = rng.floats(rows * inFeatures)
                var q = [Float](repeating: .nan, count: rows * out), f = q
                b.withUnsafeBufferPointer { bb in
                    m.linear(x, rows: rows, bias: bb.baseAddress, into: &q)
                    ReferenceKernels.linear(x, rows: rows, inFeatures: inFeatures, weight: w, outFeatures: out,
                                            bias: bb.baseAddress, into: &f)
                }
                // Relative to the output scale: 8 bits on both sides leave about 1% of a dot product.
                let scale = f.map(abs).max() ?? 1
                XCTAssertLessThan(maxAbsDiff(q, f) / scale, 0.03, "out \(out) in \(inFeatures) rows \(rows)")
            }
        }
    }

    func testCheckpointMatrixIsValidated() {
        XCTAssertThrowsError(try Int8Matrix(rows: 2, columns: 2, values: [1, 2, 3], scales: [1, 1]))
        XCTAssertThrowsError(try Int8Matrix(rows: 2, columns: 2, values: [1, 2, 3, 4], scales: [1, 0]))
        XCTAssertThrowsError(try Int8Matrix(rows: 1, columns: 1, values: [1], scales: [.nan]))
        let m = try? Int8Matrix(rows: 1, columns: 2, values: [-128, 5], scales: [2])
        XCTAssertEqual(m?.values, [-127, 5], "-128 is read as -127")
    }
}
