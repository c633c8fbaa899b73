import Foundation

/// The CTC head's two other jobs besides its loss: the forced alignment (Viterbi best path through
/// blank-separated labels) that tells the attention decoder when each label was spoken, and the
/// greedy spikes that trigger the decoder while decoding.
public enum CTCAlignment {
    /// Log-softmax of each row of logits (T, V).
    public static func logSoftmax(_ logits: [Float], rows t: Int, classes v: Int) -> [Float] {
        var out = logits
        for f in 0..<t {
            var m = -Float.infinity
            for j in 0..<v { m = max(m, logits[f * v + j]) }
            var sum: Float = 0
            for j in 0..<v { sum += exp(logits[f * v + j] - m) }
            let lz = m + log(sum)
            for j in 0..<v { out[f * v + j] = logits[f * v + j] - lz }
        }
        return out
    }

    /// The time step (row of logits (T, V)) at which each label is first emitted on the most likely
    /// CTC path; nil when T is too short for the labels.
    public static func forcedAlignment(logits: [Float], steps t: Int, classes v: Int, labels: [Int]) -> [Int]? {
        guard t > 0 else { return nil }
        if labels.isEmpty { return [] }
        let logY = logSoftmax(logits, rows: t, classes: v)
        var ext = [0]
        for l in labels { ext.append(l); ext.append(0) }
        let s = ext.count, neg = -Float.infinity
        var score = [Float](repeating: neg, count: t * s)
        var from = [Int](repeating: -1, count: t * s)
        score[0] = logY[ext[0]]
        score[1] = logY[ext[1]]
        for f in 1..<t {
            for i in 0..<s {
                var best = score[(f - 1) * s + i], arg = i
                if i >= 1, score[(f - 1) * s + i - 1] > best { best = score[(f - 1) * s + i - 1]; arg = i - 1 }
                if i >= 2, ext[i] != 0, ext[i] != ext[i - 2], score[(f - 1) * s + i - 2] > best {
                    best = score[(f - 1) * s + i - 2]; arg = i - 2
                }
                guard best > neg else { continue }
                score[f * s + i] = best + logY[f * v + ext[i]]; from[f * s + i] = arg
            }
        }
        let last = (t - 1) * s
        var i = score[last + s - 1] >= score[last + s - 2] ? s - 1 : s - 2
        guard score[last + i] > neg else { return nil }
        var first = [Int](repeating: 0, count: labels.count)
        for f in stride(from: t - 1, through: 0, by: -1) {
            if i % 2 == 1 { first[i / 2] = f }                 // odd positions hold labels; keeps the earliest frame
            if f > 0 { i = from[f * s + i] }
        }
        return first
    }

    /// Greedy spikes of logits (T, V): (step, class) where the argmax changes to a non-blank class.
    public static func greedySpikes(logits: [Float], steps t: Int, classes v: Int) -> [(step: Int, label: Int)] {
        var out: [(Int, Int)] = [], previous = -1
        for f in 0..<t {
            var best = 0
            for j in 1..<v where logits[f * v + j] > logits[f * v + best] { best = j }
            if best != previous && best != 0 { out.append((f, best)) }
            previous = best
        }
        return out
    }
}
