import Foundation

/// The audio-visual model's output characters: index 0 is the CTC blank, then space, apostrophe
/// and a–z. Text outside the set is an error at training time (the corpus only writes these).
public enum CharacterVocabulary {
    public static let characters: [Character] = [" ", "'"] + "abcdefghijklmnopqrstuvwxyz".map { $0 }
    public static var count: Int { characters.count + 1 }
    public static let blank = 0

    public static func encode(_ text: String) throws -> [Int] {
        try text.lowercased().map { ch in
            guard let i = characters.firstIndex(of: ch) else {
                throw TrainingError.invalidArgument(name: "transcript", reason: "character '\(ch)' in \"\(text)\" is not in the model's vocabulary (a–z, space, apostrophe)")
            }
            return i + 1
        }
    }

    public static func decode(_ ids: [Int]) -> String {
        String(ids.compactMap { $0 >= 1 && $0 <= characters.count ? characters[$0 - 1] : nil })
    }

    /// Best-path CTC decoding: argmax per frame, merge repeats, drop blanks.
    public static func greedyCTC(logits: [Float], frames t: Int) -> String {
        var out: [Int] = [], previous = -1
        for f in 0..<t {
            var best = 0
            for j in 1..<count where logits[f * count + j] > logits[f * count + best] { best = j }
            if best != previous && best != blank { out.append(best) }
            previous = best
        }
        return decode(out)
    }
}

/// Character error rate: Levenshtein distance over characters / reference length.
public enum CharacterErrorRate {
    public static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count), current = previous
        for i in 1...a.count {
            current[0] = i
            if !b.isEmpty {
                for j in 1...b.count {
                    current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Σ edits / Σ reference characters over pairs (hypothesis, reference).
    public static func rate(_ pairs: [(String, String)]) -> Double {
        var edits = 0, total = 0
        for (h, r) in pairs { edits += distance(Array(h), Array(r)); total += r.count }
        return total == 0 ? 0 : Double(edits) / Double(total)
    }
}
