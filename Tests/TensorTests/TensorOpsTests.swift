import XCTest
import Tensor
import TestSupport

final class TensorOpsTests: XCTestCase {
    func testTensorLevelOpsAgreeWithReferenceAndCheckShapes() throws {
        var rng = SeededRandom(state: 11)
        let x = try Tensor(shape: [2, 3, 5], data: rng.floats(30))
        let w = try Tensor(shape: [4, 5], data: rng.floats(20)), b = try Tensor(shape: [4], data: rng.floats(4))
        let y = try x.linear(weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 3, 4])
        var ref = [Float](repeating: 0, count: 24)
        ReferenceKernels.linear(x.data, rows: 6, inFeatures: 5, weight: w.data, outFeatures: 4, bias: b.data, into: &ref)
        XCTAssertLessThan(maxAbsDiff(y.data, ref), 1e-5)
        XCTAssertThrowsError(try x.linear(weight: try Tensor(shape: [4, 6], data: rng.floats(24)))) { error in
            XCTAssertTrue("\(error)".hasPrefix("linear: input [2, 3, 5], weight [4, 6]"), "\(error)")
        }

        let mel = try Tensor(shape: [3, 10], data: rng.floats(30))
        let cw = try Tensor(shape: [2, 3, 3], data: rng.floats(18))
        XCTAssertEqual(try mel.conv1d(weight: cw, bias: nil, stride: 2, padding: 1).shape, [5, 2])
        XCTAssertThrowsError(try mel.conv1d(weight: cw, bias: nil, stride: 0, padding: 1))

        let s = x.softmax()
        XCTAssertEqual(s.data[0..<5].reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(try (x + x).data, x.data.map { $0 * 2 })
        XCTAssertThrowsError(try x + y)
        let ln = try y.layerNorm(gamma: try Tensor(shape: [4], data: [1, 1, 1, 1]), beta: Tensor(zeros: [4]))
        XCTAssertEqual(ln.data[0..<4].reduce(0, +), 0, accuracy: 1e-5)
        XCTAssertThrowsError(try Tensor(shape: [2, 2], data: [1, 2, 3])) { error in
            XCTAssertEqual(error as? TensorError, .shapeMismatch(operation: "Tensor(shape:data:)", reason: "shape [2, 2] needs 4 values, got 3"))
        }
        XCTAssertEqual(x.gelu().shape, x.shape)
    }
}
