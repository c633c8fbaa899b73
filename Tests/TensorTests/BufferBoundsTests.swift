import XCTest
import CVectorKernels
import Tensor
import TestSupport

/// Every pointer range the engine hands to its C kernels and to OpenBLAS, at the sizes where an
/// off-by-one hides: around the 8-float vector width (tail masks), the 4-output groups of the
/// half-precision kernel, and the splits over 1, 2 and 3 worker threads. Each buffer ends at a
/// PROT_NONE page (`GuardedBuffer`), so one float read or written past an end crashes the test
/// here, in any build — glibc only noticed such writes later, as "double free or corruption",
/// when the layout of the heap happened to put a chunk header there. Results are checked
/// against the naive kernels as well. `make sanitize` also runs these under ASan and UBSan.
final class BufferBoundsTests: XCTestCase {
    private let threadCounts = [1, 2, 3]

    private func withThreads(_ n: Int, _ body: () throws -> Void) rethrows {
        let saved = BLASThreads.count
        BLASThreads.set(n)
        defer { BLASThreads.set(saved) }
        try body()
    }

    private func halfBits(_ values: [Float]) -> [UInt16] { values.map { Float16($0).bitPattern } }

    func testHalfPrecisionGemvStaysInsideItsBuffers() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + F16C")
        var rng = SeededRandom(state: 71)
        for out in [1, 2, 3, 4, 5, 7, 8, 9, 13, 64, 65, 131] {
            for inFeatures in [1, 7, 8, 9, 16, 17, 33] {
                let wValues = rng.floats(out * inFeatures).map { Float(Float16($0)) }
                let w = try GuardedBuffer(halfBits(wValues)), bias = try GuardedBuffer(rng.floats(out))
                for rows in 1...4 {
                    let x = try GuardedBuffer(rng.floats(rows * inFeatures))
                    for threads in threadCounts {
                        let y = try GuardedBuffer(rows * out, repeating: Float.nan)
                        cvk_gemv_half(w.pointer, out, inFeatures, x.pointer, rows, inFeatures, bias.pointer, y.pointer,
                                      out, Int32(threads))
                        var slow = [Float](repeating: 0, count: rows * out)
                        ReferenceKernels.linear(x.pointer, rows: rows, inFeatures: inFeatures, weight: wValues,
                                                outFeatures: out, bias: bias.pointer, into: &slow)
                        XCTAssertLessThan(maxDiff(y.array, slow), 1e-4, "out \(out) in \(inFeatures) rows \(rows) threads \(threads)")
                        XCTAssertTrue(y.frontIntact, "write before y: out \(out) in \(inFeatures) rows \(rows)")
                    }
                }
            }
        }
    }

    func testOneQueryAttentionStaysInsideItsBuffers() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + FMA")
        var rng = SeededRandom(state: 72)
        for heads in [1, 2, 3] {
            for headDim in [8, 16, 24, 64] {
                let d = heads * headDim
                for keys in [1, 2, 3, 7, 8, 9, 64, 65, 301] {
                    // Tight strides: the last key row ends at the guard page.
                    let q = try GuardedBuffer(rng.floats(d)), k = try GuardedBuffer(rng.floats(keys * d))
                    let v = try GuardedBuffer(rng.floats(keys * d))
                    var slow = [Float](repeating: 0, count: d)
                    ReferenceKernels.attention(q: q.pointer, ldq: d, k: k.pointer, ldk: d, v: v.pointer, ldv: d, queries: 1,
                                               keys: keys, heads: heads, headDim: headDim, causalOffset: nil,
                                               into: &slow, ldo: d)
                    for threads in threadCounts {
                        let out = try GuardedBuffer(d, repeating: Float.nan)
                        XCTAssertEqual(cvk_attend_one(q.pointer, k.pointer, d, v.pointer, d, keys, Int32(heads), Int32(headDim),
                                                      out.pointer, Int32(threads)), 1)
                        XCTAssertLessThan(maxDiff(out.array, slow), 1e-5, "heads \(heads) D \(headDim) keys \(keys) threads \(threads)")
                        XCTAssertTrue(out.frontIntact)
                    }
                }
            }
        }
    }

    func testElementwiseKernelTailsStayInsideTheirBuffers() throws {
        try XCTSkipUnless(VectorExtensions.available, "no AVX2 + FMA")
        var rng = SeededRandom(state: 73)
        for width in 1...33 {
            for rows in 1...3 {
                let values = rng.floats(rows * width, scale: 4)
                let x = try GuardedBuffer(values)
                cvk_softmax_rows(x.pointer, rows, width)
                var expected = values
                ReferenceKernels.softmax(&expected, rows: rows, width: width)
                XCTAssertLessThan(maxDiff(x.array, expected), 1e-6, "softmax rows \(rows) width \(width)")
                let e = try GuardedBuffer(values), inverse = try GuardedBuffer(rows, repeating: Float.nan)
                cvk_exp_rows(e.pointer, rows, width, inverse.pointer)
                XCTAssertTrue(inverse.array.allSatisfy { $0.isFinite && $0 > 0 })
                XCTAssertTrue(x.frontIntact && e.frontIntact && inverse.frontIntact)
            }
            let g = try GuardedBuffer(rng.floats(width, scale: 3))
            var expected = g.array
            cvk_gelu(g.pointer, width)
            ReferenceKernels.gelu(&expected, count: width)
            XCTAssertLessThan(maxDiff(g.array, expected), 1e-5, "gelu \(width)")
            let src = try GuardedBuffer(rng.floats(width, scale: 10)), dst = try GuardedBuffer(width, repeating: Float.nan)
            cvk_exp(src.pointer, dst.pointer, width)
            XCTAssertEqual(Double(cvk_sum_exp(src.pointer, width, 0)), dst.array.reduce(0) { $0 + Double($1) },
                           accuracy: 1e-3 * Double(dst.array.reduce(0, +)))
            let halves = try GuardedBuffer(width, repeating: UInt16(0)), back = try GuardedBuffer(width, repeating: Float.nan)
            let exact = try GuardedBuffer(rng.floats(width).map { Float(Float16($0)) })
            XCTAssertEqual(cvk_float_to_half_exact(exact.pointer, halves.pointer, width), 1)
            cvk_half_to_float(halves.pointer, back.pointer, width)
            XCTAssertEqual(back.array, exact.array)
            XCTAssertTrue(g.frontIntact && dst.frontIntact && halves.frontIntact && back.frontIntact)
        }
    }

    /// Kernels.linear's sgemv/sgemm calls (row and output splits over the threads) and
    /// HalfMatrix.linear's two paths (few rows: the C kernel; many: float32 blocks and sgemm).
    func testLinearLayersStayInsideTheirBuffers() throws {
        var rng = SeededRandom(state: 74)
        for (out, inFeatures) in [(1, 1), (3, 9), (63, 8), (64, 17), (65, 33), (130, 384), (700, 384)] {
            let wValues = rng.floats(out * inFeatures).map { Float(Float16($0)) }
            let w = try GuardedBuffer(wValues), bias = try GuardedBuffer(rng.floats(out))
            let half = VectorExtensions.available ? HalfMatrix(exactly: try Tensor(shape: [out, inFeatures], data: wValues)) : nil
            for rows in [1, 2, 4, 5, 17, 40] {
                let x = try GuardedBuffer(rng.floats(rows * inFeatures))
                var slow = [Float](repeating: 0, count: rows * out)
                ReferenceKernels.linear(x.pointer, rows: rows, inFeatures: inFeatures, weight: wValues, outFeatures: out,
                                        bias: bias.pointer, into: &slow)
                for threads in threadCounts {
                    try withThreads(threads) {
                        let y = try GuardedBuffer(rows * out, repeating: Float.nan)
                        Kernels.linear(x.pointer, rows: rows, inFeatures: inFeatures, weight: w.pointer, outFeatures: out,
                                       bias: bias.pointer, into: y.pointer)
                        XCTAssertLessThan(maxDiff(y.array, slow), 1e-3, "linear out \(out) in \(inFeatures) rows \(rows)")
                        XCTAssertTrue(y.frontIntact)
                        guard let half else { return }
                        let yh = try GuardedBuffer(rows * out, repeating: Float.nan)
                        half.linear(x.pointer, rows: rows, bias: bias.pointer, into: yh.pointer)
                        XCTAssertLessThan(maxDiff(yh.array, slow), 1e-3, "half out \(out) in \(inFeatures) rows \(rows)")
                        XCTAssertTrue(yh.frontIntact)
                    }
                }
            }
        }
    }

    /// Attention's score scratch is exactly `scratchCount` floats and the output exactly
    /// queries × ldo, for one query, the per-head schedule and the blocked one (≥ 128 queries),
    /// causal or not, on 1–3 threads.
    func testAttentionStaysInsideScratchAndOutput() throws {
        var rng = SeededRandom(state: 75)
        let heads = 2, headDim = 8, d = heads * headDim
        for (queries, keys, causal) in [(1, 1, nil), (1, 9, 4), (2, 9, 7), (5, 130, nil), (127, 127, 0),
                                        (128, 130, 2), (130, 65, nil), (200, 200, 0)] as [(Int, Int, Int?)] {
            let q = try GuardedBuffer(rng.floats(queries * d)), k = try GuardedBuffer(rng.floats(keys * d))
            let v = try GuardedBuffer(rng.floats(keys * d))
            var slow = [Float](repeating: 0, count: queries * d)
            ReferenceKernels.attention(q: q.pointer, ldq: d, k: k.pointer, ldk: d, v: v.pointer, ldv: d, queries: queries,
                                       keys: keys, heads: heads, headDim: headDim, causalOffset: causal, into: &slow, ldo: d)
            for threads in threadCounts {
                try withThreads(threads) {
                    let scores = try GuardedBuffer(Attention.scratchCount(queries: queries, keys: keys), repeating: Float.nan)
                    let out = try GuardedBuffer(queries * d, repeating: Float.nan)
                    Attention.multiHead(q: q.pointer, ldq: d, k: k.pointer, ldk: d, v: v.pointer, ldv: d, queries: queries,
                                        keys: keys, heads: heads, headDim: headDim, causalOffset: causal,
                                        scores: scores.pointer, into: out.pointer, ldo: d)
                    XCTAssertLessThan(maxDiff(out.array, slow), 1e-4, "queries \(queries) keys \(keys) threads \(threads)")
                    XCTAssertTrue(scores.frontIntact && out.frontIntact)
                }
            }
        }
    }

    private func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        // NaN (an output never written: the buffers start as NaN) counts as infinitely far.
        return zip(a, b).reduce(0) { let d = abs($1.0 - $1.1); return d.isNaN ? .infinity : Swift.max($0, d) }
    }
}
