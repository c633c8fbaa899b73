/// The parts of a Hugging Face `tokenizer.json` Whisper needs, read straight from its bytes:
/// `model.type`, `model.vocab` (as an id → token table), `added_tokens` (content, id) and where
/// `model.merges` lies, checked but not turned into strings (the merge ranks are built on the
/// first `encode`, which transcription without a prompt never calls). Everything else is skipped.
/// Faster than JSONSerialization by about two orders of magnitude on Whisper's 2-MB file (no
/// `[String: Any]` tree, no bridging), and strict: malformed JSON fails with its byte offset.
struct TokenizerJSON {
    var type: String?
    /// Token of each id (no entry where the vocabulary has none): sized by the entries present.
    var idToToken = TokenTable()
    var vocabularyCount = 0
    var added: [(content: String, id: Int)] = []
    /// Byte range of the `model.merges` array, nil when absent.
    var merges: Range<Int>?
    var hasVocabulary = false

    /// Ids above this are refused (Whisper has 51865; a corrupt file must not allocate gigabytes).
    static let maximumId = 1 << 22

    /// The largest id a file of `byteCount` bytes may use: ids size the id → token table (16 B an
    /// entry), so beyond Whisper's range (below 2^17) they are bounded by what the file can hold
    /// too (a dense vocabulary takes well over 4 bytes an entry): a 38-byte file claiming id 4 M
    /// would otherwise make a 64-MB table.
    static func idLimit(byteCount: Int) -> Int { min(maximumId, max(1 << 17, byteCount / 4)) }

    static func parse(_ bytes: [UInt8], path: String) throws -> TokenizerJSON {
        var out = TokenizerJSON()
        var s = JSONScanner(bytes: bytes, path: path)
        let idLimit = Self.idLimit(byteCount: bytes.count)
        func beyond(_ id: Int) -> String {
            "is above \(idLimit), the most a \(bytes.count)-byte file can hold (Whisper's ids end at 51865): the file is damaged; copy tokenizer.json again from the model's distribution"
        }
        try s.object { key, s in
            switch key {
            case "model":
                try s.object { key, s in
                    switch key {
                    case "type" where s.peek == UInt8(ascii: "\""): out.type = try s.string()
                    case "vocab":
                        out.hasVocabulary = true
                        try s.object { token, s in
                            let id = try s.integer()
                            guard id >= 0 else { throw s.error("vocabulary id \(id) out of range") }
                            guard id <= idLimit else {
                                throw ModelsError.tokenizer(path: path, reason: "model.vocab: id \(id) of '\(token.prefix(40))' at byte \(s.offset) \(beyond(id))")
                            }
                            out.idToToken[id] = token
                            out.vocabularyCount += 1
                        }
                    case "merges":
                        let start = s.offset
                        try s.array { k, s in try s.skipMerge(k) }
                        out.merges = start..<s.offset
                    default: try s.skipValue()
                    }
                }
            case "added_tokens":
                try s.array { k, s in
                    var content: String?, id: Int?
                    try s.object { key, s in
                        switch key {
                        case "content" where s.peek == UInt8(ascii: "\""): content = try s.string()
                        case "id" where s.peek != UInt8(ascii: "n"): id = try s.integer()
                        default: try s.skipValue()
                        }
                    }
                    guard let content, let id, id >= 0 else {
                        throw ModelsError.tokenizer(path: path, reason: "added_tokens[\(k)] lacks content or id")
                    }
                    guard id <= idLimit else {
                        throw ModelsError.tokenizer(path: path, reason: "added_tokens[\(k)] ('\(content.prefix(40))') has id \(id), which \(beyond(id)) (at byte \(s.offset))")
                    }
                    out.added.append((content, id))
                }
            default: try s.skipValue()
            }
        }
        return out
    }

    /// The merges as "left right" keys in rank order (from the range `parse` found).
    static func mergeKeys(_ bytes: [UInt8], range: Range<Int>, path: String) throws -> [String] {
        var keys: [String] = []
        var s = JSONScanner(bytes: bytes, path: path)
        s.offset = range.lowerBound
        try s.array { k, s in
            if s.peek == UInt8(ascii: "\"") {
                keys.append(try s.string())
            } else {
                var pair: [String] = []
                try s.array { _, s in pair.append(try s.string()) }
                guard pair.count == 2 else { throw ModelsError.tokenizer(path: path, reason: "model.merges[\(k)] is neither \"a b\" nor [a, b]") }
                keys.append(pair[0] + " " + pair[1])
            }
        }
        return keys
    }
}

/// A strict JSON reader over bytes for the shapes `TokenizerJSON` walks.
struct JSONScanner {
    let bytes: [UInt8]
    let path: String
    var offset = 0

    init(bytes: [UInt8], path: String) { self.bytes = bytes; self.path = path }

    var peek: UInt8? {
        mutating get { skipSpace(); return offset < bytes.count ? bytes[offset] : nil }
    }

    func error(_ what: String) -> ModelsError {
        ModelsError.tokenizer(path: path, reason: "malformed JSON at byte \(offset): \(what)")
    }

    mutating func skipSpace() {
        while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09 {
            offset += 1
        }
    }

