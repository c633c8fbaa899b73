import Foundation

/// Connectionist temporal classification (Graves et al., ICML 2006) for one sequence: logits (T, V)
/// with class 0 the blank, labels without blanks. Forward–backward in log space (Double); returns
/// −log p(labels | x) and its gradient with respect to the logits (softmax included):
/// ∂/∂u_tk = y_tk − (1/p) Σ_{s: l'_s = k} α_t(s)·β_t(s) / y_tk, with α, β both including y_t(l'_s).
/// An impossible alignment (too many labels for T) gives an infinite loss and a zero gradient.
public enum CTCLoss {
    public static func lossAndGradient(logits: [Float], frames t: Int, classes v: Int, labels: [Int]) -> (loss: Double, gradient: [Float]) {
        var logY = [Double](repeating: 0, count: t * v)
        for f in 0..<t {
            var m = -Double.infinity
            for j in 0..<v { m = max(m, Double(logits[f * v + j])) }
            var sum: Double = 0
            for j in 0..<v { sum += exp(Double(logits[f * v + j]) - m) }
            let lz = m + log(sum)
            for j in 0..<v { logY[f * v + j] = Double(logits[f * v + j]) - lz }
        }
        var ext = [0]
        for l in labels { ext.append(l); ext.append(0) }
        let s = ext.count
        let neg = -Double.infinity
        func lse(_ a: Double, _ b: Double) -> Double {
            if a == neg { return b }
            if b == neg { return a }
            return max(a, b) + log1p(exp(-abs(a - b)))
        }
        guard t > 0 else { return (.infinity, [Float](repeating: 0, count: logits.count)) }
        var alpha = [Double](repeating: neg, count: t * s), beta = alpha
        alpha[0] = logY[ext[0]]
        if s > 1 { alpha[1] = logY[ext[1]] }
        for f in 1..<max(t, 1) where t > 1 {
            for i in 0..<s {
                var a = alpha[(f - 1) * s + i]
                if i >= 1 { a = lse(a, alpha[(f - 1) * s + i - 1]) }
                if i >= 2 && ext[i] != 0 && ext[i] != ext[i - 2] { a = lse(a, alpha[(f - 1) * s + i - 2]) }
                alpha[f * s + i] = a == neg ? neg : a + logY[f * v + ext[i]]
            }
        }
        let last = (t - 1) * s
        beta[last + s - 1] = logY[(t - 1) * v + ext[s - 1]]
        if s > 1 { beta[last + s - 2] = logY[(t - 1) * v + ext[s - 2]] }
        if t > 1 {
            for f in stride(from: t - 2, through: 0, by: -1) {
                for i in 0..<s {
                    var b = beta[(f + 1) * s + i]
                    if i + 1 < s { b = lse(b, beta[(f + 1) * s + i + 1]) }
                    if i + 2 < s && ext[i] != 0 && ext[i] != ext[i + 2] { b = lse(b, beta[(f + 1) * s + i + 2]) }
                    beta[f * s + i] = b == neg ? neg : b + logY[f * v + ext[i]]
                }
            }
        }
        var logP = alpha[last + s - 1]
        if s > 1 { logP = lse(logP, alpha[last + s - 2]) }
        var grad = [Float](repeating: 0, count: t * v)
        guard logP > neg else { return (.infinity, grad) }
        for f in 0..<t {
            var occupancy = [Double](repeating: neg, count: v)
            for i in 0..<s { occupancy[ext[i]] = lse(occupancy[ext[i]], alpha[f * s + i] + beta[f * s + i]) }
            for j in 0..<v {
                let y = exp(logY[f * v + j])
                let posterior = occupancy[j] == neg ? 0 : exp(occupancy[j] - logP - logY[f * v + j])
                grad[f * v + j] = Float(y - posterior)
            }
        }
        return (-logP, grad)
    }
}
