import Tensor

/// Whisper's audio encoder: conv1 (k3, s1) + GELU, conv2 (k3, s2) + GELU, sinusoidal positions,
/// `layers` residual blocks, final layer norm. CTranslate2 names under `encoder/`.
struct AudioEncoder {
    let melBins: Int
    let width: Int
    let contextLength: Int
    let conv1Weight: Tensor   // (d, nMels, 3)
    let conv1Bias: Tensor     // (d)
    let conv2Weight: Tensor   // (d, d, 3)
    let conv2Bias: Tensor     // (d)
    let positions: Tensor     // (nAudioCtx, d)
    let blocks: [ResidualAttentionBlock]
    let finalNorm: LayerNormLayer

    init(_ w: WeightStore, dims: WhisperDimensions) throws {
        let d = dims.nAudioState
        melBins = dims.nMels
        width = d
        contextLength = dims.nAudioCtx
        conv1Weight = try w.take("encoder/conv1/weight", shape: [d, dims.nMels, 3])
        conv1Bias = try w.take("encoder/conv1/bias", shape: [d])
        conv2Weight = try w.take("encoder/conv2/weight", shape: [d, d, 3])
        conv2Bias = try w.take("encoder/conv2/bias", shape: [d])
        positions = try w.take("encoder/position_encodings/encodings", shape: [dims.nAudioCtx, d])
        blocks = try (0..<dims.nAudioLayer).map {
            try ResidualAttentionBlock(w, prefix: "encoder/layer_\($0)", width: d, heads: dims.nAudioHead,
                                       crossAttention: false)
        }
        finalNorm = try LayerNormLayer(w, "encoder/layer_norm", width: d)
    }

    /// mel: (nMels, frames) row-major, frames even and ≤ 2·nAudioCtx -> (frames / 2, d).
    func callAsFunction(_ mel: UnsafePointer<Float>, frames: Int) -> [Float] {
        let d = width, t = frames / 2
        let ws = ForwardWorkspace(width: d)
        ws.reserve(rows: t, keys: t)   // the blocks run on the T = frames / 2 positions (conv scratch is separate)
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: frames * max(melBins, d) * 3)
        defer { columns.deallocate() }
        let conv1Out = UnsafeMutablePointer<Float>.allocate(capacity: frames * d)
        defer { conv1Out.deallocate() }
        var x = [Float](repeating: 0, count: t * d)
        conv1Weight.data.withUnsafeBufferPointer { w1 in
            conv1Bias.data.withUnsafeBufferPointer { b1 in
                // mel (nMels, F) -> conv1 (F, d)
                Kernels.conv1d(mel, layout: .channelsFirst, inChannels: melBins, length: frames,
                               weight: w1.baseAddress!, bias: b1.baseAddress!, outChannels: d, kernel: 3,
                               stride: 1, padding: 1, columns: columns, into: conv1Out)
            }
        }
        Kernels.gelu(conv1Out, count: frames * d)
        x.withUnsafeMutableBufferPointer { xb in
            let xp = xb.baseAddress!
            conv2Weight.data.withUnsafeBufferPointer { w2 in
                conv2Bias.data.withUnsafeBufferPointer { b2 in
                    // (F, d) -> conv2 stride 2 -> x: (T = F/2, d)
                    Kernels.conv1d(conv1Out, layout: .timeFirst, inChannels: d, length: frames,
                                   weight: w2.baseAddress!, bias: b2.baseAddress!, outChannels: d, kernel: 3,
                                   stride: 2, padding: 1, columns: columns, into: xp)
                }
            }
            Kernels.gelu(xp, count: t * d)
            // x += positions[0..<T] (reduced audio context: the embedding is sliced)
            positions.data.withUnsafeBufferPointer { Kernels.add(xp, $0.baseAddress!, count: t * d) }
            for block in blocks { block.encode(xp, rows: t, ws) }   // x: (T, d)
            finalNorm(xp, rows: t, into: xp)
        }
        return x
    }
}
