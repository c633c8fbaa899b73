import XCTest
import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Edge cases of `captionctl score`/`eval`/`subscribe` that used to give wrong answers or hang
/// (issue 9, fault 14). None of these needs a model: every case fails or warns before one loads.
final class ScoreEvalInputTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "captionctl-score" }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func testScoreOnTwoEmptyFilesFails() throws {
        let hyp = try write("h.txt", ""), ref = try write("r.txt", "")
        let r = try CommandRunner.run("captionctl", ["score", "--hyp", hyp, "--ref", ref])
        XCTAssertFalse(r.crashed)
        XCTAssertNotEqual(r.status, 0, "score of two empty files exited 0: \(r.stdout)")
        XCTAssertTrue(r.stderr.contains("empty"), r.stderr)
    }

    func testScoreWarnsAboutAnEmptyReference() throws {
        let hyp = try write("h.txt", "one two three\nfour five\n"), ref = try write("r.txt", "one two three\n\n")
        let r = try CommandRunner.run("captionctl", ["score", "--hyp", hyp, "--ref", ref, "--metrics", "wer"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning") && r.stderr.contains("empty") && r.stderr.contains("line 2"), r.stderr)
    }

    /// A clip with an empty reference is left out with a warning naming it; the manifest still gets
    /// as far as loading the model (which does not exist here).
    func testEvalLeavesOutAnEmptyReferenceWithAWarning() throws {
        let manifest = try write("m.tsv", "a.wav\tsome words here\nb.wav\t\n")
        let r = try CommandRunner.run("captionctl", ["eval", manifest, "--model", "/nonexistent/model-dir"])
        XCTAssertFalse(r.crashed)
        XCTAssertTrue(r.stderr.contains("warning") && r.stderr.contains("b.wav") && r.stderr.contains("empty reference"), r.stderr)
        XCTAssertTrue(r.stderr.contains("model-dir"), "should reach the model load: \(r.stderr)")

        let allEmpty = try write("e.tsv", "a.wav\t\nb.wav\t \n")
        let e = try CommandRunner.run("captionctl", ["eval", allEmpty, "--model", "/nonexistent/model-dir"])
        XCTAssertNotEqual(e.status, 0)
        XCTAssertTrue(e.stderr.contains("no clip with a non-empty reference"), e.stderr)
    }

    /// `path, lang, reference` without a header used to be scored against the language column.
    func testEvalRefusesAManifestWhoseSecondColumnIsNotTheReference() throws {
        let manifest = try write("m.tsv", "a.wav\ten\tAsk not what your country can do for you\nb.wav\ten\tAnd so my fellow Americans\n")
        let r = try CommandRunner.run("captionctl", ["eval", manifest, "--model", "/nonexistent/model-dir"])
        XCTAssertFalse(r.crashed)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("second column") && r.stderr.contains("header"), r.stderr)
        XCTAssertFalse(r.stderr.contains("model-dir"), "refused before loading a model: \(r.stderr)")
    }

    /// With a header naming the columns, the same layout is read (and gets as far as the model).
    func testEvalReadsAManifestWithAHeader() throws {
        let manifest = try write("m.tsv", "path\tlang\treference\na.wav\ten\tAsk not what your country can do for you\n")
        let r = try CommandRunner.run("captionctl", ["eval", manifest, "--model", "/nonexistent/model-dir"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(r.stderr.contains("second column"), r.stderr)
        XCTAssertTrue(r.stderr.contains("model-dir"), "should reach the model load: \(r.stderr)")

        let noRef = try write("n.tsv", "path\tlang\tduration\na.wav\ten\t3.5\n")
        let n = try CommandRunner.run("captionctl", ["eval", noRef, "--model", "/nonexistent/model-dir"])
        XCTAssertNotEqual(n.status, 0)
        XCTAssertTrue(n.stderr.contains("no reference column"), n.stderr)
    }

    /// `subscribe --socket control.sock`: a listener that stays silent (as the control server does
    /// until it gets a request) must give a clear error within seconds, not hang.
    func testSubscribeToASilentSocketFailsFast() throws {
        var template = Array("/tmp/csub-XXXXXX".utf8CString)
        guard let dirPtr = mkdtemp(&template) else { throw NSError(domain: "mkdtemp", code: Int(errno)) }
        let dir = String(cString: dirPtr)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/control.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        XCTAssertEqual(rc, 0)
        XCTAssertEqual(listen(fd, 8), 0)
        let started = Date()
        let r = try CommandRunner.run("captionctl", ["subscribe", "--socket", path])
        XCTAssertFalse(r.crashed)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("not a caption socket"), r.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "subscribe took too long to give up")
    }
}
