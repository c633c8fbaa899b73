/// GPT-2's pre-tokenisation, written out by hand instead of with a regex engine. It splits text
/// into the pieces of the pattern
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// trying the alternatives in order at each position, as a backtracking regex engine does.
enum GPT2PreTokenizer {
    private static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll", "d"]
        .map { Array($0.unicodeScalars) }

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    static func isOther(_ s: Unicode.Scalar) -> Bool { !isSpace(s) && !isLetter(s) && !isNumber(s) }

    /// The pieces of `text`, in order; concatenated they give `text` back.
    static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        while i < scalars.count {
            let length = match(scalars, at: i)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[i..<(i + length)])
            pieces.append(String(view))
            i += length
        }
        return pieces
    }

    /// Length (≥ 1) of the piece starting at `i`.
    private static func match(_ s: [Unicode.Scalar], at i: Int) -> Int {
        let n = s.count
        // 's|'t|'re|'ve|'m|'ll|'d
        if s[i] == "'" {
            for c in contractions where i + 1 + c.count <= n && Array(s[(i + 1)..<(i + 1 + c.count)]) == c {
                return 1 + c.count
            }
        }
        // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': with the optional space first, then without.
        for klass in [isLetter, isNumber, isOther] as [(Unicode.Scalar) -> Bool] {
            var first = -1
            if s[i] == " " && i + 1 < n && klass(s[i + 1]) { first = i + 1 } else if klass(s[i]) { first = i }
            if first >= 0 {
                var j = first
                while j < n && klass(s[j]) { j += 1 }
                return j - i
            }
        }
        // \s+(?!\S) then \s+
        if isSpace(s[i]) {
            var j = i
            while j < n && isSpace(s[j]) { j += 1 }
            if j == n { return j - i }
            if j - i >= 2 { return j - i - 1 }
            return 1
        }
        return 1
    }
}
