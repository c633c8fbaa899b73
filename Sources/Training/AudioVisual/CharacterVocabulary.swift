import Foundation
import Models

/// The English output characters (`Models.AVVocabulary.english`): index 0 is the CTC blank, then
/// space, apostrophe and a–z. Text outside the set is an error at training time (the corpus only
/// writes these). A model's own vocabulary is `AVConfiguration.outputVocabulary`.
public enum CharacterVocabulary {
    public static var characters: [Character] { AVVocabulary.english.symbols }
    public static var count: Int { AVVocabulary.english.classes }
    public static let blank = 0

    public static func encode(_ text: String) throws -> [Int] { try AVVocabulary.english.labels(text) }

    public static func decode(_ ids: [Int]) -> String { AVVocabulary.english.text(ids) }

    /// Best-path CTC decoding: argmax per frame, merge repeats, drop blanks.
    public static func greedyCTC(logits: [Float], frames t: Int) -> String { AVVocabulary.english.greedyCTC(logits: logits, steps: t) }
}

extension AVVocabulary {
    /// Class ids of a transcript; a character outside the vocabulary is an error naming it.
    public func labels(_ text: String) throws -> [Int] {
        let (ids, unknown) = ids(text)
        if let unknown {
            let allowed = kind == .english ? "a–z, space, apostrophe" : "a–z, tone digits 1–5, space"
            throw TrainingError.invalidArgument(name: "transcript", reason: "character '\(unknown)' in \"\(text)\" is not in the model's \(kind.rawValue) vocabulary (\(allowed))")
        }
        return ids
    }
}

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
