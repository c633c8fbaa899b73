import CaptionCore
import Foundation
import Features
import Models

/// The window decoder of `WhisperStreamingModel`: Whisper on one window with the encoder's audio context cut to the
/// window's length (encoder positions = mel frames / 2), prompted with the committed text.
/// Word times come from the alignment heads' cross-attention (`WordAligner`, `.decoded`); a model
/// without alignment heads spreads each timestamp segment's span over its words (`.segmentSpread`).
public final class WhisperWindowDecoder {
    public let transcriber: Transcriber<WhisperModel>
    /// Decoding options for every window (language must be set for a fixed language; nil detects
    /// it per window on multilingual models).
    public let options: DecodingOptions
    /// The windows' log-mel, each 10-ms frame computed once (windows start on the capture clock's
    /// 10-ms grid). One decoder serves one captioner thread.
    private let logMel: WindowLogMel
    /// The encoder's context of a window: its audio plus `paddingSeconds` of silence, at least
    /// `minimumSeconds` (the rule of the live final pass's reduced context too).
    public let context: ReducedAudioContext
    /// Silence appended after the window's audio before the encoder: lets the model see where the
    /// speech stops (end timestamp, then end of text) instead of looping at the context's edge.
    public var paddingSeconds: Double { context.paddingSeconds }
    /// Shortest audio context (window plus padding) the encoder gets: very short contexts loop.
    /// Shorter is not worth it with tiny.en (`captionctl simulate` on the 11 English fixtures,
    /// 2026-12-02): a 3-s minimum saves 7–24% of the CPU of a decode under 3 s (0.26 → 0.21 s
    /// for a window under 1 s; 3% of the whole run's CPU) but WER goes 3.57% → 6.55% (short
    /// windows agree on wrong first words, "How do you marry the" for "Had he married a"), and
    /// 2 s with 1 s of padding gives 4.76% and a looping window ("Unless... unless").
    public var minimumSeconds: Double { context.minimumSeconds }
    /// Longest window the encoder takes: 3000 frames (30 s).
    public static let maxFrames = 3000

    /// - Parameter options: typically greedy at temperature 0 only (a retry at higher temperature
    ///   costs a whole decode and its sampled text flickers; the streaming guards drop bad windows).
    public init(transcriber: Transcriber<WhisperModel>, options: DecodingOptions, paddingSeconds: Double = 2.0,
                minimumSeconds: Double = 5.0) {
        self.context = ReducedAudioContext(paddingSeconds: paddingSeconds, minimumSeconds: minimumSeconds)
        self.transcriber = transcriber
        self.options = options
        self.logMel = WindowLogMel(melBins: transcriber.model.dims.nMels)
    }

    /// Frames the window's samples give to the encoder: content frames (samples / 160), rounded
    /// down to an even count, at least 2 and at most 3000.
    public static func encoderFrames(sampleCount: Int) -> Int {
        let content = sampleCount / 160
        return min(maxFrames, max(2, content - content % 2))
    }

    public func decode(samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        guard !samples.isEmpty else {
            return Hypothesis(words: [], avgLogProb: 0, noSpeechProb: 1, compressionRatio: 0, language: options.language)
        }
        let (tail, first) = Self.onGrid(samples.count > Self.maxFrames * 160 ? samples.suffix(Self.maxFrames * 160) : samples,
                                        first: Int((startTime * Double(AudioRate.model)).rounded()) + max(0, samples.count - Self.maxFrames * 160))
        let offset = startTime + Double(samples.count - tail.count) / Double(AudioRate.model)
        let pad = context.paddingSamples(content: tail.count)
        let frames = Self.encoderFrames(sampleCount: tail.count + pad)
        // features: (nMels, frames), the log-mel of tail + pad zeros (+ 160, as faster-whisper),
        // zero-padded when the window is shorter than 2 frames
        let features = logMel.features(tail, first: first, zeros: pad, frames: frames)
        let promptTokens = try promptTokens(prompt)
        let duration = Double(tail.count) / Double(AudioRate.model)
        var windowOptions = options
        windowOptions.suppressTokens += transcriber.timestamps(afterSamples: tail.count)
        windowOptions.maxNewTokens = Self.tokenBudget(seconds: duration)
        let special = transcriber.tokenizer.special
        if !transcriber.model.alignmentHeads.isEmpty {
            // Word times from the alignment heads: the window encoded once, decoded, aligned.
            let timed = try transcriber.decodeWindowTimingWords(
                mel: features, frames: frames, contentFrames: tail.count / 160, options: windowOptions, prompt: promptTokens,
                cut: { RepetitionLoop.cut($0, isText: { $0 < special.endOfText }) })
            let result = timed.decoding
            var ratio = (try? CompressionRatio.of(result.text.trimmingCharacters(in: .whitespacesAndNewlines))) ?? result.compressionRatio
            var words = DecodedWords.words(timed.words, tokens: result.tokens, timestampBegin: special.timestampBegin,
                                           endOfText: special.endOfText, offset: offset, duration: duration)
            if let first = RepeatedTranscript.firstCopy(words) ?? RepeatedTranscript.restartedReading(words) {
                // The window read again from the start: its first reading, judged on its own text.
                words = first
                ratio = (try? CompressionRatio.of(CaptionText.join(first.map(\.text)))) ?? ratio
            }
            if let kept = RepeatedTranscript.squeezedTailCopy(words) { words = kept }
            return Hypothesis(words: words, avgLogProb: result.avgLogProb, noSpeechProb: result.noSpeechProb,
                              compressionRatio: ratio, language: options.language, timing: .decoded)
        }
        let result = try transcriber.decodeWindow(mel: features, frames: frames, options: windowOptions, prompt: promptTokens)
        let tokens = RepetitionLoop.cut(result.tokens, isText: { $0 < special.endOfText })
        var ratio = result.compressionRatio
        if tokens.count < result.tokens.count {
            ratio = (try? CompressionRatio.of(transcriber.tokenizer.decode(tokens))) ?? ratio
        }
        // RepetitionLoop.cut keeps a prefix, so the first tokens.count log-probabilities stay aligned.
        let logProbs = result.tokenLogProbs.count >= tokens.count ? Array(result.tokenLogProbs.prefix(tokens.count)) : []
        let words = Self.words(tokens: tokens, tokenizer: transcriber.tokenizer, offset: offset, duration: duration,
                               logProbs: logProbs)
        return Hypothesis(words: words, avgLogProb: result.avgLogProb, noSpeechProb: result.noSpeechProb,
                          compressionRatio: ratio, language: options.language, timing: .segmentSpread)
    }

