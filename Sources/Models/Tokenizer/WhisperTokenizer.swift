import Foundation

/// Whisper's tokenizer: byte-level BPE (GPT-2 pre-tokenisation, merges by rank) over the
/// vocabulary of `tokenizer.json`, plus the special tokens (SOT, languages, tasks, timestamps).
/// A directory holding only `vocabulary.txt` (one byte-level token per line, line number = id)
/// gives a decode-only tokenizer.
public final class WhisperTokenizer {
    public let special: WhisperSpecialTokens
    /// Number of token ids, timestamps included (51864 for English-only, 51865 multilingual).
    public let tokenCount: Int
    /// False for decode-only tokenizers built from vocabulary.txt.
    public let canEncode: Bool
    let path: String

    private let idToToken: [Int: String]          // byte-level alphabet strings and added tokens
    private let tokenToId: [String: Int]
    private let addedTokens: [(content: String, id: Int)]
    private let bpe: BytePairEncoder?

    /// Multilingual checkpoints have 51865+ tokens (CTranslate2's test); `multilingual:` overrides.
    public let isMultilingual: Bool
    public var timestampBegin: Int { special.timestampBegin }
    public var languageCodes: [String] { special.languages.map(\.code) }

    /// Loads `tokenizer.json` from `directory`, else `vocabulary.txt` (decode only).
    public convenience init(directory: URL) throws {
        let json = directory.appendingPathComponent("tokenizer.json")
        let vocabulary = directory.appendingPathComponent("vocabulary.txt")
        let fm = FileManager.default
        let lineCount = fm.fileExists(atPath: vocabulary.path) ? try Self.readLines(vocabulary).count : nil
        if fm.fileExists(atPath: json.path) {
            let data: Data
            do { data = try Data(contentsOf: json) } catch {
                throw ModelsError.tokenizer(path: json.path, reason: "cannot read: \(error.localizedDescription)")
            }
            try self.init(tokenizerJSON: data, path: json.path, tokenCount: lineCount)
        } else if fm.fileExists(atPath: vocabulary.path) {
            try self.init(vocabularyLines: try Self.readLines(vocabulary), path: vocabulary.path)
        } else {
            throw ModelsError.tokenizer(path: directory.path,
                                        reason: "neither tokenizer.json nor vocabulary.txt found; copy them from the model's distribution")
        }
    }

