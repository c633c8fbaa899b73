import Foundation

/// One generation over one encoded window, as CTranslate2's Whisper `generate` does it:
/// - the prompt up to the last task token (<|startofprev|> … <|startoftranscript|> <|lang|>
///   <|task|> [<|notimestamps|>]) is fed first; the last of those tokens starts the search;
/// - the no-speech probability is softmax(logits after <|startoftranscript|>)[<|nospeech|>],
///   on raw logits;
/// - at most min(448 / 2, 448 − fed tokens) tokens are generated;
/// - filters: suppress_tokens, suppress_blank (first step), timestamp rules unless the prompt
///   ends in <|notimestamps|>.
struct WhisperGenerator {
    struct Result {
        var tokens: [Int]
        /// CT2's returned score: cumulative log-prob / length^penalty.
        var score: Float
        var noSpeechProb: Float
        /// Log-probability of each of `tokens` (greedy and beam search).
        var tokenLogProbs: [Float] = []
    }

    let special: WhisperSpecialTokens
    /// Last timestamp id (vocabulary size − 1).
    let timestampEnd: Int
    var maxLength = 448

    struct Settings {
        var beamSize = 1
        var patience = 1.0
        var lengthPenalty = 1.0
        var temperature: Float = 0
        var bestOf = 1
        var suppressTokens: [Int] = []
        var suppressBlankTokens: [Int] = []
        var maxInitialTimestampIndex: Int? = 50
        var maxNewTokens: Int? = nil
        /// Greedy search stops at a completed repetition loop (`DecodingOptions.stopAtRepetition`).
        var stopAtRepetition = false
        /// Beam search over all beams in one forward pass (`BatchedBeamSearchDecoder`); false steps
        /// one session per beam (`BeamSearchDecoder`, the reference).
        var batchedBeamSearch = true
    }

    /// Length of the prompt up to and including the task tokens after SOT.
    static func promptLength(_ prompt: [Int], special: WhisperSpecialTokens) throws -> (sotIndex: Int, length: Int) {
        guard let sot = prompt.firstIndex(of: special.startOfTranscript) else {
            throw ModelsError.decoding("the prompt has no <|startoftranscript|> token (\(prompt.count) tokens)")
        }
        var end = sot
        while end < prompt.count && prompt[end] >= special.startOfTranscript && prompt[end] <= special.noTimestamps { end += 1 }
        return (sot, end)
    }

    func generate<S: WhisperDecoderSession>(session fresh: S, prompt: [Int], settings: Settings,
                                            rng: inout SeededGenerator) throws -> Result {
        let (sotIndex, promptLength) = try Self.promptLength(prompt, special: special)
        guard promptLength == prompt.count else {
            throw ModelsError.decoding("tokens after the task tokens (a decoding prefix) are not supported; prompt ends with \(prompt.suffix(3))")
        }
        guard promptLength <= maxLength else {
            throw ModelsError.decoding("prompt of \(promptLength) tokens exceeds the text context of \(maxLength)")
        }
        var session = fresh
        let sotIsStart = sotIndex == promptLength - 1
        var noSpeech: Float = 0
        var startStep = 0
        if promptLength > 1 {
            let fed = Array(prompt[0..<(promptLength - 1)])
            if sotIsStart {
                _ = try session.step(fed)
            } else {
                let afterSOT = try session.step(fed, logitsAfter: sotIndex)           // (nVocab)
                noSpeech = LogProbabilities.softmax(afterSOT)[special.noSpeech]
            }
            startStep = fed.count
        }
        var filters: [LogitFilter] = []
        if !settings.suppressTokens.isEmpty { filters.append(SuppressTokensFilter(ids: settings.suppressTokens)) }
        if !settings.suppressBlankTokens.isEmpty { filters.append(SuppressBlankFilter(ids: settings.suppressBlankTokens)) }
        if prompt[promptLength - 1] != special.noTimestamps {
            filters.append(TimestampRulesFilter(
                endOfText: special.endOfText, noTimestamps: special.noTimestamps,
                timestampBegin: special.timestampBegin, timestampEnd: timestampEnd,
                maxInitialTimestamp: settings.maxInitialTimestampIndex.map { special.timestampBegin + $0 }))
        }
        var search = SearchSettings(endOfText: special.endOfText,
                                    maxLength: min(maxLength / 2, maxLength - startStep, settings.maxNewTokens ?? Int.max))
        search.beamSize = settings.beamSize
        search.patience = settings.patience
        search.lengthPenalty = settings.lengthPenalty
        search.temperature = settings.temperature
        search.numHypotheses = settings.temperature > 0 ? max(1, settings.bestOf) : 1
        search.filters = filters
        search.stopAtRepetition = settings.stopAtRepetition
        let noSpeechId = special.noSpeech
        let capture: (([Float]) -> Void)? = sotIsStart ? { noSpeech = LogProbabilities.softmax($0)[noSpeechId] } : nil
        let start = prompt[promptLength - 1]
        let hypotheses: [Hypothesis]
        if settings.temperature > 0 || settings.beamSize <= 1 {
            hypotheses = try GreedyDecoder(settings: search).decodeBestOf(session: session, startToken: start,
                                                                          rng: &rng, firstLogits: capture)
        } else if settings.batchedBeamSearch {
            hypotheses = try BatchedBeamSearchDecoder(settings: search).decode(session: session, startToken: start,
                                                                               firstLogits: capture)
        } else {
            hypotheses = try BeamSearchDecoder(settings: search).decode(session: session, startToken: start,
                                                                        firstLogits: capture)
        }
        guard let best = hypotheses.first else {
            throw ModelsError.decoding("the search finished without a hypothesis")
        }
        return Result(tokens: best.tokens, score: best.score, noSpeechProb: noSpeech, tokenLogProbs: best.tokenLogProbs)
    }
}
