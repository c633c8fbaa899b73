import Foundation

/// CTranslate2's greedy search (beam size 1): at each step the filtered logits are
/// log-softmaxed and the best token taken (argmax at temperature 0, a sample from
/// softmax(logprobs / T) otherwise); the log-probability of each chosen token, EOT included,
/// adds to the score. Stops at EOT or after `maxLength` tokens, or (`stopAtRepetition`) at the token
/// that completes a repetition loop.
struct GreedyDecoder {
    let settings: SearchSettings

    /// `session` has been fed the prompt; `startToken` is fed first. `firstLogits` is called
    /// with the raw logits of step 0 (for the no-speech probability).
    func decode<S: WhisperDecoderSession>(session: inout S, startToken: Int, rng: inout SeededGenerator,
                                          firstLogits: (([Float]) -> Void)? = nil) throws -> Hypothesis {
        var generated: [Int] = []
        var hypothesis: [Int] = []
        var tokenLogProbs: [Float] = []
        var cumulative: Float = 0
        var input = startToken
        for step in 0..<max(settings.maxLength, 0) {
            let logits = try session.step([input])               // (nVocab)
            if step == 0 { firstLogits?(logits) }
            let logProbs = filteredLogProbs(logits, step: step, generated: generated, filters: settings.filters)
            let token = settings.temperature > 0
                ? Self.sample(logProbs, temperature: settings.temperature, rng: &rng)
                : LogProbabilities.argmax(logProbs)
            generated.append(token)
            cumulative += logProbs[token]
            if token == settings.endOfText { break }
            hypothesis.append(token)
            tokenLogProbs.append(logProbs[token])
            if settings.stopAtRepetition, RepetitionLoop.endsInLoop(hypothesis, isText: { $0 < settings.endOfText }) { break }
            input = token
        }
        var result = Hypothesis(tokens: hypothesis, cumulativeLogProb: cumulative, lengthPenalty: settings.lengthPenalty)
        result.tokenLogProbs = tokenLogProbs
        return result
    }

    /// best_of samples from copies of `session`; the best normalised score wins.
    func decodeBestOf<S: WhisperDecoderSession>(session: S, startToken: Int, rng: inout SeededGenerator,
                                                firstLogits: (([Float]) -> Void)? = nil) throws -> [Hypothesis] {
        var results: [Hypothesis] = []
        for k in 0..<max(1, settings.numHypotheses) {
            var copy = session
            results.append(try decode(session: &copy, startToken: startToken, rng: &rng,
                                      firstLogits: k == 0 ? firstLogits : nil))
        }
        return results.enumerated().sorted { a, b in
            a.element.score > b.element.score || (a.element.score == b.element.score && a.offset < b.offset)
        }.map(\.element)
    }

    /// Draws from softmax(logProbs / temperature).
    static func sample(_ logProbs: [Float], temperature: Float, rng: inout SeededGenerator) -> Int {
        let scaled = logProbs.map { $0 / temperature }
        let probs = LogProbabilities.softmax(scaled)
        let u = rng.unit()
        var acc: Float = 0
        var lastPositive = 0
        for (i, p) in probs.enumerated() where p > 0 {
            acc += p
            lastPositive = i
            if u < acc { return i }
        }
        return lastPositive
    }
}
