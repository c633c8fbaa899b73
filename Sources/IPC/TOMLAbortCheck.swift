/// The text shapes on which toml++ (inside TOMLKit 0.6.0) fails an assertion and aborts the process
/// instead of reporting an error, refused before the text reaches it (all found by `make fuzz`):
/// a table header that starts with a non-key character (`[é]`, `[\x01`, `[` + line break,
/// `[.audio]`, `[[[audio]`, any of them after a byte-order mark or CRLF lines; `parse_key`), and a
/// `}` where an array expects a value (`d = [ 1, }`; `parse_value`). Such text is invalid TOML
/// anyway. Both readers of captiond.toml run it: the daemon's ConfigLoader and captionctl, which
/// reads the socket paths from it; it lives with the socket code both of them import (CaptionCore
/// keeps types and rings only).
public enum TOMLAbortCheck {
    /// The 1-based (line, column) of the first table header whose name cannot start a key, or nil.
    public static func firstBadHeader(_ text: String) -> (line: Int, column: Int)? {
        // Lines split on the scalar "\n": split on Characters, "\r\n" is one Character and no line
        // break, so a header after a CRLF line was never looked at (found by `make fuzz`).
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() {
            let scalars = Array(line)
            // toml++ skips a byte-order mark at the start of the text (editors that save "UTF-8
            // with BOM" write one): the header after it is checked too (found by `make fuzz`:
            // BOM + "[" + a non-key byte aborted the parser). Columns count from after it.
            let bom = n == 0 && scalars.first == "\u{FEFF}" ? 1 : 0
            var i = bom
            while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
            guard i < scalars.count, scalars[i] == "[" else { continue }
            i += 1
            if i < scalars.count, scalars[i] == "[" { i += 1 }                // [[array of tables]]
            while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
            guard i < scalars.count else {
                if n + 1 < lines.count { return (n + 1, i + 1 - bom) }    // "[" then a line break
                continue
            }
            let c = scalars[i]
            let startsName = c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "_-\"']".unicodeScalars.contains(c))
            if !startsName { return (n + 1, i + 1 - bom) }
        }
        return nil
    }

    /// The 1-based (line, column) of a `}` where an array expects a value — right after its `[` or
    /// a `,`, with only spaces, line breaks or comments between (`d = [ 1, }`, a typo for `]`) —
    /// or nil. toml++ fails an assertion in `parse_value` there and aborts the process (found by
    /// `make fuzz`); such text is invalid TOML anyway. Strings and comments are skipped.
    public static func firstBraceForArrayValue(_ text: String) -> (line: Int, column: Int)? {
        let s = Array(text.unicodeScalars)
        var stack: [Unicode.Scalar] = []     // open arrays "[" and inline tables "{" of values
        var expectingValue = false            // inside an array, after its "[" or a ","
        var lineStart = true                  // nothing but spaces yet on this line
        var line = 1, lineBegin = 0, i = 0
        func skipString(_ quote: Unicode.Scalar) {
            let triple = i + 2 < s.count && s[i + 1] == quote && s[i + 2] == quote
            i += triple ? 3 : 1
            while i < s.count {
                if s[i] == "\\" && quote == "\"" { i += 2; continue }
                if s[i] == "\n" { if !triple { return }; line += 1; lineBegin = i + 1 }
                if s[i] == quote && (!triple || (i + 2 < s.count && s[i + 1] == quote && s[i + 2] == quote)) {
                    i += triple ? 3 : 1
                    return
                }
                i += 1
            }
        }
        while i < s.count {
            let c = s[i]
            switch c {
            case "\n":
                line += 1; lineBegin = i + 1; lineStart = true; i += 1; continue
            case " ", "\t", "\r":
                i += 1; continue
            case "#":
                while i < s.count && s[i] != "\n" { i += 1 }
                continue
            case "\"", "'":
                skipString(c); expectingValue = false; lineStart = false; continue
            case "[" where stack.isEmpty && lineStart:   // a table header: its line is checked by firstBadHeader
                while i < s.count && s[i] != "\n" { i += 1 }
                continue
            case "[":
                stack.append(c); expectingValue = true
            case "{":
                stack.append(c); expectingValue = false
            case "]", "}":
                if c == "}" && stack.last == "[" && expectingValue { return (line, i - lineBegin + 1) }
                if !stack.isEmpty { stack.removeLast() }
                expectingValue = false
            case ",":
                expectingValue = stack.last == "["
            default:
                expectingValue = false
            }
            lineStart = false
            i += 1
        }
        return nil
    }

    /// The first place where toml++ would abort instead of reporting an error, with what to tell
    /// the user, or nil.
    public static func firstAbortingShape(_ text: String) -> (line: Int, column: Int, reason: String)? {
        let header = firstBadHeader(text).map { ($0.line, $0.column, headerAdvice) }
        let brace = firstBraceForArrayValue(text).map { ($0.line, $0.column, braceAdvice) }
        return [header, brace].compactMap { $0 }.min { ($0.0, $0.1) < ($1.0, $1.1) }
    }

    /// What to tell the user about a `}` where an array value should be.
    public static let braceAdvice = "expected a value or ']' in this array, found '}' (an array ends with ']')"

    /// What to tell the user about a bad header.
    public static let headerAdvice = "a table name must start with an ASCII letter, digit, '_' or '-', or be quoted, e.g. [audio]"
}
