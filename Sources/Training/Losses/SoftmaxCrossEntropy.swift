import Foundation

/// Mean cross-entropy of softmax(logits) against label-smoothed targets: the target distribution is
/// (1 − ε) on the label and ε/V spread over all V classes. Rows whose target is negative (padding)
/// are skipped. Returns the loss and d loss / d logits.
public enum SoftmaxCrossEntropy {
    public static func lossAndGradient(logits: [Float], rows: Int, classes v: Int, targets: [Int],
                                       smoothing eps: Float) -> (loss: Double, gradient: [Float]) {
        var grad = [Float](repeating: 0, count: logits.count)
        let counted = targets.prefix(rows).filter { $0 >= 0 }.count
        guard counted > 0 else { return (0, grad) }
        var loss: Double = 0
        for r in 0..<rows where targets[r] >= 0 {
            let row = r * v
            var m = -Float.infinity
            for j in 0..<v { m = max(m, logits[row + j]) }
            var sum: Double = 0
            for j in 0..<v { sum += exp(Double(logits[row + j] - m)) }
            let logZ = Double(m) + log(sum)
            for j in 0..<v {
                let logp = Double(logits[row + j]) - logZ
                let q = Double(eps) / Double(v) + (j == targets[r] ? Double(1 - eps) : 0)
                loss -= q * logp
                grad[row + j] = Float((exp(logp) - q) / Double(counted))
            }
        }
        return (loss / Double(counted), grad)
    }
}
