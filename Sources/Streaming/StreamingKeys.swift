/// The one table of the `[streaming]` configuration keys: name as written in captiond.toml, the
/// property it sets, the allowed range in the file's units, and its documentation. ConfigLoader
/// reads the section from this table and `StreamingConfiguration.validate()` checks it, so a key,
/// its range and its message exist once.
public struct StreamingKey {
    public enum Kind {
        /// An integer in the file and in the configuration.
        case int(ClosedRange<Int>, WritableKeyPath<StreamingConfiguration, Int>)
        /// A number in the file (integers accepted) times `scale` in the configuration
        /// (`endpoint_silence_ms` is milliseconds in the file, seconds in the configuration).
        case number(ClosedRange<Double>, scale: Double, WritableKeyPath<StreamingConfiguration, Double>)
        case bool(WritableKeyPath<StreamingConfiguration, Bool>)
    }

    /// The key as written in the file (`step_ms`).
    public let name: String
    public let kind: Kind
    /// One line for docs and messages.
    public let doc: String

    /// Why the configuration's value for this key is out of range (the message ConfigLoader
    /// gives for the same value in the file), or nil.
    public func problem(in c: StreamingConfiguration) -> String? {
        switch kind {
        case let .int(range, path):
            return range.contains(c[keyPath: path]) ? nil : Self.intRangeReason(range)
        case let .number(range, scale, path):
            let v = c[keyPath: path] / scale
            return v.isFinite && range.contains(v) ? nil : Self.numberRangeReason(range)
        case .bool:
            return nil
        }
    }

    /// The configuration's value in the file's units.
    public func show(in c: StreamingConfiguration) -> String {
        switch kind {
        case let .int(_, path): return String(c[keyPath: path])
        case let .number(_, scale, path): return String(c[keyPath: path] / scale)
        case let .bool(path): return String(c[keyPath: path])
        }
    }

    public static func intRangeReason(_ r: ClosedRange<Int>) -> String {
        "expected an integer between \(r.lowerBound) and \(r.upperBound)"
    }

    public static func numberRangeReason(_ r: ClosedRange<Double>) -> String {
        "expected a number between \(r.lowerBound) and \(r.upperBound)"
    }
}

extension StreamingConfiguration {
    /// Every key of the `[streaming]` section, in the order Config/captiond.toml lists them.
    public static let keys: [StreamingKey] = [
        StreamingKey(name: "step_ms", kind: .int(100...5000, \.stepMilliseconds),
                     doc: "How often the window is re-decoded while speech is present, in milliseconds"),
        StreamingKey(name: "window_s", kind: .number(1...30, scale: 1, \.windowSeconds),
                     doc: "Longest audio window decoded at once, in seconds"),
        StreamingKey(name: "endpoint_silence_ms", kind: .number(100...10000, scale: 0.001, \.endpointSilenceSeconds),
                     doc: "Trailing silence that ends an utterance, in milliseconds"),
        StreamingKey(name: "endpoint_blank_ms", kind: .number(0...2000, scale: 0.001, \.endpointBlankSeconds),
                     doc: "Incremental models (av): trailing CTC blank, also quiet, that ends an utterance sooner, in milliseconds (0: off)"),
        StreamingKey(name: "max_utterance_s", kind: .number(1...120, scale: 1, \.maxUtteranceSeconds),
                     doc: "Longest utterance before it is ended anyway, in seconds"),
        StreamingKey(name: "commit_after_s", kind: .number(0...10, scale: 1, \.commitAfterSeconds),
                     doc: "No word is committed before the utterance's window holds this much audio, in seconds"),
        StreamingKey(name: "partial_tentative_words", kind: .int(0...100, \.partialTentativeWords),
                     doc: "Tentative (not yet agreed) words shown after the committed ones in a partial"),
        StreamingKey(name: "tentative_min_prob", kind: .number(0...1, scale: 1, \.tentativeMinProbability),
                     doc: "A tentative word is shown only when the decoder gave it at least this probability"),
        StreamingKey(name: "commit_min_prob", kind: .number(0...1, scale: 1, \.commitMinProbability),
                     doc: "Agreed words are committed only up to the first one below this probability, until a third decode reads them alike"),
        StreamingKey(name: "commit_logprob", kind: .number(-100...0, scale: 1, \.commitLogProb),
                     doc: "Window decodes with an average log-probability below this neither commit nor change the partial"),
        StreamingKey(name: "final_pass", kind: .bool(\.finalPass),
                     doc: "Decode each whole utterance once more at its end with the offline settings for its final"),
        StreamingKey(name: "endpoint_settled_ms", kind: .number(0...10000, scale: 0.001, \.endpointSettledSeconds),
                     doc: "Trailing silence that ends an utterance sooner once window decodes agree on all of it to its end and it ends a sentence, in milliseconds (0: off)"),
        StreamingKey(name: "final_from_window", kind: .bool(\.finalFromWindow),
                     doc: "When window decodes agree on every word of an utterance to its end, its final is those words, without the final pass"),
        StreamingKey(name: "trailing_step_ms", kind: .int(0...5000, \.trailingStepMilliseconds),
                     doc: "Step between window decodes once the speech pauses, in milliseconds (0: step_ms)"),
        StreamingKey(name: "opening_step_ms", kind: .int(0...5000, \.openingStepMilliseconds),
                     doc: "Step between window decodes from an utterance's onset until it shows words (at most for commit_after_s), in milliseconds (0: step_ms)"),
        StreamingKey(name: "tentative_agreed_min_prob", kind: .number(0...1, scale: 1, \.tentativeAgreedMinProbability),
                     doc: "A tentative word the previous window decode also produced is shown from this probability on, when lower than tentative_min_prob"),
        StreamingKey(name: "opening_commit_min_prob", kind: .number(0...1, scale: 1, \.openingCommitMinProbability),
                     doc: "Until an utterance has committed words, agreed words are committed only up to the first one below this probability, however many decodes agree"),
        StreamingKey(name: "opening_min_prob", kind: .number(0...1, scale: 1, \.openingMinProbability),
                     doc: "Until an utterance shows words, a tentative word is shown from this probability on, when lower than tentative_min_prob"),
        StreamingKey(name: "early_final_ms", kind: .number(0...10000, scale: 0.001, \.earlyFinalSeconds),
                     doc: "The final pass runs once the speech has paused this long, and is the final when the pause ends the utterance, in milliseconds (0: off)"),
        StreamingKey(name: "pass_context_s", kind: .number(0...30, scale: 1, \.passContextSeconds),
                     doc: "Whisper: the final pass encodes the utterance plus 2 s of silence, at least this many seconds, instead of the whole 30-s context (0: the 30-s context)"),
        StreamingKey(name: "prompt_min_prob", kind: .number(0...1, scale: 1, \.promptMinProbability),
                     doc: "The decoder's prompt of earlier text starts after the last word decoded with less than this probability (0: the whole text)"),
        StreamingKey(name: "prompt_pause_s", kind: .number(0...3600, scale: 1, \.promptPauseSeconds),
                     doc: "Whisper: the earlier finals prompt the next utterance's final pass only across pauses shorter than this, in seconds (0: across any pause)"),
        StreamingKey(name: "prompted_first_min_prob", kind: .number(0...1, scale: 1, \.promptedFirstMinProbability),
                     doc: "A prompted window decode whose first word has less than this probability without the prompt followed the prompt, not the audio: it is dropped and the window decoded again without a prompt (0: off)"),
    ]
}
