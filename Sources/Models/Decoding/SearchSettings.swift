/// What one search over a decoder session needs (CTranslate2's DecodingOptions for Whisper).
struct SearchSettings {
    var endOfText: Int
    /// Tokens to generate at most (CT2: min(448 / 2, 448 − prompt tokens fed)).
    var maxLength: Int
    var beamSize: Int = 1
    var patience: Double = 1
    var lengthPenalty: Double = 1
    var temperature: Float = 0
    /// Independent samples at temperature > 0 (best_of); the best-scoring one wins.
    var numHypotheses: Int = 1
    var filters: [LogitFilter] = []
    /// Greedy search stops once the generated text ends in a repetition loop (`RepetitionLoop`).
    var stopAtRepetition = false
}

/// One finished hypothesis: tokens without EOT, the cumulative log-probability of every chosen
/// token (EOT included), and the score after length normalisation (cumulative / length^penalty).
struct Hypothesis {
    var tokens: [Int]
    var cumulativeLogProb: Float
    var score: Float
    /// Log-probability of each token in `tokens` (greedy and beam search record them).
    var tokenLogProbs: [Float] = []

    init(tokens: [Int], cumulativeLogProb: Float, lengthPenalty: Double) {
        self.tokens = tokens
        self.cumulativeLogProb = cumulativeLogProb
        // CT2's finalize_hypothesis_score (an empty hypothesis divides by zero, as there).
        self.score = cumulativeLogProb / Float(pow(Double(tokens.count), lengthPenalty))
    }
}

/// Applies the filters and returns the log-probabilities of one step's logits (nVocab).
func filteredLogProbs(_ logits: [Float], step: Int, generated: [Int], filters: [LogitFilter]) -> [Float] {
    var row = logits
    for f in filters { f.apply(step: step, logits: &row, generated: generated) }
    return LogProbabilities.logSoftmax(row)
}

import Foundation
