import XCTest
import TestSupport
import Streaming
@testable import Daemon

final class ConfigLoaderTests: XCTestCase {
    private func error(_ text: String) -> String {
        do { _ = try ConfigLoader.parse(text); return "no error" } catch { return "\(error)" }
    }

    func testShippedConfigurationListsExactlyTheDefaults() throws {
        let path = TestPaths.repoRoot.appendingPathComponent("Config/captiond.toml").path
        XCTAssertEqual(try ConfigLoader.load(path: path), DaemonConfig())
        XCTAssertEqual(try ConfigLoader.parse(""), DaemonConfig())
    }

    func testValuesAreRead() throws {
        let c = try ConfigLoader.parse("""
        [audio]
        source = "file"
        file = "/tmp/a.wav"
        pace = "fast"
        [video]
        enabled = true
        size = "320x240"
        [model]
        name = "/opt/models/base"
        language = "zh"
        task = "translate"
        av_beam = 4
        av_lm = "none"
        [streaming]
        step_ms = 300
        window_s = 8
        [sockets]
        mode = "0640"
        group = ""
        [log]
        level = "debug"
        """)
        XCTAssertEqual(c.audio.source, .file)
        XCTAssertEqual(c.audio.pace, .fast)
        XCTAssertEqual(c.video.width, 320)
        XCTAssertEqual(c.video.height, 240)
        XCTAssertEqual(c.model.path, "/opt/models/base")
        XCTAssertEqual(c.model.task, .translate)
        XCTAssertEqual(c.model.avDecoding.width, 4)
        XCTAssertEqual(c.model.avDecoding.languageModel, "none")
        XCTAssertNil(try ConfigLoader.parse("[model]\nav_lm = \"\"").model.avDecoding.languageModel, "\"\": the .arpa beside the checkpoint")
        XCTAssertEqual(error("[model]\nav_beam = 0"), "captiond.toml: model.av_beam: expected an integer between 1 and 32, got 0")
        XCTAssertEqual(c.streaming.stepMilliseconds, 300)
        XCTAssertEqual(c.streaming.windowSeconds, 8)
        XCTAssertEqual(c.sockets.mode, 0o640)
        XCTAssertEqual(c.log.level, .debug)
    }

    func testStreamingPolicyKeysAreReadAndReachTheRecognizer() throws {
        let c = try ConfigLoader.parse("""
        [streaming]
        commit_after_s = 0.5
        partial_tentative_words = 2
        final_pass = false
        commit_logprob = -1.5
        tentative_min_prob = 0.4
        commit_min_prob = 0.3
        """)
        // The section fills StreamingConfiguration directly: no copy, no override.
        let policy = c.streaming
        XCTAssertEqual(policy.commitAfterSeconds, 0.5)
        XCTAssertEqual(policy.partialTentativeWords, 2)
        XCTAssertFalse(policy.finalPass)
        XCTAssertEqual(policy.commitLogProb, -1.5)
        XCTAssertEqual(policy.tentativeMinProbability, 0.4)
        XCTAssertEqual(policy.commitMinProbability, 0.3)
        // Integers are accepted where seconds or probabilities are expected.
        XCTAssertEqual(try ConfigLoader.parse("[streaming]\ncommit_after_s = 2\ncommit_min_prob = 0").streaming.commitAfterSeconds, 2)
        XCTAssertEqual(try ConfigLoader.parse("[streaming]\nendpoint_silence_ms = 800").streaming.endpointSilenceSeconds, 0.8, accuracy: 1e-12)
    }

    /// The incremental model's endpoint (issue 13): milliseconds in the file, 0 turns it off, and a
    /// run shorter than two model frames is refused with the key's name.
    func testEndpointBlankKeyReadsMillisecondsAndRefusesTooShortRuns() throws {
        XCTAssertEqual(DaemonConfig().streaming.endpointBlankSeconds, 0.12, accuracy: 1e-12)
        XCTAssertEqual(try ConfigLoader.parse("[streaming]\nendpoint_blank_ms = 200").streaming.endpointBlankSeconds, 0.2, accuracy: 1e-12)
        XCTAssertEqual(try ConfigLoader.parse("[streaming]\nendpoint_blank_ms = 0").streaming.endpointBlankSeconds, 0)
        XCTAssertEqual(error("[streaming]\nendpoint_blank_ms = 50"),
                       "captiond.toml: streaming.endpoint_blank_ms: expected 0 (off) or at least 80 ms (two model frames): a shorter blank run ends utterances inside words, got 50.0")
        XCTAssertEqual(error("[streaming]\nendpoint_blank_ms = 2500"),
                       "captiond.toml: streaming.endpoint_blank_ms: expected a number between 0.0 and 2000.0, got 2500")
    }

    func testBadStreamingPolicyValuesNameTheKey() {
        XCTAssertEqual(error("[streaming]\ncommit_after_s = 11"),
                       "captiond.toml: streaming.commit_after_s: expected a number between 0.0 and 10.0, got 11")
        XCTAssertEqual(error("[streaming]\npartial_tentative_words = -1"),
                       "captiond.toml: streaming.partial_tentative_words: expected an integer between 0 and 100, got -1")
        XCTAssertEqual(error("[streaming]\nfinal_pass = \"yes\""),
                       "captiond.toml: streaming.final_pass: expected true or false, got \"yes\"")
        XCTAssertEqual(error("[streaming]\ncommit_logprob = 0.5"),
                       "captiond.toml: streaming.commit_logprob: expected a number between -100.0 and 0.0, got 0.5")
        XCTAssertEqual(error("[streaming]\ntentative_min_prob = 1.5"),
                       "captiond.toml: streaming.tentative_min_prob: expected a number between 0.0 and 1.0, got 1.5")
        XCTAssertEqual(error("[streaming]\ncommit_min_prob = \"high\""),
                       "captiond.toml: streaming.commit_min_prob: expected a number between 0.0 and 1.0, got \"high\"")
        XCTAssertTrue(error("[streaming]\ntentative_words = 1").hasPrefix("captiond.toml: streaming.tentative_words: unknown key"))
    }

