import XCTest
import CaptionCore
import IPC
@testable import Daemon

/// The control socket of a running daemon: status, pause/resume, set, reload — and subscribers
/// stay connected throughout.
final class DaemonControlTests: XCTestCase {
    func testControlCommandsKeepSubscribersConnected() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig(extra: "[video]\nenabled = true")
        // Two speech chunks, then 4.8 s of silence, over and over (every 0.1 s of wall time): after
        // the reload the new recognizer must get speech of its own. With a script that played
        // once, the reload's speech could reach the old recognizer before the swap (its partials
        // then came before the new hello) and only silence followed: no partial in 180 s, in
        // release builds under load.
        let script: [ScriptedAudio.Kind] = [.speech, .speech] + Array(repeating: .silence, count: 48)
        let daemon = try Daemon.make(config: config, stages: .fake(script, cycle: true),
                                     log: ServiceLog(level: .info, sink: .capture),
                                     options: .init(handleSignals: false, statusInterval: 0.2, configPath: box.configPath))
        let running = RunningDaemon(daemon)
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(60)
        XCTAssertEqual(try sub.next(), .hello(CaptionHello(model: "tiny.en", language: "en", task: "transcribe")))
        try readUntil(sub, "a final") { if case .final = $0 { return true }; return false }
        try readUntil(sub, "a status event") { if case .status = $0 { return true }; return false }

        let ctl = try ControlClient(path: box.control)
        // The daemon's own condition: its pipeline loop wakes this wait each time it updates the figures.
        XCTAssertTrue(daemon.waitForStatus(timeout: 60) { $0.audioSamples > 0 && $0.videoFrames > 0 },
                      "no audio samples and video frames counted within 60 s: \(daemon.status())")
        let s = try XCTUnwrap(try ctl.send(.status).status)
        XCTAssertEqual(s.state, "running")
        XCTAssertEqual(s.model, "tiny.en")
        XCTAssertEqual(s.subscribers, 1)
        XCTAssertEqual(s.rtf, 0.25)

        XCTAssertTrue(try ctl.send(.pause).ok)
        XCTAssertEqual(try ctl.send(.status).status?.state, "paused")
        XCTAssertTrue(try ctl.send(.resume).ok)
        XCTAssertEqual(try ctl.send(.status).status?.state, "running")

        // set: bad values are refused, good ones swap the recognizer and re-send hello.
        XCTAssertEqual(try ctl.send(.set(.task, "summarise")).error?.code, .badValue)
        XCTAssertEqual(try ctl.send(.set(.language, "Klingon")).error?.code, .badValue)
        let failed = try ctl.send(.set(.model, "missing"))
        XCTAssertFalse(failed.ok)
        XCTAssertTrue(failed.error?.message.contains("/nowhere/missing") ?? false, "\(failed)")
        XCTAssertEqual(try ctl.send(.status).status?.model, "tiny.en", "a failed model load keeps the old model")
        XCTAssertTrue(try ctl.send(.set(.language, "zh")).ok)
        try readUntil(sub, "hello with zh") { $0 == .hello(CaptionHello(model: "tiny.en", language: "zh", task: "transcribe")) }

        // reload: a broken file is refused and changes nothing; a good one applies.
        try "[streaming]\nstep_ms = \"fast\"\n".write(toFile: box.configPath, atomically: true, encoding: .utf8)
        let broken = try ctl.send(.reload)
        XCTAssertFalse(broken.ok)
        XCTAssertTrue(broken.error?.message.contains("streaming.step_ms") ?? false, "\(broken)")
        _ = try box.writeConfig(extra: "[model]\nname = \"base\"\nlanguage = \"en\"")
        let ok = try ctl.send(.reload)
        XCTAssertTrue(ok.ok, "\(ok)")
        XCTAssertTrue(ok.message?.contains("model") ?? false)
        try readUntil(sub, "hello with base") { if case .hello(let h) = $0 { return h.model == "base" }; return false }
        // The partial comes from the reloaded recognizer: the file says language "en" (the set
        // before made it "zh").
        let afterReload = try readUntil(sub, "events after reload") { if case .partial = $0 { return true }; return false }
        if case .partial(let p)? = afterReload.last { XCTAssertEqual(p.lang, "en", "\(p)") }
        XCTAssertEqual(daemon.subscriberCount, 1, "the subscriber survived pause, set and reload")

        daemon.requestStop()
        XCTAssertEqual(running.wait(), 0)
    }
}
