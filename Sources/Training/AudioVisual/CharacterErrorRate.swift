import Foundation

/// Character error rate: Levenshtein distance over characters / reference length.
public enum CharacterErrorRate {
    public static func distance(_ a: [Character], _ b: [Character]) -> Int { editDistance(a, b) }

    /// Levenshtein distance between two sequences (characters, or the syllables of `tokenRate`).
    static func editDistance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
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

    /// Σ edits / Σ reference tokens over pairs, the tokens being the space-separated words: for
    /// tone-numbered pinyin, the syllable error rate (a syllable with a wrong tone is wrong). With
    /// `ignoringTones`, the tone digits are dropped first (the toneless syllable error rate).
    public static func tokenRate(_ pairs: [(String, String)], ignoringTones: Bool = false) -> Double {
        func tokens(_ s: String) -> [String] {
            s.split(separator: " ").map { ignoringTones ? String($0.filter { !"12345".contains($0) }) : String($0) }
        }
        var edits = 0, total = 0
        for (h, r) in pairs {
            let (a, b) = (tokens(h), tokens(r))
            edits += editDistance(a, b); total += b.count
        }
        return total == 0 ? 0 : Double(edits) / Double(total)
    }
}
