import XCTest
import Foundation
import CaptionCore
import IPC
import Streaming
import TestSupport
@testable import Daemon

/// `captionctl set hotwords …` and `captionctl set script …` on a running daemon with the real
/// stages (a file source looped at pace "fast", real Whisper weights, real OpenCC): the built
/// `captionctl` sends the command, and the next utterance decoded after the swap shows the new
/// setting; `status` reports it; a bad value is refused with the command named and changes nothing.
/// Needs a release build (`swift test -c release`).
final class LiveVocabularyControlTests: XCTestCase {
    /// spkanon_eval/1988-24833-0001.flac (LibriSpeech): "Somehow or other Cat has taught them …".
    /// tiny.en writes "Kat has taught"; with the hotword "Cat" it writes "Cat has taught"
    /// (ModelsTests.HotwordTests checks the same offline).
    func testSetHotwordsReachesTheNextUtterancesDecode() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        // The real stages, noting the hotwords of each Whisper model the daemon builds (the one
        // that decodes every window and final pass until the next swap).
        let built = BuiltModels()
        var stages = DaemonStages.live
        let make = stages.recognizer
        stages.recognizer = { model, streaming in
            let r = try make(model, streaming)
            built.add(((r as? LiveCaptioner)?.model as? WhisperStreamingModel)?.settings.hotwords)
            return r
        }
        let live = try LiveDaemon(clip: "spkanon_eval/1988-24833-0001.flac", model: "tiny.en", language: "en", test: self, stages: stages)
        defer { live.stop() }
        // The whole sentence: "Somehow or other, cat has taught them …". Without the hotword the
        // live spelling varies with the window schedule (runs here gave "cat" and "Cat"; offline
        // tiny.en writes "Kat"), so it is printed, not asserted.
        let before = try live.nextFinal(containing: "or other")
        XCTAssertTrue(before.text.contains("has taught"), before.text)
        XCTAssertEqual(try live.status().hotwords, "")
        XCTAssertEqual(built.all, [""])

