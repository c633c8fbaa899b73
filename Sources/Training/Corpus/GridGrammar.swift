import Foundation

/// A sentence of the corpus: what is written (the transcript the model learns, lowercase letters,
/// digits spelled out, single spaces) and what espeak-ng is given to say it.
public struct CorpusSentence: Sendable, Equatable, Codable {
    public let text: String
    public let spoken: String
}

/// The GRID lipreading corpus's grammar (Cooke, Barker, Cunningham & Shao, "An audio-visual corpus
/// for speech perception and automatic speech recognition", JASA 120(5), 2006): command, colour,
/// preposition, letter (no W), digit, adverb — 51 words, 64,000 sentences, e.g. "bin blue at f two now".
public enum GridGrammar {
    public static let commands = ["bin", "lay", "place", "set"]
    public static let colours = ["blue", "green", "red", "white"]
    public static let prepositions = ["at", "by", "in", "with"]
    public static let letters = "abcdefghijklmnopqrstuvxyz".map(String.init)
    public static let digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    public static let adverbs = ["again", "now", "please", "soon"]

    public static var sentenceCount: Int {
        commands.count * colours.count * prepositions.count * letters.count * digits.count * adverbs.count
    }

    /// The sentence with index `i` in 0..<sentenceCount (mixed radix over the six slots).
    public static func sentence(_ i: Int) -> CorpusSentence {
        var n = i
        func take(_ words: [String]) -> String { let w = words[n % words.count]; n /= words.count; return w }
        let command = take(commands), colour = take(colours), preposition = take(prepositions)
        let letter = take(letters), digit = take(digits), adverb = take(adverbs)
        let text = [command, colour, preposition, letter, digit, adverb].joined(separator: " ")
        // espeak-ng reads a lone "a" as the article (schwa): give it the letter's name.
        let spokenLetter = letter == "a" ? "eh" : letter
        return CorpusSentence(text: text, spoken: [command, colour, preposition, spokenLetter, digit, adverb].joined(separator: " "))
    }

    public static var vocabulary: [String] { commands + colours + prepositions + letters + digits + adverbs }
}
