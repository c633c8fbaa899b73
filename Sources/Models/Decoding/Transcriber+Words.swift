import Foundation

extension Transcriber {
    /// Word timestamps of one window's segments (faster-whisper's `add_word_timestamps` plus the
    /// seek rule after it): returns the pieces with words and corrected spans; moves `seek` to the
    /// last word's end unless the window ended on a single timestamp, and `lastSpeech` to it.
    func timeWords(_ split: (pieces: [SegmentSplitter.Piece], seek: Int, singleTimestampEnding: Bool),
                   session: Model.Session, startSequence: [Int], segmentSize: Int, seek: inout Int,
                   timeOffset: Double, language: String, lastSpeech: inout Double) throws -> [WordTimestamper.Piece] {
        let eot = tokenizer.special.endOfText
        var pieces = split.pieces.map { WordTimestamper.Piece(start: $0.start, end: $0.end, tokens: $0.tokens) }
        let text = split.pieces.flatMap { $0.tokens.filter { $0 < eot } }
        let alignment = try WordAligner().align(model: model, session: session, tokenizer: tokenizer, startSequence: startSequence,
                                                text: text, contentFrames: segmentSize, language: language)
        guard !pieces.isEmpty else { return pieces }
        lastSpeech = WordTimestamper().apply(&pieces, alignment: alignment, endOfText: eot, timeOffset: timeOffset,
                                             lastSpeech: lastSpeech)
        let end = WordTimestamper.end(of: pieces)
        if !split.singleTimestampEnding, let end, end > timeOffset {
            seek = Int((end * 100).rounded(.toNearestOrEven))
        }
        if let end { lastSpeech = end }
        return pieces
    }
}

/// One window decoded with its words timed from the alignment heads.
public struct TimedWindowDecoding: Sendable {
    public var decoding: WindowDecoding
    /// The words of `decoding`'s text tokens (or of `textTokens` when the caller cut them), times in
    /// seconds from the window's first frame.
    public var words: [WordTiming]
}

extension Transcriber {
    /// `decodeWindow` plus word timing: the window is encoded once, decoded, and `cut` (a prefix
    /// filter such as a repetition cut) applied to the tokens before their words are aligned over
    /// the first `contentFrames` mel frames.
    public func decodeWindowTimingWords(mel: [Float], frames: Int, contentFrames: Int, options: DecodingOptions,
                                        prompt: [Int] = [], cut: ([Int]) -> [Int] = { $0 }) throws -> TimedWindowDecoding {
        let audio = try model.encode(mel: mel, frames: frames)
        let session = try model.makeSession(audio)
        var language = options.language
        if language == nil && tokenizer.isMultilingual {
            language = try LanguageDetector(special: tokenizer.special).detect(session: session).first?.code
        }
        let settings = try generationSettings(options)
        let start = try startSequence(language: language, options: options)
        let builder = PromptBuilder(special: tokenizer.special, startSequence: start, hotwords: try hotwordTokens(options))
        let fullPrompt = builder.prompt(previous: prompt, withoutTimestamps: options.withoutTimestamps)
        var result = try decode(session: session, prompt: fullPrompt, settings: settings, options: options)
        let kept = cut(result.tokens)
        if kept.count < result.tokens.count {
            result.tokens = kept
            result.tokenLogProbs = Array(result.tokenLogProbs.prefix(kept.count))
            result.text = tokenizer.decode(kept)
        }
        let text = kept.filter { $0 < tokenizer.special.endOfText }
        let words = try WordAligner().align(model: model, session: session, tokenizer: tokenizer, startSequence: start,
                                            text: text, contentFrames: contentFrames, language: language)
        return TimedWindowDecoding(decoding: result, words: words)
    }
}

extension Transcriber {
    /// Tokens of " " + the hotwords (faster-whisper's layout); [] without hotwords.
    func hotwordTokens(_ options: DecodingOptions) throws -> [Int] {
        guard let hot = options.hotwords?.trimmingWhitespace(), !hot.isEmpty else { return [] }
        return try tokenizer.encode(" " + hot)
    }
}
