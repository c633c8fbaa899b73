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
/// uses): the common prefix and suffix are matched first, then the DP matrix of the middle is
/// walked back from the end preferring deletion, then insertion, then the diagonal.
///
/// Memory is O(m·√n), not O(n·m): the forward pass keeps every k-th row (k ≈ √n) as a checkpoint,
/// and the walk back recomputes one block of k rows at a time from its checkpoint. The walk sees
/// exactly the matrix the full version stores, so ops and counts are identical (tests compare it
/// with `quadraticOps`, the full-matrix reference); time is about twice the full version's.
public struct EditAlignment: Equatable {
    public let ops: [AlignmentOp]
    public let counts: EditCounts

    public init<T: Equatable>(reference ref: [T], hypothesis hyp: [T]) {
        self.init(reference: ref, hypothesis: hyp, middle: Self.checkpointedMiddle)
    }

    /// The alignment through the full (n+1)×(m+1) matrix: the reference the checkpointed walk is tested against.
    static func quadratic<T: Equatable>(reference ref: [T], hypothesis hyp: [T]) -> EditAlignment {
        EditAlignment(reference: ref, hypothesis: hyp, middle: Self.quadraticMiddle)
    }

    /// `middle(ref, hyp, prefix, n, m)` returns the ops of the middle block in reverse order.
    private init<T: Equatable>(reference ref: [T], hypothesis hyp: [T],
                               middle walk: ([T], [T], Int, Int, Int) -> [AlignmentOp]) {
        var prefix = 0
        while prefix < ref.count, prefix < hyp.count, ref[prefix] == hyp[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < ref.count - prefix, suffix < hyp.count - prefix,
              ref[ref.count - 1 - suffix] == hyp[hyp.count - 1 - suffix] { suffix += 1 }
        let n = ref.count - prefix - suffix   // middle of the reference
        let m = hyp.count - prefix - suffix   // middle of the hypothesis
        let middle = walk(ref, hyp, prefix, n, m)

        var ops = (0..<prefix).map { AlignmentOp.equal(ref: $0, hyp: $0) }
        ops.reserveCapacity(prefix + middle.count + suffix)
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

    /// Row i of the middle's DP from row i-1: cur[j] = edit distance of the first i reference and
    /// first j hypothesis tokens of the middle.
    @inline(__always)
    private static func fillRow<T: Equatable>(_ prev: UnsafeBufferPointer<Int32>, _ cur: UnsafeMutableBufferPointer<Int32>,
                                              i: Int, token r: T, hyp: [T], prefix: Int, m: Int) {
        cur[0] = Int32(i)
        guard m > 0 else { return }
        for j in 1...m {
            let sub = prev[j - 1] + (r == hyp[prefix + j - 1] ? 0 : 1)
            cur[j] = min(sub, prev[j] + 1, cur[j - 1] + 1)
        }
    }

    /// One walk step from (i, j) given rows i and i-1; appends the op and moves (i, j).
    @inline(__always)
    private static func step<T: Equatable>(_ rowI: [Int32], _ rowIm1: [Int32], _ i: inout Int, _ j: inout Int,
                                           _ ref: [T], _ hyp: [T], _ prefix: Int, _ out: inout [AlignmentOp]) {
        if rowI[j] - rowIm1[j] == 1 {
            i -= 1; out.append(.delete(ref: prefix + i))
        } else {
            j -= 1
            if j > 0 && rowI[j] - rowIm1[j] == -1 {
                out.append(.insert(hyp: prefix + j))
            } else {
                i -= 1
                out.append(ref[prefix + i] == hyp[prefix + j]
                           ? .equal(ref: prefix + i, hyp: prefix + j)
                           : .substitute(ref: prefix + i, hyp: prefix + j))
            }
        }
    }

    private static func checkpointedMiddle<T: Equatable>(_ ref: [T], _ hyp: [T], _ prefix: Int, _ n: Int, _ m: Int) -> [AlignmentOp] {
        var middle: [AlignmentOp] = []
        var i = n, j = m
        if n > 0 && m > 0 {
            let k = max(1, Int(Double(n).squareRoot()))   // rows per block
            // Forward pass: rows 0, k, 2k, … kept.
            var checkpoints: [[Int32]] = [(0...m).map { Int32($0) }]
            checkpoints.reserveCapacity(n / k + 1)
            var prev = checkpoints[0]
            var cur = [Int32](repeating: 0, count: m + 1)
            for row in 1...n {
                prev.withUnsafeBufferPointer { p in
                    cur.withUnsafeMutableBufferPointer { c in
                        fillRow(p, c, i: row, token: ref[prefix + row - 1], hyp: hyp, prefix: prefix, m: m)
                    }
                }
                swap(&prev, &cur)
                if row % k == 0 { checkpoints.append(prev) }
            }
            // Walk back one block at a time: block[r] is row blockStart + r.
            var block: [[Int32]] = []
            var blockStart = Int.max
            while i > 0 && j > 0 {
                if i - 1 < blockStart {
                    blockStart = ((i - 1) / k) * k
                    block = [checkpoints[blockStart / k]]
                    if i > blockStart {
                        for row in (blockStart + 1)...i {
                            var next = [Int32](repeating: 0, count: m + 1)
                            block[block.count - 1].withUnsafeBufferPointer { p in
                                next.withUnsafeMutableBufferPointer { c in
                                    fillRow(p, c, i: row, token: ref[prefix + row - 1], hyp: hyp, prefix: prefix, m: m)
                                }
                            }
                            block.append(next)
                        }
                    }
                }
                step(block[i - blockStart], block[i - 1 - blockStart], &i, &j, ref, hyp, prefix, &middle)
            }
        }
        while i > 0 { i -= 1; middle.append(.delete(ref: prefix + i)) }
        while j > 0 { j -= 1; middle.append(.insert(hyp: prefix + j)) }
        return middle
    }

    /// The original full-matrix walk, kept verbatim as the reference (O(n·m) memory).
    private static func quadraticMiddle<T: Equatable>(_ ref: [T], _ hyp: [T], _ prefix: Int, _ n: Int, _ m: Int) -> [AlignmentOp] {
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
        return middle
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
