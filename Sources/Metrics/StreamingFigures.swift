import Foundation

/// Summary of latencies in seconds (median and p90 with linear interpolation, as numpy.percentile).
public struct LatencySummary: Codable, Equatable {
    public let count: Int
    public let median: Double?
    public let p90: Double?
    public let mean: Double?

    public init(_ values: [Double]) {
        count = values.count
        let sorted = values.sorted()
        median = LatencySummary.percentile(sorted, 50)
        p90 = LatencySummary.percentile(sorted, 90)
        mean = values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Linear-interpolation percentile of sorted values (nil when empty).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let pos = q / 100 * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
    }
}

/// Word latency and flicker of a recorded caption stream.
///
/// Latency: after every event the shown transcript (finals, then the open utterances' partial text)
/// and the committed transcript (finals, then the partials' stable prefixes) are aligned with the
/// normalised reference words (`EditAlignment`); a reference word's first-appearance time is the
/// first event whose shown transcript matches it, its commitment time the first event whose committed
/// transcript matches it. Latency = that time − the word's end time (negative if shown early).
/// Reference words never matched are counted as missed.
///
/// Flicker: per utterance, every distinct emitted partial word — a word together with the words before
/// it in the same partial (a prefix) — counts once; it is revised when the utterance's final text does
/// not start with that prefix (without a final, its last partial is the outcome).
/// flicker = revised / emitted.
public struct StreamingFigures: Codable, Equatable {
    public let referenceWords: Int
    public let appeared: Int
    public let committed: Int
    public let missed: Int
    public let firstAppearance: LatencySummary
    public let commitment: LatencySummary
    public let emittedPartialWords: Int
    public let revisedPartialWords: Int
    public let flicker: Double
    /// Per reference token: first-appearance and commitment latency (nil when never matched).
    public let perWord: [WordLatency]

    public struct WordLatency: Codable, Equatable {
        public let word: String
        public let end: Double
        public let firstAppearance: Double?
        public let commitment: Double?
    }

    public static func compute(events: [CaptionLogEvent], reference: [ReferenceWord], language: String) throws -> StreamingFigures {
        let lang = try ScoringLanguage(code: language)
        let tokenize: (String) throws -> [String]
        switch lang {
        case .english: tokenize = { EnglishNormalizer.wordKeys(EnglishNormalizer.normalize($0)) }   // "1" matches "one"
        case .chinese:
            let zh = try ChineseNormalizer()
            tokenize = { ChineseNormalizer.tokens(try zh.normalize($0)) }
        }
        // Reference tokens with the end time of the word they came from.
        var refTokens: [String] = [], refEnds: [Double] = []
        for w in reference {
            for tok in try tokenize(w.word) { refTokens.append(tok); refEnds.append(w.end) }
        }
        var firstSeen = [Double?](repeating: nil, count: refTokens.count)
        var firstCommitted = [Double?](repeating: nil, count: refTokens.count)

        var order: [Int] = []                       // utterance keys in order of first appearance
        var shown: [Int: [String]] = [:]            // utterance → shown tokens
        var stable: [Int: [String]] = [:]           // utterance → committed tokens
        var isFinal: Set<Int> = []
        var partials: [Int: [[String]]] = [:]       // utterance → token lists of its partials
        var implicitUtterance = 0
        var lastShown: [String]? = nil, lastCommitted: [String]? = nil

        for e in events {
            let key = e.utterance ?? implicitUtterance
            if shown[key] == nil { order.append(key) }
            let text = try tokenize(e.text)
            switch e.type {
            case .partial:
                if isFinal.contains(key) { continue }   // a late partial after its final is ignored
                shown[key] = text
                stable[key] = try tokenize(e.stable ?? "")
                partials[key, default: []].append(text)
            case .final:
                shown[key] = text
                stable[key] = text
                isFinal.insert(key)
                if e.utterance == nil { implicitUtterance += 1 }
            }
            let hyp = order.flatMap { shown[$0] ?? [] }
            if hyp != lastShown {
                mark(&firstSeen, EditAlignment(reference: refTokens, hypothesis: hyp), at: e.t)
                lastShown = hyp
            }
            let com = order.flatMap { stable[$0] ?? [] }
            if com != lastCommitted {
                mark(&firstCommitted, EditAlignment(reference: refTokens, hypothesis: com), at: e.t)
                lastCommitted = com
            }
        }

        var emitted = 0, revised = 0
        for key in order {
            let list = partials[key] ?? []
            let outcome = isFinal.contains(key) ? (shown[key] ?? []) : (list.last ?? [])
            let trie = PrefixTrie()
            for p in list { trie.insert(p) }
            emitted += trie.nodeCount
            revised += trie.nodeCount - trie.matchedDepth(outcome)
        }

        let perWord = refTokens.indices.map { i in
            WordLatency(word: refTokens[i], end: refEnds[i],
                        firstAppearance: firstSeen[i].map { $0 - refEnds[i] },
                        commitment: firstCommitted[i].map { $0 - refEnds[i] })
        }
        return StreamingFigures(
            referenceWords: refTokens.count,
            appeared: firstSeen.compactMap { $0 }.count,
            committed: firstCommitted.compactMap { $0 }.count,
            missed: firstSeen.filter { $0 == nil }.count,
            firstAppearance: LatencySummary(perWord.compactMap(\.firstAppearance)),
            commitment: LatencySummary(perWord.compactMap(\.commitment)),
            emittedPartialWords: emitted, revisedPartialWords: revised,
            flicker: emitted == 0 ? 0 : Double(revised) / Double(emitted),
            perWord: perWord)
    }

    private static func mark(_ times: inout [Double?], _ alignment: EditAlignment, at t: Double) {
        for op in alignment.ops {
            if case let .equal(ref, _) = op, times[ref] == nil { times[ref] = t }
        }
    }

    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// Distinct token prefixes: each node is one emitted word in the context of the words before it.
final class PrefixTrie {
    private var children: [[String: Int]] = [[:]]
    var nodeCount: Int { children.count - 1 }

    func insert(_ tokens: [String]) {
        var node = 0
        for t in tokens {
            if let next = children[node][t] { node = next; continue }
            children.append([:])
            children[node][t] = children.count - 1
            node = children.count - 1
        }
    }

    /// How many leading tokens of `tokens` are a path in the trie (those emitted words survived).
    func matchedDepth(_ tokens: [String]) -> Int {
        var node = 0, depth = 0
        for t in tokens {
            guard let next = children[node][t] else { break }
            node = next; depth += 1
        }
        return depth
    }
}