        // A bad value: refused by the daemon with the command named; the settings stay.
        try live.setRefusedThenAccepted("hotwords", \.hotwords, was: "",
                                        bad: "Cat\nDog", error: "set hotwords: the value holds the control character U+000A at character 4",
                                        good: "Cat", confirmation: "hotwords \"Cat\"")
        XCTAssertEqual(built.all, ["", "Cat"], "the refused value built nothing; the accepted one reached the decoding model")
        // The swap re-sends hello; every final after it comes from the decoder holding the hotwords.
        // The first one may begin mid-sentence (where the swap cut the utterance), where any first
        // word is capitalised: the check waits for the whole sentence, with the name mid-sentence.
        try live.nextHello()
        let after = try live.nextFinal(containing: "or other")
        XCTAssertTrue(after.text.contains("Cat has taught"), "with the hotword the name is spelled right: \(after.text)")
        XCTAssertFalse(after.text.contains("Kat") || after.text.contains("cat has"), after.text)
        print("set hotwords: before \"\(before.text)\"; after \"\(after.text)\"")
        #endif
    }

    /// The control path alone (fake stages, any build): a refused value names the command and
    /// leaves status as it was; an accepted one is in status once the recognizer is swapped.
    func testSetHotwordsAndScriptValuesOnTheControlSocket() throws {
        let box = try DaemonSandbox()
        let config = try box.writeConfig()
        let daemon = try Daemon.make(config: config, stages: .fake([.silence, .speech]),
                                     log: ServiceLog(level: .info, sink: .capture), options: .init(handleSignals: false, statusInterval: 0.2))
        let running = RunningDaemon(daemon)
        defer { daemon.requestStop(); XCTAssertEqual(running.wait(), 0) }
        // The control socket answers before the pipeline runs, and a `set` then says "try again"
        // (the ASan CI run of 2 Dec 2026 sent the accepted values in that window).
        XCTAssertTrue(daemon.waitForStatus(timeout: 60) { $0.state == "running" },
                      "the pipeline did not start within 60 s: \(daemon.status())")
        let ctl = try ControlClient(path: box.control)
        var s = try XCTUnwrap(try ctl.send(.status).status)
        XCTAssertEqual(s.hotwords, "")
        XCTAssertEqual(s.script, "simplified")

        for (request, prefix) in [(ControlRequest.set(.hotwords, "Dashwood,\tKinsale"), "set hotwords: the value holds the control character U+0009 at character 10"),
                                  (.set(.hotwords, "Dash\u{0}wood"), "set hotwords: the value holds the control character U+0000 at character 5"),
                                  (.set(.script, "Simplified"), "set script: \"Simplified\" is not a script; use one of simplified, traditional, as-is")] {
            let reply = try ctl.send(request)
            XCTAssertFalse(reply.ok)
            XCTAssertEqual(reply.cmd, "set")
            XCTAssertEqual(reply.error?.code, .badValue)
            XCTAssertTrue(reply.error?.message.hasPrefix(prefix) ?? false, "\(reply)")
        }
        s = try XCTUnwrap(try ctl.send(.status).status)
        XCTAssertEqual([s.hotwords, s.script], ["", "simplified"], "refused values change nothing")

        let hot = try ctl.send(.set(.hotwords, "  Dashwood, Kinsale\n"))
        XCTAssertTrue(hot.ok, "\(hot)")
        XCTAssertTrue(hot.message?.contains("hotwords \"Dashwood, Kinsale\"") ?? false, "\(hot)")
        XCTAssertTrue(try ctl.send(.set(.script, "as-is")).ok)
        s = try XCTUnwrap(try ctl.send(.status).status)
        XCTAssertEqual([s.hotwords, s.script], ["Dashwood, Kinsale", "as-is"])
        XCTAssertTrue(try ctl.send(.set(.hotwords, "")).ok, "\"\" clears the hotwords")
        XCTAssertEqual(try ctl.send(.status).status?.hotwords, "")
    }

    /// firered_asr/IT0011W0001.wav: "换一首歌"; base writes 換 (traditional), the default script
    /// "simplified" turns it into 换; after `set script traditional` the captions say 換.
    func testSetScriptConvertsTheNextCaptions() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        // Window decodes every second (not 0.5 s): base is slow on a busy machine, and the final
        // pass writes the captions checked here.
        let live = try LiveDaemon(clip: "firered_asr/IT0011W0001.wav", model: "base", language: "zh", test: self,
                                  extra: "[streaming]\nstep_ms = 1000")
        defer { live.stop() }
        let before = try live.nextFinal(containing: "一首歌")
        XCTAssertTrue(before.text.contains("换一首歌"), "script simplified (the default): \(before.text)")
        XCTAssertEqual(try live.status().script, "simplified")

        try live.setRefusedThenAccepted("script", \.script, was: "simplified",
                                        bad: "cyrillic", error: "set script: \"cyrillic\" is not a script; use one of simplified, traditional, as-is",
                                        good: "traditional", confirmation: "script traditional")
        try live.nextHello()
        // The new recognizer starts wherever the looped clip is when the swap lands (the machine's
        // timing), so its frames and prompt differ from run to run: base may hear 首 as its
        // homophone 手 and keep it through the prompt. The script is what is checked here: the
        // first final with the request's first character, 换 in simplified and 換 in traditional.
        let after = try live.nextFinal(containingAny: ["換", "换"])
        XCTAssertTrue(after.text.contains("換"), "script traditional: \(after.text)")
        XCTAssertFalse(after.text.contains("换"), "script traditional: \(after.text)")
        print("set script: before \"\(before.text)\"; after \"\(after.text)\"")
        #endif
    }
}

/// An in-process daemon with the real stages on one fixture clip (plus 1.5 s of silence, so each
/// pass ends its utterance) looped at pace "fast", a subscriber, and the built `captionctl`.
private final class LiveDaemon {
    let box: DaemonSandbox
    let daemon: Daemon
    let running: RunningDaemon
    let sub: CaptionSubscription
    let test: XCTestCase

