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
}
