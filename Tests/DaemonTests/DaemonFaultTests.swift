import XCTest
import Foundation
import CaptionCore
import IPC
import TestSupport
@testable import Daemon

/// Faults found by trying to break the daemon (issue 9): each was reproduced here first.
final class DaemonFaultTests: XCTestCase {
    /// Fault 9: `set model` to a model whose load never returns (a model.bin FIFO with no writer)
    /// stopped the captions while `status` said running. The load runs on its own thread: the reply
    /// is an error after the load timeout, and the old model keeps captioning.
    func testAModelLoadThatNeverReturnsKeepsTheOldModelServing() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig()
        // Speech without end: partials keep coming as long as a model serves.
        let daemon = try Daemon.make(config: config, stages: .fake([.silence, .speech]),
                                     log: ServiceLog(level: .info, sink: .capture),
                                     options: .init(handleSignals: false, configPath: box.configPath, modelLoadTimeout: 1))
        let running = RunningDaemon(daemon)
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(60)
        try readUntil(sub, "a partial") { if case .partial = $0 { return true }; return false }

        let ctl = try ControlClient(path: box.control)
        let reply = try ctl.send(.set(.model, "hang"))
        XCTAssertFalse(reply.ok)
        XCTAssertTrue(reply.error?.message.contains("did not finish within 1 s") ?? false, "\(reply)")
        let status = try XCTUnwrap(try ctl.send(.status).status)
        XCTAssertEqual(status.model, "tiny.en")
        XCTAssertEqual(status.state, "running")
        // Captions keep coming from the old model after the failed swap (no hello for another one).
        var sawHello = false
        try readUntil(sub, "a partial after the failed swap") {
            if case .hello = $0 { sawHello = true }
            if case .partial(let p) = $0 { return p.text.split(separator: " ").count > 3 }
            return false
        }
        XCTAssertFalse(sawHello, "no model was swapped in")
        // A bad model (fails to load) is an error reply too, and the old model stays.
        XCTAssertFalse(try ctl.send(.set(.model, "missing")).ok)
        XCTAssertEqual(try ctl.send(.status).status?.model, "tiny.en")

        daemon.requestStop()
        XCTAssertEqual(running.wait(), 0)
    }

    /// Fault 11: raw PCM ending in a stray byte made the daemon exit 1 (and systemd replay the same
    /// file forever). The audio before the stray byte is used, then the daemon goes idle.
    func testRawPCMEndingInAStrayByteGoesIdle() throws {
        let box = try DaemonSandbox()
        let raw = box.dir + "/speech.raw"
        // 0.5 s of loud audio, 0.5 s of silence, and one stray byte.
        var samples = [Float](repeating: 0.5, count: 8_000) + [Float](repeating: 0, count: 8_000)
        samples[0] = 0.5
        var data = LiveFixtures.s16le(samples)
        data.append(0x7F)
        try data.write(to: URL(fileURLWithPath: raw))
        let config = try box.writeConfig(extra: "[audio]\nsource = \"file\"\nfile = \"\(raw)\"\npace = \"fast\"")
        var stages = DaemonStages.fake([])
        stages.audio = { cfg in FileAudioInput(config: cfg, log: ServiceLog(level: .info, sink: .capture)) }
        let daemon = try Daemon.make(config: config, stages: stages, log: ServiceLog(level: .info, sink: .capture),
                                     options: .init(handleSignals: false, statusInterval: 0.2))
        let running = RunningDaemon(daemon)
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(60)
        // The daemon says so itself: a status event with state "idle" (a daemon that exited ends
        // the stream instead, and readUntil fails).
        try readUntil(sub, "a status event with state idle", limit: 60) {
            if case .status(let s) = $0 { return s.state == "idle" }
            return false
        }
        XCTAssertNil(running.wait(timeout: 0), "the daemon exited with \(running.exitCode.map(String.init) ?? "?")")
        let ctl = try ControlClient(path: box.control)
        XCTAssertEqual(try ctl.send(.status).status?.audioSamples, 16_000, "every whole sample was delivered")
        daemon.requestStop()
        XCTAssertEqual(running.wait(), 0)
    }

    /// Fault 9: `audio.file` a FIFO with no writer blocked start-up in open(), and SIGTERM was
    /// ignored. The binary now ends on SIGTERM whatever it is blocked in.
    func testSigtermEndsTheBinaryWhileAnInputOpenBlocks() throws {
        let binary = try TestPaths.requireExecutable(TestPaths.productsDir.appendingPathComponent("captiond").path,
                                                     "build the package first")
        _ = try TestPaths.requireModel("tiny.en")
        let box = try DaemonSandbox()
        let fifo = box.dir + "/audio.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        _ = try box.writeConfig(extra: "[audio]\nsource = \"file\"\nfile = \"\(fifo)\"\n[model]\ndir = \"\(TestPaths.modelsDir.path)\"")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--config", box.configPath]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in exited.signal() }
        let watch = try DirectoryWatch(box.dir)   // before the start: no event is missed
        try p.run()
        // The control socket is bound before anything can block: then SIGTERM must end it. Its file
        // appearing (inotify) is the event; an early exit makes no event, so it shows as the timeout.
        try watch.wait(for: "captiond to bind \(box.control)", timeout: 120) { FileManager.default.fileExists(atPath: box.control) || !p.isRunning }
        let status = (try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8)) ?? ""
        kill(p.processIdentifier, SIGTERM)
        if exited.wait(timeout: .now() + 25) != .success {
            kill(p.processIdentifier, SIGKILL)
            let masks = status.split(separator: "\n").filter { $0.hasPrefix("Sig") }.joined(separator: "; ")
            return XCTFail("captiond ignored SIGTERM for 25 s while its audio FIFO had no writer (\(masks))")
        }
        XCTAssertNotEqual(p.terminationReason, .uncaughtSignal, "ended by its own handler, not the signal")
    }
}
