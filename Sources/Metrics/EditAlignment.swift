/// One step of a reference → hypothesis alignment (indices into the token arrays).
public enum AlignmentOp: Equatable, Codable {
    case equal(ref: Int, hyp: Int)
    case substitute(ref: Int, hyp: Int)
    case delete(ref: Int)
    case insert(hyp: Int)
}

/// Substitution, deletion, insertion and hit counts of an alignment.
public struct EditCounts: Equatable, Codable {
    public var substitutions = 0, deletions = 0, insertions = 0, hits = 0
    public init(substitutions: Int = 0, deletions: Int = 0, insertions: Int = 0, hits: Int = 0) {
        self.substitutions = substitutions; self.deletions = deletions
        self.insertions = insertions; self.hits = hits
    }
    public var errors: Int { substitutions + deletions + insertions }
    /// Reference length (hits + substitutions + deletions).
    public var referenceLength: Int { hits + substitutions + deletions }
    public var hypothesisLength: Int { hits + substitutions + insertions }
    /// Error rate as jiwer defines it: errors / reference length; with an empty reference, the insertion count.
    public var rate: Double {
        referenceLength == 0 ? Double(insertions) : Double(errors) / Double(referenceLength)
    }
    public static func + (a: EditCounts, b: EditCounts) -> EditCounts {
        EditCounts(substitutions: a.substitutions + b.substitutions, deletions: a.deletions + b.deletions,
                   insertions: a.insertions + b.insertions, hits: a.hits + b.hits)
    }
}

/// Minimum-edit alignment with the same tie-breaking as rapidfuzz's Levenshtein.editops (which jiwer
/// uses): the common prefix and suffix are matched first, then the full DP matrix of the middle is
/// walked back from the end preferring deletion, then insertion, then the diagonal.
public struct EditAlignment: Equatable {
    public let ops: [AlignmentOp]
    public let counts: EditCounts

    public init<T: Equatable>(reference ref: [T], hypothesis hyp: [T]) {
        var prefix = 0
        while prefix < ref.count, prefix < hyp.count, ref[prefix] == hyp[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < ref.count - prefix, suffix < hyp.count - prefix,
              ref[ref.count - 1 - suffix] == hyp[hyp.count - 1 - suffix] { suffix += 1 }
        let n = ref.count - prefix - suffix   // middle of the reference
        let m = hyp.count - prefix - suffix   // middle of the hypothesis
        // d: (n+1) × (m+1) edit distances, row i = first i reference tokens of the middle.
        var d = [Int](repeating: 0, count: (n + 1) * (m + 1))
        let w = m + 1
        for i in 0...n { d[i * w] = i }
        for j in 0...m { d[j] = j }
        if n > 0 && m > 0 {
            for i in 1...n {
                let r = ref[prefix + i - 1]
                for j in 1...m {
                    let sub = d[(i - 1) * w + j - 1] + (r == hyp[prefix + j - 1] ? 0 : 1)
                    d[i * w + j] = min(sub, d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1)
                }
            }
        }
        var middle: [AlignmentOp] = []
        var i = n, j = m
        while i > 0 && j > 0 {
            if d[i * w + j] - d[(i - 1) * w + j] == 1 {
                i -= 1; middle.append(.delete(ref: prefix + i))
            } else {
                j -= 1
                if j > 0 && d[i * w + j] - d[(i - 1) * w + j] == -1 {
                    middle.append(.insert(hyp: prefix + j))
                } else {
                    i -= 1
                    middle.append(ref[prefix + i] == hyp[prefix + j]
                                  ? .equal(ref: prefix + i, hyp: prefix + j)
                                  : .substitute(ref: prefix + i, hyp: prefix + j))
                }
            }
        }
        while i > 0 { i -= 1; middle.append(.delete(ref: prefix + i)) }
        while j > 0 { j -= 1; middle.append(.insert(hyp: prefix + j)) }

        var ops = (0..<prefix).map { AlignmentOp.equal(ref: $0, hyp: $0) }
        ops.append(contentsOf: middle.reversed())
        ops.append(contentsOf: (0..<suffix).map {
            AlignmentOp.equal(ref: ref.count - suffix + $0, hyp: hyp.count - suffix + $0)
        })
        var c = EditCounts()
        for op in ops {
            switch op {
            case .equal: c.hits += 1
            case .substitute: c.substitutions += 1
            case .delete: c.deletions += 1
            case .insert: c.insertions += 1
            }
        }
        self.ops = ops
        self.counts = c
    }

    /// Plain two-row Levenshtein distance (the textbook recurrence), kept beside the alignment as an
    /// independent check: it must equal `counts.errors`.
    public static func distance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        if a.isEmpty { return b.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = min(prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), prev[j] + 1, cur[j - 1] + 1)
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
