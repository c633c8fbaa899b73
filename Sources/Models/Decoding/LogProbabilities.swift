import Foundation
import Tensor

/// Soft-max helpers over one row of logits (nVocab), in Float as CTranslate2 computes them.
/// Disabled tokens hold -infinity. Whisper's decoders and the audio-visual model's CTC rows and
/// attention decoder share them.
public enum LogProbabilities {
    static let disabled = -Float.infinity

    /// log_softmax(x)[i] = x[i] - max - log Σ exp(x - max); the sum by `Kernels.sumExp`
    /// (vectorised; `naiveLogSoftmax` is the scalar reference the tests compare it with).
    public static func logSoftmax(_ x: [Float]) -> [Float] {
        guard let shift = normaliser(x) else { return x.map { _ in disabled } }
        return x.map { $0 - shift }
    }

    /// max + log Σ exp(x - max), what log_softmax subtracts; nil when every entry is disabled.
    static func normaliser(_ x: [Float]) -> Float? {
        let m = x.max() ?? 0
        guard m.isFinite else { return nil }
        let sum = x.withUnsafeBufferPointer { Kernels.sumExp($0.baseAddress!, count: $0.count, shift: m) }
        return m + logf(sum)
    }

    /// log_softmax by one scalar `expf` per entry, summed in order.
    static func naiveLogSoftmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        guard m.isFinite else { return x.map { _ in disabled } }
        var sum: Float = 0
        for v in x { sum += expf(v - m) }
        let shift = m + logf(sum)
        return x.map { $0 - shift }
    }

    /// log Σ exp(x[range]); -infinity for an empty or fully disabled range.
    static func logSumExp(_ x: [Float], _ range: Range<Int>) -> Float {
        guard !range.isEmpty else { return disabled }
        var m = -Float.infinity
        for i in range where x[i] > m { m = x[i] }
        guard m.isFinite else { return disabled }
        var sum: Float = 0
        for i in range { sum += expf(x[i] - m) }
        return m + logf(sum)
    }

    /// Index of the largest value (the first on ties); 0 for an empty row.
    public static func argmax(_ x: [Float]) -> Int {
        guard !x.isEmpty else { return 0 }
        var best = 0
        for i in 1..<x.count where x[i] > x[best] { best = i }
        return best
    }

    /// Probabilities (softmax) of `x`.
    static func softmax(_ x: [Float]) -> [Float] { logSoftmax(x).map { expf($0) } }

    /// Indices of the `k` largest values, largest first (ties: lower index first).
    static func topK(_ x: [Float], _ k: Int) -> [Int] {
        var heap: [(Float, Int)] = []   // kept sorted descending, at most k entries
        heap.reserveCapacity(k + 1)
        for (i, v) in x.enumerated() {
            if heap.count == k, let last = heap.last, !(v > last.0) { continue }
            var pos = heap.count
            while pos > 0 && heap[pos - 1].0 < v { pos -= 1 }
            heap.insert((v, i), at: pos)
            if heap.count > k { heap.removeLast() }
        }
        return heap.map(\.1)
    }
}
