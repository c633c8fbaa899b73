import XCTest
import Foundation
import CaptionCore
import IPC
import TestSupport

/// The camera's face analysis end to end, on the fake /dev/video0 (the LD_PRELOAD camera of
/// Tests/Fixtures/fakev4l2, here showing a still photograph of a face, obama.pgm, through
/// FAKEV4L2_Y4M): the unmodified `captiond` captions jfk.wav with `video.gate = "tag"`, every
/// caption labelled off camera (a still face does not speak: the "television" case) and `status`
/// reporting the face in view and the analysis rate; `captionctl faces --device` sees the face.
final class LiveCameraFacesTests: XCTestCase {
    private func preconditions() throws -> (bin: URL, library: String, box: DaemonSandbox, y4m: String) {
        let bin = TestPaths.productsDir
        for tool in ["captiond", "captionctl"] where !FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent(tool).path) {
            throw RequiredFixtures.missing("\(tool) is not built in \(bin.path)")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") else { throw RequiredFixtures.missing("no C compiler at /usr/bin/cc") }
        let faces = TestPaths.modelsDir.appendingPathComponent("faces/face_landmark.tflite").path
        guard FileManager.default.fileExists(atPath: faces) else {
            throw RequiredFixtures.missing("the face models are not installed: run scripts/fetch-models faces")
        }
        let box = try DaemonSandbox()
        let library = box.dir + "/fakev4l2.so"
        let cc = try CommandRunner.run("/usr/bin/cc", ["-shared", "-fPIC", "-O2", "-o", library,
                                                       TestPaths.fixtures.appendingPathComponent("fakev4l2/fakev4l2.c").path, "-ldl"])
        XCTAssertEqual(cc.status, 0, cc.stderr)
        // The camera's picture: the 205×256 photograph on a 320×256 grey canvas, one mono Y4M frame.
        let pgm = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("vision/obama.pgm"))
        let photo = Array(pgm.suffix(205 * 256))
        var canvas = [UInt8](repeating: 120, count: 320 * 256)
        for y in 0..<256 { for x in 0..<205 { canvas[y * 320 + 57 + x] = photo[y * 205 + x] } }
        let y4m = box.dir + "/camera.y4m"
        try (Data("YUV4MPEG2 W320 H256 F30:1 Ip A1:1 Cmono\nFRAME\n".utf8) + Data(canvas)).write(to: URL(fileURLWithPath: y4m))
        return (bin, library, box, y4m)
    }

    func testDaemonLabelsSpeechOffCameraAndReportsTheFaceInView() throws {
        guard TestPaths.model("tiny.en") != nil else { throw RequiredFixtures.missing("tiny.en is not installed: run scripts/fetch-models tiny.en") }
        guard let fixtures = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared fixtures are absent (../shared/fixtures)") }
        let (bin, library, box, y4m) = try preconditions()
        _ = try box.writeConfig(extra: """
        [audio]
        source = "file"
        file = "\(fixtures.appendingPathComponent("whisper_cpp/jfk.wav").path)"
        pace = "realtime"
        [video]
        enabled = true
        source = "v4l2"
        device = "/dev/video0"
        size = "320x256"
        fps = 30
        gate = "tag"
        [model]
        name = "tiny.en"
        dir = "\(TestPaths.modelsDir.path)"
        language = "en"
        beam = 1
        """)
        let p = Process()
        p.executableURL = bin.appendingPathComponent("captiond")
        p.arguments = ["--config", box.configPath]
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = library
        env["FAKEV4L2_Y4M"] = y4m
        let notify = try NotifyListener(path: box.dir + "/notify.sock")
        env["NOTIFY_SOCKET"] = notify.path
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let log = StderrCollector(err)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }

        // READY=1 comes once the sockets listen and capture runs: then one connect.
        do { try notify.waitForReady("captiond") } catch { return XCTFail("\(error); log: \(log.text)") }
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(90)
        let events = try readUntil(sub, "a final with \"country\"") {
            if case .final(let f) = $0 { return f.text.lowercased().contains("country") }
            return false
        }
        let captions = events.compactMap { e -> (String, CaptionSpeaker?)? in
            switch e {
            case .partial(let p): return (p.text, p.speaker)
            case .final(let f): return (f.text, f.speaker)
            default: return nil
            }
        }
        XCTAssertFalse(captions.isEmpty)
        XCTAssertTrue(captions.allSatisfy { $0.1 == .offCamera }, "a still face does not speak: \(captions)")
        let finals = events.compactMap { e -> String? in if case .final(let f) = e { return f.text }; return nil }
        XCTAssertTrue(finals.joined(separator: " ").lowercased().contains("fellow americans"), "tag captions every word: \(finals)")

        let status = try CommandRunner.run(bin.appendingPathComponent("captionctl").path, ["status", "--json", "--config", box.configPath])
        XCTAssertEqual(status.status, 0, status.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(object["faces"] as? Int, 1, "the photograph's face is in view: \(status.stdout)")
        XCTAssertNil(object["speaking_face"], "nobody on camera speaks: \(status.stdout)")
        XCTAssertGreaterThan(object["video_frames"] as? Int ?? 0, 30)
        let analysed = object["video_analysis_fps"] as? Double ?? 0, camera = object["video_fps"] as? Double ?? 0
        // Rates over the last 2 s of frames the pipeline took (a busy machine may drop some).
        XCTAssertGreaterThan(camera, 0, status.stdout)
        XCTAssertGreaterThan(analysed, 0, status.stdout)
        XCTAssertLessThanOrEqual(analysed, min(13, camera + 0.5), "analysed at most video.analysis_fps = 12: \(status.stdout)")
        let human = try CommandRunner.run(bin.appendingPathComponent("captionctl").path, ["status", "--config", box.configPath])
        XCTAssertTrue(human.stdout.contains("faces:        1 in view, nobody speaking"), human.stdout)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, log.text)
    }

    func testFacesOnALiveCameraDevice() throws {
        let (bin, library, box, y4m) = try preconditions()
        defer { withExtendedLifetime(box) {} }   // the sandbox holds the library and the picture
        let r = try CommandRunner.run(bin.appendingPathComponent("captionctl").path,
                                      ["faces", "--device", "/dev/video0", "--size", "320x256", "--max-frames", "6", "--json",
                                       "--models", TestPaths.modelsDir.path],
                                      environment: ["LD_PRELOAD": library, "FAKEV4L2_Y4M": y4m])
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(frames.count, 6, r.stdout)
        for f in frames {
            let faces = f["faces"] as? [[String: Any]] ?? []
            XCTAssertEqual(faces.count, 1, "\(f)")
            let box = faces.first?["box"] as? [Double] ?? []
            XCTAssertTrue(box.count == 4 && box[0] > 57 && box[2] < 262, "the face lies on the photograph: \(box)")
        }
        let missing = try CommandRunner.run(bin.appendingPathComponent("captionctl").path,
                                            ["faces", "--device", "/dev/video7", "--max-frames", "1", "--models", TestPaths.modelsDir.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/dev/video7"), missing.stderr)
    }
}
