/// sacrebleu's tokenisers, reimplemented rule for rule: `13a` (mteval-v13a) and `zh`.
public enum BLEUTokenizer: String, Codable, CaseIterable {
    case thirteenA = "13a"
    case zh = "zh"
    /// Whitespace split only (sacrebleu's `none`).
    case none = "none"

    /// The tokenised line (tokens separated by single spaces), as sacrebleu's tokenizer returns it.
    public func tokenize(_ line: String) -> String {
        switch self {
        case .none:
            return line
        case .thirteenA:
            var s = line.replacingAll("<skipped>", with: "")
            s = s.replacingAll("-\n", with: "")
            s = s.replacingAll("\n", with: " ")
            if s.unicodeScalars.contains("&") {
                s = s.replacingAll("&quot;", with: "\"").replacingAll("&amp;", with: "&")
                    .replacingAll("&lt;", with: "<").replacingAll("&gt;", with: ">")
            }
            return BLEUTokenizer.regexpPost(Array((" " + s + " ").unicodeScalars))
        case .zh:
            var out: [Unicode.Scalar] = []
            for c in TextScalars.pythonStrip(line).unicodeScalars {
                if BLEUTokenizer.isChinese(c) { out.append(" "); out.append(c); out.append(" ") } else { out.append(c) }
            }
            return BLEUTokenizer.regexpPost(out)
        }
    }

    /// sacrebleu's TokenizerRegexp: four regex substitutions applied left to right (non-overlapping
    /// matches, as Python's re.sub scans), then whitespace normalisation.
    static func regexpPost(_ input: [Unicode.Scalar]) -> String {
        // 1. ([\{-\~\[-\` -\&\(-\+\:-\@\/]) → " \1 "
        var s: [Unicode.Scalar] = []
        s.reserveCapacity(input.count * 2)
        for c in input {
            if isRule1Punct(c) { s.append(" "); s.append(c); s.append(" ") } else { s.append(c) }
        }
        // 2. ([^0-9])([\.,]) → "\1 \2 "
        s = pairRule(s, first: { !isASCIIDigit($0) }, second: isDotComma) { a, b in [a, " ", b, " "] }
        // 3. ([\.,])([^0-9]) → " \1 \2"
        s = pairRule(s, first: isDotComma, second: { !isASCIIDigit($0) }) { a, b in [" ", a, " ", b] }
        // 4. ([0-9])(-) → "\1 \2 "
        s = pairRule(s, first: isASCIIDigit, second: { $0 == "-" }) { a, b in [a, " ", b, " "] }
        return TextScalars.pythonSplit(TextScalars.string(s)).joined(separator: " ")
    }

    /// One two-character regex substitution with Python's scanning: try at each position, on a match
    /// emit the replacement and continue after it.
    private static func pairRule(_ s: [Unicode.Scalar], first: (Unicode.Scalar) -> Bool,
                                 second: (Unicode.Scalar) -> Bool,
                                 replace: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + 8)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, first(s[i]), second(s[i + 1]) {
                out.append(contentsOf: replace(s[i], s[i + 1])); i += 2
            } else {
                out.append(s[i]); i += 1
            }
        }
        return out
    }

    private static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    private static func isDotComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }
    private static func isRule1Punct(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    /// sacrebleu's `_is_chinese_char`, including the effect of its two ranges written with five hex
    /// digits ("\u20000" is U+2000 followed by "0" in Python, so that range is U+2001…U+2A6D, and
    /// "\u2f800"…"\u2fa1d" is U+2F81…U+2FA1).
    static func isChinese(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        let ranges: [ClosedRange<UInt32>] = [
            0x3400...0x4DB5, 0x4E00...0x9FA5, 0x9FA6...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A,
            0xFA70...0xFAD9, 0x2001...0x2A6D, 0x2F81...0x2FA1, 0xFF00...0xFFEF, 0x2E80...0x2EFF,
            0x3000...0x303F, 0x31C0...0x31EF, 0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3100...0x312F,
            0x31A0...0x31BF, 0xFE10...0xFE1F, 0xFE30...0xFE4F, 0x2600...0x26FF, 0x2700...0x27BF,
            0x3200...0x32FF, 0x3300...0x33FF,
        ]
        return ranges.contains { $0.contains(v) }
    }
}

extension String {
    /// Literal (non-regex) replacement of every occurrence, scanning left to right like Python's str.replace.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let t = Array(target.unicodeScalars)
        let src = Array(unicodeScalars)
        guard !t.isEmpty, src.count >= t.count else { return self }
        var out: [Unicode.Scalar] = []
        var i = 0
        while i < src.count {
            if i + t.count <= src.count && Array(src[i..<(i + t.count)]) == t {
                out.append(contentsOf: replacement.unicodeScalars); i += t.count
            } else {
                out.append(src[i]); i += 1
            }
        }
        return TextScalars.string(out)
    }
}
