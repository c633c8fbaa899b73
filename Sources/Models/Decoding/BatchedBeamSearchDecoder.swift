import Foundation

/// CTranslate2's beam search (the rules of `BeamSearchDecoder`) with all live beams advanced
/// together: one `WhisperDecoderBatch.step` per token feeds every beam in one forward pass, and
/// the chosen candidates' rows are gathered with `select` (the KV caches follow their beams).
/// Each hypothesis keeps the log-probability of every token, so per-word confidence works with
/// beam > 1. Same tokens and scores as `BeamSearchDecoder`, which steps one session per beam.
struct BatchedBeamSearchDecoder {
    let settings: SearchSettings

    /// `session` has been fed the prompt; `startToken` is fed first. `firstLogits` is called with
    /// the raw logits of step 0 (for the no-speech probability).
    func decode<S: WhisperDecoderSession>(session: S, startToken: Int,
                                          firstLogits: (([Float]) -> Void)? = nil) throws -> [Hypothesis] {
        let beam = max(1, settings.beamSize)
        let steps = max(settings.maxLength, 0)
        var batch = session.makeBatch(maxRows: beam, steps: steps)
        return try decode(batch: &batch, startToken: startToken, firstLogits: firstLogits)
    }

    /// `batch` holds one row (the prompt fed).
    func decode<B: WhisperDecoderBatch>(batch: inout B, startToken: Int,
                                        firstLogits: (([Float]) -> Void)? = nil) throws -> [Hypothesis] {
        let beam = max(1, settings.beamSize)
        let candidates = beam * 2
        let maxCandidates = Int((Double(beam) * settings.patience).rounded())
        let earlyExit = settings.lengthPenalty == 0
        let eot = settings.endOfText

        var inputs: [Int] = [startToken]       // token each row is fed next
        var beamScores: [Float] = [0]          // cumulative log-prob per live beam
        var alive: [[Int]] = [[]]              // generated tokens per live beam
        var aliveLogProbs: [[Float]] = [[]]    // their log-probabilities
        var finished: [Hypothesis] = []
        var topBeamFinished = false

        for step in 0..<max(settings.maxLength, 0) {
            // Every live beam in one pass: logits (beams, nVocab) -> summed log-probs, flattened.
            let logits = try batch.step(inputs)
            if step == 0, let first = logits.first { firstLogits?(first) }
            var flat: [Float] = []
            var rowLogProbs: [[Float]] = []
            var vocab = 0
            flat.reserveCapacity(logits.count * (logits.first?.count ?? 0))
            for b in 0..<logits.count {
                var lp = filteredLogProbs(logits[b], step: step, generated: alive[b], filters: settings.filters)
                rowLogProbs.append(lp)
                vocab = lp.count
                for i in 0..<lp.count { lp[i] += beamScores[b] }
                flat += lp
            }
            let top = LogProbabilities.topK(flat, candidates)                  // (2·beam) flat ids
            let words = top.map { $0 % vocab }
            let origins = top.map { $0 / vocab }
            let scores = top.map { flat[$0] }
            let isLastStep = step + 1 == settings.maxLength

            var active: [Int] = []
            var secondary = beam
            for k in 0..<min(beam, top.count) {
                var next = k
                if words[k] == eot || isLastStep {
                    if k == 0 { topBeamFinished = true }
                    var tokens = alive[origins[k]]
                    var logProbs = aliveLogProbs[origins[k]]
                    if words[k] != eot {
                        tokens.append(words[k])
                        logProbs.append(rowLogProbs[origins[k]][words[k]])
                    }
                    var hypothesis = Hypothesis(tokens: tokens, cumulativeLogProb: scores[k],
                                                lengthPenalty: settings.lengthPenalty)
                    hypothesis.tokenLogProbs = logProbs
                    finished.append(hypothesis)
                    for j in secondary..<top.count where words[j] != eot {
                        next = j
                        secondary = j + 1
                        break
                    }
                }
                active.append(next)
            }
            let done = isLastStep
                || (earlyExit ? (topBeamFinished && finished.count >= settings.numHypotheses)
                              : finished.count >= maxCandidates)
            if done { break }
            // The KV caches follow their beams (a gather of the rows).
            batch.select(active.map { origins[$0] })
            alive = active.map { alive[origins[$0]] + [words[$0]] }
            aliveLogProbs = active.map { aliveLogProbs[origins[$0]] + [rowLogProbs[origins[$0]][words[$0]]] }
            beamScores = active.map { scores[$0] }
            inputs = active.map { words[$0] }
        }
        return finished.enumerated().sorted { a, b in
            a.element.score > b.element.score || (a.element.score == b.element.score && a.offset < b.offset)
        }.map(\.element)
    }
}
