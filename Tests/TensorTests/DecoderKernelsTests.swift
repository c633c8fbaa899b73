import Foundation
import XCTest
import Tensor
import TestSupport

/// The one-token decoder kernels (half-precision weights, one query against many keys) and the
/// engine's worker pool, against the float32 kernels and the naive references.
final class DecoderKernelsTests: XCTestCase {
    /// Floats that half precision holds exactly (as a float16 checkpoint's weights are).
    private func halfExact(_ n: Int, _ rng: inout SeededRandom) -> [Float] {
        rng.floats(n, scale: 2).map { Float(Float16($0)) }
    }

    func testHalfMatrixKeepsExactValuesAndRefusesOthers() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C: weights stay float32")
        var rng = SeededRandom(state: 31)
        let values = halfExact(7 * 13, &rng)
        let half = try XCTUnwrap(HalfMatrix(exactly: try Tensor(shape: [7, 13], data: values)))
        XCTAssertEqual(half.floats(), values)
        var row = [Float](repeating: 0, count: 13)
        half.row(3, into: &row)
        XCTAssertEqual(row, Array(values[39..<52]))
        var inexact = values
        inexact[5] = 0.1   // not a half-precision value
        XCTAssertNil(HalfMatrix(exactly: try Tensor(shape: [7, 13], data: inexact)))
        XCTAssertNil(HalfMatrix(exactly: try Tensor(shape: [91], data: values)), "only matrices")
    }

    func testHalfMatrixLinearMatchesFloatLinearForFewAndManyRows() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C: weights stay float32")
        var rng = SeededRandom(state: 32)
        // Odd sizes exercise the 4-output groups, the 8-column tails and the thread split.
        for (out, inFeatures) in [(5, 3), (37, 29), (1030, 515), (2048, 512)] {
            let w = halfExact(out * inFeatures, &rng), b = rng.floats(out)
            let half = try XCTUnwrap(HalfMatrix(exactly: try Tensor(shape: [out, inFeatures], data: w)))
            for rows in [1, 2, 4, 5, 9] {
                let x = rng.floats(rows * inFeatures)
                for bias in [true, false] {
                    var fast = [Float](repeating: .nan, count: rows * out), slow = fast
                    b.withUnsafeBufferPointer { bb in
                        half.linear(x, rows: rows, bias: bias ? bb.baseAddress : nil, into: &fast)
                        ReferenceKernels.linear(x, rows: rows, inFeatures: inFeatures, weight: w, outFeatures: out,
                                                bias: bias ? bb.baseAddress : nil, into: &slow)
                    }
                    XCTAssertLessThan(maxAbsDiff(fast, slow), 2e-4 * Float(inFeatures).squareRoot(),
                                      "out \(out) in \(inFeatures) rows \(rows) bias \(bias)")
                }
            }
        }
    }

    func testOneQueryAttentionOverManyKeysMatchesReference() {
        // Whisper's cross-attention shape (1500 keys, 64-wide heads) and causal self-attention
        // over a cache, through the AVX2 kernel when present and the sgemv path otherwise.
        var rng = SeededRandom(state: 33)
        for (heads, headDim, keys, causal) in [(8, 64, 1500, nil), (6, 64, 1500, nil), (8, 64, 300, 120),
                                               (3, 16, 40, nil), (2, 8, 5000, nil)] as [(Int, Int, Int, Int?)] {
            let d = heads * headDim
            let q = rng.floats(d, scale: 2), kv = rng.floats(keys * 2 * d, scale: 2)
            var fast = [Float](repeating: .nan, count: d), slow = fast, portable = fast
            var scores = [Float](repeating: 0, count: Attention.scratchCount(queries: 1, keys: keys))
            kv.withUnsafeBufferPointer { kvb in
                let k = kvb.baseAddress!, v = kvb.baseAddress! + d
                Attention.multiHead(q: q, ldq: d, k: k, ldk: 2 * d, v: v, ldv: 2 * d, queries: 1, keys: keys,
                                    heads: heads, headDim: headDim, causalOffset: causal, scores: &scores,
                                    into: &fast, ldo: d)
                VectorExtensions.withPortableKernels {
                    Attention.multiHead(q: q, ldq: d, k: k, ldk: 2 * d, v: v, ldv: 2 * d, queries: 1, keys: keys,
                                        heads: heads, headDim: headDim, causalOffset: causal, scores: &scores,
                                        into: &portable, ldo: d)
                }
                ReferenceKernels.attention(q: q, ldq: d, k: k, ldk: 2 * d, v: v, ldv: 2 * d, queries: 1, keys: keys,
                                           heads: heads, headDim: headDim, causalOffset: causal, into: &slow, ldo: d)
            }
            XCTAssertLessThan(maxAbsDiff(fast, slow), 1e-5, "heads \(heads) D \(headDim) keys \(keys)")
            XCTAssertLessThan(maxAbsDiff(portable, slow), 1e-5, "heads \(heads) D \(headDim) keys \(keys)")
        }
    }

    func testWorkerPoolCoversEveryIndexOnceAndRunsNestedCallsInline() {
        let count = 10_007
        var hits = [Int](repeating: 0, count: count)
        hits.withUnsafeMutableBufferPointer { h in
            WorkerPool.chunks(count, workers: 3) { range in for i in range { h[i] += 1 } }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: count))
        var nested = [Int](repeating: 0, count: 4)
        let ran = nested.withUnsafeMutableBufferPointer { n in
            WorkerPool.run(workers: 2) { index, _ in
                n[index * 2] = WorkerPool.run(workers: 2) { _, _ in }   // inside a job: inline
                n[index * 2 + 1] = 1
            }
        }
        XCTAssertGreaterThanOrEqual(ran, 1)
        XCTAssertEqual(nested[0], 1, "a nested call runs on its caller alone")
        if ran == 2 { XCTAssertEqual(nested, [1, 1, 1, 1]) }
        XCTAssertEqual(WorkerPool.run(workers: 1) { _, workers in XCTAssertEqual(workers, 1) }, 1)
    }
}
