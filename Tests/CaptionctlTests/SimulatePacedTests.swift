import XCTest
import Foundation
import TestSupport

/// `captionctl simulate --paced --timeline`: the live captioner on a virtual clock that each
/// decode moves on by its measured compute (`PacedModel`), end to end with tiny.en.
final class SimulatePacedTests: XCTestCase {
    struct Event: Decodable { let type: String; let start: Double?; let end: Double?; let text: String? }

    /// (time, event) per timeline line; times are seconds from the file's start, the events'
    /// start/end on the captioner's clock (the file's first sample at 100 s).
    func timeline(_ arguments: [String]) throws -> [(Double, Event)] {
        let fixtures = try TestPaths.requireSharedFixtures()
        _ = try TestPaths.requireModel("tiny.en")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("paced-\(getpid())-\(arguments.count).tsv")
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try CommandRunner.run("captionctl", ["simulate", fixtures.appendingPathComponent("whisper_cpp/jfk.wav").path,
                                                     "--timeline", file.path] + arguments)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return (Double(parts[0]) ?? .nan, try JSONDecoder().decode(Event.self, from: Data(parts[1].utf8)))
        }
    }

    func testPacedEventsComeAfterTheirAudioAndAfterTheCompute() throws {
        let duration = 11.0   // jfk.wav
        let paced = try timeline(["--paced"])
        let finals = paced.filter { $0.1.type == "final" }
        XCTAssertFalse(finals.isEmpty)
        XCTAssertTrue(finals.map { $0.1.text ?? "" }.joined(separator: " ").contains("country"), "\(finals.map(\.1.text))")
        // The virtual clock never runs behind the audio: no event describes audio that had not arrived.
        for (t, e) in paced {
            if let end = e.end { XCTAssertGreaterThanOrEqual(t + 1e-6, end - 100, "\(e.type) '\(e.text ?? "")' at \(t) s before its audio end") }
        }
        XCTAssertTrue(zip(paced, paced.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "timeline not in time order")
        // The last final comes after the last sample by the end-of-input pass's compute; unpaced,
        // every event is stamped with the audio fed so far, the last one at the file's end.
        let lastPaced = try XCTUnwrap(paced.last?.0)
        XCTAssertGreaterThan(lastPaced, duration + 0.01)
        let unpaced = try timeline([])
        XCTAssertEqual(try XCTUnwrap(unpaced.last?.0), duration, accuracy: 0.021)
    }

    /// `--slowdown` scales the paced compute: it needs `--paced` and a factor from 1 to 20.
    func testSlowdownIsCheckedBeforeAnythingRuns() throws {
        for (arguments, message) in [(["--slowdown", "4"], "--slowdown goes with --paced"),
                                     (["--paced", "--slowdown", "0.5"], "expected a factor from 1 to 20"),
                                     (["--paced", "--slowdown", "nan"], "expected a factor from 1 to 20")] {
            let r = try CommandRunner.run("captionctl", ["simulate", "/nonexistent.wav"] + arguments)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }
}
