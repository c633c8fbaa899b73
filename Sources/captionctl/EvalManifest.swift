import Foundation

/// The clips `captionctl eval` scores, read from a TSV manifest.
///
/// - With a header line whose first field is `path`, columns are found by name: `path`, the
///   reference as `reference`, `text`, `ref`, `transcript` or `sentence`, and optionally `lang` /
///   `language`; other columns are ignored.
/// - Without a header, lines are `path<TAB>reference`. When the second column of every line looks
///   like a language code or a number (e.g. `path, lang, reference`), the manifest is refused: it
///   would be scored against the wrong column.
/// - A clip whose reference is empty is left out with a warning (an empty reference would count
///   every hypothesis word as an insertion: WER in the thousands of percent).
struct EvalManifest {
    struct Item: Equatable { let path: String; let reference: String; let lang: String? }
    var items: [Item] = []
    var warnings: [String] = []

    static let referenceNames = ["reference", "text", "ref", "transcript", "sentence"]
    static let languageNames = ["lang", "language", "locale"]

    struct Failure: Error { let message: String }

    /// Parses manifest `text` of file `path` (for messages); clip paths are relative to `base`.
    static func parse(_ text: String, path: String, base: URL) throws -> EvalManifest {
        var rows: [(line: Int, fields: [String])] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            rows.append((n + 1, line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)))
        }
        guard let first = rows.first else { throw Failure(message: "\(path): the manifest lists no clips") }

        var pathColumn = 0, refColumn = 1
        var langColumn: Int?
        let header = first.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if header.first == "path" {
            rows.removeFirst()
            guard let r = header.firstIndex(where: { referenceNames.contains($0) }) else {
                throw Failure(message: "\(path):\(first.line): the header names no reference column; name it one of \(referenceNames.joined(separator: ", ")) (columns: \(header.joined(separator: ", ")))")
            }
            refColumn = r
            pathColumn = 0
            langColumn = header.firstIndex(where: { languageNames.contains($0) })
        } else if let reason = secondColumnIsNotReference(rows.map(\.fields)) {
            throw Failure(message: "\(path): the second column \(reason), so it cannot be the reference; add a header line such as `path<TAB>lang<TAB>reference` naming the columns")
        }

        var manifest = EvalManifest()
        for (line, fields) in rows {
            guard fields.count > max(pathColumn, refColumn), !fields[pathColumn].isEmpty else {
                let shape = refColumn == 1 && langColumn == nil ? "path<TAB>reference" : "\(refColumn + 1) tab-separated columns as the header says"
                throw Failure(message: "\(path):\(line): expected \(shape), got \"\(fields.joined(separator: "\t").prefix(60))\"")
            }
            let clipName = fields[pathColumn]
            let clip = clipName.hasPrefix("/") ? clipName : base.appendingPathComponent(clipName).path
            let reference = fields[refColumn]
            if reference.trimmingCharacters(in: .whitespaces).isEmpty {
                manifest.warnings.append("\(path):\(line): \(clipName) has an empty reference; left out of the scores (give its transcript, or remove the line)")
                continue
            }
            let lang = langColumn.flatMap { $0 < fields.count && !fields[$0].isEmpty ? fields[$0] : nil }
            manifest.items.append(Item(path: clip, reference: reference, lang: lang))
        }
        guard !manifest.items.isEmpty else {
            throw Failure(message: "\(path): no clip with a non-empty reference to score")
        }
        return manifest
    }

    /// Why the second column of a header-less manifest is evidently not a reference, or nil.
    /// Only manifests with more than two columns, or whose second column is a language code or a
    /// number on every line, are suspected: a real reference of one short word stays accepted.
    static func secondColumnIsNotReference(_ rows: [[String]]) -> String? {
        let seconds = rows.compactMap { $0.count >= 2 ? $0[1].trimmingCharacters(in: .whitespaces) : nil }
        guard !seconds.isEmpty else { return nil }
        if seconds.allSatisfy(looksLikeLanguageCode) {
            return "holds language codes (\"\(seconds[0])\")"
        }
        if seconds.allSatisfy({ Double($0) != nil }) {
            return "holds numbers (\"\(seconds[0])\")"
        }
        if rows.contains(where: { $0.count > 2 }) {
            // Three or more columns without a header: which one is the reference is a guess.
            return "is one of \(rows.map(\.count).max() ?? 3) columns and no header says which column is the reference"
        }
        return nil
    }

    static func looksLikeLanguageCode(_ s: String) -> Bool {
        let parts = s.split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard let base = parts.first, (2...3).contains(base.count), base.allSatisfy({ $0.isASCII && $0.isLetter && $0.isLowercase }),
              parts.count <= 2 else { return false }
        if parts.count == 2 { return (2...4).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        return true
    }
}