    init(clip: String, model: String, language: String, test: XCTestCase, extra: String = "",
         stages: DaemonStages = .live) throws {
        self.test = test
        let shared = try TestPaths.requireSharedFixtures()
        _ = try TestPaths.requireModel(model)
        let ctl = TestPaths.productsDir.appendingPathComponent("captionctl").path
        guard FileManager.default.isExecutableFile(atPath: ctl) else { throw RequiredFixtures.missing("captionctl is not built at \(ctl)") }
        box = try DaemonSandbox()
        let samples = try RecordedAudio.decode(path: shared.appendingPathComponent(clip).path).samples
        let wav = box.dir + "/clip.wav"
        try WAVBytes.mono16k(pcm: LiveFixtures.s16le(samples + [Float](repeating: 0, count: 24_000))).write(to: URL(fileURLWithPath: wav))
        let config = try box.writeConfig(extra: """
        [audio]
        source = "file"
        file = "\(wav)"
        pace = "fast"
        loop = true
        [model]
        name = "\(model)"
        dir = "\(TestPaths.modelsDir.path)"
        language = "\(language)"
        \(extra)
        """)
        daemon = try Daemon.make(config: config, stages: stages, log: ServiceLog(level: .info, sink: .capture),
                                 options: .init(handleSignals: false, statusInterval: 1, configPath: box.configPath))
        running = RunningDaemon(daemon)
        sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(TestTime.wait(60))
        guard case .hello? = try sub.next() else { throw RequiredFixtures.missing("the first line was not hello") }
    }

    func stop() {
        daemon.requestStop()
        XCTAssertEqual(running.wait(), 0)
    }

    /// The next final whose text contains `needle` (waits on the subscription; at most 60 s).
    func nextFinal(containing needle: String) throws -> CaptionFinal {
        try nextFinal(containingAny: [needle])
    }

    /// The next final whose text contains one of `needles` (at most 60 s).
    func nextFinal(containingAny needles: [String]) throws -> CaptionFinal {
        let what = needles.map { "\"\($0)\"" }.joined(separator: " or ")
        let seen = try test.readUntil(sub, "a final containing \(what)", limit: 60) {
            if case .final(let f) = $0 { return needles.contains(where: f.text.contains) }
            return false
        }
        guard case .final(let f)? = seen.last, needles.contains(where: f.text.contains) else {
            throw RequiredFixtures.missing("no final containing \(what)")
        }
        return f
    }

    /// Reads up to the hello a model swap re-sends.
    func nextHello() throws {
        try test.readUntil(sub, "the hello after the swap", limit: 60) { if case .hello = $0 { return true }; return false }
    }

    func status() throws -> StatusReport {
        try XCTUnwrap(try ControlClient(path: box.control).send(.status).status)
    }

    /// `captionctl set KEY BAD` fails with `error` on stderr and `status` still shows `was`; then
    /// `captionctl set KEY GOOD` succeeds, prints `confirmation`, and `status` shows `good`.
    func setRefusedThenAccepted(_ key: String, _ field: KeyPath<StatusReport, String?>, was: String,
                                bad: String, error: String, good: String, confirmation: String,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let refused = try captionctl(["set", key, bad])
        XCTAssertNotEqual(refused.status, 0, file: file, line: line)
        XCTAssertTrue(refused.stderr.contains(error), refused.stderr, file: file, line: line)
        XCTAssertEqual(try status()[keyPath: field], was, "a refused value changes nothing", file: file, line: line)
        let accepted = try captionctl(["set", key, good])
        XCTAssertEqual(accepted.status, 0, accepted.stderr, file: file, line: line)
        XCTAssertTrue(accepted.stdout.contains(confirmation), accepted.stdout, file: file, line: line)
        XCTAssertEqual(try status()[keyPath: field], good, file: file, line: line)
    }

    func captionctl(_ args: [String]) throws -> CommandResult {
        try CommandRunner.run("captionctl", args + ["--socket", box.control])
    }
}

/// The hotwords of each Whisper model built, in order (nil: not a Whisper model).
private final class BuiltModels: @unchecked Sendable {
    private let lock = NSLock()
    private var hotwords: [String?] = []
    func add(_ h: String?) { lock.withLock { hotwords.append(h) } }
    var all: [String?] { lock.withLock { hotwords } }
}
