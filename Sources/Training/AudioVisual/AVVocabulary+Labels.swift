import Foundation
import Models

extension AVVocabulary {
    /// Class ids of a transcript; a character outside the vocabulary is an error naming it and
    /// the vocabulary's characters (`allowedCharacters`). Text outside the set is an error at
    /// training time (the corpus only writes these).
    public func labels(_ text: String) throws -> [Int] {
        let (ids, unknown) = ids(text)
        if let unknown {
            throw TrainingError.invalidArgument(name: "transcript", reason: "character '\(unknown)' in \"\(text)\" is not in the model's \(kind.rawValue) vocabulary (\(allowedCharacters))")
        }
        return ids
    }

    /// The symbols for a message, from `symbols`: runs of 3 or more consecutive letters or digits
    /// as a range, space and apostrophe by name (English: "space, apostrophe, a–z"; pinyin:
    /// "space, a–z, 1–5").
    public var allowedCharacters: String {
        var parts: [String] = []
        var i = 0
        while i < symbols.count {
            var j = i
            while j + 1 < symbols.count, let a = symbols[j].unicodeScalars.first, let b = symbols[j + 1].unicodeScalars.first,
                  symbols[j].unicodeScalars.count == 1, b.value == a.value + 1, symbols[j].isLetter || symbols[j].isNumber {
                j += 1
            }
            if j - i >= 2 {
                parts.append("\(symbols[i])–\(symbols[j])")
            } else {
                for c in symbols[i...j] {
                    parts.append(c == " " ? "space" : c == "'" ? "apostrophe" : "'\(c)'")
                }
            }
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}
