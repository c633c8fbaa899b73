import XCTest
import Foundation
import Glibc
import Streaming
import TestSupport

/// `captionctl subscribe --format srt --output FILE` against the real captiond (tiny.en, release
/// build) on a speech fixture, restarted half-way: the SRT parses with Streaming's SubtitleReader,
/// its cue numbers run 1…N without a gap across the restart, its times keep rising, and its text
/// is exactly the finals a plain `captionctl subscribe --json` received.
final class LiveTranscriptEndToEndTests: XCTestCase {
    var dir: URL!
    var processes: [Process] = []

    override func setUpWithError() throws {
        dir = URL(fileURLWithPath: "/tmp/cctl-transcript-\(getpid())-\(Int.random(in: 0..<1_000_000))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for p in processes where p.isRunning { p.terminate(); p.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    func spawn(_ name: String, _ args: [String], stdout: URL? = nil, stderr: URL? = nil) throws -> Process {
        let p = Process()
        p.executableURL = TestPaths.productsDir.appendingPathComponent(name)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        for (url, set) in [(stdout, { (h: FileHandle) in p.standardOutput = h }), (stderr, { (h: FileHandle) in p.standardError = h })] {
            if let url {
                FileManager.default.createFile(atPath: url.path, contents: nil)
                set(try FileHandle(forWritingTo: url))
            } else { set(FileHandle.nullDevice) }
        }
        try p.run()
        processes.append(p)
        return p
    }

    func waitFor(_ what: String, timeout: Double = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        XCTFail("timed out waiting for \(what)")
        throw XCTSkip("gave up waiting for \(what)")
    }

    /// 16-kHz mono s16 WAV: 6 s of silence (time for every subscriber to connect before the first
    /// word), then the speech fixture.
    func speechWAV() throws -> String {
        guard let shared = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("../shared/fixtures is missing") }
        let jfk = try Data(contentsOf: shared.appendingPathComponent("whisper_cpp/jfk.wav"))
        guard jfk.count > 44 else { throw RequiredFixtures.missing("jfk.wav is too short") }
        let pcm = Data(count: 6 * 16_000 * 2) + jfk.dropFirst(44)
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + pcm.count)); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(16_000); u32(32_000); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(pcm.count)); d.append(pcm)
        let path = dir.appendingPathComponent("speech.wav").path
        try d.write(to: URL(fileURLWithPath: path))
        return path
    }

    func finals(_ jsonLines: URL) throws -> [String] {
        let text = (try? String(contentsOf: jsonLines, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["type"] as? String == "final", let t = o["text"] as? String else { return nil }
            let trimmed = t.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    func state(_ control: String) throws -> String? {
        let r = try CommandRunner.run("captionctl", ["status", "--json", "--socket", control])
        guard r.status == 0, let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else { return nil }
        return o["state"] as? String
    }

    func testSRTTranscriptSurvivesADaemonRestartAndMatchesTheFinals() throws {
        guard let model = TestPaths.model("tiny.en") else { throw RequiredFixtures.missing("tiny.en is not installed: run scripts/fetch-models tiny.en") }
        let captions = dir.appendingPathComponent("c.sock").path, control = dir.appendingPathComponent("ctl.sock").path
        let config = dir.appendingPathComponent("captiond.toml").path
        try """
        [audio]
        source = "file"
        file = "\(try speechWAV())"
        [model]
        name = "\(model.path)"
        [sockets]
        captions = "\(captions)"
        control = "\(control)"
        mode = "0600"
        group = ""
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let srt = dir.appendingPathComponent("live.srt")
        var recorder: Process?
        var reference: [String] = []
        var cuesAfterFirstRun = 0
        for run in 1...2 {
            let daemon = try spawn("captiond", ["--config", config], stderr: dir.appendingPathComponent("captiond\(run).log"))
            // The first daemon's socket files may still be there: wait for the new one to answer.
            try waitFor("captiond \(run) to answer") { try daemon.isRunning && state(control) != nil }
            let json = dir.appendingPathComponent("reference\(run).jsonl")
            let plain = try spawn("captionctl", ["subscribe", "--json", "--socket", captions], stdout: json)
            if recorder == nil {
                recorder = try spawn("captionctl", ["subscribe", "--format", "srt", "--output", srt.path, "--socket", captions],
                                     stderr: dir.appendingPathComponent("recorder.log"))
            }
            // Both subscribers are connected (the recorder reconnects after the restart).
            try waitFor("two subscribers on captiond \(run)") {
                let r = try CommandRunner.run("captionctl", ["status", "--json", "--socket", control])
                return r.stdout.contains("\"subscribers\":2") || r.stdout.contains("\"subscribers\": 2")
            }
            try waitFor("captiond \(run) to reach the end of its input", timeout: 180) { try state(control) == "idle" }
            usleep(500_000)
            daemon.terminate(); daemon.waitUntilExit()
            plain.waitUntilExit()
            reference += try finals(json)
            if run == 1 { cuesAfterFirstRun = try SubtitleReader.srt(String(contentsOf: srt, encoding: .utf8)).count }
        }
        recorder?.terminate(); recorder?.waitUntilExit()

        let text = try String(contentsOf: srt, encoding: .utf8)
        let cues = try SubtitleReader.srt(text)
        XCTAssertGreaterThan(cuesAfterFirstRun, 0, "the first run wrote cues: \(text)")
        XCTAssertGreaterThan(cues.count, cuesAfterFirstRun, "the second run appended cues")
        XCTAssertEqual(cues.map(\.number), (1...max(1, cues.count)).map { Optional($0) }, "numbering continues across the restart")
        for (a, b) in zip(cues, cues.dropFirst()) { XCTAssertGreaterThanOrEqual(b.start, a.end - 0.0005, "cue \(b.number ?? 0) starts before \(a.number ?? 0) ends") }
        func squash(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        XCTAssertFalse(reference.isEmpty)
        XCTAssertEqual(squash(cues.map(\.text).joined(separator: " ")), squash(reference.joined(separator: " ")))
        let log = (try? String(contentsOf: dir.appendingPathComponent("recorder.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("reconnected"), log)
    }
}
