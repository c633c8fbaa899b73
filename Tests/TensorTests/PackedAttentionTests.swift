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

    /// Each form of the kernel (AVX2's 6 × 16 tiles, AVX-512's 12 × 32) the CPU has, called on one
    /// packed head, against the reference; the forms give the same bits. The shapes leave partial
    /// tiles of both (rows 1–13, 25, 37), an odd number of 16-key panels (keys 17, 33, 300) and of
    /// 16-column value panels (D 16, 48), which the 32-wide tiles take one panel at a time.
    func testEveryFormMatchesReferenceAndTheOthersBitForBit() throws {
        let forms = CheckedKernels.PackedAttentionForm.allCases.filter { $0 != .widest && $0.available }
        try XCTSkipIf(forms.isEmpty, "the packed kernel needs AVX2 + FMA")
        if !CheckedKernels.PackedAttentionForm.avx512.available { print("PackedAttentionTests: no AVX-512 here, AVX2 form only") }
        var rng = SeededRandom(state: 1213)
        var cases = 0
        for headDim in [16, 48, 64, 128] {
            for keys in [1, 17, 33, 300] {
                for rows in Array(1...13) + [25, 37] {
                    let ld = 3 * headDim + 3
                    let qkv = rng.floats(max(rows, keys) * ld, scale: 2)
                    let kp = UnsafeMutableBufferPointer<Float>.allocate(
                        capacity: CheckedKernels.packedKeysCount(keys: keys, headDim: headDim))
                    let vp = UnsafeMutableBufferPointer<Float>.allocate(capacity: keys * headDim)
                    let scratch = UnsafeMutableBufferPointer<Float>.allocate(
                        capacity: CheckedKernels.packedScratchCount(rows: rows, keys: keys))
                    let out = UnsafeMutableBufferPointer<Float>.allocate(capacity: rows * headDim)
                    defer { kp.deallocate(); vp.deallocate(); scratch.deallocate(); out.deallocate() }
                    var slow = [Float](repeating: .nan, count: rows * headDim)
                    var outs: [[Float]] = []
                    let violations = CCallCheck.collectingViolations {
                        qkv.withUnsafeBufferPointer { b in
                            let p = b.baseAddress!, count = b.count
                            CheckedKernels.packHead(k: .init(start: p + headDim, count: count - headDim), ldk: ld,
                                                    v: .init(start: p + 2 * headDim, count: count - 2 * headDim), ldv: ld,
                                                    keys: keys, headDim: headDim, kp: kp, vp: vp)
                            ReferenceKernels.attention(q: p, ldq: ld, k: p + headDim, ldk: ld, v: p + 2 * headDim, ldv: ld,
                                                       queries: rows, keys: keys, heads: 1, headDim: headDim,
                                                       causalOffset: nil, into: &slow, ldo: headDim)
                            for form in forms {
                                out.initialize(repeating: .nan)
                                let ran = CheckedKernels.attendPacked(q: b, ldq: ld, rows: rows, kp: .init(kp), vp: .init(vp),
                                                                      keys: keys, headDim: headDim,
                                                                      scale: 1 / Float(headDim).squareRoot(),
                                                                      scratch: scratch, out: out, ldo: headDim, form: form)
                                XCTAssertTrue(ran, "\(form) ran")
                                outs.append(Array(out))
                            }
                        }
                    }
                    XCTAssertEqual(violations, [])
                    for (form, out) in zip(forms, outs) {
                        XCTAssertLessThan(maxAbsDiff(out, slow), 1e-5, "\(form): \(rows) rows, \(keys) keys, D \(headDim)")
                    }
                    if let first = outs.first {
                        for out in outs.dropFirst() {
                            XCTAssertEqual(out.map(\.bitPattern), first.map(\.bitPattern),
                                           "the forms' bits: \(rows) rows, \(keys) keys, D \(headDim)")
                        }
                    }
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 4 * 4 * 15)
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