    /// Parses a Hugging Face `tokenizer.json` (BPE model). `tokenCount` defaults to the last
    /// special token + 1 + 1501 timestamps.
    public init(tokenizerJSON data: Data, path: String, tokenCount: Int? = nil, multilingual: Bool? = nil) throws {
        self.path = path
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelsError.tokenizer(path: path, reason: "not a JSON object")
        }
        guard let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Int] else {
            throw ModelsError.tokenizer(path: path, reason: "no model.vocab object (expected a BPE tokenizer)")
        }
        if let type = model["type"] as? String, type != "BPE" {
            throw ModelsError.tokenizer(path: path, reason: "model.type is \(type), expected BPE")
        }
        guard let rawMerges = model["merges"] as? [Any] else {
            throw ModelsError.tokenizer(path: path, reason: "no model.merges list")
        }
        var merges: [(String, String)] = []
        merges.reserveCapacity(rawMerges.count)
        for (k, m) in rawMerges.enumerated() {
            if let s = m as? String, let space = s.firstIndex(of: " ") {
                merges.append((String(s[..<space]), String(s[s.index(after: space)...])))
            } else if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else {
                throw ModelsError.tokenizer(path: path, reason: "model.merges[\(k)] is neither \"a b\" nor [a, b]")
            }
        }
        var tokenToId = vocab
        var added: [(String, Int)] = []
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int else {
                throw ModelsError.tokenizer(path: path, reason: "an added_tokens entry lacks content or id")
            }
            tokenToId[content] = id
            added.append((content, id))
        }
        var idToToken: [Int: String] = [:]
        idToToken.reserveCapacity(tokenToId.count)
        for (t, id) in tokenToId { idToToken[id] = t }
        let special = try WhisperSpecialTokens.from(lookup: { tokenToId[$0] }, token: { idToToken[$0] }, path: path)
        self.special = special
        self.tokenCount = tokenCount ?? (special.timestampBegin + 1501)
        self.isMultilingual = multilingual ?? (self.tokenCount >= 51865)
        self.tokenToId = tokenToId
        self.idToToken = idToToken
        self.addedTokens = added.sorted { $0.0.count > $1.0.count }
        self.bpe = BytePairEncoder(merges: merges)
        self.canEncode = true
    }

    /// A decode-only tokenizer from the lines of CTranslate2's vocabulary.txt.
    public init(vocabularyLines lines: [String], path: String) throws {
        self.path = path
        var tokenToId: [String: Int] = [:]
        var idToToken: [Int: String] = [:]
        for (id, line) in lines.enumerated() {
            idToToken[id] = line
            if tokenToId[line] == nil { tokenToId[line] = id }
        }
        self.special = try WhisperSpecialTokens.from(lookup: { tokenToId[$0] }, token: { idToToken[$0] }, path: path)
        self.tokenCount = lines.count
        self.isMultilingual = lines.count >= 51865
        self.tokenToId = tokenToId
        self.idToToken = idToToken
        self.addedTokens = []
        self.bpe = nil
        self.canEncode = false
    }

    private static func readLines(_ url: URL) throws -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ModelsError.tokenizer(path: url.path, reason: "cannot read as UTF-8 text")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    // MARK: Lookups

    public func id(of token: String) -> Int? { tokenToId[token] }

    /// The token string of an id (byte-level alphabet, or the special token's text), timestamps
    /// as <|1.24|>.
    public func token(of id: Int) -> String? {
        if id >= timestampBegin && id < tokenCount {
            return String(format: "<|%.2f|>", Double(id - timestampBegin) * 0.02)
        }
        return idToToken[id]
    }

    /// <|xx|> for a language code, nil for unknown codes.
    public func languageToken(_ code: String) -> Int? { special.languages.first { $0.code == code }?.id }

    /// The language code of a language token id.
    public func languageCode(of id: Int) -> String? { special.languages.first { $0.id == id }?.code }

    /// Seconds of a timestamp token (nil for other tokens).
    public func time(of id: Int) -> Double? {
        id >= timestampBegin && id < tokenCount ? Double(id - timestampBegin) * 0.02 : nil
    }

    /// The start-of-transcript sequence: [SOT] for English-only models, [SOT, language, task]
    /// for multilingual ones (as faster-whisper builds it).
    public func startSequence(language: String?, task: WhisperTask) throws -> [Int] {
        guard isMultilingual else { return [special.startOfTranscript] }
        let code = language ?? "en"
        guard let lang = languageToken(code) else {
            throw ModelsError.decoding("unknown language code '\(code)'; known: \(languageCodes.joined(separator: ", "))")
        }
        return [special.startOfTranscript, lang, task == .translate ? special.translate : special.transcribe]
    }

    // MARK: Encoding

    /// Ids of `text` as a prompt (no special tokens added). Special-token texts such as
    /// "<|endoftext|>" inside `text` map to their ids, as the Hugging Face tokenizer does.
    public func encode(_ text: String) throws -> [Int] {
        guard let bpe = bpe else {
            throw ModelsError.tokenizer(path: path, reason: "cannot encode text with vocabulary.txt alone; tokenizer.json is needed for prompts")
        }
        var ids: [Int] = []
        for (chunk, specialId) in splitOnAddedTokens(text) {
            if let specialId = specialId { ids.append(specialId); continue }
            for piece in GPT2PreTokenizer.split(chunk) {
                let word = ByteLevelAlphabet.encode(Array(piece.utf8))
                for symbol in bpe.encode(word) {
                    guard let id = tokenToId[symbol] else {
                        throw ModelsError.tokenizer(path: path, reason: "BPE symbol '\(symbol)' of '\(piece)' is not in the vocabulary")
                    }
                    ids.append(id)
                }
            }
        }
        return ids
    }

    private func splitOnAddedTokens(_ text: String) -> [(String, Int?)] {
        guard text.contains("<|") else { return [(text, nil)] }
        var out: [(String, Int?)] = []
        var rest = Substring(text)
        var plain = ""
        while !rest.isEmpty {
            if rest.hasPrefix("<|"), let hit = addedTokens.first(where: { rest.hasPrefix($0.content) }) {
                if !plain.isEmpty { out.append((plain, nil)); plain = "" }
                out.append((hit.content, hit.id))
                rest = rest.dropFirst(hit.content.count)
            } else {
                plain.append(rest.removeFirst())
            }
        }
        if !plain.isEmpty { out.append((plain, nil)) }
        return out
    }

    // MARK: Decoding

    /// The bytes a text token stands for; nil for special and timestamp tokens.
    public func bytes(of id: Int) -> [UInt8]? {
        guard id >= 0, id < special.endOfText, let t = idToToken[id] else { return nil }
        return ByteLevelAlphabet.decode(t)
    }

    /// Text of the text tokens among `ids` (ids ≥ <|endoftext|> are dropped, as faster-whisper's
    /// Tokenizer.decode does); invalid UTF-8 becomes U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids { if let b = self.bytes(of: id) { bytes.append(contentsOf: b) } }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Whisper's tasks.
public enum WhisperTask: String, Sendable, Equatable, CaseIterable {
    case transcribe
    case translate
}
