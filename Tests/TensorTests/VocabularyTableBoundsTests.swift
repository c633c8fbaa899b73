import XCTest
import CVectorKernels
import Tensor
import TestSupport

/// The output projection's pointer ranges at the real sizes (issue 9 item 1): Whisper's logits
/// are the token embedding table, (51864, 384) for tiny.en and (51865, 512) for base — odd row
/// counts, not multiples of the 4-output groups, the 2-output pairs or the worker splits —
/// multiplied through the half-precision and int8 kernels. Every buffer (the table itself, the
/// input rows, the bias, the scales, the logits) is guarded by a PROT_NONE page on one side
/// (`GuardedBuffer`, `.end` and `.start` in turn) and a canary on the other, so one element read
/// or written outside faults here, in any build, on 1–3 worker threads.
final class VocabularyTableBoundsTests: XCTestCase {
    /// (rows, columns): base's table (51865 = 4·12966 + 1 rows; tiny.en's 51864 is a multiple of 4
    /// and runs in the HalfMatrix test) and small odd ones with the other remainders.
    private let tables = [(51865, 512), (4099, 384), (4097, 33), (7, 9)]
    private let sides: [GuardSide] = [.end, .start]

    private func halfBits(_ values: [Float]) -> [UInt16] { values.map { Float16($0).bitPattern } }

    /// y[r, o] = x[r] · w[o] in Double, for spot checks of the outputs `indices`.
    private func expected(_ w: [Float], columns: Int, x: [Float], row r: Int, output o: Int) -> Float {
        var s = 0.0
        for i in 0..<columns { s += Double(w[o * columns + i]) * Double(x[r * columns + i]) }
        return Float(s)
    }

    private func spotOutputs(_ rows: Int) -> [Int] {
        Array(Set([0, 1, 2, 3, rows / 2, rows - 5, rows - 4, rows - 3, rows - 2, rows - 1].filter { $0 >= 0 && $0 < rows })).sorted()
    }

