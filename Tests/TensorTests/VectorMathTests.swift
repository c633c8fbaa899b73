import Foundation
import XCTest
import Tensor
import TestSupport

/// The 8-lane exp and erf polynomials against Double-precision libm, over dense grids.
final class VectorMathTests: XCTestCase {
    private func lanesOf(_ values: [Float], _ f: (VectorMath.Vector) -> VectorMath.Vector) -> [Float] {
        var out: [Float] = []
        var i = 0
        while i < values.count {
            var v = VectorMath.Vector(repeating: 0)
            for l in 0..<8 where i + l < values.count { v[l] = values[i + l] }
            let r = f(v)
            for l in 0..<8 where i + l < values.count { out.append(r[l]) }
            i += 8
        }
        return out
    }

    func testExpIsWithinTwoUlpOfDouble() {
        let xs = stride(from: Float(-87.3), through: 88, by: 0.0137).map { $0 }
        let got = lanesOf(xs, VectorMath.exp)
        var worst: Double = 0
        for (x, y) in zip(xs, got) {
            let truth = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(y) - truth) / truth)
        }
        print("VectorMath.exp worst relative error \(worst)")
        XCTAssertLessThan(worst, 2.5e-7)   // 2 ulp of a float is 2.4e-7 relative
        XCTAssertEqual(lanesOf([0], VectorMath.exp)[0], 1)
    }

    func testExpUnderflowsToExactZero() {
        let got = lanesOf([-87.4, -100, -1e30, -.infinity], VectorMath.exp)
        XCTAssertEqual(got, [0, 0, 0, 0])
    }

    func testErfIsWithinHalfAMillionthOfDouble() {
        let xs = stride(from: Float(-6), through: 6, by: 0.001).map { $0 }
        let got = lanesOf(xs, VectorMath.erf)
        var worst: Double = 0
        for (x, y) in zip(xs, got) { worst = max(worst, abs(Double(y) - Foundation.erf(Double(x)))) }
        print("VectorMath.erf worst absolute error \(worst)")
        XCTAssertLessThan(worst, 5e-7)   // polynomial 1.5e-7 plus float rounding of 1 − poly·e^(−x²)
        XCTAssertEqual(lanesOf([0], VectorMath.erf)[0], 0, accuracy: 1e-7)
        XCTAssertEqual(lanesOf([1], VectorMath.erf)[0], 0.8427008, accuracy: 3e-7)
        XCTAssertEqual(lanesOf([-1], VectorMath.erf)[0], -0.8427008, accuracy: 3e-7)
    }

    func testSoftmaxRowsOfEveryTailLengthMatchReference() {
        var rng = SeededRandom(state: 11)
        for width in 1...19 {
            let rows = 3
            var x = rng.floats(rows * width, scale: 8)
            if width > 1 { x[0] = -.infinity }   // a masked position
            var fast = x, slow = x
            Kernels.softmax(&fast, rows: rows, width: width)
            ReferenceKernels.softmax(&slow, rows: rows, width: width)
            XCTAssertLessThan(maxAbsDiff(fast, slow), 1e-6, "width \(width)")
            if width > 1 { XCTAssertEqual(fast[0], 0) }
        }
    }
}

/// The blocked attention schedule (long sequences) against the naive reference and the per-head one.
final class BlockedAttentionTests: XCTestCase {
    func testBlockedMatchesReferenceAndPerHead() {
        var rng = SeededRandom(state: 21)
        // The unmasked cases pack Kᵀ per head; 420 queries of 64 dimensions span several blocks of
        // `packedBlockRows` (the encoder's shape, shortened).
        for (queries, keys, causal, threads, headDim) in [(150, 150, nil as Int?, 2, 8), (131, 140, 9, 2, 8),
                                                         (200, 170, nil, 1, 8), (420, 300, nil, 2, 64),
                                                         (420, 300, nil, 1, 64)] {
            let heads = 3, d = heads * headDim
            let qkv = rng.floats(max(queries, keys) * 3 * d, scale: 2)
            var blocked = [Float](repeating: .nan, count: queries * d), perHead = blocked, slow = blocked
            var scores = [Float](repeating: 0, count: Attention.scratchCount(queries: queries, keys: keys))
            BLASThreads.set(threads)
            qkv.withUnsafeBufferPointer { b in
                let p = b.baseAddress!
                Attention.blocked(q: p, ldq: 3 * d, k: p + d, ldk: 3 * d, v: p + 2 * d, ldv: 3 * d, queries: queries,
                                  keys: keys, heads: heads, headDim: headDim, causalOffset: causal, scores: &scores,
                                  into: &blocked, ldo: d)
                Attention.perHead(q: p, ldq: 3 * d, k: p + d, ldk: 3 * d, v: p + 2 * d, ldv: 3 * d, queries: queries,
                                  keys: keys, heads: heads, headDim: headDim, causalOffset: causal, scores: &scores,
                                  into: &perHead, ldo: d)
                ReferenceKernels.attention(q: p, ldq: 3 * d, k: p + d, ldk: 3 * d, v: p + 2 * d, ldv: 3 * d,
                                           queries: queries, keys: keys, heads: heads, headDim: headDim,
                                           causalOffset: causal, into: &slow, ldo: d)
            }
            XCTAssertEqual(BLASThreads.count, threads, "the BLAS thread count is restored")
            XCTAssertLessThan(maxAbsDiff(blocked, slow), 1e-5, "\(queries)×\(keys) causal \(causal ?? -1)")
            XCTAssertLessThan(maxAbsDiff(blocked, perHead), 1e-5)
        }
    }
}
