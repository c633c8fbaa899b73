import XCTest
import CVectorKernels
import Tensor
import TestSupport

/// The batched beam-search kernels: every row of `cvk_gemv_half_batch` and `cvk_attend_batch`
/// must equal, bit for bit, the one-row kernel on that row alone (so a batched beam search picks
/// the same tokens as the unbatched one), be close to the naive reference, and stay inside its
/// buffers (`GuardedBuffer`) at the sizes around the vector width, the output pairs and the
/// worker splits. Each check runs with every form of the kernels the CPU has (AVX-512, AVX2).
final class BatchKernelsTests: XCTestCase {
    /// Runs `body` with the AVX-512 forms (when the CPU has them), then with the AVX2 ones.
    private func forEachForm(_ body: (String) throws -> Void) rethrows {
        if VectorExtensions.wideAvailable {
            XCTAssertTrue(VectorExtensions.wideEnabled, "the AVX-512 forms run by default")
            try body("AVX-512")
        }
        try VectorExtensions.withoutWideVectors {
            XCTAssertFalse(VectorExtensions.wideEnabled)
            try body("AVX2")
        }
        XCTAssertEqual(VectorExtensions.wideEnabled, VectorExtensions.wideAvailable, "the forms are restored")
    }

    private func halfBits(_ values: [Float]) -> [UInt16] { values.map { Float16($0).bitPattern } }

    private func bits(_ a: [Float]) -> [UInt32] { a.map(\.bitPattern) }

