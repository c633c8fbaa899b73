import XCTest
import Foundation
import Glibc
import CaptionCore
import IPC
import Streaming
import TestSupport

/// `captionctl subscribe --format srt --output FILE` against the real captiond (tiny.en, release
/// build) on a speech fixture, restarted half-way: the SRT parses with Streaming's SubtitleReader,
/// its cue numbers run 1…N without a gap across the restart, its times keep rising, and its text
/// is exactly the finals a plain `captionctl subscribe --json` received.
final class LiveTranscriptEndToEndTests: ChildProcessTestCase {
    override var directoryPrefix: String { "cctl-transcript" }

    func finals(_ jsonLines: URL) throws -> [String] {
        let text = (try? String(contentsOf: jsonLines, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["type"] as? String == "final", let t = o["text"] as? String else { return nil }
            let trimmed = t.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// Reads `sub`'s events until a status event satisfies `match`; throws `WaitTimedOut` naming
    /// `what` after `timeout` seconds (status events arrive every 5 s, so the bound is checked).
    func waitForStatus(_ sub: CaptionSubscription, _ what: String, timeout: Double, _ match: (CaptionStatus) -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while let e = try sub.next() {
            if case .status(let s) = e, match(s) { return }
            if Date() > deadline { break }
        }
        throw WaitTimedOut(what, timeout)
    }

    func squash(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

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
            let notify = try notifySocket("notify\(run).sock")
            let daemon = try spawn("captiond", ["--config", config], stderr: dir.appendingPathComponent("captiond\(run).log"),
                                   environment: ["NOTIFY_SOCKET": notify.path])
            // READY=1: the new daemon's sockets listen (the first daemon's socket files may remain).
            try notify.waitForReady("captiond \(run)")
            let json = dir.appendingPathComponent("reference\(run).jsonl")
            let plain = try spawn("captionctl", ["subscribe", "--json", "--socket", captions], stdout: json)
            if recorder == nil {
                recorder = try spawn("captionctl", ["subscribe", "--format", "srt", "--output", srt.path, "--socket", captions],
                                     stderr: dir.appendingPathComponent("recorder.log"))
            }
            // The test's own subscription: the daemon's status events say how many subscribers it
            // serves (both captionctl ones and this one; the recorder reconnects after the restart)
            // and when it reached the end of its input.
            let watcher = try CaptionSubscription(path: captions)
            try watcher.setTimeout(60)
            try waitForStatus(watcher, "two captionctl subscribers on captiond \(run)", timeout: 120) { $0.subscribers == 3 }
            try waitForStatus(watcher, "captiond \(run) to reach the end of its input", timeout: 180) { $0.state == "idle" }
            daemon.terminate(); daemon.waitUntilExit()
            plain.waitUntilExit()
            reference += try finals(json)
            // The recorder has written every final so far (its file changes are the events).
            try waitFor("the recorder to write the finals of run \(run)", timeout: 60) {
                let cues = (try? SubtitleReader.srt(String(contentsOf: srt, encoding: .utf8))) ?? []
                return squash(cues.map(\.text).joined(separator: " ")) == squash(reference.joined(separator: " "))
            }
            if run == 1 { cuesAfterFirstRun = try SubtitleReader.srt(String(contentsOf: srt, encoding: .utf8)).count }
        }
        recorder?.terminate(); recorder?.waitUntilExit()

        let text = try String(contentsOf: srt, encoding: .utf8)
        let cues = try SubtitleReader.srt(text)
        XCTAssertGreaterThan(cuesAfterFirstRun, 0, "the first run wrote cues: \(text)")
        XCTAssertGreaterThan(cues.count, cuesAfterFirstRun, "the second run appended cues")
        XCTAssertEqual(cues.map(\.number), (1...max(1, cues.count)).map { Optional($0) }, "numbering continues across the restart")
        for (a, b) in zip(cues, cues.dropFirst()) { XCTAssertGreaterThanOrEqual(b.start, a.end - 0.0005, "cue \(b.number ?? 0) starts before \(a.number ?? 0) ends") }
        XCTAssertFalse(reference.isEmpty)
        XCTAssertEqual(squash(cues.map(\.text).joined(separator: " ")), squash(reference.joined(separator: " ")))
        let log = (try? String(contentsOf: dir.appendingPathComponent("recorder.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("reconnected"), log)
    }
}
