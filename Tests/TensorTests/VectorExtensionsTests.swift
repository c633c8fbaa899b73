import Foundation
import XCTest
import CVectorKernels
import Tensor
import TestSupport

/// The AVX2 + FMA kernels (CVectorKernels) against Double-precision libm, the portable Swift
/// kernels and the naive reference kernels, on the same inputs. Skipped on CPUs without AVX2.
final class VectorExtensionsTests: XCTestCase {
    override func setUpWithError() throws {
        guard VectorExtensions.available else { throw XCTSkip("this CPU has no AVX2 + FMA; the Swift kernels run") }
    }

    func testExpIsWithinTwoUlpOfDoubleAndUnderflowsToZero() {
        let xs = stride(from: Float(-87.3), through: 88, by: 0.0137).map { $0 }
        var ys = [Float](repeating: -1, count: xs.count)
        cvk_exp(xs, &ys, xs.count)
        var worst: Double = 0
        for (x, y) in zip(xs, ys) {
            let truth = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(y) - truth) / truth)
        }
        print("cvk_exp worst relative error \(worst)")
        XCTAssertLessThan(worst, 2.5e-7)
        let low: [Float] = [-87.4, -100, -1e30, -.infinity, 0]
        var out = [Float](repeating: -1, count: low.count)
        cvk_exp(low, &out, low.count)
        XCTAssertEqual(out, [0, 0, 0, 0, 1])
    }

    func testSoftmaxAndGeluMatchPortableAndReferenceAtEveryTailLength() {
        var rng = SeededRandom(state: 21)
        for width in 1...19 {
            let rows = 3
            var x = rng.floats(rows * width, scale: 8)
            if width > 1 { x[width + 1] = -.infinity }   // a masked position in row 1
            var avx = x, portable = x, slow = x
            Kernels.softmax(&avx, rows: rows, width: width)
            VectorExtensions.withPortableKernels { Kernels.softmax(&portable, rows: rows, width: width) }
            ReferenceKernels.softmax(&slow, rows: rows, width: width)
            XCTAssertLessThan(maxAbsDiff(avx, slow), 1e-6, "softmax width \(width)")
            XCTAssertLessThan(maxAbsDiff(avx, portable), 1e-6, "softmax width \(width)")
            if width > 1 { XCTAssertEqual(avx[width + 1], 0) }
            for r in 0..<rows { XCTAssertEqual(avx[(r * width)..<((r + 1) * width)].reduce(0, +), 1, accuracy: 1e-5) }

            var g1 = x.map { $0.isFinite ? $0 : 0 }, g2 = g1, g3 = g1
            Kernels.gelu(&g1, count: g1.count)
            VectorExtensions.withPortableKernels { Kernels.gelu(&g2, count: g2.count) }
            ReferenceKernels.gelu(&g3, count: g3.count)
            XCTAssertLessThan(maxAbsDiff(g1, g3), 1e-5, "gelu count \(g1.count)")
            XCTAssertLessThan(maxAbsDiff(g1, g2), 1e-5, "gelu count \(g1.count)")
        }
    }

    func testPortablePathIsUsedInsideWithPortableKernels() {
        XCTAssertTrue(VectorExtensions.enabled)
        VectorExtensions.withPortableKernels { XCTAssertFalse(VectorExtensions.enabled) }
        XCTAssertTrue(VectorExtensions.enabled)
    }

    func testSumExpMatchesDoubleOnBothPaths() {
        var rng = SeededRandom(state: 5)
        for count in [1, 7, 8, 9, 51865] {
            var x = rng.floats(count, scale: 10)
            if count > 2 { x[1] = -.infinity }
            let shift = x.max() ?? 0
            let truth = x.reduce(0.0) { $0 + Foundation.exp(Double($1 - shift)) }
            let avx = Kernels.sumExp(x, count: count, shift: shift)
            let portable = VectorExtensions.withPortableKernels { Kernels.sumExp(x, count: count, shift: shift) }
            XCTAssertEqual(Double(avx), truth, accuracy: truth * 1e-5, "count \(count)")
            XCTAssertEqual(Double(portable), truth, accuracy: truth * 1e-5, "count \(count)")
        }
        XCTAssertEqual(Kernels.sumExp([Float](), count: 0, shift: 0), 0)
    }
}
