import XCTest
import Foundation
import CaptionCore
import struct Features.WAVFile
import Capture
import IPC
import TestSupport

/// The camera's face analysis end to end, on the fake /dev/video0 (the LD_PRELOAD camera of
/// Tests/Fixtures/fakev4l2, here showing a still photograph of a face, obama.pgm, through
/// FAKEV4L2_Y4M): the unmodified `captiond` captions jfk.wav with `video.gate = "tag"`, every
/// caption labelled off camera (a still face does not speak: the "television" case) and `status`
/// reporting the face in view and the analysis rate; `captionctl faces --device` sees the face,
/// and with a microphone (alsa-lib's `file` capture PCM over `null`, paced in real time) hears the
/// speech on the camera's clock.
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
        try sub.setTimeout(TestTime.wait(90))
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
                                       "--audio-device", "none", "--models", TestPaths.modelsDir.path],
                                      environment: ["LD_PRELOAD": library, "FAKEV4L2_Y4M": y4m])
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(frames.count, 6, r.stdout)
        for f in frames {
            let faces = f["faces"] as? [[String: Any]] ?? []
            XCTAssertEqual(faces.count, 1, "\(f)")
            let box = faces.first?["box"] as? [Double] ?? []
            XCTAssertTrue(box.count == 4 && box[0] > 57 && box[2] < 262, "the face lies on the photograph: \(box)")
            XCTAssertNil(faces.first?["speaking"], "no audio, no speaking probability: \(f)")
        }
        XCTAssertTrue(r.stderr.contains("no speaking probability"), r.stderr)
        let missing = try CommandRunner.run(bin.appendingPathComponent("captionctl").path,
                                            ["faces", "--device", "/dev/video7", "--max-frames", "1", "--audio-device", "none",
                                             "--models", TestPaths.modelsDir.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/dev/video7"), missing.stderr)
    }

    /// The microphone: 1.5 s of quiet noise then jfk.wav as an alsa-lib `file` capture PCM (paced
    /// in real time), the still photograph on the fake camera. Every face carries a speaking
    /// probability; the VAD's voiced flag stays off in the quiet and comes on with the speech, at
    /// its time on the camera's clock; a still face is never the speaker (a television).
    func testFacesOnALiveCameraWithAMicrophone() throws {
        guard let fixtures = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared fixtures are absent (../shared/fixtures)") }
        let (bin, library, box, y4m) = try preconditions()
        let wavPath = fixtures.appendingPathComponent("whisper_cpp/jfk.wav").path
        let speech = try WAVFile(data: Data(contentsOf: URL(fileURLWithPath: wavPath)), path: wavPath).monoSamples()
        var rng = SeededRandom(state: 11)
        let quiet = rng.floats(24_000, scale: 0.002)
        let raw = box.dir + "/mic.raw"
        try LiveFixtures.s16le(quiet + speech).write(to: URL(fileURLWithPath: raw))
        let alsaConf = box.dir + "/alsa-mic.conf"
        try ALSAConfiguration.filePCMConfig(name: "captiondmic", infile: raw).write(toFile: alsaConf, atomically: true, encoding: .utf8)
        let env: [String: String?] = ["LD_PRELOAD": library, "FAKEV4L2_Y4M": y4m,
                                      "ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:\(alsaConf)"]
        let r = try CommandRunner.run(bin.appendingPathComponent("captionctl").path,
                                      ["faces", "--device", "/dev/video0", "--size", "320x256", "--max-frames", "90", "--json",
                                       "--audio-device", "captiondmic", "--pace-audio", "--models", TestPaths.modelsDir.path],
                                      environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let frames = r.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(frames.count, 90, r.stderr)
        var voicedTimes: [Double] = []
        for f in frames {
            let faces = f["faces"] as? [[String: Any]] ?? []
            XCTAssertEqual(faces.count, 1, "\(f)")
            let p = faces.first?["speaking"] as? Double
            XCTAssertNotNil(p, "with a microphone every face has a speaking probability: \(f)")
            XCTAssertTrue((0...1).contains(p ?? -1), "\(f)")
            XCTAssertLessThan(p ?? 1, 0.5, "a still photograph does not speak: \(f)")
            XCTAssertNil(f["speaker"], "\(f)")
            if f["voiced"] as? Bool == true { voicedTimes.append(f["time"] as? Double ?? -1) }
        }
        // jfk.wav speaks from ~0.3 s: after 1.5 s of quiet, ~1.8 s on the audio clock (the camera
        // starts a little after the microphone, so a frame's time is at most ~0.3 s behind).
        let firstVoiced = voicedTimes.min() ?? -1
        XCTAssertTrue((1.2...2.4).contains(firstVoiced), "speech heard from \(firstVoiced) s (\(voicedTimes.count) voiced frames); \(r.stderr)")
        XCTAssertGreaterThanOrEqual(voicedTimes.count, 15, "\(r.stderr)")
    }

    /// Precise errors: a microphone that does not exist names the PCM and the ALSA call; --audio
    /// (a file) does not go with a camera; a missing camera is named while the microphone is fine.
    func testFacesMicrophoneErrorsArePrecise() throws {
        let (bin, library, box, y4m) = try preconditions()
        let ctl = bin.appendingPathComponent("captionctl").path
        let env: [String: String?] = ["LD_PRELOAD": library, "FAKEV4L2_Y4M": y4m]
        let missing = try CommandRunner.run(ctl, ["faces", "--device", "/dev/video0", "--size", "320x256", "--max-frames", "3",
                                                  "--audio-device", "nosuchpcm", "--models", TestPaths.modelsDir.path], environment: env)
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("--audio-device nosuchpcm: cannot open the microphone"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("snd_pcm_open"), missing.stderr)
        XCTAssertTrue(missing.stdout.isEmpty, "no frame is analysed without the microphone asked for: \(missing.stdout)")

        let file = try CommandRunner.run(ctl, ["faces", "--device", "/dev/video0", "--audio", box.dir + "/a.wav", "--max-frames", "1"],
                                         environment: env)
        XCTAssertNotEqual(file.status, 0)
        XCTAssertTrue(file.stderr.contains("--audio-device"), file.stderr)

        let raw = box.dir + "/quiet.raw"
        try LiveFixtures.s16le([Float](repeating: 0, count: 16_000)).write(to: URL(fileURLWithPath: raw))
        let alsaConf = box.dir + "/alsa-quiet.conf"
        try ALSAConfiguration.filePCMConfig(name: "captiondmic", infile: raw).write(toFile: alsaConf, atomically: true, encoding: .utf8)
        let camera = try CommandRunner.run(ctl, ["faces", "--device", "/dev/video7", "--max-frames", "1", "--audio-device", "captiondmic",
                                                 "--pace-audio", "--models", TestPaths.modelsDir.path],
                                           environment: ["LD_PRELOAD": library, "ALSA_CONFIG_PATH": "/usr/share/alsa/alsa.conf:\(alsaConf)"])
        XCTAssertEqual(camera.status, 2, camera.stderr)
        XCTAssertTrue(camera.stderr.contains("/dev/video7"), camera.stderr)
    }
}
