import CTOML
import Foundation

/// A parsed TOML document read through TOMLKit's C layer (`CTOML`, over toml++), freeing what it
/// hands back. TOMLKit 0.6.0's Swift accessors leak on every read — `TOMLValueConvertible.string`
/// returns a `strdup` copy, `.int`/`.double`/`.bool` a `malloc`ed cell, `TOMLTable.keys` an array
/// of `strdup` keys, and no `TOMLTable` ever deletes its toml++ tree — 7,706 bytes in 157 blocks
/// per load of the shipped captiond.toml (LeakSanitizer, `fuzz-toml`), so at every start-up and
/// SIGHUP reload. Here every copy is freed once read and the tree is cleared when the document
/// goes; the 96-byte root `toml::table` stays, as C has no way to delete it (CTOML exports none).
final class TOMLDocument {
    private let root: OpaquePointer

    /// Parses `text`; a syntax error throws `TOMLDocument.SyntaxError` with toml++'s message and
    /// its 1-based line and column.
    init(_ text: String) throws {
        // toml++ fills the error (its message a strdup copy) only when the parse fails.
        let error = UnsafeMutablePointer<CTOMLParseError>.allocate(capacity: 1)
        defer { error.deallocate() }
        let parsed = text.withCString { tableCreateFromString($0, error) }
        guard let parsed else {
            let e = error.pointee
            let description = String(cString: e.description)
            free(UnsafeMutableRawPointer(mutating: e.description))
            throw SyntaxError(description: description, line: Int(e.source.begin.line), column: Int(e.source.begin.column))
        }
        root = parsed
    }

    deinit { tableClear(root) }

    struct SyntaxError: Error {
        let description: String
        let line: Int
        let column: Int
    }

    /// The root table; valid while the document is.
    var table: Table { Table(pointer: root) }

    /// A table of the document (a view: the document owns it).
    struct Table {
        let pointer: OpaquePointer

        var keys: [String] {
            let count = tableSize(pointer)
            let list = tableGetKeys(pointer)
            var keys: [String] = []
            keys.reserveCapacity(count)
            for i in 0..<count {
                keys.append(String(cString: list[i]))
                free(UnsafeMutableRawPointer(mutating: list[i]))
            }
            free(UnsafeMutableRawPointer(mutating: list))
            return keys
        }

        subscript(key: String) -> Node? {
            key.withCString { tableGetNode(pointer, $0) }.map(Node.init)
        }
    }

    /// A value of the document; each accessor copies it out and frees CTOML's copy.
    struct Node {
        let pointer: OpaquePointer

        var table: Table? { nodeAsTable(pointer).map(Table.init) }

        var string: String? {
            guard let c = nodeAsString(pointer) else { return nil }
            defer { free(UnsafeMutableRawPointer(mutating: c)) }
            return String(cString: c)
        }

        var int: Int? { Self.take(nodeAsInt(pointer)).map { Int($0) } }
        var double: Double? { Self.take(nodeAsDouble(pointer)) }
        var bool: Bool? { Self.take(nodeAsBool(pointer)) }

        /// What the value is, for error messages ("a table", "an array", "a date or time").
        var kind: String {
            if table != nil { return "a table" }
            if nodeAsArray(pointer) != nil { return "an array" }
            if string != nil { return "a string" }
            if int != nil { return "an integer" }
            if double != nil { return "a float" }
            if bool != nil { return "a boolean" }
            return "a date or time"
        }

        private static func take<T>(_ cell: UnsafePointer<T>?) -> T? {
            guard let cell else { return nil }
            defer { free(UnsafeMutableRawPointer(mutating: cell)) }
            return cell.pointee
        }
    }
}
