import Foundation

/// A word's probability from the log-probabilities of the tokens that spell it: the product of
/// the probabilities of its tokens that carry letters or digits (punctuation tokens, which the
/// decoder is often unsure of, say little about whether the word itself is right), or of all its
/// tokens when none does.
public enum WordProbability {
    /// - Parameters:
    ///   - words: number of words `CaptionText.words` finds in the decoded text of `tokens`.
    ///   - tokens: the text tokens of one stretch of text, in order (n).
    ///   - logProbs: the log-probability of each token (n).
    ///   - decode: the tokenizer's decoding of a token sequence.
    /// - Returns: one probability per word (`words` values).
    public static func of(words: Int, tokens: [Int], logProbs: [Float], decode: ([Int]) -> String) -> [Double] {
        guard words > 0 else { return [] }
        var content = [Double](repeating: 0, count: words)   // log-probability of content tokens per word
        var all = [Double](repeating: 0, count: words)       // log-probability of every token per word
        var hasContent = [Bool](repeating: false, count: words)
        var previous = ""
        for i in tokens.indices where i < logProbs.count {
            // The token belongs to the last word of the text decoded so far (a token that starts a
            // word starts with its space, so the prefix through it already holds the new word).
            let prefix = decode(Array(tokens[...i]))
            let index = min(words - 1, max(0, CaptionText.words(prefix).count - 1))
            let piece = prefix.hasPrefix(previous) ? String(prefix.dropFirst(previous.count)) : prefix
            previous = prefix
            let lp = Double(logProbs[i])
            all[index] += lp
            if piece.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
                content[index] += lp
                hasContent[index] = true
            }
        }
        return (0..<words).map { exp(hasContent[$0] ? content[$0] : all[$0]) }
    }
}
