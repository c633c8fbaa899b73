/// A text check run before TOML reaches toml++ (inside TOMLKit 0.6.0), which aborts the process
/// on an assertion in `parse_key` for a table header that starts with a non-key character
/// (`[é]`, `[\x01`, `[` + line break, `[.audio]`, `[[[audio]`, any of them after a byte-order mark
/// or CRLF lines; found by `make fuzz`). Such a header is invalid TOML anyway. Both readers of
/// captiond.toml use it: the daemon's ConfigLoader and captionctl, which reads the socket paths
/// from it; it lives with the socket code both of them import (CaptionCore keeps types and rings
/// only).
public enum TOMLHeaderCheck {
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

    /// What to tell the user about a bad header.
    public static let advice = "a table name must start with an ASCII letter, digit, '_' or '-', or be quoted, e.g. [audio]"
}
