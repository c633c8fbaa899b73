import Foundation

/// CTranslate2's beam search: 2 × beam candidates per step from the summed log-probabilities of
/// all beams; a candidate ending in EOT (or reaching the last step) becomes a finished
/// hypothesis and its place goes to the next unfinished candidate; the search stops once
/// round(beam × patience) hypotheses are finished (or, with length penalty 0, once the top beam
/// finished). Hypotheses are ranked by cumulative log-probability / length^penalty; each keeps
/// the log-probability of its tokens.
///
/// One session per beam, stepped one after the other: the reference that
/// `BatchedBeamSearchDecoder` (all beams in one forward pass) is compared with.
struct BeamSearchDecoder {
    let settings: SearchSettings

    func decode<S: WhisperDecoderSession>(session: S, startToken: Int,
                                          firstLogits: (([Float]) -> Void)? = nil) throws -> [Hypothesis] {
        let beam = max(1, settings.beamSize)
        let candidates = beam * 2
        let maxCandidates = Int((Double(beam) * settings.patience).rounded())
        let earlyExit = settings.lengthPenalty == 0
        let eot = settings.endOfText

        var sessions: [S] = [session]          // 1 before the first step, then `beam`
        var inputs: [Int] = [startToken]       // token each session is fed next
        var beamScores: [Float] = [0]          // cumulative log-prob per live beam
        var alive: [[Int]] = [[]]              // generated tokens per live beam
        var aliveLogProbs: [[Float]] = [[]]    // their log-probabilities
        var finished: [Hypothesis] = []
        var topBeamFinished = false

        for step in 0..<max(settings.maxLength, 0) {
            // Expand every live beam: (beams, nVocab) summed log-probs, flattened.
            var flat: [Float] = []
            var rowLogProbs: [[Float]] = []
            var vocab = 0
            for b in 0..<sessions.count {
                let logits = try sessions[b].step([inputs[b]])                // (nVocab)
                if step == 0 { firstLogits?(logits) }
                var lp = filteredLogProbs(logits, step: step, generated: alive[b], filters: settings.filters)
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
            sessions = active.map { sessions[origins[$0]] }
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
