import XCTest
import Tensor
import TestSupport

/// The fused unmasked attention (`Attention.packed`, `cvk_attend_packed_block`) against the naive
/// reference, on shapes that leave partial register tiles (rows not a multiple of 6, keys not a
/// multiple of 16), span several blocks of `packedRows` queries, and run on 1 and 2 threads.
final class PackedAttentionTests: XCTestCase {
    func testPackedMatchesReference() throws {
        try XCTSkipUnless(VectorExtensions.available, "the packed kernel needs AVX2 + FMA")
        var rng = SeededRandom(state: 1211)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for (queries, keys, heads, headDim, threads) in [(1, 1, 1, 16, 1), (5, 7, 2, 16, 1), (49, 37, 3, 32, 2),
                                                         (97, 300, 2, 64, 1), (130, 17, 1, 128, 2),
                                                         (150, 150, 3, 64, 2)] {
            let d = heads * headDim, ld = 3 * d + 5      // fused QKV rows with a stride wider than 3d
            let qkv = rng.floats(max(queries, keys) * ld, scale: 2)
            var fast = [Float](repeating: .nan, count: queries * d), slow = fast
            BLASThreads.set(threads)
            let violations = CCallCheck.collectingViolations {
                qkv.withUnsafeBufferPointer { b in
                    let p = b.baseAddress!
                    Attention.packed(q: p, ldq: ld, k: p + d, ldk: ld, v: p + 2 * d, ldv: ld, queries: queries, keys: keys,
                                     heads: heads, headDim: headDim, into: &fast, ldo: d)
                    ReferenceKernels.attention(q: p, ldq: ld, k: p + d, ldk: ld, v: p + 2 * d, ldv: ld, queries: queries,
                                               keys: keys, heads: heads, headDim: headDim, causalOffset: nil,
                                               into: &slow, ldo: d)
                }
            }
            XCTAssertEqual(violations, [])
            XCTAssertLessThan(maxAbsDiff(fast, slow), 1e-5, "\(queries)×\(keys), \(heads) heads of \(headDim)")
        }
    }

    /// `blocked` without a mask takes the packed kernel for heads of 64 and the OpenBLAS schedule
    /// for heads it declines (not a multiple of 16); both agree with the reference.
    func testBlockedChoosesByHeadDimension() throws {
        try XCTSkipUnless(VectorExtensions.available, "the packed kernel needs AVX2 + FMA")
        XCTAssertTrue(CheckedKernels.packedAttentionTakes(headDim: 64))
        XCTAssertTrue(CheckedKernels.packedAttentionTakes(headDim: 128))
        for declined in [0, 8, 24, 144] { XCTAssertFalse(CheckedKernels.packedAttentionTakes(headDim: declined)) }
        var rng = SeededRandom(state: 1212)
        for headDim in [24, 64] {
            let heads = 2, queries = 140, keys = 133, d = heads * headDim
            let qkv = rng.floats(max(queries, keys) * 3 * d, scale: 2)
            var blocked = [Float](repeating: .nan, count: queries * d), slow = blocked
            var scores = [Float](repeating: 0, count: Attention.scratchCount(queries: queries, keys: keys))
            qkv.withUnsafeBufferPointer { b in
                let p = b.baseAddress!
                Attention.blocked(q: p, ldq: 3 * d, k: p + d, ldk: 3 * d, v: p + 2 * d, ldv: 3 * d, queries: queries,
                                  keys: keys, heads: heads, headDim: headDim, causalOffset: nil, scores: &scores,
                                  into: &blocked, ldo: d)
                ReferenceKernels.attention(q: p, ldq: 3 * d, k: p + d, ldk: 3 * d, v: p + 2 * d, ldv: 3 * d,
                                           queries: queries, keys: keys, heads: heads, headDim: headDim,
                                           causalOffset: nil, into: &slow, ldo: d)
            }
            XCTAssertLessThan(maxAbsDiff(blocked, slow), 1e-5, "head dimension \(headDim)")
        }
    }
}
