import XCTest
import TestSupport
import CaptionCore
import IPC
@testable import Daemon

/// The built `captionctl` against an in-process daemon with fake stages.
final class CaptionctlClientTests: XCTestCase {
    private func captionctl(_ args: [String], timeout: Double = 60) throws -> (Int32, String, String) {
        let binary = TestPaths.productsDir.appendingPathComponent("captionctl")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw RequiredFixtures.missing("captionctl is not built at \(binary.path)") }
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testCommandsAgainstARunningDaemon() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig()
        // Endless speech: the stop at the end turns it into a final.
        let daemon = try Daemon.make(config: config, stages: .fake([.silence, .speech]),
                                     log: ServiceLog(level: .info, sink: .capture), options: .init(handleSignals: false, statusInterval: 0.2))
        let running = RunningDaemon(daemon)
        defer { daemon.requestStop(); _ = running.wait() }

        let (code, out, _) = try captionctl(["status", "--json", "--config", box.configPath])
        XCTAssertEqual(code, 0)
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        for key in ["state", "model", "language", "task", "rtf", "audio_samples", "audio_dropped", "video_frames", "video_dropped", "subscribers", "uptime_s", "lag", "lag_max"] {
            XCTAssertNotNil(obj?[key], "status --json lacks \(key): \(out)")
        }
        let text = try captionctl(["status", "--socket", box.control])
        XCTAssertEqual(text.0, 0)
        XCTAssertTrue(text.1.contains("model:        tiny.en"), text.1)

        XCTAssertEqual(try captionctl(["pause", "--config", box.configPath]).0, 0)
        XCTAssertEqual(try captionctl(["resume", "--config", box.configPath]).0, 0)
        let bad = try captionctl(["set", "task", "summarise", "--config", box.configPath])
        XCTAssertNotEqual(bad.0, 0)
        XCTAssertTrue(bad.2.contains("transcribe"), bad.2)
        XCTAssertEqual(try captionctl(["set", "language", "de", "--config", box.configPath]).0, 0)

        // subscribe to a stream that a stop ends: plain lines (stdout is a pipe), one per final.
        // Stop once the subscriber is connected and a partial with two words was published after
        // that: the utterance in progress becomes its final.
        stopAfterPartial(daemon, captions: box.captions, containing: "w1")
        let s = try captionctl(["subscribe", "--config", box.configPath])
        XCTAssertEqual(s.0, 0, s.2)
        XCTAssertTrue(s.2.contains("connected (model tiny.en, language de"), s.2)
        XCTAssertFalse(s.1.contains("\u{1B}"), "no terminal control codes on a pipe")
        XCTAssertTrue(s.1.hasPrefix("w0 w1"), "the final is printed as a plain line: \(s.1.prefix(80))")
        XCTAssertEqual(running.wait(), 0)

        let gone = try captionctl(["status", "--config", box.configPath])
        XCTAssertEqual(gone.0, 1)
        XCTAssertTrue(gone.2.contains("captiond is not running"), gone.2)
    }

    func testSubscribeJsonPrintsProtocolLines() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig()
        let daemon = try Daemon.make(config: config, stages: .fake([.silence, .speech]),
                                     log: ServiceLog(level: .info, sink: .capture), options: .init(handleSignals: false, statusInterval: 0.2))
        let running = RunningDaemon(daemon)
        stopAfterPartial(daemon, captions: box.captions, containing: "w0")
        let (code, out, _) = try captionctl(["subscribe", "--json", "--socket", box.captions])
        XCTAssertEqual(code, 0)
        let lines = out.split(separator: "\n").map { try? WireCodec.decode(Data($0.utf8)) }
        XCTAssertFalse(lines.contains { $0 == nil }, "every line is a protocol line")
        guard case .hello? = lines.first ?? nil else { return XCTFail("first line is not hello: \(out.prefix(200))") }
        XCTAssertTrue(lines.contains { if case .final? = $0 { return true }; return false }, "a final arrives")
        XCTAssertEqual(running.wait(), 0)
    }

    /// Stops `daemon` once a second subscriber (the captionctl under test) is connected and a
    /// partial containing `word` has been published after that: waits on events, not on time.
    private func stopAfterPartial(_ daemon: Daemon, captions: String, containing word: String) {
        let watcher: CaptionSubscription
        do { watcher = try CaptionSubscription(path: captions); try watcher.setTimeout(TestTime.wait(60)) } catch {
            XCTFail("cannot watch the caption socket: \(error)"); daemon.requestStop(); return
        }
        Thread {
            // The connect is the event waited for: the next status event counts two subscribers.
            while let e = try? watcher.next() {
                if case .status(let s) = e, s.subscribers >= 2 { break }
            }
            while let e = try? watcher.next() {
                if case .partial(let p) = e, p.text.contains(word) { break }
            }
            daemon.requestStop()
        }.start()
    }
}
