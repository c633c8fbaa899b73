/// faster-whisper's get_prompt: [<|startofprev|> + the last 223 previous tokens] + the
/// start-of-transcript sequence (+ <|notimestamps|> without timestamps).
struct PromptBuilder {
    let special: WhisperSpecialTokens
    let startSequence: [Int]
    var maxLength = 448

    func prompt(previous: [Int], withoutTimestamps: Bool) -> [Int] {
        var prompt: [Int] = []
        if !previous.isEmpty {
            prompt.append(special.startOfPrevious)
            prompt += previous.suffix(maxLength / 2 - 1)
        }
        prompt += startSequence
        if withoutTimestamps { prompt.append(special.noTimestamps) }
        return prompt
    }
}
