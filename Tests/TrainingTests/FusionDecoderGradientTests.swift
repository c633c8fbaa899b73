import Foundation
import XCTest
@testable import Training

/// Gradient checks of the fusion and decoder layers of issue 13's model (cross-modal windowed
/// attention with a modality gate; the GRU decoder with attention restricted to the frames seen),
/// and the CTC forced alignment that triggers the decoder, against brute force.
final class FusionDecoderGradientTests: XCTestCase {
    var random = SplitMix(seed: 77)

    func values(_ n: Int, _ scale: Float = 1) -> [Float] { (0..<n).map { _ in random.uniform(-scale, scale) } }
    func weighted(_ y: [Float], _ r: [Float]) -> Double { zip(y, r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    func check(_ label: String, _ p: Parameter, analytic: [Float], samples: Int = 20, step: Float = 1e-2,
               loss: () -> Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(analytic.count, p.value.count, label, file: file, line: line)
        let stride = max(1, p.value.count / samples)
        for i in Swift.stride(from: 0, to: p.value.count, by: stride) {
            let numeric = p.centralDifference(at: i, step: step) { loss() }, a = Double(analytic[i])
            if abs(a - numeric) > 5e-3 + 1e-2 * max(abs(a), abs(numeric)) {
                XCTFail("\(label)[\(i)]: analytic \(a), numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }

    func smallConfiguration() -> AVConfiguration {
        var c = AVConfiguration()
        c.modelWidth = 6; c.attentionDepth = 4; c.fusionWindow = 3; c.decoderHidden = 5; c.decoderEmbedding = 3
        return c
    }

    func testWindowedAttentionSeesOnlyItsWindow() {
        let t = 6, d = 3, dv = 2
        let q = Parameter(name: "q", shape: [t, d], value: values(t * d))
        let k = Parameter(name: "k", shape: [t, d], value: values(t * d))
        let v = Parameter(name: "v", shape: [t, dv], value: values(t * dv))
        let r = values(t * dv)
        let window = { (i: Int) in (i - 1)..<(i + 1) }
        func run() -> [Float] {
            DotProductAttention.forward(q: q.value, k: k.value, v: v.value, queries: t, keys: t, depth: d, valueDepth: dv, window: window).0
        }
        let (_, cache) = DotProductAttention.forward(q: q.value, k: k.value, v: v.value, queries: t, keys: t, depth: d, valueDepth: dv, window: window)
        let g = DotProductAttention.backward(r, cache: cache, queries: t, keys: t, depth: d, valueDepth: dv)
        check("windowed attention dq", q, analytic: g.dq) { self.weighted(run(), r) }
        check("windowed attention dk", k, analytic: g.dk) { self.weighted(run(), r) }
        check("windowed attention dv", v, analytic: g.dv) { self.weighted(run(), r) }
        // Changing a key outside query 4's window (keys 3, 4) leaves its output unchanged.
        let before = Array(run()[4 * dv..<5 * dv])
        for j in 0..<d { k.value[0 * d + j] += 1; k.value[5 * d + j] -= 1; v.value[2 * dv + (j % dv)] += 1 }
        XCTAssertEqual(Array(run()[4 * dv..<5 * dv]), before)
    }

    func testCrossModalFusion() {
        var r = SplitMix(seed: 5)
        let c = smallConfiguration(), t = 5, d = c.modelWidth
        let fusion = CrossModalFusion(c, random: &r)
        for p in fusion.parameters where p.name.hasSuffix(".bias") { p.value = values(p.value.count, 0.5) }
        let a = Parameter(name: "a", shape: [t, d], value: values(t * d))
        let v = Parameter(name: "v", shape: [t, d], value: values(t * d))
        let weights = values(t * d)
        let (_, cache) = fusion.forward(audio: a.value, video: v.value, frames: t)
        let (da, dv) = fusion.backward(weights, cache: cache, frames: t)
        let loss = { self.weighted(fusion.forward(audio: a.value, video: v.value, frames: t).0, weights) }
        check("fusion da", a, analytic: da, loss: loss)
        check("fusion dv", v, analytic: dv, loss: loss)
        for p in fusion.parameters { check("fusion " + p.name, p, analytic: p.grad, loss: loss) }
        // Causal: frame 2's output does not depend on frames 3 and 4 of either input.
        let before = Array(fusion.forward(audio: a.value, video: v.value, frames: t).0[0..<(3 * d)])
        for i in (3 * d)..<(t * d) { a.value[i] += 2; v.value[i] -= 2 }
        XCTAssertEqual(Array(fusion.forward(audio: a.value, video: v.value, frames: t).0[0..<(3 * d)]), before)
    }

    func testAttentionDecoderThroughTime() {
        var r = SplitMix(seed: 6)
        let c = smallConfiguration(), t = 6, d = c.modelWidth, classes = 7
        let decoder = AttentionDecoder(c, classes: classes, random: &r)
        let memory = Parameter(name: "memory", shape: [t, d], value: values(t * d))
        let labels = [3, 1, 4, 4], visible = [2, 3, 3, 6]
        let weights = values(labels.count * classes)
        let (_, cache) = decoder.forward(memory: memory.value, frames: t, labels: labels, visible: visible)
        let dmemory = decoder.backward(weights, cache: cache, frames: t)
        let loss = { self.weighted(decoder.forward(memory: memory.value, frames: t, labels: labels, visible: visible).0, weights) }
        check("decoder dmemory", memory, analytic: dmemory, samples: 36, loss: loss)
        for p in decoder.parameters { check("decoder " + p.name, p, analytic: p.grad, loss: loss) }
        // The first character reads only frames 0 and 1: later frames do not change its logits.
        let first = Array(decoder.forward(memory: memory.value, frames: t, labels: labels, visible: visible).0[0..<classes])
        for i in (2 * d)..<(t * d) { memory.value[i] += 3 }
        XCTAssertEqual(Array(decoder.forward(memory: memory.value, frames: t, labels: labels, visible: visible).0[0..<classes]), first)
    }

    /// The forced alignment is the best path: checked against every path of a tiny case.
    func testForcedAlignmentIsTheBestPath() {
        let t = 5, v = 4, labels = [2, 2, 3]
        for trial in 0..<5 {
            let logits = values(t * v, 3)
            let logY = CTCAlignment.logSoftmax(logits, rows: t, classes: v)
            var best = -Float.infinity, bestFirst: [Int] = []
            var path = [Int](repeating: 0, count: t)
            func visit(_ f: Int) {
                if f == t {
                    var collapsed: [Int] = [], firsts: [Int] = [], previous = -1
                    for (i, s) in path.enumerated() { if s != previous && s != 0 { collapsed.append(s); firsts.append(i) }; previous = s }
                    guard collapsed == labels else { return }
                    let score = path.enumerated().reduce(Float(0)) { $0 + logY[$1.offset * v + $1.element] }
                    if score > best { best = score; bestFirst = firsts }
                    return
                }
                for s in 0..<v { path[f] = s; visit(f + 1) }
            }
            visit(0)
            XCTAssertEqual(CTCAlignment.forcedAlignment(logits: logits, steps: t, classes: v, labels: labels), bestFirst, "trial \(trial)")
        }
        XCTAssertNil(CTCAlignment.forcedAlignment(logits: values(3 * v), steps: 3, classes: v, labels: [1, 1, 1]))
    }

    /// The whole model's joint loss (CTC + decoder cross-entropy through the fusion and both
    /// encoders) against finite differences, with one modality dropped too.
    func testJointLossGradientThroughTheWholeModel() {
        var c = smallConfiguration()
        c.modelWidth = 6; c.videoChannels1 = 2; c.videoChannels2 = 3; c.audioDilations = [1, 2]
        let model = AVModel(c, seed: 3)
        var r = SplitMix(seed: 9)
        let t = 4
        let e = AVExample(crops: (0..<(t * 4096)).map { _ in r.gaussian() }, mel: (0..<(t * 320)).map { _ in r.uniform(-1, 1) },
                          frames: t, labels: [3, 4, 3], text: "ab")
        for modality in [Modality.both, .audioOnly] {
            for p in model.parameters { p.zeroGrad() }
            model.step(e, modality: modality, train: true)
            for p in model.parameters where !(modality == .audioOnly && p.name.hasPrefix("video.")) {
                check("\(modality) " + p.name, p, analytic: p.grad, samples: 3, step: 1e-3) {
                    model.step(e, modality: modality, train: false, batchStatistics: true).loss
                }
            }
        }
    }
}
