import XCTest
@testable import Models

/// The CTC prefix beam search against a naive reference that enumerates every labelling of a short
/// input, scores it with the CTC forward algorithm, the language model and the length bonus, and
/// takes the best.
final class CTCPrefixBeamSearchTests: XCTestCase {
    let symbols: [Character] = ["a", "b", " "]

    /// Deterministic pseudo-random log-softmax rows (steps, classes).
    func rows(steps: Int, classes: Int, seed: UInt64, sharpness: Float = 3) -> [Float] {
        var state = seed
        var out: [Float] = []
        for _ in 0..<steps {
            let logits = (0..<classes).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 24) * sharpness
            }
            let m = logits.max() ?? 0
            let lz = m + log(logits.reduce(Float(0)) { $0 + exp($1 - m) })
            out += logits.map { $0 - lz }
        }
        return out
    }

    /// log p_ctc(labels | rows) by the forward algorithm over the blank-extended labelling.
    func ctcLogProbability(_ labels: [Int], _ lp: [Float], steps: Int, classes: Int) -> Float {
        let ext = [0] + labels.flatMap { [$0, 0] }
        func add(_ a: Float, _ b: Float) -> Float {
            if a == -.infinity { return b }; if b == -.infinity { return a }
            return max(a, b) + log1p(exp(-abs(a - b)))
        }
        var alpha = [Float](repeating: -.infinity, count: ext.count)
        alpha[0] = lp[ext[0]]
        if ext.count > 1 { alpha[1] = lp[ext[1]] }
        for t in 1..<steps {
            var next = [Float](repeating: -.infinity, count: ext.count)
            for s in ext.indices {
                var a = alpha[s]
                if s >= 1 { a = add(a, alpha[s - 1]) }
                if s >= 2, ext[s] != 0, ext[s] != ext[s - 2] { a = add(a, alpha[s - 2]) }
                next[s] = a + lp[t * classes + ext[s]]
            }
            alpha = next
        }
        return ext.count > 1 ? add(alpha[ext.count - 1], alpha[ext.count - 2]) : alpha[0]
    }

    func naiveBest(_ lp: [Float], steps: Int, classes: Int, lm: CharacterNGramModel?, alpha: Float, beta: Float) -> (ids: [Int], score: Float) {
        var best: (ids: [Int], score: Float) = ([], -.infinity)
        var frontier: [[Int]] = [[]]
        for _ in 0...steps {
            var grown: [[Int]] = []
            for y in frontier {
                var score = ctcLogProbability(y, lp, steps: steps, classes: classes) + beta * Float(y.count)
                if let lm {
                    var s: Float = 0
                    for (i, c) in y.enumerated() { s += lm.logProbability(of: c, after: y[0..<i]) }
                    s += lm.logProbability(of: 0, after: y[...])
                    score += alpha * s
                }
                if score > best.score { best = (y, score) }
                if y.count < steps { for c in 1..<classes { grown.append(y + [c]) } }
            }
            frontier = grown
        }
        return best
    }

    func testAWideSearchFindsTheBestLabellingWithoutALanguageModel() {
        let classes = 3, steps = 6
        for seed in UInt64(1)...20 {
            let lp = rows(steps: steps, classes: classes, seed: seed)
            let found = CTCPrefixBeamSearch(width: 1000).search(logProbs: lp, steps: steps, classes: classes)
            let naive = naiveBest(lp, steps: steps, classes: classes, lm: nil, alpha: 0, beta: 0)
            XCTAssertEqual(found.ids, naive.ids, "seed \(seed)")
            XCTAssertEqual(found.score, naive.score, accuracy: 1e-4, "seed \(seed)")
            XCTAssertEqual(found.steps.count, found.ids.count)
            XCTAssertEqual(found.steps, found.steps.sorted(), "emission steps in order")
        }
    }

    func testAWideSearchFindsTheBestLabellingWithALanguageModel() throws {
        let classes = 4, steps = 6
        let lm = try CharacterNGramModel.estimate(sentences: [[1, 2], [1, 1, 3, 2], [2, 3, 1], [1, 2, 3, 1, 2]], symbols: symbols, order: 3)
        for seed in UInt64(1)...12 {
            let lp = rows(steps: steps, classes: classes, seed: seed, sharpness: 2)
            let search = CTCPrefixBeamSearch(width: 2000, languageModel: lm, lmWeight: 0.7, lengthBonus: 0.8)
            let found = search.search(logProbs: lp, steps: steps, classes: classes)
            let naive = naiveBest(lp, steps: steps, classes: classes, lm: lm, alpha: 0.7, beta: 0.8)
            XCTAssertEqual(found.ids, naive.ids, "seed \(seed)")
            XCTAssertEqual(found.score, naive.score, accuracy: 1e-3, "seed \(seed)")
        }
    }

    /// The case best path loses: a character whose steps are each a little below the blank. The
    /// prefix search sums its paths and keeps it; a doubled letter needs a blank between.
    func testSummingPathsKeepsACharacterTheBestPathDrops() {
        let classes = 3
        // Three steps where "a" has 0.4 and blank 0.6 each: best path is empty (0.216), but the
        // paths that emit "a" sum to 1 − 0.216 = 0.784.
        let row: [Float] = [log(0.6), log(0.4), log(1e-6)]
        let lp = row + row + row
        let found = CTCPrefixBeamSearch(width: 4).search(logProbs: lp, steps: 3, classes: classes)
        XCTAssertEqual(found.ids, [1])
        // Silent steps are blank whatever the rows say.
        let silent = CTCPrefixBeamSearch(width: 4).search(logProbs: lp, steps: 3, classes: classes, silent: [true, true, true])
        XCTAssertEqual(silent.ids, [])
        // "aa" needs a blank between the two a's.
        let a: [Float] = [log(1e-6), 0, log(1e-6)], blank: [Float] = [0, log(1e-6), log(1e-6)]
        XCTAssertEqual(CTCPrefixBeamSearch(width: 4).search(logProbs: a + a, steps: 2, classes: classes).ids, [1])
        XCTAssertEqual(CTCPrefixBeamSearch(width: 4).search(logProbs: a + blank + a, steps: 3, classes: classes).ids, [1, 1])
    }

    /// The language model moves an acoustically ambiguous character toward the text it knows.
    func testTheLanguageModelDecidesBetweenCloseCharacters() throws {
        let classes = 4
        let lm = try CharacterNGramModel.estimate(sentences: Array(repeating: [1, 3, 2], count: 20), symbols: symbols, order: 3)
        let sure: (Int) -> [Float] = { c in (0..<classes).map { $0 == c ? 0 : log(1e-6) } }
        let unsure: [Float] = [log(1e-6), log(0.52), log(0.48), log(1e-6)]   // a or b, a slightly ahead
        let lp = sure(1) + sure(0) + sure(3) + sure(0) + unsure
        XCTAssertEqual(CTCPrefixBeamSearch(width: 8).search(logProbs: lp, steps: 5, classes: classes).ids, [1, 3, 1])
        XCTAssertEqual(CTCPrefixBeamSearch(width: 8, languageModel: lm, lmWeight: 0.5).search(logProbs: lp, steps: 5, classes: classes).ids, [1, 3, 2])
    }

    /// Advancing a state in pieces (a live window growing) gives the one search over all steps.
    func testAdvancingInPiecesEqualsOneSearch() throws {
        let classes = 4, steps = 40
        let lm = try CharacterNGramModel.estimate(sentences: [[1, 2, 3], [3, 1, 2, 2]], symbols: symbols, order: 3)
        let search = CTCPrefixBeamSearch(width: 5, languageModel: lm, lmWeight: 0.6, lengthBonus: 1)
        let lp = rows(steps: steps, classes: classes, seed: 7)
        let silent = (0..<steps).map { $0 % 11 == 10 }
        let whole = search.search(logProbs: lp, steps: steps, classes: classes, silent: silent)
        var state = CTCPrefixBeamSearch.State()
        var done = 0
        for piece in [3, 1, 9, 0, 12, 15] {
            search.advance(&state, logProbs: lp[(done * classes)..<((done + piece) * classes)], steps: piece, classes: classes,
                           silent: silent[done..<(done + piece)])
            done += piece
            XCTAssertEqual(state.steps, done)
            XCTAssertEqual(search.result(state), search.search(logProbs: Array(lp.prefix(done * classes)), steps: done, classes: classes,
                                                               silent: Array(silent.prefix(done))))
        }
        XCTAssertEqual(search.result(state), whole)
    }

    /// A character's emission step is its spike, not the step where a weak path first put it in
    /// the beam (word times come from these steps).
    func testTheEmissionStepIsTheSpikeNotAWeakEarlyEntry() {
        let classes = 3
        let weak: [Float] = [log(0.98), log(0.01), log(0.01)], blank: [Float] = [0, log(1e-6), log(1e-6)]
        let spike: [Float] = [log(0.01), log(0.98), log(0.01)]
        let lp = weak + blank + blank + blank + blank + spike + blank
        let found = CTCPrefixBeamSearch(width: 8).search(logProbs: lp, steps: 7, classes: classes)
        XCTAssertEqual(found.ids, [1])
        XCTAssertEqual(found.steps, [5])
        // Degenerate calls return nothing rather than trap.
        var state = CTCPrefixBeamSearch.State()
        CTCPrefixBeamSearch(width: 4).advance(&state, logProbs: lp[...], steps: -1, classes: classes)
        CTCPrefixBeamSearch(width: 4).advance(&state, logProbs: lp[...], steps: 3, classes: 0)
        XCTAssertEqual(state.steps, 0)
        XCTAssertEqual(CTCPrefixBeamSearch(width: 4).result(state).ids, [])
    }
}