    mutating func expect(_ c: Character) throws {
        skipSpace()
        guard offset < bytes.count, bytes[offset] == c.asciiValue else { throw error("expected '\(c)'") }
        offset += 1
    }

    /// An object: `body(key, scanner)` reads each value.
    mutating func object(_ body: (String, inout JSONScanner) throws -> Void) throws {
        try expect("{")
        if peek == UInt8(ascii: "}") { offset += 1; return }
        while true {
            let key = try string()
            try expect(":")
            try body(key, &self)
            guard let c = peek else { throw error("unterminated object") }
            offset += 1
            if c == UInt8(ascii: "}") { return }
            guard c == UInt8(ascii: ",") else { offset -= 1; throw error("expected ',' or '}'") }
        }
    }

    /// An array: `body(index, scanner)` reads each element.
    mutating func array(_ body: (Int, inout JSONScanner) throws -> Void) throws {
        try expect("[")
        if peek == UInt8(ascii: "]") { offset += 1; return }
        var k = 0
        while true {
            try body(k, &self)
            k += 1
            guard let c = peek else { throw error("unterminated array") }
            offset += 1
            if c == UInt8(ascii: "]") { return }
            guard c == UInt8(ascii: ",") else { offset -= 1; throw error("expected ',' or ']'") }
        }
    }

    mutating func integer() throws -> Int {
        skipSpace()
        var negative = false
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { negative = true; offset += 1 }
        let start = offset
        var value = 0
        while offset < bytes.count, bytes[offset] >= 0x30, bytes[offset] <= 0x39, offset - start < 18 {
            value = value * 10 + Int(bytes[offset] - 0x30)
            offset += 1
        }
        guard offset > start else { throw error("expected an integer") }
        if offset < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[offset]) || (bytes[offset] >= 0x30 && bytes[offset] <= 0x39) {
            throw error("expected an integer")
        }
        return negative ? -value : value
    }

    /// A string, escapes decoded (invalid UTF-8 becomes U+FFFD).
    mutating func string() throws -> String {
        try expect("\"")
        let start = offset
        while offset < bytes.count, bytes[offset] != UInt8(ascii: "\""), bytes[offset] != UInt8(ascii: "\\") { offset += 1 }
        guard offset < bytes.count else { throw error("unterminated string") }
        if bytes[offset] == UInt8(ascii: "\"") {
            offset += 1
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<(offset - 1)]), as: UTF8.self) }
        }
        var out = Array(bytes[start..<offset])
        while offset < bytes.count {
            let c = bytes[offset]
            offset += 1
            if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard offset < bytes.count else { break }
            let e = bytes[offset]
            offset += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00, offset + 1 < bytes.count,
                   bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                    let save = offset
                    offset += 2
                    let low = try hex4()
                    if low >= 0xDC00, low < 0xE000 { scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) } else { offset = save }
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default: throw error("bad escape")
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[offset]
            offset += 1
            switch c {
            case 0x30...0x39: v = v * 16 + UInt32(c - 0x30)
            case 0x41...0x46: v = v * 16 + UInt32(c - 0x41 + 10)
            case 0x61...0x66: v = v * 16 + UInt32(c - 0x61 + 10)
            default: throw error("bad \\u escape")
            }
        }
        return v
    }

    /// Skips a string without decoding it.
    mutating func skipString() throws {
        try expect("\"")
        while offset < bytes.count {
            let c = bytes[offset]
            offset += 1
            if c == UInt8(ascii: "\"") { return }
            if c == UInt8(ascii: "\\") {
                guard offset < bytes.count, "\"\\/bfnrtu".utf8.contains(bytes[offset]) else { throw error("bad escape") }
                offset += 1
            }
        }
        throw error("unterminated string")
    }

    /// Checks a merges entry ("a b", or [a, b]) without building strings.
    mutating func skipMerge(_ k: Int) throws {
        if peek == UInt8(ascii: "\"") {
            let start = offset
            try skipString()
            guard bytes[start..<offset].contains(0x20) else {
                throw ModelsError.tokenizer(path: path, reason: "model.merges[\(k)] is neither \"a b\" nor [a, b]")
            }
            return
        }
        var n = 0
        try array { _, s in try s.skipString(); n += 1 }
        guard n == 2 else { throw ModelsError.tokenizer(path: path, reason: "model.merges[\(k)] is neither \"a b\" nor [a, b]") }
    }

    /// Skips any value.
    mutating func skipValue() throws {
        guard let c = peek else { throw error("expected a value") }
        switch c {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"): try object { _, s in try s.skipValue() }
        case UInt8(ascii: "["): try array { _, s in try s.skipValue() }
        default:
            let start = offset
            while offset < bytes.count, !",}] \n\r\t".utf8.contains(bytes[offset]) { offset += 1 }
            let word = bytes[start..<offset]
            let literal = ["true", "false", "null"].contains { word.elementsEqual($0.utf8) }
            let number = !word.isEmpty && word.allSatisfy { (0x30...0x39).contains($0) || "+-.eE".utf8.contains($0) }
            guard literal || number else { offset = start; throw error("expected a value") }
        }
    }
}
