import Foundation

/// Fusion of the two encoders by cross-modal attention and a learned modality gate:
///   a' = a + Attn(Q_a·a, K_a·v, V_a·v),  v' = v + Attn(Q_v·v, K_v·a, V_v·a),
///   g = σ(G·[a'; v'] + b),  f = g∘a' + (1 − g)∘v'.
/// Each attention is causal and windowed: frame t's query sees the other modality's frames
/// t − W + 1 … t (W = `fusionWindow`), so audio and lips that are a little out of step (the lips
/// move before the sound) still meet, and the stream needs only the last W frames. With one
/// modality zeroed (modality dropout, or a missing camera) the other still reaches f through both
/// paths.
public final class CrossModalFusion {
    public let audioQuery: Linear, audioKey: Linear, audioValue: Linear
    public let videoQuery: Linear, videoKey: Linear, videoValue: Linear
    public let gate: Linear
    public let width: Int, depth: Int, window: Int

    public init(_ c: AVConfiguration, random r: inout SplitMix) {
        width = c.modelWidth; depth = c.attentionDepth; window = c.fusionWindow
        audioQuery = Linear(name: "fusion.audio_query", inFeatures: width, outFeatures: depth, random: &r)
        audioKey = Linear(name: "fusion.audio_key", inFeatures: width, outFeatures: depth, random: &r)
        audioValue = Linear(name: "fusion.audio_value", inFeatures: width, outFeatures: width, random: &r)
        videoQuery = Linear(name: "fusion.video_query", inFeatures: width, outFeatures: depth, random: &r)
        videoKey = Linear(name: "fusion.video_key", inFeatures: width, outFeatures: depth, random: &r)
        videoValue = Linear(name: "fusion.video_value", inFeatures: width, outFeatures: width, random: &r)
        gate = Linear(name: "fusion.gate", inFeatures: 2 * width, outFeatures: width, random: &r)
    }

    public var parameters: [Parameter] {
        [audioQuery, audioKey, audioValue, videoQuery, videoKey, videoValue, gate].flatMap(\.parameters)
    }

    public struct Cache {
        let a: [Float], v: [Float], audioAttention: DotProductAttention.Cache, videoAttention: DotProductAttention.Cache
        let a2: [Float], v2: [Float], joined: [Float], g: [Float]
    }

    /// `query` attends to `other` (both (T, d)) in the causal window: returns query + context.
    private func attend(_ query: [Float], _ other: [Float], frames t: Int, q: Linear, k: Linear, v: Linear)
        -> ([Float], DotProductAttention.Cache) {
        let w = window
        let (context, cache) = DotProductAttention.forward(
            q: q.forward(query, rows: t), k: k.forward(other, rows: t), v: v.forward(other, rows: t),
            queries: t, keys: t, depth: depth, valueDepth: width, window: { ($0 - w + 1)..<($0 + 1) })
        return (zip(query, context).map { $0 + $1 }, cache)
    }

    /// a, v: (T, d) → f: (T, d).
    public func forward(audio a: [Float], video v: [Float], frames t: Int) -> ([Float], Cache) {
        let d = width
        let (a2, ca) = attend(a, v, frames: t, q: audioQuery, k: audioKey, v: audioValue)    // (T, d)
        let (v2, cv) = attend(v, a, frames: t, q: videoQuery, k: videoKey, v: videoValue)    // (T, d)
        var joined = [Float](repeating: 0, count: t * 2 * d)                                // (T, 2d) = [a' | v']
        for f in 0..<t { for j in 0..<d { joined[f * 2 * d + j] = a2[f * d + j]; joined[f * 2 * d + d + j] = v2[f * d + j] } }
        let g = gate.forward(joined, rows: t).map(sigmoid)                                  // (T, d)
        var fused = [Float](repeating: 0, count: t * d)
        for i in fused.indices { fused[i] = g[i] * a2[i] + (1 - g[i]) * v2[i] }
        return (fused, Cache(a: a, v: v, audioAttention: ca, videoAttention: cv, a2: a2, v2: v2, joined: joined, g: g))
    }

    /// Accumulates the parameters' gradients; returns (da, dv).
    public func backward(_ dfused: [Float], cache c: Cache, frames t: Int) -> (da: [Float], dv: [Float]) {
        let d = width
        var dz = [Float](repeating: 0, count: t * d), da2 = dz, dv2 = dz
        for i in dz.indices {
            dz[i] = dfused[i] * (c.a2[i] - c.v2[i]) * c.g[i] * (1 - c.g[i])
            da2[i] = dfused[i] * c.g[i]; dv2[i] = dfused[i] * (1 - c.g[i])
        }
        let djoined = gate.backward(dz, x: c.joined, rows: t)
        for f in 0..<t { for j in 0..<d { da2[f * d + j] += djoined[f * 2 * d + j]; dv2[f * d + j] += djoined[f * 2 * d + d + j] } }
        var da = da2, dv = dv2                                                              // residual paths
        let (dqa, dka, dva) = DotProductAttention.backward(da2, cache: c.audioAttention, queries: t, keys: t, depth: depth, valueDepth: d)
        add(audioQuery.backward(dqa, x: c.a, rows: t), into: &da)
        add(audioKey.backward(dka, x: c.v, rows: t), into: &dv)
        add(audioValue.backward(dva, x: c.v, rows: t), into: &dv)
        let (dqv, dkv, dvv) = DotProductAttention.backward(dv2, cache: c.videoAttention, queries: t, keys: t, depth: depth, valueDepth: d)
        add(videoQuery.backward(dqv, x: c.v, rows: t), into: &dv)
        add(videoKey.backward(dkv, x: c.a, rows: t), into: &da)
        add(videoValue.backward(dvv, x: c.a, rows: t), into: &da)
        return (da, dv)
    }
}

@inline(__always) func add(_ x: [Float], into y: inout [Float]) { for i in y.indices { y[i] += x[i] } }
