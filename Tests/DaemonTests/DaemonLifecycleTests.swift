import XCTest
import CaptionCore
import IPC
import TestSupport
@testable import Daemon

final class DaemonLifecycleTests: XCTestCase {
    /// NOTIFY_SOCKET bound by the test: READY (with STATUS), WATCHDOG, RELOADING (on SIGHUP),
    /// READY again, STOPPING (on SIGTERM) arrive in that order; run() returns 0.
    func testNotifySequenceThroughRealSignals() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig()
        let notify = try NotifyListener(path: box.dir + "/notify")
        setenv("NOTIFY_SOCKET", notify.path, 1)
        setenv("WATCHDOG_USEC", "400000", 1)
        setenv("WATCHDOG_PID", String(getpid()), 1)
        defer { unsetenv("NOTIFY_SOCKET"); unsetenv("WATCHDOG_USEC"); unsetenv("WATCHDOG_PID") }

        let daemon = try Daemon.make(config: config, stages: .fake([.speech, .silence]), log: ServiceLog(level: .debug, sink: .capture),
                                     options: .init(statusInterval: 0.3, configPath: box.configPath))
        let running = RunningDaemon(daemon)
        var all = notify.until { $0.contains("READY=1") }
        XCTAssertTrue(all.last?.contains("STATUS=running") ?? false, "READY carries a STATUS line: \(all)")
        all += notify.until { $0 == "WATCHDOG=1" }
        all += notify.until { $0.hasPrefix("STATUS=") }
        kill(getpid(), SIGHUP)
        all += notify.until { $0.contains("RELOADING=1") }
        XCTAssertTrue(all.last?.contains("MONOTONIC_USEC=") ?? false)
        all += notify.until { $0.contains("READY=1") }
        kill(getpid(), SIGTERM)
        all += notify.until { $0.contains("STOPPING=1") }
        XCTAssertEqual(running.wait(), 0)

        func first(_ s: String) -> Int { all.firstIndex { $0.contains(s) } ?? Int.max }
        XCTAssertLessThan(first("READY=1"), first("WATCHDOG=1"))
        XCTAssertLessThan(first("WATCHDOG=1"), first("RELOADING=1"))
        XCTAssertLessThan(first("RELOADING=1"), first("STOPPING=1"))
        XCTAssertNotEqual(first("STATUS="), Int.max)
    }

    /// SIGTERM while a speaker is mid-utterance: subscribers get that utterance's final, then EOF.
    func testSigtermMidUtteranceYieldsAFinal() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig()
        // Speech without end: only SIGTERM can finish this utterance.
        let daemon = try Daemon.make(config: config, stages: .fake([.silence, .speech]), log: ServiceLog(level: .info, sink: .capture))
        let running = RunningDaemon(daemon)
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(60)
        guard case .hello(let hello)? = try sub.next() else { return XCTFail("no hello") }
        XCTAssertEqual(hello.model, "tiny.en")
        var partialText = ""
        try readUntil(sub, "a partial with three words") {
            if case .partial(let p) = $0 { partialText = p.text; return p.text.split(separator: " ").count >= 3 }
            return false
        }
        kill(getpid(), SIGTERM)
        var final: CaptionFinal?
        var afterFinal = 0
        var lastSeq = -1
        while let e = try sub.next() {
            switch e {
            case .partial(let p): XCTAssertNil(final, "no partial after the final"); XCTAssertGreaterThan(p.seq, lastSeq); lastSeq = p.seq
            case .final(let f): final = f; XCTAssertGreaterThan(f.seq, lastSeq)
            default: if final != nil { afterFinal += 1 }
            }
        }
        guard let f = final else { return XCTFail("no final after SIGTERM") }
        XCTAssertTrue(f.text.hasPrefix(partialText), "final \"\(f.text)\" extends the last partial \"\(partialText)\"")
        XCTAssertEqual(f.utterance, 0)
        XCTAssertNotNil(f.wall)
        XCTAssertEqual(running.wait(), 0)
    }

    /// Listening sockets passed in (as systemd does) are served; the configured paths are not bound.
    func testSocketActivationThroughPassedDescriptors() throws {
        let box = try DaemonSandbox()
        var config = try box.writeConfig()
        let captionsFd = try UnixSocket.listen(path: box.dir + "/act-c.sock", mode: 0o600, group: "")
        let controlFd = try UnixSocket.listen(path: box.dir + "/act-ctl.sock", mode: 0o600, group: "")
        let activated = try SocketActivation.assign(fds: [controlFd, captionsFd], names: ["control", "captions"])
        XCTAssertEqual(activated, ActivatedSockets(captions: captionsFd, control: controlFd))
        XCTAssertEqual(try SocketActivation.assign(fds: [captionsFd, controlFd], names: ["unknown", "unknown"]),
                       ActivatedSockets(captions: captionsFd, control: controlFd), "unnamed sockets are taken in order")
        var pipeFds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pipeFds), 0)
        XCTAssertThrowsError(try SocketActivation.assign(fds: [pipeFds[0]], names: [])) { XCTAssertTrue("\($0)".contains("not a listening stream socket")) }
        close(pipeFds[0]); close(pipeFds[1])

        config.sockets.captions = box.dir + "/not-bound-c.sock"
        config.sockets.control = box.dir + "/not-bound-ctl.sock"
        let daemon = try Daemon.make(config: config, stages: .fake([.speech, .silence]), activated: activated,
                                     log: ServiceLog(level: .info, sink: .capture),
                                     options: .init(handleSignals: false, statusInterval: 0.2))
        let running = RunningDaemon(daemon)
        let sub = try CaptionSubscription(path: box.dir + "/act-c.sock")
        try sub.setTimeout(60)
        guard case .hello? = try sub.next() else { return XCTFail("no hello on the activated socket") }
        try readUntil(sub, "a status event with state running", limit: 60) {
            if case .status(let s) = $0 { return s.state == "running" }
            return false
        }
        XCTAssertEqual(try ControlClient(path: box.dir + "/act-ctl.sock").send(.status).status?.state, "running",
                       "the activated control socket answers")
        XCTAssertFalse(FileManager.default.fileExists(atPath: config.sockets.captions))
        daemon.requestStop()
        XCTAssertEqual(running.wait(), 0)
    }

    func testEnvironmentWithoutOurPidIsNotActivation() throws {
        setenv("LISTEN_FDS", "2", 1)
        setenv("LISTEN_PID", "1", 1)
        defer { unsetenv("LISTEN_FDS"); unsetenv("LISTEN_PID") }
        XCTAssertNil(try SocketActivation.fromEnvironment())
        XCTAssertNil(ProcessInfo.processInfo.environment["LISTEN_FDS"], "the variables are consumed")
    }

    func testStartupFailureOfAStageIsReportedAndExitsNonZero() throws {
        let box = try DaemonSandbox()
        var config = try box.writeConfig()
        config.model.name = "missing"
        let log = ServiceLog(level: .info, sink: .capture)
        let daemon = try Daemon.make(config: config, stages: .fake([.speech]), log: log, options: .init(handleSignals: false))
        XCTAssertEqual(daemon.run(), 1)
        XCTAssertTrue(log.messages.contains { $0.0 == .error && $0.1.contains("/nowhere/missing") }, "\(log.messages)")
    }
}
