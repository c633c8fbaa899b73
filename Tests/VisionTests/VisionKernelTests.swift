import TestSupport
import XCTest
@testable import Vision

/// The fast kernels against their naive twins on random shapes, and TFLite's window geometry.
final class VisionKernelTests: XCTestCase {
    func testWindowGeometryMatchesTFLite() {
        // SAME, stride 2, 5×5 on 128: out 64, total padding 3 → 1 before (TFLite puts the extra after).
        let g = WindowGeometry(inH: 128, inW: 128, kernelH: 5, kernelW: 5, strideH: 2, strideW: 2, padding: .same)
        XCTAssertEqual([g.outH, g.outW, g.padTop, g.padLeft], [64, 64, 1, 1])
        let v = WindowGeometry(inH: 3, inW: 3, kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padding: .valid)
        XCTAssertEqual([v.outH, v.outW, v.padTop, v.padLeft], [1, 1, 0, 0])
        let p = WindowGeometry(inH: 64, inW: 64, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padding: .valid)
        XCTAssertEqual([p.outH, p.padTop], [32, 0])
    }

    func testConv2dFastMatchesReference() {
        var rng = SeededRandom(state: 12)
        let cases: [(h: Int, w: Int, c: Int, o: Int, k: Int, s: Int, p: TFLitePadding)] = [
            (9, 7, 3, 5, 5, 2, .same), (8, 8, 4, 6, 1, 1, .valid), (6, 5, 3, 4, 3, 1, .same),
            (7, 7, 2, 3, 3, 2, .valid), (3, 3, 8, 10, 3, 1, .valid), (10, 6, 5, 7, 3, 2, .same),
        ]
        var worst: Float = 0
        for c in cases {
            let conv = VisionFixtures.randomConvolution(&rng, h: c.h, w: c.w, inC: c.c, outC: c.o, k: c.k, stride: c.s,
                                                        padding: c.p)
            let (shape, x, w, b) = (conv.shape, conv.x, conv.weight, conv.bias)
            var fast = conv.output, ref = fast
            var cols = [Float](repeating: 0, count: max(shape.columnsCount, 1))
            VisionKernels.conv2d(x, shape, weight: w, bias: b, columns: &cols, into: &fast)
            VisionReferenceKernels.conv2d(x, shape, weight: w, bias: b, columns: &cols, into: &ref)
            let d = VisionFixtures.maxAbsDiff(fast, ref)
            XCTAssertFalse(fast.contains { $0.isNaN }, "\(c): output not fully written")
            XCTAssertLessThan(d, 1e-4, "\(c)")
            worst = max(worst, d)
        }
        print("conv2d fast vs reference: max |diff| \(worst) over \(cases.count) shapes")
    }

    func testDepthwiseAndPoolFastMatchReference() {
        var rng = SeededRandom(state: 13)
        for (h, w, c, k, s, p) in [(9, 7, 5, 3, 2, TFLitePadding.same), (8, 8, 16, 3, 1, .same), (6, 9, 4, 5, 2, .valid), (7, 6, 3, 5, 1, .same), (6, 7, 4, 3, 1, .valid)] {
            let conv = VisionFixtures.randomConvolution(&rng, h: h, w: w, inC: c, outC: c, k: k, stride: s, padding: p,
                                                        depthwise: true)
            let (shape, x, wt, b) = (conv.shape, conv.x, conv.weight, conv.bias)
            let n = conv.output.count
            var fast = conv.output, ref = fast
            VisionKernels.depthwiseConv2d(x, shape, weight: wt, bias: b, into: &fast)
            VisionReferenceKernels.depthwiseConv2d(x, shape, weight: wt, bias: b, into: &ref)
            XCTAssertLessThan(VisionFixtures.maxAbsDiff(fast, ref), 1e-5)
            XCTAssertFalse(fast.contains { $0.isNaN })
            if s == 1 {   // the row-tiled stride-1 path
                let tiles = VisionKernels.depthwiseTiles(weight: wt, shape)
                var tiled = [Float](repeating: .nan, count: n)
                VisionKernels.depthwiseConv2d(x, shape, weight: wt, bias: b, tiled: tiles, into: &tiled)
                XCTAssertLessThan(VisionFixtures.maxAbsDiff(tiled, ref), 1e-5)
            }

            let g = WindowGeometry(inH: h, inW: w, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padding: p)
            var pf = [Float](repeating: .nan, count: g.outH * g.outW * c), pr = pf
            VisionKernels.maxPool2d(x, inH: h, inW: w, channels: c, filterH: 2, filterW: 2, strideH: 2, strideW: 2, window: g, into: &pf)
            VisionReferenceKernels.maxPool2d(x, inH: h, inW: w, channels: c, filterH: 2, filterW: 2, strideH: 2, strideW: 2, window: g, into: &pr)
            XCTAssertEqual(pf, pr)
        }
    }

    func testPReLUAndActivations() {
        let x: [Float] = [-2, 1, -1, 3]
        var y = [Float](repeating: 0, count: 4)
        VisionKernels.prelu(x, pixels: 2, channels: 2, alpha: [0.5, 0.25], into: &y)
        XCTAssertEqual(y, [-1, 1, -0.5, 3])
        var z: [Float] = [-1, 3, 7]
        VisionKernels.activate(&z, count: 3, .relu6)
        XCTAssertEqual(z, [0, 3, 6])
    }
}
