import Foundation

/// Temporal context for the video branch: the per-frame CNN sees one 40-ms crop, but a viseme is a
/// movement over several frames (a /p/ is lips closing then opening). A stack of gated causal
/// convolutions over the per-frame features, each with a residual path:
///   h₀ = x,  g_i = tanh(F_i ∗ h_i) · σ(G_i ∗ h_i),  h_{i+1} = h_i + R_i·g_i,  y = h_L,
/// where ∗ is a causal conv of kernel K and dilation d_i over time (`CausalConv1d`, d → 2d). Output
/// frame t sees input frames t − Σ(K − 1)·d_i … t, so `Models.AVStream` runs it one frame at a time
/// keeping each layer's last (K − 1)·d_i inputs. Configured by `AVConfiguration.videoTemporalDilations`
/// (empty: no stack) and `videoTemporalKernel`; parameters `video.temporal.layerI.{conv,res}`.
public final class VideoTemporalStack {
    public let convs: [CausalConv1d]
    public let residuals: [Linear]
    let width: Int

    public init(_ c: AVConfiguration, random r: inout SplitMix) {
        width = c.modelWidth
        var convs: [CausalConv1d] = [], residuals: [Linear] = []
        for (i, d) in c.videoTemporalDilations.enumerated() {
            convs.append(CausalConv1d(name: "video.temporal.layer\(i).conv", inChannels: c.modelWidth, outChannels: 2 * c.modelWidth,
                                      kernel: c.videoTemporalKernel, dilation: d, random: &r))
            residuals.append(Linear(name: "video.temporal.layer\(i).res", inFeatures: c.modelWidth, outFeatures: c.modelWidth, random: &r))
        }
        self.convs = convs; self.residuals = residuals
    }

    public var parameters: [Parameter] { convs.flatMap(\.parameters) + residuals.flatMap(\.parameters) }

    public struct Cache { let hs: [[Float]], pres: [[Float]], gates: [[Float]] }

    /// x: (T, d) per-frame video features → (T, d).
    public func forward(_ x: [Float], frames t: Int) -> ([Float], Cache) {
        var h = x
        var hs: [[Float]] = [], pres: [[Float]] = [], gates: [[Float]] = []
        for i in convs.indices {
            hs.append(h)
            let pre = convs[i].forward(h, frames: t)                                  // (T, d) -> (T, 2d)
            let g = GatedActivation.forward(pre, frames: t, channels: width)          // (T, d)
            let res = residuals[i].forward(g, rows: t)                                // (T, d)
            for j in h.indices { h[j] += res[j] }
            pres.append(pre); gates.append(g)
        }
        return (h, Cache(hs: hs, pres: pres, gates: gates))
    }

    /// Accumulates the parameters' gradients; returns d x: (T, d).
    public func backward(_ dy: [Float], cache c: Cache, frames t: Int) -> [Float] {
        var dh = dy                                                                   // d h_{i+1}
        for i in convs.indices.reversed() {
            let dg = residuals[i].backward(dh, x: c.gates[i], rows: t)
            let dpre = GatedActivation.backward(dg, x: c.pres[i], frames: t, channels: width)
            let dhConv = convs[i].backward(dpre, x: c.hs[i], frames: t)
            for j in dh.indices { dh[j] += dhConv[j] }                                // h_i feeds h_{i+1} and the conv
        }
        return dh
    }
}
