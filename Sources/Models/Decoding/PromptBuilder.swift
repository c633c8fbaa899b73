/// faster-whisper's get_prompt: [<|startofprev|> + hotwords + the last previous tokens] + the
/// start-of-transcript sequence (+ <|notimestamps|> without timestamps). The text after
/// <|startofprev|> keeps to 223 tokens: hotwords first (cut to 223), the previous text's tail in
/// the rest (faster-whisper gives each 223, which can overflow the 448-token context).
struct PromptBuilder {
    let special: WhisperSpecialTokens
    let startSequence: [Int]
    var maxLength = 448
    /// Tokens of " " + hotwords (faster-whisper's `hotwords`), in every prompt.
    var hotwords: [Int] = []

    func prompt(previous: [Int], withoutTimestamps: Bool) -> [Int] {
        var prompt: [Int] = []
        if !previous.isEmpty || !hotwords.isEmpty {
            let budget = maxLength / 2 - 1
            let hot = hotwords.prefix(budget)
            prompt.append(special.startOfPrevious)
            prompt += hot
            prompt += previous.suffix(budget - hot.count)
        }
        prompt += startSequence
        if withoutTimestamps { prompt.append(special.noTimestamps) }
        return prompt
    }
}
