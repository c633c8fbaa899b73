/// The token of each id of a `tokenizer.json` (vocabulary and added tokens): a dictionary, so its
/// memory follows the entries the file holds, not its largest id. (A dense `[String?]` indexed by
/// id let one id size the table: a 40-byte file naming id 131,072 made a 2-MB table, an 8-MB one
/// naming id 2,000,000 a 32-MB one, each zeroed and copied when the added tokens went in.)
/// Shape: entries [id: token]; `count` = largest id + 1 (0 when empty), as the dense table's was.
struct TokenTable: Equatable {
    private(set) var entries: [Int: String] = [:]
    /// Largest id + 1 (0 when empty): ids at or above it have no token.
    private(set) var count = 0

    init() {}

    /// The table of a dense list (ids 0..<tokens.count); nil entries are left out.
    init(_ tokens: [String?]) {
        for (id, token) in tokens.enumerated() { if let token { entries[id] = token } }
        count = tokens.count
    }

    /// The token of `id`, nil for ids without one (negative ones included). Setting nil removes
    /// the entry; `count` only grows.
    subscript(id: Int) -> String? {
        get { entries[id] }
        set {
            entries[id] = newValue
            if newValue != nil, id >= count { count = id + 1 }
        }
    }

    /// Number of ids that have a token.
    var entryCount: Int { entries.count }

    /// (id, token) in increasing id order.
    func sortedEntries() -> [(id: Int, token: String)] {
        entries.sorted { $0.key < $1.key }.map { (id: $0.key, token: $0.value) }
    }

    /// The smallest id whose token is `token` (nil when none).
    func firstId(of token: String) -> Int? {
        var best: Int?
        for (id, t) in entries where t == token && id < (best ?? Int.max) { best = id }
        return best
    }
}
