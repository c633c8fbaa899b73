/// Byte-pair encoding by merge rank: a word (a string of byte-level alphabet symbols) starts as
/// single symbols; the adjacent pair with the lowest merge rank is merged everywhere, repeatedly,
/// until no adjacent pair has a rank.
final class BytePairEncoder {
    private let ranks: [String: Int]      // "left right" → rank (0 merges first)
    private var cache: [String: [String]] = [:]

    /// merges: pairs in rank order.
    init(merges: [(String, String)]) {
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(merges.count)
        for (rank, pair) in merges.enumerated() where ranks[pair.0 + " " + pair.1] == nil {
            ranks[pair.0 + " " + pair.1] = rank
        }
        self.ranks = ranks
    }

    /// rankKeys: "left right" keys in rank order (tokenizer.json's merge strings).
    init(rankKeys: [String]) {
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(rankKeys.count)
        for (rank, key) in rankKeys.enumerated() where ranks[key] == nil { ranks[key] = rank }
        self.ranks = ranks
    }

    /// ranks: "left right" → rank, as given (a subset of a tokenizer's merges: `MergeSubset`).
    init(ranks: [String: Int]) { self.ranks = ranks }

    func rank(_ left: String, _ right: String) -> Int? { ranks[left + " " + right] }

    /// The symbols `word` encodes to.
    func encode(_ word: String) -> [String] {
        if let hit = cache[word] { return hit }
        var symbols = word.unicodeScalars.map { String($0) }
        while symbols.count > 1 {
            var best: Int? = nil
            var bestPair = ("", "")
            for k in 0..<(symbols.count - 1) {
                if let r = rank(symbols[k], symbols[k + 1]), best == nil || r < best! {
                    best = r
                    bestPair = (symbols[k], symbols[k + 1])
                }
            }
            if best == nil { break }
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count && symbols[k] == bestPair.0 && symbols[k + 1] == bestPair.1 {
                    merged.append(bestPair.0 + bestPair.1)
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        if cache.count < 100_000 { cache[word] = symbols }
        return symbols
    }
}
