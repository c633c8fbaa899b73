import XCTest
import Foundation
import TestSupport

/// captionctl reads the socket paths from captiond.toml; a table header toml++ cannot start a key
/// with (`[[[`, `[é]`, `[` + line break) aborted it on an assertion inside TOMLKit (exit 134, a
/// crash report) before it was checked as the daemon's ConfigLoader checks it, and so did a `}`
/// where an array value should be. Now: one line naming the file, line and column, exit 1.
final class ConfigHeaderTests: XCTestCase {
    func testBadTableHeadersInTheConfigAreAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("captionctl-toml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(text: String, line: Int, column: Int)] = [
            ("[[[\n", 1, 3),
            ("[sockets]\ncontrol = \"/tmp/x.sock\"\n[é]\n", 3, 2),
            ("# comment\n[\n", 2, 2),
            ("[.audio]\n", 1, 2),
            ("[sockets]\nx = [ 1, }\n", 2, 10),      // "}" for "]": toml++ aborted in parse_value
            ("\u{FEFF}[é]\n", 1, 2),
        ]
        for (n, c) in cases.enumerated() {
            let path = dir.appendingPathComponent("bad\(n).toml").path
            try Data(c.text.utf8).write(to: URL(fileURLWithPath: path))
            for command in [["status"], ["subscribe"], ["set", "language", "en"]] {
                let r = try CommandRunner.run("captionctl", command + ["--config", path], environment: ["SWIFT_BACKTRACE": "enable=no"])
                XCTAssertFalse(r.crashed, "captionctl \(command) crashed on \(c.text.debugDescription): \(r.stderr.prefix(300))")
                XCTAssertEqual(r.status, 1, "\(command) on \(c.text.debugDescription)")
                XCTAssertTrue(r.stderr.contains("\(path):\(c.line):\(c.column): invalid TOML"),
                              "\(command) on \(c.text.debugDescription): \(r.stderr)")
            }
        }
    }

    func testASyntaxErrorElsewhereStillNamesTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("captionctl-toml-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("[sockets]\ncontrol = \n".utf8).write(to: URL(fileURLWithPath: path))
        let r = try CommandRunner.run("captionctl", ["status", "--config", path], environment: ["SWIFT_BACKTRACE": "enable=no"])
        XCTAssertFalse(r.crashed)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cannot read \(path)"), r.stderr)
    }
}
