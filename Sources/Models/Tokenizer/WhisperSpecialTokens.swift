/// Ids of Whisper's special tokens. English-only checkpoints (vocabulary 51864) number them from
/// <|endoftext|> = 50256, multilingual ones (51865+) from 50257.
public struct WhisperSpecialTokens: Sendable, Equatable {
    public var endOfText: Int          // <|endoftext|> (EOT)
    public var startOfTranscript: Int  // <|startoftranscript|> (SOT)
    public var translate: Int          // <|translate|>
    public var transcribe: Int         // <|transcribe|>
    public var startOfLM: Int          // <|startoflm|>
    public var startOfPrevious: Int    // <|startofprev|>
    public var noSpeech: Int           // <|nospeech|>, or <|nocaptions|> in older checkpoints
    public var noTimestamps: Int       // <|notimestamps|>
    /// Language tokens in id order: (code, id), e.g. ("en", 50259).
    public var languages: [(code: String, id: Int)]

    /// <|0.00|>; timestamps follow in 0.02-s steps up to <|30.00|>.
    public var timestampBegin: Int { noTimestamps + 1 }

    public static func == (a: Self, b: Self) -> Bool {
        a.endOfText == b.endOfText && a.startOfTranscript == b.startOfTranscript && a.translate == b.translate
            && a.transcribe == b.transcribe && a.startOfLM == b.startOfLM && a.startOfPrevious == b.startOfPrevious
            && a.noSpeech == b.noSpeech && a.noTimestamps == b.noTimestamps
            && a.languages.map(\.code) == b.languages.map(\.code) && a.languages.map(\.id) == b.languages.map(\.id)
    }

    /// Reads the ids from token ↔ id lookups; `path` names the file in errors.
    static func from(lookup: (String) -> Int?, token: (Int) -> String?, path: String) throws -> WhisperSpecialTokens {
        func need(_ name: String) throws -> Int {
            guard let id = lookup(name) else {
                throw ModelsError.tokenizer(path: path, reason: "special token \(name) is missing; is this a Whisper tokenizer?")
            }
            return id
        }
        let sot = try need("<|startoftranscript|>")
        let translate = try need("<|translate|>")
        guard let noSpeech = lookup("<|nospeech|>") ?? lookup("<|nocaptions|>") else {
            throw ModelsError.tokenizer(path: path, reason: "neither <|nospeech|> nor <|nocaptions|> is defined")
        }
        var languages: [(code: String, id: Int)] = []
        if sot + 1 < translate {
            for id in (sot + 1)..<translate {
                guard let name = token(id), name.hasPrefix("<|"), name.hasSuffix("|>"), name.count > 4 else {
                    throw ModelsError.tokenizer(path: path, reason: "token \(id) between <|startoftranscript|> and <|translate|> is not a language token")
                }
                languages.append((String(name.dropFirst(2).dropLast(2)), id))
            }
        }
        return WhisperSpecialTokens(
            endOfText: try need("<|endoftext|>"), startOfTranscript: sot, translate: translate,
            transcribe: try need("<|transcribe|>"), startOfLM: try need("<|startoflm|>"),
            startOfPrevious: try need("<|startofprev|>"), noSpeech: noSpeech,
            noTimestamps: try need("<|notimestamps|>"), languages: languages)
    }
}
