import TestSupport
import XCTest
@testable import Vision

/// The AVX2 + FMA kernels (`VisionKernels+SIMD.swift`) against the naive reference kernels, on
/// shapes with channel counts that are and are not multiples of 8, strides 1 and 2, 3×3 and 5×5,
/// SAME and VALID padding (the borders take the partial-window paths).
final class VisionSIMDKernelTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VisionKernels.simd, "this CPU has no AVX2 + FMA: the Swift kernels run instead")
    }

    func testDepthwiseSIMDMatchesReference() {
        var rng = SeededRandom(state: 31)
        var worst: Float = 0
        for (h, w, c, k, s, p) in [(9, 7, 16, 3, 1, TFLitePadding.same), (8, 8, 24, 3, 2, .same), (6, 9, 28, 5, 2, .valid),
                                   (7, 6, 5, 5, 1, .same), (6, 7, 13, 3, 1, .valid), (12, 10, 32, 5, 1, .same)] {
            let conv = VisionFixtures.randomConvolution(&rng, h: h, w: w, inC: c, outC: c, k: k, stride: s, padding: p,
                                                        depthwise: true)
            let (shape, x, wt, b) = (conv.shape, conv.x, conv.weight, conv.bias)
            var fast = conv.output, ref = fast, noBias = fast, refNoBias = fast
            VisionKernels.depthwiseConv2dSIMD(x, shape, weight: wt, bias: b, into: &fast)
            VisionReferenceKernels.depthwiseConv2d(x, shape, weight: wt, bias: b, into: &ref)
            VisionKernels.depthwiseConv2dSIMD(x, shape, weight: wt, bias: nil, into: &noBias)
            VisionReferenceKernels.depthwiseConv2d(x, shape, weight: wt, bias: nil, into: &refNoBias)
            let d = max(VisionFixtures.maxAbsDiff(fast, ref), VisionFixtures.maxAbsDiff(noBias, refNoBias))
            XCTAssertFalse(fast.contains { $0.isNaN } || noBias.contains { $0.isNaN }, "\((h, w, c, k, s)): output not fully written")
            XCTAssertLessThan(d, 1e-5, "\((h, w, c, k, s, p))")
            worst = max(worst, d)
        }
        print("depthwise SIMD vs reference: max |diff| \(worst)")
    }

    func testDirectConvSIMDMatchesReferenceAndRefusesOtherShapes() {
        var rng = SeededRandom(state: 32)
        var worst: Float = 0
        for (h, w, ci, co, k, s, p) in [(12, 12, 1, 16, 3, 2, TFLitePadding.same), (11, 9, 1, 24, 5, 2, .same),
                                        (7, 8, 3, 8, 3, 1, .valid), (9, 9, 2, 32, 3, 1, .same)] {
            let conv = VisionFixtures.randomConvolution(&rng, h: h, w: w, inC: ci, outC: co, k: k, stride: s, padding: p)
            let (shape, x, wt, b) = (conv.shape, conv.x, conv.weight, conv.bias)
            var fast = conv.output, ref = fast
            var packed = [Float](repeating: 0, count: VisionKernels.directPackedCount(shape))
            var cols = [Float](repeating: 0, count: max(shape.columnsCount, 1))
            XCTAssertTrue(VisionKernels.conv2dDirectSIMD(x, shape, weight: wt, bias: b, packed: &packed, into: &fast))
            VisionReferenceKernels.conv2d(x, shape, weight: wt, bias: b, columns: &cols, into: &ref)
            let d = VisionFixtures.maxAbsDiff(fast, ref)
            XCTAssertFalse(fast.contains { $0.isNaN }, "\((h, w, ci, co, k, s)): output not fully written")
            XCTAssertLessThan(d, 1e-4, "\((h, w, ci, co, k, s, p))")
            worst = max(worst, d)
        }
        print("direct conv SIMD vs reference: max |diff| \(worst)")
        // outC not a multiple of 8, or too many taps: refused, the output untouched
        for (ci, co, k) in [(1, 12, 3), (64, 16, 3)] {
            let shape = Conv2DShape(inH: 6, inW: 6, inC: ci, outC: co, kernelH: k, kernelW: k, strideH: 1, strideW: 1, padding: .same)
            let x = rng.floats(36 * ci), wt = rng.floats(co * k * k * ci)
            var out = [Float](repeating: .nan, count: 36 * co)
            var packed = [Float](repeating: 0, count: VisionKernels.directPackedCount(shape))
            XCTAssertFalse(VisionKernels.conv2dDirectSIMD(x, shape, weight: wt, bias: nil, packed: &packed, into: &out))
            XCTAssertTrue(out.allSatisfy { $0.isNaN })
        }
    }

    func testAddPReLUSIMDMatchesAddThenReferencePReLU() {
        var rng = SeededRandom(state: 33)
        for (pixels, channels) in [(50, 16), (7, 12), (3, 5)] {
            let a = rng.floats(pixels * channels), b = rng.floats(pixels * channels), alpha = rng.floats(channels)
            var fast = [Float](repeating: .nan, count: pixels * channels)
            VisionKernels.addPreluSIMD(a, b, alpha: alpha, pixels: pixels, channels: channels, into: &fast)
            let sum = zip(a, b).map { $0 + $1 }
            var ref = [Float](repeating: .nan, count: pixels * channels)
            for p in 0..<pixels {   // the definition: v ≥ 0 ? v : α[c]·v
                for c in 0..<channels { let v = sum[p * channels + c]; ref[p * channels + c] = v >= 0 ? v : alpha[c] * v }
            }
            XCTAssertEqual(fast, ref, "\(pixels)×\(channels)")
        }
    }
}