    func testBadValuesNameTheKeyAndTheReason() {
        XCTAssertEqual(error("[streaming]\nstep_ms = \"fast\""),
                       "captiond.toml: streaming.step_ms: expected an integer between 100 and 5000, got \"fast\"")
        XCTAssertEqual(error("[streaming]\nstep_ms = 50"),
                       "captiond.toml: streaming.step_ms: expected an integer between 100 and 5000, got 50")
        XCTAssertTrue(error("[audio]\ndevcie = \"hw:0\"").hasPrefix("captiond.toml: audio.devcie: unknown key"))
        XCTAssertTrue(error("[sound]\nx = 1").hasPrefix("captiond.toml: sound: unknown section"))
        XCTAssertTrue(error("[audio]\nsource = \"pulse\"").hasPrefix("captiond.toml: audio.source: expected one of \"alsa\", \"file\""))
        XCTAssertTrue(error("[audio]\nsource = \"file\"").hasPrefix("captiond.toml: audio.file:"))
        XCTAssertTrue(error("[video]\nsize = \"big\"").hasPrefix("captiond.toml: video.size:"))
        XCTAssertTrue(error("[video]\nenabled = \"yes\"").hasPrefix("captiond.toml: video.enabled: expected true or false"))
        XCTAssertTrue(error("[model]\nlanguage = \"English\"").hasPrefix("captiond.toml: model.language:"))
        XCTAssertTrue(error("[sockets]\nmode = \"rw\"").hasPrefix("captiond.toml: sockets.mode:"))
        XCTAssertTrue(error("[sockets]\nmode = 660").hasPrefix("captiond.toml: sockets.mode: expected a string"))
        XCTAssertTrue(error("[sockets]\ncaptions = \"relative.sock\"").hasPrefix("captiond.toml: sockets.captions: expected an absolute path"))
        XCTAssertTrue(error("[log]\nlevel = \"loud\"").hasPrefix("captiond.toml: log.level:"))
        XCTAssertTrue(error("audio = 3").hasPrefix("captiond.toml: audio: expected a table"))
        XCTAssertTrue(error("[audio\nsource = 1").hasPrefix("captiond.toml:1:"), error("[audio\nsource = 1"))
    }

    func testMissingFileIsAnErrorUnlessItIsTheDefaultPath() {
        XCTAssertThrowsError(try ConfigLoader.load(path: "/nonexistent/captiond.toml")) {
            XCTAssertEqual("\($0)", "cannot read configuration /nonexistent/captiond.toml: no such file")
        }
        XCTAssertEqual(try ConfigLoader.load(path: "/nonexistent/captiond.toml", missingIsDefault: true), DaemonConfig())
    }

    /// One table of keys: every key of StreamingConfiguration.keys is in the shipped file and in
    /// docs/CONFIGURATION.md, and every key of the file's [streaming] section is in the table.
    func testStreamingKeysTableMatchesTheFileAndTheDocs() throws {
        let shipped = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("Config/captiond.toml"), encoding: .utf8)
        let docs = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("docs/CONFIGURATION.md"), encoding: .utf8)
        let section = shipped.components(separatedBy: "\n[streaming]\n")[1].components(separatedBy: "\n[")[0]
        let fileKeys = section.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("=") }
            .map { $0.split(separator: "=")[0].trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(Set(fileKeys), Set(StreamingConfiguration.keys.map(\.name)))
        for key in StreamingConfiguration.keys {
            XCTAssertTrue(docs.contains("`streaming.\(key.name)`"), "docs/CONFIGURATION.md does not document streaming.\(key.name)")
        }
    }

    /// Every validation error of the streaming section names a key that exists in the file.
    func testStreamingValidationErrorsNameFileKeys() {
        XCTAssertEqual(error("[streaming]\nstep_ms = 2000\nwindow_s = 1.5"),
                       "captiond.toml: streaming.step_ms: expected a step shorter than window_s (1.5 s), got 2000")
        var c = StreamingConfiguration()
        c.endpointSilenceSeconds = 20
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssertEqual("\(e)", "streaming.endpoint_silence_ms: expected a number between 100.0 and 10000.0, got 20000.0")
        }
    }

    /// Fault 14: `audio.file` a directory reported ready, then exited; now start-up refuses it
    /// with the key's path.
    func testAudioFileThatIsADirectoryIsAConfigurationError() throws {
        let box = try DaemonSandbox()
        XCTAssertThrowsError(try box.writeConfig(extra: "[audio]\nsource = \"file\"\nfile = \"\(box.dir)\"")) { e in
            XCTAssertEqual("\(e)", "captiond.toml: audio.file: \(box.dir) is a directory; give the path of an audio file (WAV, FLAC, MP3, …) or raw 16-kHz S16_LE PCM")
        }
    }
}
