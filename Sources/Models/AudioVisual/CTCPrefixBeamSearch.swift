import Foundation

/// CTC prefix beam search with character language-model shallow fusion, for the audio-visual
/// model's CTC head (issue 13).
///
/// Best-path decoding (argmax per step, merge repeats, drop blanks) loses a character whenever the
/// blank outscores it at every step of its spike, and writes a doubled letter only when the argmax
/// passes through a blank between the two ("soon" → "son"): on the synthetic test split (200
/// clips) seven of ten of its character errors are deletions. The prefix search keeps the `width`
/// best prefixes, each with the probability of all CTC paths that collapse to it, split by whether
/// the path ends in a blank (p_b) or in the prefix's last character (p_nb) (Graves 2012 §7.3;
/// Hannun et al. 2014), and ranks them by
///
///     log(p_b + p_nb) + α · log P_LM(prefix) + β · |prefix|
///
/// where P_LM is a character n-gram model (`CharacterNGramModel`; the sentence end is scored once,
/// on the final ranking) and β a per-character bonus that offsets the LM's cost of each character.
/// Steps marked silent (digital silence, `AVIncrementalDecoder`) are blank with certainty.
///
/// `NaiveCTCDecoding` in the tests enumerates every labelling of a short input and checks the
/// search against it.
public struct CTCPrefixBeamSearch: Sendable {
    /// Prefixes kept after each step.
    public var width: Int
    /// α: weight of the language model's log-probability (0: CTC alone).
    public var lmWeight: Float
    /// β: added per character (natural log units).
    public var lengthBonus: Float
    /// A character is tried as an extension at a step only when its CTC log-probability there is
    /// at least this (the blank and the prefix's own last character are always scored).
    public var pruneLogProb: Float = -12
    public let languageModel: CharacterNGramModel?
    /// The attention decoder's score (γ · log p_att of each character, `TriggeredAttention`); nil: CTC and LM only.
    public let attention: TriggeredAttention?

    public init(width: Int, languageModel: CharacterNGramModel? = nil, lmWeight: Float = 0, lengthBonus: Float = 0,
                attention: TriggeredAttention? = nil) {
        self.width = max(1, width); self.languageModel = languageModel
        self.attention = attention.flatMap { $0.weight > 0 ? $0 : nil }
        // Without a language model nothing offsets a bonus: it would only add characters.
        self.lmWeight = languageModel == nil ? 0 : lmWeight; self.lengthBonus = languageModel == nil ? 0 : lengthBonus
    }

    /// The chosen labelling: class ids, and for each the step at which it was emitted (the step
    /// that extended the prefix with it, on the path that contributed most when prefixes merged).
    public struct Result: Equatable, Sendable {
        public var ids: [Int]
        public var steps: [Int]
        /// Its ranking score (with the LM's end of sentence).
        public var score: Float
    }

    struct Entry: Sendable {
        var blank: Float = -.infinity, nonBlank: Float = -.infinity
        var lm: Float = 0
        /// Sum of the attention decoder's log-probabilities of the prefix's characters, and its state after them.
        var att: Float = 0
        var decoder: TriggeredAttention.State?
        var steps: [Int] = []
        /// Log-probability of the path that set `steps` (to keep the likelier origin on a merge).
        var origin: Float = -.infinity
        var total: Float { Self.logAdd(blank, nonBlank) }
        static func logAdd(_ a: Float, _ b: Float) -> Float {
            if a == -.infinity { return b }
            if b == -.infinity { return a }
            let m = max(a, b)
            return m + log1p(exp(-abs(a - b)))
        }
    }

    /// The search part-way: the kept prefixes after `steps` steps. Advancing it with more steps
    /// gives what one search over all the steps gives, so a live window is searched once per step.
    public struct State: Sendable {
        var beams: [[Int]: Entry]
        var order: [[Int]] = [[]]
        /// Steps consumed so far.
        public internal(set) var steps = 0
        public init(attention: TriggeredAttention? = nil) {
            beams = [[]: Entry(blank: 0, lm: 0, decoder: attention?.initial, steps: [], origin: 0)]
        }
    }

    /// Searches log-probabilities (steps, classes) (each row a log-softmax; class 0 the blank).
    /// `silent[t]` true makes step t blank whatever its row says.
    /// `memory`: the fused frames the attention decoder reads (needed when `attention` is set).
    public func search(logProbs: [Float], steps: Int, classes: Int, silent: [Bool] = [], memory: TriggeredAttention.Memory? = nil) -> Result {
        var state = State(attention: attention)
        advance(&state, logProbs: logProbs[...], steps: steps, classes: classes, silent: silent[...], memory: memory)
        return result(state)
    }

    /// The best labelling of a state (the language model's sentence end included).
    public func result(_ state: State) -> Result {
        let ranked = best(state.beams, count: 1, final: true)
        guard let top = ranked.first, let e = state.beams[top] else { return Result(ids: [], steps: [], score: -.infinity) }
        return Result(ids: top, steps: e.steps, score: rank(top, e, final: true))
    }

