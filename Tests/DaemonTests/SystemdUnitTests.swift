import XCTest
import TestSupport

/// The shipped units pass `systemd-analyze verify` with no output at all (it exits 0 even on
/// typos, so any output fails), and the sysusers file creates the captiond user.
final class SystemdUnitTests: XCTestCase {
    private func run(_ tool: String, _ args: [String], cwd: String, environment: [String: String] = [:]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = URL(fileURLWithPath: cwd)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self))
    }

    private func tool(_ name: String) throws -> String {
        for dir in ["/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") { return "\(dir)/\(name)" }
        throw RequiredFixtures.missing("\(name) is not installed")
    }

    /// The built product `name` (the units' ExecStart points at it).
    private func builtProduct(_ name: String) throws -> String {
        let binary = TestPaths.productsDir.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw RequiredFixtures.missing("\(name) is not built at \(binary); run `swift build` first")
        }
        return binary
    }

    /// `systemd-analyze verify ARGS` in `dir` exits 0 and prints nothing; and the check is real:
    /// with `key` in `unit` misspelt as `typo` it prints something (the unit is restored after).
    private func assertVerifiesSilently(_ args: [String], in dir: URL, environment: [String: String] = [:],
                                        unit: URL, misspelling key: String, as typo: String,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let analyze = try tool("systemd-analyze")
        let (status, output) = try run(analyze, ["verify"] + args, cwd: dir.path, environment: environment)
        XCTAssertEqual(status, 0, output, file: file, line: line)
        XCTAssertEqual(output, "", "systemd-analyze verify \(args.joined(separator: " ")) must print nothing", file: file, line: line)
        let good = try String(contentsOf: unit, encoding: .utf8)
        XCTAssertTrue(good.contains(key), "\(unit.lastPathComponent) has no \(key) to misspell", file: file, line: line)
        try good.replacingOccurrences(of: key, with: typo).write(to: unit, atomically: true, encoding: .utf8)
        defer { try? good.write(to: unit, atomically: true, encoding: .utf8) }
        XCTAssertNotEqual(try run(analyze, ["verify"] + args, cwd: dir.path, environment: environment).1, "",
                          "the typo \(typo) must be reported", file: file, line: line)
    }

    func testUnitsVerifyWithoutAnyOutput() throws {
        let binary = try builtProduct("captiond")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("captiond-units-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let units = TestPaths.repoRoot.appendingPathComponent("Systemd")
        for name in ["captiond.service", "captiond.socket"] {
            var text = try String(contentsOf: units.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "ExecStart=/usr/bin/captiond", with: "ExecStart=\(binary)")
            try text.write(to: tmp.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try assertVerifiesSilently(["./captiond.socket", "./captiond.service"], in: tmp,
                                   unit: tmp.appendingPathComponent("captiond.service"), misspelling: "WatchdogSec=", as: "WatchdogSecs=")
    }

    /// The overlay's user unit (`systemctl --user`): verifies in a user manager with no output,
    /// keeps loopback TCP and the caption socket, and is hardened (offline exposure score).
    func testOverlayUserUnitVerifiesWithoutAnyOutput() throws {
        let analyze = try tool("systemd-analyze")
        let binary = try builtProduct("captionctl")
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("captionctl-units-\(getpid())")
        let runtime = tmp.appendingPathComponent("xdg")   // a user manager's XDG_RUNTIME_DIR
        try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: tmp) }
        let name = "captionctl-overlay.service"
        let shipped = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("Systemd/\(name)"), encoding: .utf8)
        for line in ["ExecStart=/usr/bin/captionctl overlay ", "Restart=on-failure", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                     "PrivateUsers=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "WantedBy=default.target"] {
            XCTAssertTrue(shipped.contains(line), "\(name) lacks \(line)")
        }
        // Listening on the host's 127.0.0.1 needs the host network; a user unit cannot switch user.
        for line in ["\nPrivateNetwork=yes", "\nUser=", "\nIPAddressDeny="] { XCTAssertFalse(shipped.contains(line), "\(name) has \(line)") }
        let unit = tmp.appendingPathComponent(name)
        try shipped.replacingOccurrences(of: "ExecStart=/usr/bin/captionctl", with: "ExecStart=\(binary)")
            .write(to: unit, atomically: true, encoding: .utf8)
        let env = ["XDG_RUNTIME_DIR": runtime.path]
        try assertVerifiesSilently(["--user", "./\(name)"], in: tmp, environment: env,
                                   unit: unit, misspelling: "RestartSec=", as: "RestartSecs=")
        let (_, security) = try run(analyze, ["security", "--offline=true", "--user", "./\(name)"], cwd: tmp.path, environment: env)
        let score = security.split(separator: "\n").first { $0.contains("Overall exposure level") }
            .flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.flatMap { Double($0) }
        print("overlay user unit: systemd-analyze security --offline exposure \(score.map { String($0) } ?? "?")")
        XCTAssertLessThanOrEqual(try XCTUnwrap(score, security), 3.0, "exposure should stay \"OK\" (≤ 3.0)")
    }

    func testServiceIsNotifyWithWatchdogAndHardening() throws {
        let text = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("Systemd/captiond.service"), encoding: .utf8)
        for line in ["Type=notify", "WatchdogSec=", "PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX", "ProtectSystem=strict",
                     "DevicePolicy=closed", "DeviceAllow=char-alsa rw", "DeviceAllow=char-video4linux rw", "ExecReload=/bin/kill -HUP $MAINPID"] {
            XCTAssertTrue(text.contains(line), "captiond.service lacks \(line)")
        }
    }

    func testSysusersCreatesTheUserInAudioAndVideo() throws {
        let sysusers = try tool("systemd-sysusers")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("captiond-root-\(getpid())")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let file = TestPaths.repoRoot.appendingPathComponent("Systemd/captiond.sysusers").path
        let (status, output) = try run(sysusers, ["--dry-run", "--root=\(root.path)", file], cwd: root.path)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("Creating user 'captiond'"), output)
        XCTAssertFalse(output.lowercased().contains("ignoring"), output)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(text.contains("m captiond audio") && text.contains("m captiond video"))
    }
}
