/// Character classes shared by the normalisers and tokenisers, defined exactly as the Python
/// reference implementations define them (so results agree to the digit).
enum TextScalars {
    /// Python's str.isspace() / str.split() whitespace set.
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `line.split()`.
    static func pythonSplit(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if isPythonSpace(s) {
                if !current.isEmpty { tokens.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    /// Python's `str.strip()` / `str.rstrip()`.
    static func pythonStrip(_ text: String, leading: Bool = true) -> String {
        var scalars = Array(text.unicodeScalars)
        while let last = scalars.last, isPythonSpace(last) { scalars.removeLast() }
        if leading {
            let firstKept = scalars.firstIndex { !isPythonSpace($0) } ?? scalars.count
            scalars.removeFirst(firstKept)
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Unicode general category L (letter), M (mark) or N (number).
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    static func isDecimalDigit(_ s: Unicode.Scalar) -> Bool {
        s.properties.generalCategory == .decimalNumber
    }

    /// "Wide" scripts (CJK and later blocks): no spaces are kept next to them in Chinese normalisation.
    static func isWide(_ s: Unicode.Scalar) -> Bool { s.value >= 0x2E80 }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