    func testBatchedHalfGemvEqualsTheOneRowKernelRowByRow() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C")
        try forEachForm { form in
            var rng = SeededRandom(state: 81)
            for (out, inFeatures) in [(1, 1), (2, 7), (3, 8), (5, 9), (9, 16), (64, 33), (131, 17), (1030, 384)] {
                let wValues = rng.floats(out * inFeatures).map { Float(Float16($0)) }
                let w = try GuardedBuffer(halfBits(wValues)), bias = try GuardedBuffer(rng.floats(out))
                for rows in [1, 2, 3, 4, 5, 6, 9] {
                    let x = try GuardedBuffer(rng.floats(rows * inFeatures))
                    var slow = [Float](repeating: 0, count: rows * out)
                    ReferenceKernels.linear(x.pointer, rows: rows, inFeatures: inFeatures, weight: wValues,
                                            outFeatures: out, bias: bias.pointer, into: &slow)
                    for threads in [1, 2, 3] {
                        for withBias in [true, false] {
                            let y = try GuardedBuffer(rows * out, repeating: Float.nan)
                            cvk_gemv_half_batch(w.pointer, out, inFeatures, x.pointer, rows, inFeatures,
                                                withBias ? bias.pointer : nil, y.pointer, out, Int32(threads))
                            XCTAssertTrue(y.frontIntact, "write before y: out \(out) in \(inFeatures) rows \(rows)")
                            for r in 0..<rows {
                                let one = try GuardedBuffer(out, repeating: Float.nan)
                                cvk_gemv_half(w.pointer, out, inFeatures, x.pointer + r * inFeatures, 1, inFeatures,
                                              withBias ? bias.pointer : nil, one.pointer, out, Int32(threads))
                                XCTAssertEqual(bits(Array(y.array[(r * out)..<((r + 1) * out)])), bits(one.array),
                                               "\(form) row \(r) of \(rows): out \(out) in \(inFeatures) threads \(threads) bias \(withBias)")
                            }
                            if withBias {
                                XCTAssertLessThan(maxAbsDiff(y.array, slow), 1e-4 * Float(inFeatures).squareRoot(),
                                                  "\(form): out \(out) in \(inFeatures) rows \(rows) threads \(threads)")
                            }
                        }
                    }
                }
            }
        }
    }

    func testBatchedAttentionEqualsTheOneQueryKernelRowByRow() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + FMA")
        try forEachForm { form in
            var rng = SeededRandom(state: 82)
            // Whisper's cross-attention (1500 keys, 64-wide heads: split over the workers) and small
            // shapes around the vector width.
            for (heads, headDim, keys) in [(6, 64, 1500), (8, 64, 301), (1, 8, 1), (2, 16, 7), (3, 24, 65)] {
                let d = heads * headDim
                // K and V interleaved as the cross-attention memory stores them: (keys, 2d).
                let kv = try GuardedBuffer(rng.floats(keys * 2 * d, scale: 2))
                for rows in [1, 2, 5, 6] {
                    let q = try GuardedBuffer(rng.floats(rows * d, scale: 2))
                    var slow = [Float](repeating: 0, count: rows * d)
                    ReferenceKernels.attention(q: q.pointer, ldq: d, k: kv.pointer, ldk: 2 * d, v: kv.pointer + d, ldv: 2 * d,
                                               queries: rows, keys: keys, heads: heads, headDim: headDim, causalOffset: nil,
                                               into: &slow, ldo: d)
                    for threads in [1, 2, 3] {
                        let out = try GuardedBuffer(rows * d, repeating: Float.nan)
                        XCTAssertEqual(cvk_attend_batch(q.pointer, d, rows, kv.pointer, 2 * d, kv.pointer + d, 2 * d, keys,
                                                        Int32(heads), Int32(headDim), out.pointer, d, Int32(threads)), 1)
                        XCTAssertTrue(out.frontIntact)
                        for r in 0..<rows {
                            var one = [Float](repeating: .nan, count: d)
                            XCTAssertEqual(cvk_attend_one(q.pointer + r * d, kv.pointer, 2 * d, kv.pointer + d, 2 * d, keys,
                                                          Int32(heads), Int32(headDim), &one, Int32(threads)), 1)
                            XCTAssertEqual(bits(Array(out.array[(r * d)..<((r + 1) * d)])), bits(one),
                                           "\(form) row \(r) of \(rows): heads \(heads) D \(headDim) keys \(keys) threads \(threads)")
                        }
                        XCTAssertLessThan(maxAbsDiff(out.array, slow), 1e-5, "\(form): heads \(heads) D \(headDim) keys \(keys) rows \(rows)")
                    }
                }
            }
        }
    }

    /// The cross-attention's AVX-512 form gives the AVX2 form's bits (the same FMA chains, its two
    /// 8-lane dot accumulators the halves of one 16-lane one), so a beam picks the same tokens on
    /// either CPU; head sizes with an odd number of 8-float blocks included.
    func testWideAttentionGivesTheNarrowFormsBits() throws {
        try XCTSkipUnless(VectorExtensions.wideAvailable, "no AVX-512 on this CPU")
        var rng = SeededRandom(state: 83)
        for (heads, headDim, keys) in [(6, 64, 1500), (2, 8, 9), (2, 16, 7), (3, 24, 65), (1, 40, 33), (2, 128, 70)] {
            let d = heads * headDim
            let kv = try GuardedBuffer(rng.floats(keys * 2 * d, scale: 2))
            for rows in [1, 3, 5] {
                let q = try GuardedBuffer(rng.floats(rows * d, scale: 2))
                var outs: [[Float]] = []
                for narrow in [false, true] {
                    let out = try GuardedBuffer(rows * d, repeating: Float.nan)
                    let ran = { cvk_attend_batch(q.pointer, d, rows, kv.pointer, 2 * d, kv.pointer + d, 2 * d, keys,
                                                 Int32(heads), Int32(headDim), out.pointer, d, 2) }
                    XCTAssertEqual(narrow ? VectorExtensions.withoutWideVectors(ran) : ran(), 1)
                    outs.append(out.array)
                }
                XCTAssertEqual(bits(outs[0]), bits(outs[1]), "heads \(heads) D \(headDim) keys \(keys) rows \(rows)")
            }
        }
    }

    func testBatchedAttentionRefusesWhatTheOneQueryKernelRefuses() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + FMA")
        var q = [Float](repeating: 1, count: 12), k = [Float](repeating: 1, count: 12), out = q
        // head dimension 12 is not a multiple of 8
        XCTAssertEqual(cvk_attend_batch(&q, 12, 1, &k, 12, &k, 12, 1, 1, 12, &out, 12, 1), 0)
        XCTAssertEqual(cvk_attend_batch(&q, 12, 0, &k, 12, &k, 12, 1, 1, 12, &out, 12, 1), 1, "no rows: nothing to do")
    }
}
