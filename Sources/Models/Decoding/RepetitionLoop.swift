/// A decoding loop in a token sequence: an n-gram of text tokens (n ≤ 8) repeated back to back,
/// 4 copies for n = 1 and 3 for longer ones ("and... and... and..." over a short live window's
/// padding). Timestamp tokens are ignored when comparing. The live window decoder cuts the loop
/// after its first copy (`cut`); with `DecodingOptions.stopAtRepetition` the greedy search stops
/// as soon as one is complete (`endsInLoop`) instead of generating to its token budget: on the
/// English fixtures a looping opening decode otherwise spent ~28 more steps (~0.19 s of a
/// 0.45-s decode with tiny.en) on tokens the cut then dropped.
public enum RepetitionLoop {
    /// Longest n-gram compared.
    public static let maxGram = 8

    /// Copies back to back that make a loop of an n-gram.
    static func copies(_ n: Int) -> Int { n == 1 ? 4 : 3 }

    /// `tokens` up to the end of the first copy of the earliest loop (timestamps before that point
    /// kept); `tokens` when none.
    public static func cut(_ tokens: [Int], isText: (Int) -> Bool) -> [Int] {
        let positions = tokens.indices.filter { isText(tokens[$0]) }   // (T) indices of text tokens
        let text = positions.map { tokens[$0] }
        for i in text.indices {
            for n in 1...maxGram {
                let copies = copies(n)
                guard i + copies * n <= text.count else { break }
                let gram = text[i..<(i + n)]
                if (1..<copies).allSatisfy({ text[(i + $0 * n)..<(i + ($0 + 1) * n)] == gram }) {
                    return Array(tokens[..<positions[i + n]])
                }
            }
        }
        return tokens
    }

    /// True when the text tokens end in a complete loop. Checked after every generated token, it
    /// fires at the first token that completes one (a loop that ends earlier would have fired
    /// earlier), so `cut` of the sequence so far is shorter than the sequence.
    public static func endsInLoop(_ tokens: [Int], isText: (Int) -> Bool) -> Bool {
        guard let last = tokens.last, isText(last) else { return false }
        var text: [Int] = []                       // the last text tokens, newest first
        text.reserveCapacity(3 * maxGram)
        for t in tokens.reversed() where isText(t) {
            text.append(t)
            if text.count == 3 * maxGram { break }
        }
        for n in 1...maxGram {
            let span = copies(n) * n
            guard span <= text.count else { break }
            // periodic with period n over the newest `span` tokens
            if (n..<span).allSatisfy({ text[$0] == text[$0 - n] }) { return true }
        }
        return false
    }
}
