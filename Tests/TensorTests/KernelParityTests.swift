import XCTest
import Tensor
import TestSupport

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Each BLAS-backed kernel against its naive twin in ReferenceKernels, on random shapes.
final class KernelParityTests: XCTestCase {
    func testLinearMatchesReference() {
        var rng = SeededRandom(state: 1)
        var worst: Float = 0
        for trial in 0..<12 {
            let rows = trial % 3 == 0 ? 1 : rng.int(2...40), inF = rng.int(1...96), outF = rng.int(1...80)
            let x = rng.floats(rows * inF), w = rng.floats(outF * inF), b = rng.floats(outF)
            var fast = [Float](repeating: .nan, count: rows * outF), slow = fast
            let useBias = trial % 2 == 0
            b.withUnsafeBufferPointer { bb in
                let bias = useBias ? bb.baseAddress : nil
                Kernels.linear(x, rows: rows, inFeatures: inF, weight: w, outFeatures: outF, bias: bias, into: &fast)
                ReferenceKernels.linear(x, rows: rows, inFeatures: inF, weight: w, outFeatures: outF, bias: bias, into: &slow)
            }
            worst = max(worst, maxAbsDiff(fast, slow))
        }
        print("linear max |Δ| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    func testLargeLinearSplitAcrossThreadsMatchesReference() {
        // Above Kernels.parallelProducts: sgemm split by rows, sgemv by output features.
        var rng = SeededRandom(state: 12)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for threads in [2, 3] {
            BLASThreads.set(threads)
            for (rows, inF, outF) in [(1, 512, 2051), (1, 700, 600), (97, 130, 257), (1500, 64, 96)] {
                let x = rng.floats(rows * inF), w = rng.floats(outF * inF), b = rng.floats(outF)
                var fast = [Float](repeating: .nan, count: rows * outF), slow = fast
                Kernels.linear(x, rows: rows, inFeatures: inF, weight: w, outFeatures: outF, bias: b, into: &fast)
                ReferenceKernels.linear(x, rows: rows, inFeatures: inF, weight: w, outFeatures: outF, bias: b, into: &slow)
                XCTAssertLessThan(maxAbsDiff(fast, slow), 1e-3, "threads \(threads) rows \(rows) in \(inF) out \(outF)")
            }
        }
    }

    func testConv1dMatchesReference() {
        var rng = SeededRandom(state: 2)
        var worst: Float = 0
        for trial in 0..<8 {
            let cin = rng.int(1...12), cout = rng.int(1...16), length = rng.int(1...30)
            let stride = trial % 2 == 0 ? 1 : 2
            let layout: Kernels.ConvLayout = trial % 4 < 2 ? .channelsFirst : .timeFirst
            let x = rng.floats(cin * length), w = rng.floats(cout * cin * 3), b = rng.floats(cout)
            let outLength = Kernels.convOutputLength(length, kernel: 3, stride: stride, padding: 1)
            var fast = [Float](repeating: .nan, count: outLength * cout), slow = fast
            var columns = [Float](repeating: 0, count: outLength * cin * 3)
            Kernels.conv1d(x, layout: layout, inChannels: cin, length: length, weight: w, bias: b, outChannels: cout,
                           kernel: 3, stride: stride, padding: 1, columns: &columns, into: &fast)
            ReferenceKernels.conv1d(x, layout: layout, inChannels: cin, length: length, weight: w, bias: b,
                                    outChannels: cout, kernel: 3, stride: stride, padding: 1, into: &slow)
            worst = max(worst, maxAbsDiff(fast, slow))
        }
        print("conv1d max |Δ| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    func testConv1dStrideTwoHalvesEvenLengths() {
        XCTAssertEqual(Kernels.convOutputLength(3000, kernel: 3, stride: 2, padding: 1), 1500)
        XCTAssertEqual(Kernels.convOutputLength(3000, kernel: 3, stride: 1, padding: 1), 3000)
        XCTAssertEqual(Kernels.convOutputLength(1000, kernel: 3, stride: 2, padding: 1), 500)
    }

    func testLayerNormGeluSoftmaxMatchReference() {
        var rng = SeededRandom(state: 3)
        let rows = 7, width = 53
        let x = rng.floats(rows * width, scale: 4), g = rng.floats(width), b = rng.floats(width)
        var fast = [Float](repeating: 0, count: rows * width), slow = fast
        Kernels.layerNorm(x, rows: rows, width: width, gamma: g, beta: b, into: &fast)
        ReferenceKernels.layerNorm(x, rows: rows, width: width, gamma: g, beta: b, into: &slow)
        let ln = maxAbsDiff(fast, slow)

        var g1 = x, g2 = x
        Kernels.gelu(&g1, count: x.count)
        ReferenceKernels.gelu(&g2, count: x.count)
        let gelu = maxAbsDiff(g1, g2)

        var s1 = x, s2 = x
        Kernels.softmax(&s1, rows: rows, width: width)
        ReferenceKernels.softmax(&s2, rows: rows, width: width)
        let sm = maxAbsDiff(s1, s2)
        print("layerNorm max |Δ| \(ln), gelu \(gelu), softmax \(sm)")
        XCTAssertLessThan(ln, 1e-5)
        XCTAssertLessThan(gelu, 1e-5)
        XCTAssertLessThan(sm, 1e-6)
        for r in 0..<rows { XCTAssertEqual(s1[(r * width)..<((r + 1) * width)].reduce(0, +), 1, accuracy: 1e-5) }
        // Exact GELU, not the tanh approximation: gelu(1) = 0.8413447.
        var one: [Float] = [1, -1, 0]
        Kernels.gelu(&one, count: 3)
        XCTAssertEqual(one[0], 0.8413447, accuracy: 1e-6)
        XCTAssertEqual(one[1], -0.1586553, accuracy: 1e-6)
        XCTAssertEqual(one[2], 0)
    }

    func testLargeSoftmaxAndGeluSplitAcrossThreadsMatchReference() {
        // Above ParallelChunks' threshold (2^18 elements), so the work is split across threads.
        var rng = SeededRandom(state: 6)
        let rows = 301, width = 1000
        let x = rng.floats(rows * width, scale: 6)
        var s1 = x, s2 = x, g1 = x, g2 = x
        BLASThreads.set(2)
        Kernels.softmax(&s1, rows: rows, width: width)
        ReferenceKernels.softmax(&s2, rows: rows, width: width)
        Kernels.gelu(&g1, count: x.count)
        ReferenceKernels.gelu(&g2, count: x.count)
        print("large softmax max |Δ| \(maxAbsDiff(s1, s2)), gelu \(maxAbsDiff(g1, g2))")
        XCTAssertLessThan(maxAbsDiff(s1, s2), 1e-6)
        XCTAssertLessThan(maxAbsDiff(g1, g2), 1e-5)
    }

    func testAttentionMatchesReference() {
        var rng = SeededRandom(state: 4)
        var worst: Float = 0
        for trial in 0..<10 {
            let heads = rng.int(1...4), headDim = rng.int(1...16), d = heads * headDim
            let queries = trial % 3 == 0 ? 1 : rng.int(2...9), keys = rng.int(queries...(queries + 12))
            let causal: Int? = trial % 2 == 0 ? keys - queries : nil
            // Fused layouts as the network uses them: q in rows of 3d, k/v in rows of 2d.
            let q = rng.floats(queries * 3 * d, scale: 2), kv = rng.floats(keys * 2 * d, scale: 2)
            var fast = [Float](repeating: .nan, count: queries * d), slow = fast
            var scores = [Float](repeating: 0, count: Attention.scratchCount(queries: queries, keys: keys))
            q.withUnsafeBufferPointer { qb in
                kv.withUnsafeBufferPointer { kvb in
                    Attention.multiHead(q: qb.baseAddress!, ldq: 3 * d, k: kvb.baseAddress!, ldk: 2 * d,
                                        v: kvb.baseAddress! + d, ldv: 2 * d, queries: queries, keys: keys, heads: heads,
                                        headDim: headDim, causalOffset: causal, scores: &scores, into: &fast, ldo: d)
                    ReferenceKernels.attention(q: qb.baseAddress!, ldq: 3 * d, k: kvb.baseAddress!, ldk: 2 * d,
                                               v: kvb.baseAddress! + d, ldv: 2 * d, queries: queries, keys: keys,
                                               heads: heads, headDim: headDim, causalOffset: causal, into: &slow, ldo: d)
                }
            }
            worst = max(worst, maxAbsDiff(fast, slow))
        }
        print("attention max |Δ| \(worst)")
        XCTAssertLessThan(worst, 1e-5)
    }

    func testCausalMaskHidesLaterKeys() {
        // One head, D = 1: with the mask, query 0 sees only key 0, so its output is value 0.
        let q: [Float] = [1, 1], k: [Float] = [0, 10], v: [Float] = [5, 7]
        var out = [Float](repeating: 0, count: 2), scores = [Float](repeating: 0, count: 4)
        Attention.multiHead(q: q, ldq: 1, k: k, ldk: 1, v: v, ldv: 1, queries: 2, keys: 2, heads: 1, headDim: 1,
                            causalOffset: 0, scores: &scores, into: &out, ldo: 1)
        XCTAssertEqual(out[0], 5, accuracy: 1e-6)
        XCTAssertGreaterThan(out[1], 6.9)
    }

    func testKVCacheAppendTruncateAndOverflow() throws {
        var cache = KVCache(capacity: 3, width: 2)
        let rows: [Float] = [1, 2, 3, 4, 5, 6]
        try cache.append(keys: rows, ldk: 2, values: rows, ldv: 2, rows: 2)
        XCTAssertEqual(cache.length, 2)
        XCTAssertEqual(Array(cache.keys[0..<4]), [1, 2, 3, 4])
        var fork = cache
        cache.truncate(to: 1)
        try cache.append(keys: [9, 9], ldk: 2, values: [8, 8], ldv: 2, rows: 1)
        XCTAssertEqual(Array(cache.keys[2..<4]), [9, 9])
        XCTAssertEqual(Array(fork.keys[2..<4]), [3, 4], "a copy is an independent fork")
        XCTAssertThrowsError(try fork.append(keys: rows, ldk: 2, values: rows, ldv: 2, rows: 2)) { error in
            XCTAssertTrue("\(error)".contains("exceed the capacity of 3"), "\(error)")
        }
    }

    func testThreadCountCanBeSet() {
        let before = BLASThreads.count
        BLASThreads.set(1)
        XCTAssertEqual(BLASThreads.count, 1)
        BLASThreads.set(3)
        XCTAssertEqual(BLASThreads.count, 3)
        BLASThreads.set(before)
    }
}
