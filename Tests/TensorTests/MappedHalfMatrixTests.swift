import Foundation
import XCTest
@testable import Tensor
import TestSupport

/// `WeightStore.takeHalf` on a file read from a path gives a `HalfMatrix` over the mapped file's
/// bytes (no copy), also where a variable's data starts at an odd offset (CTranslate2 does not pad:
/// tiny.en's token table starts at one). Its kernels must give what the same matrix copied into an
/// array gives, bit for bit, and the mapping must outlive the store.
final class MappedHalfMatrixTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "mapped-half" }

    /// A model.bin (format 6) with float16 matrices `name` (rows, columns) of `values`; the names'
    /// lengths decide the data offsets. Returns the path and each matrix's data offset.
    private func write(_ matrices: [(name: String, rows: Int, columns: Int, values: [Float])]) throws -> (String, [Int]) {
        var data = Data()
        func u8(_ v: UInt8) { data.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func string(_ s: String) { u16(UInt16(s.utf8.count + 1)); data.append(contentsOf: Array(s.utf8) + [0]) }
        u32(6); string("TestSpec"); u32(1); u32(UInt32(matrices.count))
        var offsets: [Int] = []
        for m in matrices {
            string(m.name); u8(2); u32(UInt32(m.rows)); u32(UInt32(m.columns)); u8(4)
            u32(UInt32(m.values.count * 2))
            offsets.append(data.count)
            for v in m.values { u16(Float16(v).bitPattern) }
        }
        u32(0)
        let url = dir.appendingPathComponent("model.bin")
        try data.write(to: url)
        return (url.path, offsets)
    }

    func testMappedMatricesAtOddAndEvenOffsetsComputeAsCopies() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C: weights stay float32")
        var rng = SeededRandom(state: 11)
        // 13 columns: the kernels' scalar tails read halves one by one; 37 rows: partial groups of 4.
        let shapes = [(name: "odd/weights", rows: 37, columns: 13), (name: "even/weight1", rows: 9, columns: 24)]
        let matrices = shapes.map { s in
            (name: s.name, rows: s.rows, columns: s.columns,
             values: rng.floats(s.rows * s.columns, scale: 2).map { Float(Float16($0)) })
        }
        let (path, offsets) = try write(matrices)
        XCTAssertEqual(offsets.map { $0 % 2 }, [1, 0], "the file must hold one matrix at an odd offset")
        var store: WeightStore? = try CTranslate2Reader.read(path: path, spec: "TestSpec").store
        let mapped = try matrices.map { m in try XCTUnwrap(try store?.takeHalf(m.name, shape: [m.rows, m.columns])) }
        XCTAssertNoThrow(try store?.checkAllUsed())
        store?.release()
        store = nil                                    // the matrices keep the file mapped
        for (m, half) in zip(matrices, mapped) {
            XCTAssertTrue(half.isMapped, m.name)
            XCTAssertEqual(half.floats(), m.values, m.name)
            let copy = try XCTUnwrap(HalfMatrix(exactly: try Tensor(shape: [m.rows, m.columns], data: m.values)))
            XCTAssertFalse(copy.isMapped)
            for n in [1, 3, 6] {   // the one-step kernel (≤ 4 rows) and the widened-block sgemm path
                let x = rng.floats(n * m.columns)
                let bias = rng.floats(m.rows)
                var a = [Float](repeating: 0, count: n * m.rows), b = a, c = a, d = a
                half.linear(x, rows: n, bias: bias, into: &a)
                copy.linear(x, rows: n, bias: bias, into: &b)
                XCTAssertEqual(a, b, "\(m.name) linear, \(n) rows")
                half.linearBatch(x, rows: n, bias: nil, into: &c)
                copy.linearBatch(x, rows: n, bias: nil, into: &d)
                XCTAssertEqual(c, d, "\(m.name) linearBatch, \(n) rows")
            }
            var row = [Float](repeating: 0, count: m.columns)
            half.row(m.rows - 1, into: &row)
            XCTAssertEqual(row, Array(m.values.suffix(m.columns)), m.name)
        }
    }
}
