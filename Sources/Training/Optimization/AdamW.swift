import Foundation

/// AdamW (Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019): Adam moments
/// with bias correction; weight decay applied to the weights directly, scaled by the learning rate.
public final class AdamW {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    public private(set) var step = 0
    var first: [String: [Float]] = [:]
    var second: [String: [Float]] = [:]

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    /// One update of every parameter from its gradient; `decay(p)` says whether p is decayed
    /// (weights yes, biases and norm scales usually not); `scale(p)` multiplies p's learning rate
    /// (nil: 1 for every parameter).
    public func update(_ parameters: [Parameter], learningRate baseRate: Float, decay: (Parameter) -> Bool = { $0.shape.count > 1 },
                       scale: ((Parameter) -> Float)? = nil) {
        step += 1
        let c1 = 1 - Float(pow(Double(beta1), Double(step))), c2 = 1 - Float(pow(Double(beta2), Double(step)))
        for p in parameters {
            var m = first[p.name] ?? [Float](repeating: 0, count: p.value.count)
            var v = second[p.name] ?? [Float](repeating: 0, count: p.value.count)
            let wd = decay(p) ? weightDecay : 0
            let lr = baseRate * (scale?(p) ?? 1)
            for i in p.value.indices {
                let g = p.grad[i]
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                let update = (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
                p.value[i] -= lr * (update + wd * p.value[i])
            }
            first[p.name] = m
            second[p.name] = v
        }
    }

    /// The optimizer state (moments and step) for checkpoints: name → values.
    public var state: [String: [Float]] {
        var out: [String: [Float]] = ["adamw.step": [Float(step)]]
        for (k, v) in first { out["adamw.m." + k] = v }
        for (k, v) in second { out["adamw.v." + k] = v }
        return out
    }

    public func restore(_ state: [String: [Float]]) {
        step = Int(state["adamw.step"]?.first ?? 0)
        first = [:]; second = [:]
        for (k, v) in state {
            if k.hasPrefix("adamw.m.") { first[String(k.dropFirst(8))] = v }
            if k.hasPrefix("adamw.v.") { second[String(k.dropFirst(8))] = v }
        }
    }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var sq: Double = 0
    for p in parameters { for g in p.grad { sq += Double(g) * Double(g) } }
    let norm = Float(sq.squareRoot())
    if norm > maxNorm && norm > 0 {
        let s = maxNorm / norm
        for p in parameters { for i in p.grad.indices { p.grad[i] *= s } }
    }
    return norm
}

/// Linear warm-up to `peak` over `warmup` steps, then cosine decay to `floor` at `total` steps.
public struct WarmupCosineSchedule: Sendable {
    public let peak: Float, floor: Float, warmup: Int, total: Int
    public init(peak: Float, floor: Float = 0, warmup: Int, total: Int) {
        self.peak = peak; self.floor = floor; self.warmup = warmup; self.total = total
    }

    /// The learning rate at (0-based) step `s`.
    public func rate(at s: Int) -> Float {
        if s < warmup { return peak * Float(s + 1) / Float(max(warmup, 1)) }
        let progress = min(Float(s - warmup) / Float(max(total - warmup, 1)), 1)
        return floor + (peak - floor) * 0.5 * (1 + cos(Float.pi * progress))
    }
}
