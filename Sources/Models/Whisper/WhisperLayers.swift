import Tensor

/// A linear layer y = x·Wᵀ + b with weights taken from a checkpoint (W: (out, in), b: (out)).
/// With `halfPrecision` (the decoder, which reads every weight once per token) W is kept as a
/// `HalfMatrix` when the checkpoint's values allow it exactly; otherwise in float32. A store that
/// holds W in 8 bits (`ComputeType.int8`, an int8 checkpoint) gives an `Int8Matrix` instead; one
/// that asks for bfloat16 products (`ComputeType.bfloat16` with AMX) gives the layers that are not
/// in half precision (the encoder's) a `BFloat16Matrix` instead of their float32 weights.
struct LinearLayer {
    let weight: Tensor            // (out, in) float32; empty when `half`, `int8` or `bf16` holds the weights
    let half: HalfMatrix?
    let int8: Int8Matrix?         // 8-bit weights (`ComputeType.int8` or an int8 checkpoint)
    let bf16: BFloat16Matrix?     // the weights rounded for AMX tiles (`ComputeType.bfloat16`)
    let bias: Tensor?
    let inFeatures: Int
    let outFeatures: Int

    init(_ w: WeightStore, _ prefix: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true,
         halfPrecision: Bool = false) throws {
        let shape = [outFeatures, inFeatures]
        int8 = w.isInt8(prefix + "/weight") ? try w.takeInt8(prefix + "/weight", shape: shape) : nil
        let halves = halfPrecision && w.allowsHalfPrecision && int8 == nil
        if int8 != nil {
            (half, bf16) = (nil, nil)
            weight = Tensor(zeros: [0])
        } else if halves, let stored = try w.takeHalf(prefix + "/weight", shape: shape) {
            (half, bf16) = (stored, nil)  // float16 in the file: its bits as they are, no round trip
            weight = Tensor(zeros: [0])
        } else if !halfPrecision, w.bfloat16Matrices {
            half = nil
            bf16 = try BFloat16Matrix(try w.take(prefix + "/weight", shape: shape))
            weight = Tensor(zeros: [0])
        } else {
            let full = try w.take(prefix + "/weight", shape: shape)
            half = halves ? HalfMatrix(exactly: full) : nil
            bf16 = nil
            weight = half == nil ? full : Tensor(zeros: [0])
        }
        self.bias = bias ? try w.take(prefix + "/bias", shape: [outFeatures]) : nil
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// y (rows, out) = x (rows, in) · Wᵀ + b
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        withBias { b in
            if let int8 { return int8.linear(x, rows: rows, bias: b, into: y) }
            if let half { return half.linear(x, rows: rows, bias: b, into: y) }
            // The tiles (the encoder); a portable kernel over the same weights if they decline.
            if let bf16 { bf16.linear(x, rows: rows, bias: b, into: y); return }
            weight.data.withUnsafeBufferPointer { wb in
                guard let w = wb.baseAddress else { return }
                Kernels.linear(x, rows: rows, inFeatures: inFeatures, weight: w, outFeatures: outFeatures, bias: b, into: y)
            }
        }
    }

    /// Runs `body` with the bias (out) as a pointer, nil for a layer without one.
    func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.data.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}

/// Layer normalisation over the last dimension (gamma, beta: (width)), epsilon 1e-5 as Whisper.
struct LayerNormLayer {
    let gamma: Tensor
    let beta: Tensor
    let width: Int

    init(_ w: WeightStore, _ prefix: String, width: Int) throws {
        gamma = try w.take(prefix + "/gamma", shape: [width])
        beta = try w.take(prefix + "/beta", shape: [width])
        self.width = width
    }

    /// y (rows, width) = LN(x (rows, width)); x and y may alias.
    func callAsFunction(_ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>) {
        gamma.data.withUnsafeBufferPointer { g in
            beta.data.withUnsafeBufferPointer { b in
                Kernels.layerNorm(x, rows: rows, width: width, gamma: g.baseAddress!, beta: b.baseAddress!, into: y)
            }
        }
    }
}

/// Scratch buffers of one forward pass, grown on demand and reused across steps, so the per-token
/// loop does not allocate. Owned by one encoder call or one decoder session at a time.
final class ForwardWorkspace {
    private(set) var rows = 0
    private(set) var scoreCapacity = 0
    let width: Int
    private(set) var stream: UnsafeMutablePointer<Float>      // (rows, d) residual stream (decoder)
    private(set) var normed: UnsafeMutablePointer<Float>      // (rows, d)
    private(set) var qkv: UnsafeMutablePointer<Float>         // (rows, 3d)
    private(set) var attended: UnsafeMutablePointer<Float>    // (rows, d)
    private(set) var hidden: UnsafeMutablePointer<Float>      // (rows, 4d)
    private(set) var scores: UnsafeMutablePointer<Float>      // (rows, keys)

    init(width: Int) {
        self.width = width
        stream = .allocate(capacity: 1); normed = .allocate(capacity: 1); qkv = .allocate(capacity: 1); attended = .allocate(capacity: 1)
        hidden = .allocate(capacity: 1); scores = .allocate(capacity: 1)
    }

    /// Makes room for `rows` query rows attending to `keys` keys.
    func reserve(rows newRows: Int, keys: Int) {
        if newRows > rows {
            for p in [stream, normed, qkv, attended, hidden] { p.deallocate() }
            stream = .allocate(capacity: newRows * width)
            normed = .allocate(capacity: newRows * width)
            qkv = .allocate(capacity: newRows * 3 * width)
            attended = .allocate(capacity: newRows * width)
            hidden = .allocate(capacity: newRows * 4 * width)
            rows = newRows
        }
        let need = Attention.scratchCount(queries: newRows, keys: keys)
        if need > scoreCapacity {
            scores.deallocate()
            scores = .allocate(capacity: need)
            scoreCapacity = need
        }
    }

    deinit { for p in [stream, normed, qkv, attended, hidden, scores] { p.deallocate() } }
}
