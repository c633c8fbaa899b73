/// The part of a byte-level BPE tokenizer that encoding some known words can touch, read without
/// building the full tables (50,000 merge keys and 51,865 token strings hashed into dictionaries):
/// every symbol BPE forms while encoding a word is a substring of that word, so only merges whose
/// two sides joined are such a substring can ever be looked up, and only tokens equal to one can be
/// the result. Encoding those words with this subset gives the ids the full tables give. Used for
/// the fixed texts every transcription encodes (faster-whisper's non-speech suppression list), so
/// a transcription without a prompt never builds the full tables.
struct MergeSubset {
    /// "left right" → rank, for the merges whose sides joined are a substring of a word.
    let ranks: [String: Int]
    /// token → id for the tokens equal to a substring of a word (first id of a repeated token,
    /// added tokens overriding, as the full table).
    let ids: [String: Int]

    /// The substrings (UTF-8 of the byte-level alphabet strings) of `words`, which are byte-level
    /// alphabet strings.
    static func substrings(of words: [String]) -> Set<[UInt8]> {
        var out = Set<[UInt8]>()
        for word in words {
            let scalars = Array(word.unicodeScalars)
            for i in 0..<scalars.count {
                var bytes: [UInt8] = []
                for j in i..<scalars.count {
                    bytes.append(contentsOf: String(scalars[j]).utf8)
                    out.insert(bytes)
                }
            }
        }
        return out
    }

    /// Reads the subset for `words` from the merges' JSON bytes (the array `TokenizerJSON.parse`
    /// located and checked), the id → token table and the added tokens.
    init(words: [String], merges: [UInt8], idToToken: TokenTable, added: [(content: String, id: Int)], path: String) throws {
        let wanted = ByteSet(Self.substrings(of: words))
        var ranks: [String: Int] = [:]
        var s = JSONScanner(bytes: merges, path: path)
        try s.array { rank, s in
            guard let (key, joined) = try Self.merge(&s, rank, path: path, wanted: wanted) else { return }
            if wanted.contains(joined), ranks[key] == nil { ranks[key] = rank }
        }
        var ids: [String: Int] = [:]
        for (id, token) in idToToken.entries {   // the smallest id of each token, as a scan in id order
            guard token.utf8.count <= wanted.longest, wanted.mayContain(ByteSet.fnv(token.utf8)),
                  ids[token].map({ id < $0 }) ?? true, wanted.contains(Array(token.utf8)) else { continue }
            ids[token] = id
        }
        for (content, id) in added where wanted.contains(Array(content.utf8)) { ids[content] = id }
        self.ranks = ranks
        self.ids = ids
    }

    /// One merges entry as its "left right" key and its sides joined (UTF-8); nil, without making
    /// strings, when the joined sides cannot be in `wanted` (too long, or their hash is not there).
    private static func merge(_ s: inout JSONScanner, _ k: Int, path: String, wanted: ByteSet) throws -> (String, [UInt8])? {
        func bad() -> ModelsError { .tokenizer(path: path, reason: "model.merges[\(k)] is neither \"a b\" nor [a, b]") }
        if s.peek == UInt8(ascii: "\"") {
            // "a b" without escapes: its bytes as they lie; with escapes, decoded.
            let start = s.offset + 1
            var end = start
            while end < s.bytes.count, s.bytes[end] != UInt8(ascii: "\""), s.bytes[end] != UInt8(ascii: "\\") { end += 1 }
            if end < s.bytes.count, s.bytes[end] == UInt8(ascii: "\"") {
                s.offset = end + 1
                guard let space = s.bytes[start..<end].firstIndex(of: 0x20) else { throw bad() }
                guard end - start - 1 <= wanted.longest,
                      wanted.mayContain(ByteSet.fnv(s.bytes[(space + 1)..<end], from: ByteSet.fnv(s.bytes[start..<space]))) else { return nil }
                let joined = Array(s.bytes[start..<space]) + Array(s.bytes[(space + 1)..<end])
                return (String(decoding: s.bytes[start..<end], as: UTF8.self), joined)
            }
            let key = try s.string()
            guard let space = key.utf8.firstIndex(of: 0x20) else { return nil }   // never looked up
            return (key, Array(key.utf8[..<space]) + Array(key.utf8[key.utf8.index(after: space)...]))
        }
        var pair: [String] = []
        try s.array { _, s in pair.append(try s.string()) }
        guard pair.count == 2 else { throw bad() }
        return (pair[0] + " " + pair[1], Array(pair[0].utf8) + Array(pair[1].utf8))
    }
}

/// A set of byte strings with a 64-bit FNV-1a prefilter, so most probes (merges and tokens that are
/// no word's substring) cost a hash of their bytes and no allocation.
struct ByteSet {
    let members: Set<[UInt8]>
    let hashes: Set<UInt64>
    let longest: Int

    init(_ members: Set<[UInt8]>) {
        self.members = members
        hashes = Set(members.map { Self.fnv($0) })
        longest = members.map(\.count).max() ?? 0
    }

    /// FNV-1a of `bytes`, continuing from `h` (a hash of the bytes before them).
    static func fnv<C: Collection>(_ bytes: C, from h: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 where C.Element == UInt8 {
        var h = h
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// False when no member has this FNV-1a hash.
    func mayContain(_ hash: UInt64) -> Bool { hashes.contains(hash) }

    func contains(_ bytes: [UInt8]) -> Bool {
        bytes.count <= longest && hashes.contains(Self.fnv(bytes)) && members.contains(bytes)
    }
}
