import Foundation

/// The WaveNet-style audio encoder: log-mel frames stacked 4 at a time (40 ms, the video rate) and
/// projected to the model width, then gated dilated causal conv layers (kernel 2), each with a
/// residual path (h += res(g)) and a skip path (s += skip(g)); the output is ReLU(Σ skips).
public final class AudioFrontend {
    public let input: Linear
    public let convs: [CausalConv1d]
    public let residuals: [Linear]
    public let skips: [Linear]
    let width: Int

    public init(_ c: AVConfiguration, random r: inout SplitMix) {
        width = c.modelWidth
        input = Linear(name: "audio.input", inFeatures: c.melBins * c.melFramesPerVideoFrame, outFeatures: c.modelWidth, random: &r)
        var convs: [CausalConv1d] = [], residuals: [Linear] = [], skips: [Linear] = []
        for (i, d) in c.audioDilations.enumerated() {
            convs.append(CausalConv1d(name: "audio.layer\(i).conv", inChannels: c.modelWidth, outChannels: 2 * c.modelWidth,
                                      kernel: 2, dilation: d, random: &r))
            residuals.append(Linear(name: "audio.layer\(i).res", inFeatures: c.modelWidth, outFeatures: c.modelWidth, random: &r))
            skips.append(Linear(name: "audio.layer\(i).skip", inFeatures: c.modelWidth, outFeatures: c.modelWidth, random: &r))
        }
        self.convs = convs; self.residuals = residuals; self.skips = skips
    }

    public var parameters: [Parameter] {
        input.parameters + convs.flatMap(\.parameters) + residuals.flatMap(\.parameters) + skips.flatMap(\.parameters)
    }

    public struct Cache { let x: [Float], hs: [[Float]], pres: [[Float]], gates: [[Float]], out: [Float] }

    /// mel: (T, 4·80) (four 10-ms frames per row) → (T, width).
    public func forward(_ mel: [Float], frames t: Int) -> ([Float], Cache) {
        var h = input.forward(mel, rows: t)                                          // (T, d)
        var skip = [Float](repeating: 0, count: t * width)
        var hs: [[Float]] = [], pres: [[Float]] = [], gates: [[Float]] = []
        for i in convs.indices {
            hs.append(h)
            let pre = convs[i].forward(h, frames: t)                                 // (T, 2d)
            let g = GatedActivation.forward(pre, frames: t, channels: width)         // (T, d)
            pres.append(pre); gates.append(g)
            let res = residuals[i].forward(g, rows: t), sk = skips[i].forward(g, rows: t)
            for j in h.indices { h[j] += res[j]; skip[j] += sk[j] }
        }
        let out = ReLU.forward(skip)
        return (out, Cache(x: mel, hs: hs, pres: pres, gates: gates, out: out))
    }

    public func backward(_ dout: [Float], cache c: Cache, frames t: Int) {
        let dskip = ReLU.backward(dout, y: c.out)
        var dh = [Float](repeating: 0, count: t * width)                             // gradient into h after the last layer
        for i in convs.indices.reversed() {
            var dg = skips[i].backward(dskip, x: c.gates[i], rows: t)
            let dgRes = residuals[i].backward(dh, x: c.gates[i], rows: t)
            for j in dg.indices { dg[j] += dgRes[j] }
            let dpre = GatedActivation.backward(dg, x: c.pres[i], frames: t, channels: width)
            let dhConv = convs[i].backward(dpre, x: c.hs[i], frames: t)
            for j in dh.indices { dh[j] += dhConv[j] }                               // h_i feeds h_{i+1} and the conv
        }
        _ = input.backward(dh, x: c.x, rows: t)
    }
}
