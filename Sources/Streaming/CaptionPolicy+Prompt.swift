extension CaptionPolicy {
    /// `words` as the decoder's prompt (the window decodes' committed text before the window, the
    /// final pass's earlier finals): from the word after the last one the decoder was unsure of
    /// (`promptMinProbability`), last `promptCharacters`. A misheard word in the prompt is copied:
    /// after a final "換一手" (手 at 0.08), base wrote 手 (0.05–0.10) in every later pass of the same
    /// request, and 首 (0.94) without that prompt (offline too: `captionctl transcribe --prompt 换一手`
    /// reads the clip "换一手歌").
    func promptText(_ words: [Word]) -> String {
        let bar = configuration.promptMinProbability
        let from = words.lastIndex(where: { ($0.probability ?? 1) < bar }).map { $0 + 1 } ?? words.startIndex
        var text = CaptionText.join(words[from...].map(\.text))
        if text.count > configuration.promptCharacters { text = String(text.suffix(configuration.promptCharacters)) }
        return text
    }

    /// The earlier finals' words that prompt the open utterance's final pass: those after the last
    /// pause of `promptPauseSeconds` or more, none when the open utterance began that long after
    /// them. A prompt carries its words' reading into the next utterance, right or wrong: the Mandarin
    /// request "换一首歌", 3 s after "广州市佛地产中间协会分析", reads "坏一首歌" prompted with it
    /// (`captionctl transcribe --prompt`, base, beam 1; with the reference text as prompt too) and
    /// "换一首歌" alone. Pauses are measured between utterances as the VAD heard them (`pastSpeech`),
    /// not from the words' decoded ends: a final pass may time its last word into the silence after it.
    var promptingPastWords: [Word] {
        let pause = samples(configuration.promptPauseSeconds)
        guard pause > 0, let last = pastSpeech.last else { return pastWords }
        if isActive, utteranceStart - last.upperBound >= pause { return [] }
        var from = pastWords.count - 1
        while from > 0, pastSpeech[from].lowerBound - pastSpeech[from - 1].upperBound < pause { from -= 1 }
        return Array(pastWords[from...])
    }
}
