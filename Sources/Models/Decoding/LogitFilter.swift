/// One rule applied to the logits of a decoding step before a token is chosen (CTranslate2's
/// logits processors). `step` counts generated tokens (0 = first), `generated` holds the tokens
/// generated so far by this hypothesis; disabled tokens are set to -infinity.
protocol LogitFilter {
    func apply(step: Int, logits: inout [Float], generated: [Int])
}

/// Suppresses a fixed set of tokens at every step (suppress_tokens).
struct SuppressTokensFilter: LogitFilter {
    let ids: [Int]
    func apply(step: Int, logits: inout [Float], generated: [Int]) {
        for id in ids where id >= 0 && id < logits.count { logits[id] = LogProbabilities.disabled }
    }
}

/// Suppresses blank outputs at the first step: the space token and <|endoftext|>
/// (config.json suppress_ids_begin; suppress_blank).
struct SuppressBlankFilter: LogitFilter {
    let ids: [Int]
    func apply(step: Int, logits: inout [Float], generated: [Int]) {
        guard step == 0 else { return }
        for id in ids where id >= 0 && id < logits.count { logits[id] = LogProbabilities.disabled }
    }
}

/// Whisper's timestamp rules as CTranslate2 applies them:
/// - <|notimestamps|> is never sampled;
/// - the first token is a timestamp no later than the max initial timestamp;
/// - timestamps come in pairs (after a lone timestamp: a timestamp or EOT; after a pair: text);
/// - timestamps never decrease;
/// - when the summed probability of all timestamps beats every single text token, a timestamp
///   is forced.
struct TimestampRulesFilter: LogitFilter {
    let endOfText: Int
    let noTimestamps: Int
    let timestampBegin: Int
    let timestampEnd: Int             // last timestamp id (inclusive)
    let maxInitialTimestamp: Int?     // id of the latest allowed first timestamp

    func apply(step: Int, logits: inout [Float], generated: [Int]) {
        let off = LogProbabilities.disabled
        let end = min(timestampEnd, logits.count - 1)
        logits[noTimestamps] = off
        var checkTimestampProbability = false
        if step == 0 {
            for i in 0..<timestampBegin { logits[i] = off }
            if let last = maxInitialTimestamp, last + 1 <= end {
                for i in (last + 1)...end { logits[i] = off }
            }
        } else {
            let lastToken = generated[step - 1]
            if lastToken >= timestampBegin {
                let penultimate = step - 1 > 0 ? generated[step - 2] : lastToken
                if penultimate >= timestampBegin {
                    if timestampBegin <= end { for i in timestampBegin...end { logits[i] = off } }
                } else {
                    for i in 0..<endOfText { logits[i] = off }
                    checkTimestampProbability = true
                }
            } else {
                checkTimestampProbability = true
            }
            if let lastTimestamp = generated[0..<step].last(where: { $0 >= timestampBegin }) {
                for i in timestampBegin..<lastTimestamp { logits[i] = off }
            }
        }
        if checkTimestampProbability, let shift = LogProbabilities.normaliser(logits) {
            // On the log-probabilities logits − shift: the best text token against the summed
            // timestamps (only the timestamp range is materialised).
            var maxText = -Float.infinity
            for i in 0..<timestampBegin where logits[i] - shift > maxText { maxText = logits[i] - shift }
            let timestamps = logits[timestampBegin..<max(timestampBegin, end + 1)].map { $0 - shift }
            let timestampMass = LogProbabilities.logSumExp(timestamps, 0..<timestamps.count)
            if timestampMass > maxText {
                for i in 0..<timestampBegin { logits[i] = off }
            }
        }
    }
}