    /// The window from its first sample on the 10-ms grid of the capture clock (absolute sample
    /// index a multiple of 160; at most 159 samples dropped), so consecutive windows share log-mel
    /// frames; windows under 1 s are left as they are.
    static func onGrid(_ samples: ArraySlice<Float>, first: Int) -> (ArraySlice<Float>, first: Int) {
        let skip = ((160 - first % 160) % 160 + 160) % 160
        guard samples.count >= AudioRate.model, skip > 0 else { return (samples, first) }
        return (samples.dropFirst(skip), first + skip)
    }

    /// Generated tokens allowed for a window: the runaway guard of every decode
    /// (`DecodingOptions.tokenBudget`: max(32, 12 a second); fast speech is about 4 words, ≈ 6
    /// tokens, a second), so a repetition loop stops early; at most Whisper's 224.
    public static func tokenBudget(seconds: Double) -> Int {
        min(224, DecodingOptions().tokenBudget(seconds: seconds) ?? 224)
    }

    /// The committed text as prompt tokens (" " + text, as Whisper prompts previous text), after
    /// the configured prompt (`options.initialPrompt`, model.prompt) when there is one.
    private func promptTokens(_ prompt: String) throws -> [Int] {
        var texts: [String] = []
        for text in [options.initialPrompt ?? "", prompt] {
            let trimmed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            if !trimmed.isEmpty { texts.append(trimmed) }
        }
        guard !texts.isEmpty, transcriber.tokenizer.canEncode else { return [] }
        return try texts.flatMap { try transcriber.tokenizer.encode(" " + $0) }
    }

    /// Words with absolute times from generated tokens (text and timestamp tokens, no EOT):
    /// a timestamp opens a segment, the next one closes it; text outside a closed pair runs to the
    /// window's end. Times are clamped to [0, duration] and shifted by `offset`. With `logProbs`
    /// (one per token), each word carries its probability (`WordProbability`).
    static func words(tokens: [Int], tokenizer: WhisperTokenizer, offset: Double, duration: Double,
                      logProbs: [Float] = []) -> [Word] {
        let scored = logProbs.count == tokens.count
        var out: [Word] = []
        var segmentStart: Double? = nil
        var text: [Int] = []
        var textLogProbs: [Float] = []
        var lastTime = 0.0
        func flush(end: Double?, closed: Bool) {
            defer { text.removeAll(); textLogProbs.removeAll() }
            let string = tokenizer.decode(text)
            let pieces = CaptionText.words(string)
            guard !pieces.isEmpty else { return }
            let start = min(duration, max(0, segmentStart ?? lastTime))
            let stop = min(duration, max(start, end ?? duration))
            var spread = Hypothesis.spread(pieces, from: offset + start, to: offset + stop)
            if closed, !spread.isEmpty { spread[spread.count - 1].endsSegment = true }
            if scored {
                let probabilities = WordProbability.of(words: pieces.count, tokens: text, logProbs: textLogProbs,
                                                       decode: { tokenizer.decode($0) })
                for i in spread.indices { spread[i].probability = probabilities[i] }
            }
            out += spread
        }
        for (k, token) in tokens.enumerated() {
            if let t = tokenizer.time(of: token) {
                if segmentStart == nil {
                    if !text.isEmpty { flush(end: t, closed: true) }  // text before any timestamp
                    segmentStart = t
                } else {
                    flush(end: t, closed: !text.isEmpty)
                    segmentStart = nil
                }
                lastTime = t
            } else if token < tokenizer.special.endOfText {
                text.append(token)
                if scored { textLogProbs.append(logProbs[k]) }
            }
        }
        if !text.isEmpty { flush(end: nil, closed: false) }
        return out
    }
}
