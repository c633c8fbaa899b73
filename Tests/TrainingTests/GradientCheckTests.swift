import Foundation
import XCTest
@testable import Training

/// Every layer's and loss's backward pass against central finite differences of the forward pass.
/// The scalar checked is L = Σ y·R (R a fixed random array), summed in Double; the step is 1e-2 on
/// Float values, so the tolerance is |analytic − numeric| ≤ 5e-3 + 1e-2·max(|analytic|, |numeric|).
final class GradientCheckTests: XCTestCase {
    var random = SplitMix(seed: 2026)

    func values(_ n: Int, _ scale: Float = 1) -> [Float] { (0..<n).map { _ in random.uniform(-scale, scale) } }

    func weighted(_ y: [Float], _ r: [Float]) -> Double { zip(y, r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    /// The first coordinate where `analytic` (dL/dp) and central differences of `loss` over `p`'s
    /// values disagree beyond the tolerance, or nil.
    func mismatch(_ p: Parameter, analytic: [Float], samples: Int = 24, step: Float = 1e-2, loss: () -> Double) -> String? {
        guard analytic.count == p.value.count else { return "\(analytic.count) gradients for \(p.value.count) values" }
        let stride = max(1, p.value.count / samples)
        for i in Swift.stride(from: 0, to: p.value.count, by: stride) {
            let numeric = p.centralDifference(at: i, step: step) { loss() }
            let a = Double(analytic[i])
            if abs(a - numeric) > 5e-3 + 1e-2 * max(abs(a), abs(numeric)) {
                return "[\(i)]: analytic \(a), numeric \(numeric)"
            }
        }
        return nil
    }

    func check(_ label: String, _ p: Parameter, analytic: [Float], samples: Int = 24, step: Float = 1e-2,
               loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
        if let problem = mismatch(p, analytic: analytic, samples: samples, step: step, loss: loss) {
            XCTFail(label + problem, file: file, line: line)
        }
    }

    /// The check itself can fail: a gradient off by 5 %, or with one wrong entry, is caught.
    func testCheckCatchesWrongGradients() {
        let layer = Linear(name: "fc", inFeatures: 5, outFeatures: 4, random: &random)
        let x = Parameter(name: "x", shape: [3, 5], value: values(15))
        let r = values(12)
        _ = layer.backward(r, x: x.value, rows: 3)
        let loss = { self.weighted(layer.forward(x.value, rows: 3), r) }
        XCTAssertNil(mismatch(layer.weight, analytic: layer.weight.grad, samples: 100, loss: loss))
        XCTAssertNotNil(mismatch(layer.weight, analytic: layer.weight.grad.map { $0 * 1.05 }, samples: 100, loss: loss))
        var oneWrong = layer.weight.grad
        oneWrong[7] += 0.1
        XCTAssertNotNil(mismatch(layer.weight, analytic: oneWrong, samples: 100, loss: loss))
    }

    func testLinear() {
        let layer = Linear(name: "fc", inFeatures: 5, outFeatures: 4, random: &random)
        layer.bias.value = values(4)
        let x = Parameter(name: "x", shape: [3, 5], value: values(15))
        let r = values(12)
        let dx = layer.backward(r, x: x.value, rows: 3)
        let loss = { self.weighted(layer.forward(x.value, rows: 3), r) }
        check("linear dx", x, analytic: dx, loss: loss)
        check("linear dW", layer.weight, analytic: layer.weight.grad, loss: loss)
        check("linear db", layer.bias, analytic: layer.bias.grad, loss: loss)
    }

    func testReLU() {
        // Keep inputs away from the kink at 0.
        let x = Parameter(name: "x", shape: [20], value: values(20).map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 })
        let r = values(20)
        let dx = ReLU.backward(r, y: ReLU.forward(x.value))
        check("relu dx", x, analytic: dx) { self.weighted(ReLU.forward(x.value), r) }
    }

    func testConv2dStridedAndPadded() {
        let conv = Conv2d(name: "conv", inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 1, random: &random)
        conv.bias?.value = values(3)
        let x = Parameter(name: "x", shape: [2, 7, 6], value: values(2 * 7 * 6))
        let (ho, wo) = conv.outputSize(7, 6)
        XCTAssertEqual(ho, 4); XCTAssertEqual(wo, 3)
        let r = values(3 * ho * wo)
        let dx = conv.backward(r, x: x.value, height: 7, width: 6)
        let loss = { self.weighted(conv.forward(x.value, height: 7, width: 6), r) }
        check("conv2d dx", x, analytic: dx, loss: loss)
        check("conv2d dW", conv.weight, analytic: conv.weight.grad, loss: loss)
        check("conv2d db", conv.bias!, analytic: conv.bias!.grad, loss: loss)
    }

    func testConv2dMatchesDirectConvolution() {
        let conv = Conv2d(name: "conv", inChannels: 2, outChannels: 2, kernel: 3, stride: 1, padding: 1, bias: false, random: &random)
        let x = values(2 * 5 * 4)
        let y = conv.forward(x, height: 5, width: 4)
        for o in 0..<2 { for oy in 0..<5 { for ox in 0..<4 {
            var acc: Float = 0
            for c in 0..<2 { for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy - 1 + ky, ix = ox - 1 + kx
                if iy >= 0 && iy < 5 && ix >= 0 && ix < 4 { acc += conv.weight.value[o * 18 + c * 9 + ky * 3 + kx] * x[(c * 5 + iy) * 4 + ix] }
            } } }
            XCTAssertEqual(y[(o * 5 + oy) * 4 + ox], acc, accuracy: 1e-5)
        } } }
    }

    func testBatchNormTraining() {
        var bn = BatchNorm(name: "bn", channels: 3)
        bn.gamma.value = values(3).map { $0 + 1.5 }
        bn.beta.value = values(3)
        let x = Parameter(name: "x", shape: [4, 3, 5], value: values(60, 2))
        let r = values(60)
        let (_, cache) = bn.forwardTraining(x.value, batch: 4, spatial: 5)
        let dx = bn.backward(r, cache: cache, batch: 4, spatial: 5)
        let loss = { () -> Double in var b = bn; return self.weighted(b.forwardTraining(x.value, batch: 4, spatial: 5).0, r) }
        check("batchnorm dx", x, analytic: dx, step: 1e-2, loss: loss)
        check("batchnorm dγ", bn.gamma, analytic: bn.gamma.grad, loss: loss)
        check("batchnorm dβ", bn.beta, analytic: bn.beta.grad, loss: loss)
    }

    func testCausalDilatedConv1dAndGatedActivation() {
        let conv = CausalConv1d(name: "wave", inChannels: 3, outChannels: 4, kernel: 2, dilation: 2, random: &random)
        conv.bias.value = values(4)
        let t = 7
        let x = Parameter(name: "x", shape: [t, 3], value: values(t * 3))
        let r = values(t * 2)
        // conv (T, 4) -> gate (T, 2) -> Σ·R
        let pre = conv.forward(x.value, frames: t)
        let dpre = GatedActivation.backward(r, x: pre, frames: t, channels: 2)
        let dx = conv.backward(dpre, x: x.value, frames: t)
        let loss = { self.weighted(GatedActivation.forward(conv.forward(x.value, frames: t), frames: t, channels: 2), r) }
        check("causal conv dx", x, analytic: dx, loss: loss)
        check("causal conv dW", conv.weight, analytic: conv.weight.grad, loss: loss)
        check("causal conv db", conv.bias, analytic: conv.bias.grad, loss: loss)
        // Causality: changing frame 4 changes no output before frame 4.
        var x2 = x.value
        x2[4 * 3] += 1
        let a = conv.forward(x.value, frames: t), b = conv.forward(x2, frames: t)
        XCTAssertEqual(Array(a[0..<16]), Array(b[0..<16]))
        XCTAssertNotEqual(Array(a[16..<20]), Array(b[16..<20]))
    }

    func testGRUCell() {
        let cell = GRUCell(name: "gru", inputSize: 3, hiddenSize: 4, random: &random)
        let x = Parameter(name: "x", shape: [2, 3], value: values(6))
        let h = Parameter(name: "h", shape: [2, 4], value: values(8))
        let r = values(8)
        let (_, cache) = cell.forward(x.value, hidden: h.value, rows: 2)
        let (dx, dh) = cell.backward(r, cache: cache, rows: 2)
        let loss = { self.weighted(cell.forward(x.value, hidden: h.value, rows: 2).0, r) }
        check("gru dx", x, analytic: dx, loss: loss)
        check("gru dh", h, analytic: dh, loss: loss)
        for p in cell.parameters { check("gru " + p.name, p, analytic: p.grad, loss: loss) }
    }

    func testMaskedAttention() {
        let t = 5, d = 4, dv = 3
        let q = Parameter(name: "q", shape: [t, d], value: values(t * d))
        let k = Parameter(name: "k", shape: [t, d], value: values(t * d))
        let v = Parameter(name: "v", shape: [t, dv], value: values(t * dv))
        let r = values(t * dv)
        let visible = { (i: Int) in i + 1 }
        let (_, cache) = DotProductAttention.forward(q: q.value, k: k.value, v: v.value, queries: t, keys: t, depth: d, valueDepth: dv, visible: visible)
        let grads = DotProductAttention.backward(r, cache: cache, queries: t, keys: t, depth: d, valueDepth: dv)
        let loss = { self.weighted(DotProductAttention.forward(q: q.value, k: k.value, v: v.value, queries: t, keys: t, depth: d, valueDepth: dv, visible: visible).0, r) }
        check("attention dq", q, analytic: grads.dq, loss: loss)
        check("attention dk", k, analytic: grads.dk, loss: loss)
        check("attention dv", v, analytic: grads.dv, loss: loss)
        // A query sees no later key: the last key's gradient comes only from the last query.
        let firstRowOnly = DotProductAttention.forward(q: q.value, k: k.value, v: v.value, queries: t, keys: t, depth: d, valueDepth: dv, visible: visible).0
        XCTAssertEqual(Array(firstRowOnly[0..<dv]), Array(v.value[0..<dv]))
    }

    func testSoftmaxCrossEntropyWithLabelSmoothing() {
        let logits = Parameter(name: "logits", shape: [4, 6], value: values(24, 3))
        let targets = [2, -1, 5, 0]
        let (loss0, grad) = SoftmaxCrossEntropy.lossAndGradient(logits: logits.value, rows: 4, classes: 6, targets: targets, smoothing: 0.1)
        XCTAssertGreaterThan(loss0, 0)
        XCTAssertEqual(Array(grad[6..<12]), [Float](repeating: 0, count: 6), "the padded row has no gradient")
        check("cross-entropy dlogits", logits, analytic: grad, step: 1e-3) {
            SoftmaxCrossEntropy.lossAndGradient(logits: logits.value, rows: 4, classes: 6, targets: targets, smoothing: 0.1).loss
        }
    }

    func testCTCLoss() {
        let t = 8, v = 5
        let logits = Parameter(name: "logits", shape: [t, v], value: values(t * v, 2))
        let labels = [1, 3, 3, 2]  // a repeated label needs a blank between
        let (loss, grad) = CTCLoss.lossAndGradient(logits: logits.value, frames: t, classes: v, labels: labels)
        XCTAssertTrue(loss.isFinite && loss > 0)
        check("ctc dlogits", logits, analytic: grad, step: 1e-3) {
            CTCLoss.lossAndGradient(logits: logits.value, frames: t, classes: v, labels: labels).loss
        }
        // Brute force on a tiny case: p(labels) = Σ over all paths that collapse to the labels.
        let tt = 3, vv = 3
        let small = values(tt * vv, 2)
        var total: Double = 0
        for a in 0..<vv { for b in 0..<vv { for c in 0..<vv {
            var collapsed: [Int] = []
            var previous = -1
            for s in [a, b, c] { if s != previous && s != 0 { collapsed.append(s) }; previous = s }
            guard collapsed == [1, 2] else { continue }
            var p: Double = 1
            for (f, s) in [a, b, c].enumerated() {
                let row = (0..<vv).map { Double(small[f * vv + $0]) }
                p *= exp(row[s]) / row.map(exp).reduce(0, +)
            }
            total += p
        } } }
        XCTAssertEqual(CTCLoss.lossAndGradient(logits: small, frames: tt, classes: vv, labels: [1, 2]).loss, -log(total), accuracy: 1e-9)
        // Too many labels for the frames: infinite loss, no gradient.
        XCTAssertEqual(CTCLoss.lossAndGradient(logits: small, frames: tt, classes: vv, labels: [1, 1, 1]).loss, .infinity)
    }

    func testAdamWClippingAndSchedule() {
        // AdamW on f(w) = Σ (w − 3)² reaches the minimum; decay pulls slightly toward 0.
        let w = Parameter(name: "w", shape: [2, 2], value: [0, 1, -1, 5])
        let opt = AdamW(weightDecay: 0)
        for _ in 0..<2000 {
            for i in w.value.indices { w.grad[i] = 2 * (w.value[i] - 3) }
            opt.update([w], learningRate: 0.05)
        }
        for v in w.value { XCTAssertEqual(v, 3, accuracy: 1e-2) }
        // Restored state continues identically.
        let a = Parameter(name: "a", shape: [2, 1], value: [1, 2]), b = Parameter(name: "a", shape: [2, 1], value: [1, 2])
        let o1 = AdamW(), o2 = AdamW()
        a.grad = [0.5, -0.25]; o1.update([a], learningRate: 0.1)
        b.grad = [0.5, -0.25]; o2.update([b], learningRate: 0.1)
        let o3 = AdamW(); o3.restore(o1.state)
        a.grad = [0.1, 0.2]; o3.update([a], learningRate: 0.1)
        b.grad = [0.1, 0.2]; o2.update([b], learningRate: 0.1)
        XCTAssertEqual(a.value, b.value)
        // A per-parameter learning-rate scale (the video branch's): the first Adam step moves each
        // weight by lr·scale (m̂/√v̂ = sign g); scale 1 is the plain update.
        let video = Parameter(name: "video.w", shape: [2], value: [1, 1]), audio = Parameter(name: "audio.w", shape: [2], value: [1, 1])
        let plain = Parameter(name: "audio.w", shape: [2], value: [1, 1])
        let o4 = AdamW(weightDecay: 0), o5 = AdamW(weightDecay: 0)
        video.grad = [0.5, -2]; audio.grad = [0.5, -2]; plain.grad = [0.5, -2]
        o4.update([video, audio], learningRate: 0.1, scale: { $0.name.hasPrefix("video.") ? 3 : 1 })
        o5.update([plain], learningRate: 0.1)
        XCTAssertEqual(video.value[0], 1 - 0.3, accuracy: 1e-5); XCTAssertEqual(video.value[1], 1 + 0.3, accuracy: 1e-5)
        XCTAssertEqual(audio.value, plain.value)
        // Clipping.
        let g = Parameter(name: "g", shape: [2], value: [0, 0])
        g.grad = [3, 4]
        XCTAssertEqual(clipGradientNorm([g], maxNorm: 1), 5)
        XCTAssertEqual(g.grad[0], 0.6, accuracy: 1e-6); XCTAssertEqual(g.grad[1], 0.8, accuracy: 1e-6)
        // Warm-up then cosine.
        let s = WarmupCosineSchedule(peak: 1e-3, floor: 1e-5, warmup: 10, total: 110)
        XCTAssertEqual(s.rate(at: 0), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 9), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(s.rate(at: 60), (1e-3 + 1e-5) / 2, accuracy: 1e-7)
        XCTAssertEqual(s.rate(at: 110), 1e-5, accuracy: 1e-9)
        // Dropout keeps the expectation.
        var r = SplitMix(seed: 1)
        let mask = Dropout(probability: 0.25).mask(count: 40_000, random: &r)
        XCTAssertEqual(mask.reduce(0, +) / 40_000, 1, accuracy: 0.02)
    }
}
