import XCTest
import TestSupport
import IPC
@testable import Daemon

/// Inputs `make fuzz` (target toml) found aborting the process inside TOMLKit's toml++ parser
/// ("Assertion `is_bare_key_character(*cp) || is_string_delimiter(*cp)' failed" in parse_key):
/// a table header whose name starts with a character that cannot start a key (non-ASCII, a
/// control character, `=`, `#`, `,`…). They are syntax errors now.
final class ConfigFuzzRegressionTests: XCTestCase {
    func testFuzzFoundConfigIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-nonascii-table-name.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)   // as the harness reads it
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            XCTAssertEqual(error as? DaemonError, .configSyntax(file: "x.toml", line: 1, column: 2,
                reason: "a table name must start with an ASCII letter, digit, '_' or '-', or be quoted, e.g. [audio]"))
        }
    }

    func testControlCharacterInATableNameIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-control-char-table-name.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            guard case let DaemonError.configSyntax(_, line, column, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([line, column], [5, 2])
        }
    }

    func testLineBreakAfterTheBracketIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-newline-table-name.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            guard case let DaemonError.configSyntax(_, line, column, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([line, column], [5, 2])
        }
    }

    func testLeadingDotInATableNameIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-leading-dot-table-name.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            guard case let DaemonError.configSyntax(_, line, column, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual([line, column], [1, 2])
        }
    }

    /// A byte-order mark, "[" and a byte that is not UTF-8 (found by `make fuzz` on 4 Dec 2026,
    /// after 879,233 executions): toml++ skips the mark, so the header check must too. A file an
    /// editor saved as "UTF-8 with BOM" still reads.
    func testAHeaderAfterAByteOrderMarkIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-bom-table-name.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            XCTAssertEqual(error as? DaemonError, .configSyntax(file: "x.toml", line: 1, column: 2, reason: TOMLAbortCheck.headerAdvice))
        }
        for bad in ["\u{FEFF}[é]", "\u{FEFF} [[\u{1}]]", "\u{FEFF}[\n[audio]"] {
            XCTAssertThrowsError(try ConfigLoader.parse(bad), bad.debugDescription) { error in
                guard case DaemonError.configSyntax = error else { return XCTFail("\(bad.debugDescription): \(error)") }
            }
        }
        let saved = try ConfigLoader.parse("\u{FEFF}[model]\nbeam = 3\n")
        XCTAssertEqual(saved.model.beam, 3)
    }

    /// Tabs, CRLF line ends, then "[" and CRLF (found by `make fuzz` on 4 Dec 2026, 240,939
    /// executions after the one above): the check split lines on Characters, where "\r\n" is one
    /// Character and no break, so it never saw that header. A CRLF file still reads.
    func testAHeaderAfterCRLFLinesIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-crlf-table-name.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            XCTAssertEqual(error as? DaemonError, .configSyntax(file: "x.toml", line: 3, column: 3, reason: TOMLAbortCheck.headerAdvice))
        }
        XCTAssertThrowsError(try ConfigLoader.parse("[audio]\r\nloop = true\r\n[é]\r\n"))
        let crlf = try ConfigLoader.parse("[audio]\r\nloop = true\r\n[model]\r\nbeam = 2\r\n")
        XCTAssertEqual([crlf.audio.loop, crlf.model.beam == 2], [true, true])
    }

    /// A "}" where an array expects a value (found by `make fuzz` on 4 Dec 2026, 95,777 executions
    /// after the CRLF fix; minimised to `d=[}`): toml++ fails an assertion in `parse_value` and
    /// aborted captiond at start-up, and on SIGHUP the running daemon, for a one-character typo.
    func testABraceWhereAnArrayValueShouldBeIsASyntaxErrorNotAnAbort() throws {
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-brace-in-array.toml")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        XCTAssertThrowsError(try ConfigLoader.parse(text, file: "x.toml")) { error in
            guard case let DaemonError.configSyntax(_, line, _, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 2)
            XCTAssertEqual(reason, TOMLAbortCheck.braceAdvice)
        }
        for (bad, at) in [("d=[}", [1, 4]), ("[audio]\nd = [ 1, }\n", [2, 10]), ("d = [ # c\n }", [2, 2]),
                          ("d = {a = [}}", [1, 11]), ("d = [[}]]", [1, 7]), ("d = [\n  1,\n  }", [3, 3])] {
            XCTAssertThrowsError(try ConfigLoader.parse(bad), bad.debugDescription) { error in
                guard case let DaemonError.configSyntax(_, line, column, reason) = error else { return XCTFail("\(bad.debugDescription): \(error)") }
                XCTAssertEqual([line, column], at, bad.debugDescription)
                XCTAssertEqual(reason, TOMLAbortCheck.braceAdvice)
            }
        }
        // Braces that are no array value, and brackets and braces inside strings and comments.
        for fine in ["d = [ {a = 1}, {b = 2} ]", "d = [\"}\", ']', \"\"\"\n[ }\"\"\"]", "d = [1, 2,] # [ }",
                     "[t]\nd = {a = [1], b = {c = 2}}", "d = '[,}'"] {
            XCTAssertNil(TOMLAbortCheck.firstBraceForArrayValue(fine), fine.debugDescription)
        }
    }

    func testEveryHeaderShapeThatAbortedIsRefusedAndQuotedNamesStillParse() {
        for text in ["[é]", "[[é]]", " [ ü ]", "[\t\t€]", "[.é]", "[audio]\nsource = \"file\"\n[😀]",
                     "[=]", "[#]", "[,]", "[}]", "[\u{1}]", "[\u{7F}]", "[\nvideo]", "[\r\nvideo]", "[.udio]", "[[[audio]]]"] {
            XCTAssertThrowsError(try ConfigLoader.parse(text), text.debugDescription) { error in
                guard case DaemonError.configSyntax = error else { return XCTFail("\(text.debugDescription): \(error)") }
            }
        }
        // Not table names: left to the parser (and the key checks), as before.
        XCTAssertNil(TOMLAbortCheck.firstBadHeader("[audio]\ndevice = \"[é]\"\n[model]\nname = \"ünïcode\""))
        XCTAssertNil(TOMLAbortCheck.firstBadHeader("[a.é]\n[\"é\"]\n[[ x ]]\n[ 'y' ]"))
        let url = TestPaths.fixtures.appendingPathComponent("fuzz/toml-triple-bracket.toml")
        XCTAssertEqual(TOMLAbortCheck.firstBadHeader(String(decoding: (try? Data(contentsOf: url)) ?? Data(), as: UTF8.self))?.column, 3)
    }
}