    func testHalfPrecisionKernelsStayInsideAnOddVocabularyTable() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C")
        var rng = SeededRandom(state: 91)
        for (vocabulary, d) in tables {
            let wValues = rng.floats(vocabulary * d).map { Float(Float16($0)) }
            for side in sides {
                let table = try GuardedBuffer(halfBits(wValues), guarding: side)
                for rows in [1, 2, 3, 4, 5] {
                    let xValues = rng.floats(rows * d)
                    let x = try GuardedBuffer(xValues, guarding: side)
                    for threads in [1, 2, 3] {
                        let what = "(\(vocabulary), \(d)) rows \(rows) threads \(threads) guard \(side)"
                        let one = try GuardedBuffer(rows * vocabulary, repeating: Float.nan, guarding: side)
                        if rows <= 4 {   // the one-token kernel takes up to 4 rows (HalfMatrix.kernelRows)
                            cvk_gemv_half(table.pointer, vocabulary, d, x.pointer, rows, d, nil, one.pointer, vocabulary,
                                          Int32(threads))
                        }
                        let batch = try GuardedBuffer(rows * vocabulary, repeating: Float.nan, guarding: side)
                        cvk_gemv_half_batch(table.pointer, vocabulary, d, x.pointer, rows, d, nil, batch.pointer, vocabulary,
                                            Int32(threads))
                        XCTAssertTrue(one.frontIntact && one.backIntact && batch.frontIntact && batch.backIntact, what)
                        XCTAssertTrue(table.frontIntact && table.backIntact && x.frontIntact && x.backIntact, what)
                        for r in 0..<rows {
                            for o in spotOutputs(vocabulary) {
                                let e = expected(wValues, columns: d, x: xValues, row: r, output: o)
                                XCTAssertEqual(batch.pointer[r * vocabulary + o], e, accuracy: 1e-3, "batch " + what)
                                if rows <= 4 { XCTAssertEqual(one.pointer[r * vocabulary + o], e, accuracy: 1e-3, what) }
                            }
                        }
                        if rows <= 4 {
                            XCTAssertFalse(one.array.contains { $0.isNaN }, "every logit written: " + what)
                        }
                        XCTAssertFalse(batch.array.contains { $0.isNaN }, "every logit written: batch " + what)
                    }
                }
            }
        }
    }

    /// The whole table widened (model load, the float32 reference path) and a row of it (the
    /// token embedding of the last token id).
    func testHalfToFloatStaysInsideAnOddVocabularyTable() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C")
        var rng = SeededRandom(state: 92)
        for (vocabulary, d) in tables {
            let wValues = rng.floats(vocabulary * d).map { Float(Float16($0)) }
            for side in sides {
                let table = try GuardedBuffer(halfBits(wValues), guarding: side)
                let all = try GuardedBuffer(vocabulary * d, repeating: Float.nan, guarding: side)
                cvk_half_to_float(table.pointer, all.pointer, vocabulary * d)
                XCTAssertEqual(all.array, wValues)
                let last = try GuardedBuffer(d, repeating: Float.nan, guarding: side)
                cvk_half_to_float(table.pointer + (vocabulary - 1) * d, last.pointer, d)
                XCTAssertEqual(last.array, Array(wValues[((vocabulary - 1) * d)...]))
                XCTAssertTrue(all.frontIntact && all.backIntact && last.frontIntact && last.backIntact)
            }
        }
    }

    /// `HalfMatrix.linear` and `linearBatch` as the decoder calls them for the logits: few rows
    /// (the one-token kernel), many rows (blocks of the table widened to float32 and sgemm; the last
    /// block is partial), with the logits buffer exactly rows × vocabulary.
    func testHalfMatrixLogitsFillExactlyTheirBuffer() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C")
        var rng = SeededRandom(state: 93)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for (vocabulary, d) in [(51864, 384), (4097, 33)] {
            let wValues = rng.floats(vocabulary * d).map { Float(Float16($0)) }
            guard let matrix = HalfMatrix(exactly: try Tensor(shape: [vocabulary, d], data: wValues)) else {
                return XCTFail("float16 values are exact")
            }
            for rows in [1, 4, 5, 17] {
                let xValues = rng.floats(rows * d)
                for threads in [1, 2] {
                    BLASThreads.set(threads)
                    for side in sides {
                        let what = "(\(vocabulary), \(d)) rows \(rows) threads \(threads) guard \(side)"
                        let x = try GuardedBuffer(xValues, guarding: side)
                        let y = try GuardedBuffer(rows * vocabulary, repeating: Float.nan, guarding: side)
                        matrix.linear(x.pointer, rows: rows, bias: nil, into: y.pointer)
                        let yb = try GuardedBuffer(rows * vocabulary, repeating: Float.nan, guarding: side)
                        matrix.linearBatch(x.pointer, rows: rows, bias: nil, into: yb.pointer)
                        XCTAssertTrue(y.frontIntact && y.backIntact && yb.frontIntact && yb.backIntact, what)
                        XCTAssertFalse(y.array.contains { $0.isNaN }, what)
                        XCTAssertFalse(yb.array.contains { $0.isNaN }, what)
                        for r in [0, rows - 1] {
                            for o in spotOutputs(vocabulary) {
                                let e = expected(wValues, columns: d, x: xValues, row: r, output: o)
                                XCTAssertEqual(y.pointer[r * vocabulary + o], e, accuracy: 1e-3, what)
                                XCTAssertEqual(yb.pointer[r * vocabulary + o], e, accuracy: 1e-3, what)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The int8 path (`--compute int8`): quantising the rows (stride ldq ≥ in, padded with zeros)
    /// and the AVX2 and portable products over an odd table, scales and bias guarded too.
    func testInt8KernelsStayInsideAnOddVocabularyTable() throws {
        var rng = SeededRandom(state: 94)
        for (vocabulary, d) in [(51865, 512), (4097, 33), (7, 9)] {
            let wValues = rng.floats(vocabulary * d, scale: 0.5)
            let m = wValues.withUnsafeBufferPointer { Int8Matrix(quantizing: $0.baseAddress!, rows: vocabulary, columns: d) }
            for side in sides {
                let w = try GuardedBuffer(m.values, guarding: side)
                let scales = try GuardedBuffer(m.scales, guarding: side)
                let bias = try GuardedBuffer(rng.floats(vocabulary), guarding: side)
                for rows in [1, 3, 8] {
                    let ldq = (d + 31) / 32 * 32
                    let x = try GuardedBuffer(rng.floats(rows * d, scale: 2), guarding: side)
                    let q = try GuardedBuffer(rows * ldq, repeating: Int8.min, guarding: side)   // -128: never a quantised value
                    let xs = try GuardedBuffer(rows, repeating: Float.nan, guarding: side)
                    if VectorExtensions.available {
                        cvk_quantize_rows_s8(x.pointer, rows, d, d, q.pointer, ldq, xs.pointer)
                    } else {
                        cvk_quantize_rows_s8_portable(x.pointer, rows, d, d, q.pointer, ldq, xs.pointer)
                    }
                    XCTAssertFalse(q.array.contains(Int8.min), "every quantised byte written (padding zeroed)")
                    for threads in [1, 2, 3] {
                        let what = "(\(vocabulary), \(d)) rows \(rows) threads \(threads) guard \(side)"
                        let portable = try GuardedBuffer(rows * vocabulary, repeating: Float.nan, guarding: side)
                        cvk_gemm_s8_portable(w.pointer, scales.pointer, vocabulary, d, q.pointer, ldq, xs.pointer, rows,
                                             bias.pointer, portable.pointer, vocabulary, Int32(threads))
                        XCTAssertFalse(portable.array.contains { $0.isNaN }, what)
                        XCTAssertTrue(portable.frontIntact && portable.backIntact, what)
                        guard VectorExtensions.available else { continue }
                        let fast = try GuardedBuffer(rows * vocabulary, repeating: Float.nan, guarding: side)
                        cvk_gemm_s8(w.pointer, scales.pointer, vocabulary, d, q.pointer, ldq, xs.pointer, rows,
                                    bias.pointer, fast.pointer, vocabulary, Int32(threads))
                        XCTAssertEqual(fast.array, portable.array, what)
                        XCTAssertTrue(fast.frontIntact && fast.backIntact, what)
                    }
                    XCTAssertTrue(w.frontIntact && w.backIntact && q.frontIntact && q.backIntact && xs.frontIntact && xs.backIntact)
                }
            }
        }
    }
}
