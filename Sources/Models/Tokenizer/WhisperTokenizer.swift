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

    private let idToToken: TokenTable             // byte-level alphabet strings and added tokens, by id
    private let addedTokens: [(content: String, id: Int)]
    /// Built on first use (prompts and `id(of:)`; transcription without a prompt needs neither):
    /// token → id, and the BPE merge ranks from the merges' JSON bytes.
    private var lazyTokenToId: [String: Int]?
    private var lazyBPE: BytePairEncoder?
    private var pendingMerges: [UInt8]?
    /// `encodeEach`'s results by text.
    private var encodedTexts: [String: [Int]] = [:]
    private let lock = NSLock()

    /// Multilingual checkpoints have 51865+ tokens (CTranslate2's test); `multilingual:` overrides.
    public let isMultilingual: Bool
    public var timestampBegin: Int { special.timestampBegin }
    public var languageCodes: [String] { special.languages.map(\.code) }

    /// Loads `tokenizer.json` from `directory`, else `vocabulary.txt` (decode only).
    public convenience init(directory: URL) throws {
        let json = directory.appendingPathComponent("tokenizer.json")
        let vocabulary = directory.appendingPathComponent("vocabulary.txt")
        let fm = FileManager.default
        let lineCount = fm.fileExists(atPath: vocabulary.path) ? try Self.countLines(vocabulary) : nil
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
        let bytes = [UInt8](data)
        guard bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) == UInt8(ascii: "{") else {
            throw ModelsError.tokenizer(path: path, reason: "not a JSON object")
        }
        let parsed = try TokenizerJSON.parse(bytes, path: path)
        guard parsed.hasVocabulary else {
            throw ModelsError.tokenizer(path: path, reason: "no model.vocab object (expected a BPE tokenizer)")
        }
        if let type = parsed.type, type != "BPE" {
            throw ModelsError.tokenizer(path: path, reason: "model.type is \(type), expected BPE")
        }
        guard let merges = parsed.merges else {
            throw ModelsError.tokenizer(path: path, reason: "no model.merges list")
        }
        var idToToken = parsed.idToToken
        for (content, id) in parsed.added { idToToken[id] = content }
        // Special tokens are added tokens: looked up among them first (no full token → id table).
        var addedIds: [String: Int] = [:]
        for (content, id) in parsed.added { addedIds[content] = id }
        let table = idToToken
        let special = try WhisperSpecialTokens.from(
            lookup: { addedIds[$0] ?? table.firstId(of: $0) },
            token: { table[$0] }, path: path)
        self.special = special
        self.tokenCount = tokenCount ?? (special.timestampBegin + 1501)
        self.isMultilingual = multilingual ?? (self.tokenCount >= 51865)
        self.idToToken = idToToken
        self.addedTokens = parsed.added.sorted { $0.content.count > $1.content.count }
        self.pendingMerges = Array(bytes[merges])
        self.canEncode = true
    }

    /// A decode-only tokenizer from the lines of CTranslate2's vocabulary.txt.
    public init(vocabularyLines lines: [String], path: String) throws {
        self.path = path
        var tokenToId: [String: Int] = [:]
        for (id, line) in lines.enumerated() where tokenToId[line] == nil { tokenToId[line] = id }
        self.special = try WhisperSpecialTokens.from(lookup: { tokenToId[$0] }, token: { $0 >= 0 && $0 < lines.count ? lines[$0] : nil }, path: path)
        self.tokenCount = lines.count
        self.isMultilingual = lines.count >= 51865
        self.lazyTokenToId = tokenToId
        self.idToToken = TokenTable(lines)
        self.addedTokens = []
        self.canEncode = false
    }

    /// Lines of a text file as `readLines` counts them, without making strings.
    private static func countLines(_ url: URL) throws -> Int {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ModelsError.tokenizer(path: url.path, reason: "cannot read")
        }
        guard String(validating: data, as: UTF8.self) != nil else {
            throw ModelsError.tokenizer(path: url.path, reason: "cannot read as UTF-8 text")
        }
        guard !data.isEmpty else { return 0 }
        let newlines = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return newlines + (data.last == 0x0A ? 0 : 1)
    }

    /// token → id (built on first use).
    private var tokenToId: [String: Int] {
        lock.lock(); defer { lock.unlock() }
        if let t = lazyTokenToId { return t }
        var t: [String: Int] = [:]
        t.reserveCapacity(idToToken.entryCount)
        // The smallest id of each token (as a scan in id order finds it).
        for (id, token) in idToToken.entries where t[token].map({ id < $0 }) ?? true { t[token] = id }
        for (content, id) in addedTokens { t[content] = id }
        lazyTokenToId = t
        return t
    }

    /// The BPE merge ranks (built on first use from the merges' JSON bytes).
    private func bytePairEncoder() throws -> BytePairEncoder? {
        lock.lock(); defer { lock.unlock() }
        if let bpe = lazyBPE { return bpe }
        guard let bytes = pendingMerges else { return nil }
        let bpe = BytePairEncoder(rankKeys: try TokenizerJSON.mergeKeys(bytes, range: 0..<bytes.count, path: path))
        lazyBPE = bpe
        pendingMerges = nil
        return bpe
    }

    /// Whether the full token → id table or merge ranks were built (tests: a transcription
    /// without a prompt builds neither).
    var hasFullTables: Bool {
        lock.lock(); defer { lock.unlock() }
        return lazyBPE != nil || (canEncode && lazyTokenToId != nil)
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
        guard let bpe = try bytePairEncoder() else {
            throw ModelsError.tokenizer(path: path, reason: "cannot encode text with vocabulary.txt alone; tokenizer.json is needed for prompts")
        }
        let tokenToId = self.tokenToId
        return try encode(text, bpe: bpe, id: { tokenToId[$0] })
    }

    /// The ids `encode` gives each of `texts`, remembered per text. While the full tables are not
    /// built (no prompt encoded yet), only the merges and tokens these texts can touch are read
    /// (`MergeSubset`): the fixed texts of the non-speech suppression list cost a scan of the merges'
    /// bytes instead of building 50,000-entry dictionaries.
    public func encodeEach(_ texts: [String]) throws -> [[Int]] {
        lock.lock()
        let known = encodedTexts, merges = pendingMerges, built = lazyBPE != nil
        lock.unlock()
        let missing = Array(Set(texts.filter { known[$0] == nil }))
        var fresh: [String: [Int]] = [:]
        if !missing.isEmpty {
            if built || merges == nil {
                for text in missing { fresh[text] = try encode(text) }   // full tables (or the vocabulary.txt error)
            } else if let merges {
                let words = missing.flatMap { self.words(of: $0) }
                let subset = try MergeSubset(words: words, merges: merges, idToToken: idToToken, added: addedTokens, path: path)
                let bpe = BytePairEncoder(ranks: subset.ranks)
                for text in missing { fresh[text] = try encode(text, bpe: bpe, id: { subset.ids[$0] }) }
            }
            lock.lock()
            if encodedTexts.count < 10_000 { encodedTexts.merge(fresh) { a, _ in a } }
            lock.unlock()
        }
        return texts.map { known[$0] ?? fresh[$0] ?? [] }
    }

    /// The byte-level words BPE encodes for `text` (its pieces outside special-token texts).
    private func words(of text: String) -> [String] {
        splitOnAddedTokens(text).flatMap { chunk, specialId in
            specialId == nil ? GPT2PreTokenizer.split(chunk).map { ByteLevelAlphabet.encode(Array($0.utf8)) } : []
        }
    }

    private func encode(_ text: String, bpe: BytePairEncoder, id: (String) -> Int?) throws -> [Int] {
        var ids: [Int] = []
        for (chunk, specialId) in splitOnAddedTokens(text) {
            if let specialId = specialId { ids.append(specialId); continue }
            for piece in GPT2PreTokenizer.split(chunk) {
                let word = ByteLevelAlphabet.encode(Array(piece.utf8))
                for symbol in bpe.encode(word) {
                    guard let id = id(symbol) else {
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
