import Foundation

/// Batch normalisation over channels: x: (N, C, S) (S = spatial size, 1 for vectors). Training uses
/// the batch's statistics and updates running ones; inference uses the running statistics, which
/// `folded` turns into a per-channel scale and shift (to fold into the preceding convolution).
public struct BatchNorm {
    public let gamma: Parameter
    public let beta: Parameter
    public var runningMean: [Float]
    public var runningVariance: [Float]
    public let momentum: Float
    public let epsilon: Float
    public var channels: Int { gamma.value.count }
    /// When non-nil, training forwards append their batch statistics (mean, unbiased variance per
    /// channel) here instead of updating the running ones; `applyRunningUpdate` applies them later,
    /// in the order of the batches, with the same arithmetic. The trainer's parallel clips use this
    /// so the running statistics come out as if the clips had run one after another.
    public var deferredUpdates: [(mean: [Float], variance: [Float])]?

    public init(name: String, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        gamma = Parameter(name: name + ".weight", constant: 1, count: channels)
        beta = Parameter(name: name + ".bias", constant: 0, count: channels)
        runningMean = [Float](repeating: 0, count: channels)
        runningVariance = [Float](repeating: 1, count: channels)
        self.momentum = momentum; self.epsilon = epsilon
    }

    public var parameters: [Parameter] { [gamma, beta] }

    /// What backward needs from a training-mode forward.
    public struct Cache { let normalised: [Float]; let inverseStd: [Float] }

    /// Training mode: y = γ·(x − μ_B)/σ_B + β; updates the running statistics.
    public mutating func forwardTraining(_ x: [Float], batch n: Int, spatial s: Int) -> ([Float], Cache) {
        let c = channels, m = Double(n * s)
        var xhat = [Float](repeating: 0, count: x.count), inv = [Float](repeating: 0, count: c)
        var y = xhat
        var means = [Float](repeating: 0, count: c), variances = means
        for ch in 0..<c {
            var sum: Double = 0, sq: Double = 0
            for b in 0..<n { for i in 0..<s { let v = Double(x[(b * c + ch) * s + i]); sum += v; sq += v * v } }
            let mean = sum / m, variance = max(sq / m - mean * mean, 0)
            let istd = Float(1 / (variance + Double(epsilon)).squareRoot())
            inv[ch] = istd
            for b in 0..<n {
                for i in 0..<s {
                    let j = (b * c + ch) * s + i
                    xhat[j] = (x[j] - Float(mean)) * istd
                    y[j] = gamma.value[ch] * xhat[j] + beta.value[ch]
                }
            }
            let unbiased = m > 1 ? variance * m / (m - 1) : variance
            means[ch] = Float(mean); variances[ch] = Float(unbiased)
        }
        if deferredUpdates != nil { deferredUpdates?.append((means, variances)) } else { applyRunningUpdate(mean: means, variance: variances) }
        return (y, Cache(normalised: xhat, inverseStd: inv))
    }

    /// running ← (1 − momentum)·running + momentum·batch, per channel.
    public mutating func applyRunningUpdate(mean: [Float], variance: [Float]) {
        for ch in 0..<channels {
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean[ch]
            runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * variance[ch]
        }
    }

    /// dx = (1/M)·σ⁻¹·(M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) with dx̂ = dy·γ; accumulates dγ, dβ.
    public func backward(_ dy: [Float], cache: Cache, batch n: Int, spatial s: Int) -> [Float] {
        let c = channels, m = Float(n * s)
        var dx = [Float](repeating: 0, count: dy.count)
        for ch in 0..<c {
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for b in 0..<n { for i in 0..<s { let j = (b * c + ch) * s + i; sumDy += dy[j]; sumDyXhat += dy[j] * cache.normalised[j] } }
            gamma.grad[ch] += sumDyXhat
            beta.grad[ch] += sumDy
            let g = gamma.value[ch] * cache.inverseStd[ch] / m
            for b in 0..<n {
                for i in 0..<s {
                    let j = (b * c + ch) * s + i
                    dx[j] = g * (m * dy[j] - sumDy - cache.normalised[j] * sumDyXhat)
                }
            }
        }
        return dx
    }

    /// Evaluation: the running statistics instead of the batch's.
    public func forwardInference(_ x: [Float], batch n: Int, spatial s: Int) -> [Float] {
        let (scale, shift) = folded
        var y = x
        for b in 0..<n { for ch in 0..<channels { for i in 0..<s { let j = (b * channels + ch) * s + i; y[j] = x[j] * scale[ch] + shift[ch] } } }
        return y
    }

    /// Inference: y = scale·x + shift per channel, from the running statistics.
    public var folded: (scale: [Float], shift: [Float]) {
        let scale = (0..<channels).map { gamma.value[$0] / (runningVariance[$0] + epsilon).squareRoot() }
        let shift = (0..<channels).map { beta.value[$0] - runningMean[$0] * scale[$0] }
        return (scale, shift)
    }
}
