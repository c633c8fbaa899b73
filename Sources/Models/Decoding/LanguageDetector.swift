/// Language identification as CTranslate2's detect_language: feed <|startoftranscript|> and take
/// the softmax over the language tokens' logits only.
struct LanguageDetector {
    let special: WhisperSpecialTokens

    /// (code, probability) for every language, most probable first.
    func detect<S: WhisperDecoderSession>(session fresh: S) throws -> [(code: String, probability: Double)] {
        guard !special.languages.isEmpty else {
            throw ModelsError.decoding("this tokenizer has no language tokens; language detection needs a multilingual model")
        }
        var session = fresh
        let logits = try session.step([special.startOfTranscript])            // (nVocab)
        for l in special.languages where l.id >= logits.count {
            throw ModelsError.decoding("language token \(l.code) (\(l.id)) is outside the model's \(logits.count) logits")
        }
        let probs = LogProbabilities.softmax(special.languages.map { logits[$0.id] })   // (languages)
        return zip(special.languages, probs).map { (code: $0.0.code, probability: Double($0.1)) }
            .enumerated()
            .sorted { $0.element.probability > $1.element.probability
                || ($0.element.probability == $1.element.probability && $0.offset < $1.offset) }
            .map(\.element)
    }
}
