import XCTest
import Streaming
import TestSupport
@testable import Daemon

/// The unmodified `captiond` binary: configuration errors and systemd socket activation.
/// (Without a sound card the default configuration's ALSA capture cannot open, so the binary stops
/// after adopting its sockets and loading the model; these tests check what precedes that.)
final class CaptiondBinaryTests: XCTestCase {
    private var binary: String { TestPaths.productsDir.appendingPathComponent("captiond").path }

    private func spawn(_ tool: String, _ args: [String], env: [String: String] = [:]) throws -> (Process, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw RequiredFixtures.missing("captiond is not built at \(binary)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return (p, err)
    }

    func testBadConfigurationStopsStartUpWithTheKeyPath() throws {
        let box = try DaemonSandbox()
        try "[streaming]\nstep_ms = \"fast\"\n".write(toFile: box.configPath, atomically: true, encoding: .utf8)
        let (p, err) = try spawn(binary, ["--config", box.configPath])
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 78)
        XCTAssertTrue(text.contains("captiond.toml: streaming.step_ms: expected an integer between 100 and 5000, got \"fast\""), text)

        let (q, err2) = try spawn(binary, ["--confg", box.configPath])
        let usage = String(decoding: err2.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        q.waitUntilExit()
        XCTAssertEqual(q.terminationStatus, 2)
        XCTAssertTrue(usage.contains("unknown argument \"--confg\""), usage)
    }

    func testSocketActivationAdoptsDescriptorsByName() throws {
        let activate = "/usr/bin/systemd-socket-activate"
        guard FileManager.default.isExecutableFile(atPath: activate) else { throw RequiredFixtures.missing("systemd-socket-activate is not installed") }
        let box = try DaemonSandbox()
        _ = try box.writeConfig()
        let a = box.dir + "/act-ctl.sock", b = box.dir + "/act-c.sock"
        // Control first on the command line: only the names can tell the daemon which is which.
        let (p, err) = try spawn(activate, ["-l", a, "-l", b, "--fdname=control:captions", binary, "--config", box.configPath])
        let log = StderrCollector(err)
        // The activator prints "Listening on PATH as FD." once every socket listens (the socket
        // file appears at bind(), a moment before listen(), when a connect would be refused).
        XCTAssertTrue(try log.wait(for: "the activator to listen on \(b)", timeout: 60) { $0.contains("Listening on \(b)") },
                      "the activator exited: \(log.text)")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, c) in b.utf8.enumerated() { raw[i] = c } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(rc, 0, "connecting triggers the activation: \(String(cString: strerror(errno)))")
        // Without a connection the activator never starts captiond: stop it rather than wait.
        if rc != 0 { p.terminate() }
        try log.waitForEnd("captiond (started by the activator) to exit", timeout: 300)
        let text = log.text
        p.waitUntilExit()
        XCTAssertTrue(text.contains("socket-activated: captions fd 4, control fd 3"), text)
        // OpenBLAS's kernels: on a CPU with AVX2 never its Prescott fallback (a CPU newer than
        // the library is re-executed with OPENBLAS_CORETYPE; the sockets above survive the exec).
        XCTAssertTrue(text.contains("engine: OpenBLAS "), text)
        if let best = EngineKernels.forThisCPU, ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil {
            XCTAssertFalse(text.contains("engine: OpenBLAS Prescott kernels"), "this CPU runs \(best): \(text)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: box.captions), "configured paths are not bound when activated")
        // No microphone here (ALSA "default" has no card): start-up stops with the stage's reason.
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertTrue(text.contains("start-up failed"), text)
    }
}
