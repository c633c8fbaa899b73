import XCTest
import Foundation
import CaptionCore
import IPC
import TestSupport

/// The unmodified `captiond` binary with `video.source = "v4l2"`: its own open/ioctl/mmap/poll run
/// against a fake /dev/video0 served by an LD_PRELOAD library (Tests/Fixtures/fakev4l2), while
/// jfk.wav plays from a file source. `status` must report the camera's frames arriving.
final class LiveV4L2PreloadTests: XCTestCase {
    func testDaemonCountsFramesFromThePreloadedCamera() throws {
        let bin = TestPaths.productsDir
        let captiond = bin.appendingPathComponent("captiond").path
        let captionctl = bin.appendingPathComponent("captionctl").path
        guard FileManager.default.isExecutableFile(atPath: captiond) else { throw RequiredFixtures.missing("captiond is not built in \(bin.path)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") else { throw RequiredFixtures.missing("no C compiler at /usr/bin/cc") }
        guard TestPaths.model("tiny.en") != nil else { throw RequiredFixtures.missing("tiny.en is not installed: run scripts/fetch-models tiny.en") }
        guard let fixtures = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared fixtures are absent (../shared/fixtures)") }

        let box = try DaemonSandbox()
        let library = box.dir + "/fakev4l2.so"
        let cc = try CommandRunner.run("/usr/bin/cc", ["-shared", "-fPIC", "-O2", "-o", library,
                                                       TestPaths.fixtures.appendingPathComponent("fakev4l2/fakev4l2.c").path, "-ldl"])
        XCTAssertEqual(cc.status, 0, cc.stderr)
        _ = try box.writeConfig(extra: """
        [audio]
        source = "file"
        file = "\(fixtures.appendingPathComponent("whisper_cpp/jfk.wav").path)"
        pace = "realtime"
        [video]
        enabled = true
        source = "v4l2"
        device = "/dev/video0"
        size = "640x480"
        fps = 30
        [model]
        name = "tiny.en"
        dir = "\(TestPaths.modelsDir.path)"
        language = "en"
        beam = 1
        """)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: captiond)
        p.arguments = ["--config", box.configPath]
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = library
        let notify = try NotifyListener(path: box.dir + "/notify.sock")
        env["NOTIFY_SOCKET"] = notify.path
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderrText = StderrCollector(err)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }

        // Events, not polls: READY=1 (sockets listen, capture runs), then the caption stream up to
        // the clip's last final; by then 11 s of jfk.wav were captured in real time, and the
        // camera (30 frame/s) ran alongside. Then one `captionctl status --json`.
        do { try notify.waitForReady("captiond") } catch { return XCTFail("\(error); log: \(stderrText.text)") }
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(TestTime.wait(90))
        try readUntil(sub, "the final with \"country\"") {
            if case .final(let f) = $0 { return f.text.lowercased().contains("country") }
            return false
        }
        let r = try CommandRunner.run(captionctl, ["status", "--json", "--config", box.configPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let frames = object["video_frames"] as? Int ?? 0
        let dropped = object["video_dropped"] as? Int ?? -1
        let state = object["state"] as? String ?? ""
        XCTAssertTrue(p.isRunning, "captiond exited: \(stderrText.text)")
        XCTAssertGreaterThanOrEqual(frames, 60, "frames from the preloaded camera; state \(state); log: \(stderrText.text)")
        XCTAssertGreaterThanOrEqual(dropped, 0)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, stderrText.text)
    }
}
