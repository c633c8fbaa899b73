import Models

/// The final pass: one whole utterance decoded once more with the offline settings' audio context
/// (30 s, the window zero-padded), temperature fallback and the previous finals as prompt, so a
/// final caption reads like the offline transcript. The sliding-window decoder's reduced context
/// is cheaper but less accurate on the first words and on number formatting ("one two three" vs
/// "1. 2, 3.").
///
/// Unlike the offline transcriber, the pass decodes exactly one window: an utterance is shorter
/// than 30 s (`max_utterance_s`), and the offline seek loop, which decodes again from the last
/// timestamp when the text ends before the audio does, spent a whole 30-s encoder pass (and more
/// decodes) on the utterance's trailing silence, where a decoder prompted with the earlier finals
/// repeated them ("… sleeping. 1 2 3 The two are …"). Timestamps past the audio are suppressed and
/// the generated tokens are bounded (`WhisperWindowDecoder.tokenBudget`), so the pass costs one
/// encoder run and one bounded decode per temperature tried.
/// Word times: decoded from the alignment heads (word timestamps as faster-whisper computes them).
public final class WhisperUtteranceDecoder {
    public let transcriber: Transcriber<WhisperModel>
    /// Offline decoding options (beam, temperatures, thresholds); the prompt of each call follows
    /// `initialPrompt`.
    public let options: DecodingOptions
    private let window: WhisperWindowDecoder

    /// The last pass's temperature (for the decode trace).
    public private(set) var lastPassDetail: String?

    public init(transcriber: Transcriber<WhisperModel>, options: DecodingOptions) {
        self.transcriber = transcriber
        self.options = options
        // A 30-s context for any utterance up to 28 s (the window decoder pads to minimumSeconds).
        window = WhisperWindowDecoder(transcriber: transcriber, options: options, paddingSeconds: 2,
                                      minimumSeconds: Double(WhisperWindowDecoder.maxFrames) / 100)
    }

    public func decode(samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        let h = try window.decode(samples: samples, startTime: startTime, prompt: prompt)
        lastPassDetail = "one window, temperature \(window.lastTemperature.map { String($0) } ?? "-")"
        return h
    }
}