    /// Consumes `steps` more rows (steps are numbered on from `state.steps`).
    /// With `attention`, a character at step t reads the frames its spike lets it see, at most
    /// `memory.frames`: advance a live window only over the steps whose lookahead frames exist,
    /// and the rest on a copy (`AVIncrementalDecoder.hypothesis`), so a resumed search equals one
    /// over the whole clip.
    public func advance(_ state: inout State, logProbs: ArraySlice<Float>, steps: Int, classes: Int, silent: ArraySlice<Bool> = [],
                        memory: TriggeredAttention.Memory? = nil) {
        guard steps > 0, classes > 1 else { return }
        let rows = min(steps, logProbs.count / classes)
        for i in 0..<rows {
            let base = logProbs.startIndex + i * classes
            let isSilent = silent.startIndex + i < silent.endIndex && silent[silent.startIndex + i]
            step(&state, row: logProbs[base..<(base + classes)], silent: isSilent, memory: memory)
        }
    }

    func step(_ state: inout State, row: ArraySlice<Float>, silent: Bool, memory: TriggeredAttention.Memory?) {
        let t = state.steps
        let base = row.startIndex
        let classes = row.count
        var next: [[Int]: Entry] = [:]
        next.reserveCapacity(state.order.count * 4)
        defer { state.steps += 1 }
        if silent {
            for prefix in state.order {
                guard let e = state.beams[prefix] else { continue }
                var n = e; n.blank = e.total; n.nonBlank = -.infinity
                next[prefix] = n
            }
            state.beams = next
            return
        }
        var candidates: [Int] = []
        for c in 1..<classes where row[base + c] >= pruneLogProb { candidates.append(c) }
        for prefix in state.order {
            guard let e = state.beams[prefix] else { continue }
            let total = e.total
            // The prefix unchanged: a blank, or its last character repeated.
            var same = next[prefix] ?? Entry(lm: e.lm, att: e.att, decoder: e.decoder, steps: e.steps, origin: e.origin)
            same.blank = Entry.logAdd(same.blank, total + row[base])
            if let last = prefix.last { same.nonBlank = Entry.logAdd(same.nonBlank, e.nonBlank + row[base + last]) }
            next[prefix] = same
            // The prefix extended by c (after a blank when c repeats its last character).
            var decoded: (logProbs: [Float], state: TriggeredAttention.State)?
            for c in candidates {
                let p = (c == prefix.last ? e.blank : total) + row[base + c]
                guard p > -.infinity else { continue }
                let extended = prefix + [c]
                var n: Entry
                if let existing = next[extended] {
                    n = existing
                } else if let old = state.beams[extended] {   // also a beam of the previous step: keep its scores and times
                    n = Entry(lm: old.lm, att: old.att, decoder: old.decoder, steps: old.steps, origin: old.origin)
                } else {
                    n = Entry(lm: e.lm + lmScore(c, after: prefix), att: e.att, decoder: e.decoder, steps: e.steps + [t], origin: -.infinity)
                    if let attention, let memory, let from = e.decoder {
                        if decoded == nil {
                            decoded = attention.step(from, previous: prefix.last ?? 0, memory: memory,
                                                     visible: attention.visibleFrames(step: t, available: memory.frames))
                        }
                        if let decoded { n.att = e.att + decoded.logProbs[c]; n.decoder = decoded.state }
                    }
                }
                // The new character's step: that of its likeliest single extension so far (a weak
                // early entry into the beam is replaced by the spike).
                if p > n.origin { n.steps = e.steps + [t]; n.origin = p }
                n.nonBlank = Entry.logAdd(n.nonBlank, p)
                next[extended] = n
            }
        }
        state.order = best(next, count: width, final: false)
        state.beams = [:]
        for prefix in state.order { state.beams[prefix] = next[prefix] }
    }

    func lmScore(_ c: Int, after prefix: [Int]) -> Float {
        guard let languageModel, lmWeight != 0 else { return 0 }
        return languageModel.logProbability(of: c, after: prefix[...])
    }

    func rank(_ prefix: [Int], _ e: Entry, final: Bool) -> Float {
        var s = e.total + lmWeight * e.lm + lengthBonus * Float(prefix.count) + (attention?.weight ?? 0) * e.att
        if final, let languageModel, lmWeight != 0 { s += lmWeight * languageModel.logProbability(of: 0, after: prefix[...]) }
        return s
    }

    /// The `count` best prefixes, best first; ties broken by the shorter, then the smaller ids (deterministic).
    func best(_ entries: [[Int]: Entry], count: Int, final: Bool) -> [[Int]] {
        let scored = entries.map { (prefix: $0.key, score: rank($0.key, $0.value, final: final)) }
        let sorted = scored.sorted { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.prefix.count != b.prefix.count { return a.prefix.count < b.prefix.count }
            return a.prefix.lexicographicallyPrecedes(b.prefix)
        }
        return sorted.prefix(count).map(\.prefix)
    }
}
