import XCTest
import Foundation
import CaptionCore
import struct Features.WAVFile
import Capture
import IPC
import Metrics
import TestSupport
@testable import Daemon

/// The unmodified `captiond` binary with the real parts, as the issue measures it: started through
/// `systemd-socket-activate` with NOTIFY_SOCKET bound here, audio from an ALSA `file` capture PCM
/// over jfk.wav paced in real time, video from a Y4M file, tiny.en. One daemon run serves every
/// assertion (it costs the clip's duration in wall time). Needs a release build (`swift test -c
/// release`); skips when tiny.en, the shared fixtures or systemd-socket-activate are absent.
final class EndToEndLiveTests: XCTestCase {
    private let activate = "/usr/bin/systemd-socket-activate"

    func testLiveDaemonCaptionsJFKThroughSocketActivation() throws {
        let bin = TestPaths.productsDir
        let captiond = bin.appendingPathComponent("captiond").path
        let captionctl = bin.appendingPathComponent("captionctl").path
        guard FileManager.default.isExecutableFile(atPath: captiond), FileManager.default.isExecutableFile(atPath: captionctl) else {
            throw RequiredFixtures.missing("captiond/captionctl are not built in \(bin.path)")
        }
        guard FileManager.default.isExecutableFile(atPath: activate) else { throw RequiredFixtures.missing("systemd-socket-activate is not installed") }
        guard TestPaths.model("tiny.en") != nil else {
            throw RequiredFixtures.missing("tiny.en is not installed in \(TestPaths.modelsDir.path): run scripts/fetch-models tiny.en")
        }
        guard let fixtures = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("shared fixtures are absent (../shared/fixtures)") }
        let wavPath = fixtures.appendingPathComponent("whisper_cpp/jfk.wav").path
        let reference = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."

        let box = try DaemonSandbox()
        // Audio: jfk.wav, 2 s of silence, then jfk.wav from 3 s on (speech still running at SIGTERM).
        let wav = try WAVFile(data: Data(contentsOf: URL(fileURLWithPath: wavPath)), path: wavPath)
        XCTAssertEqual(wav.sampleRate, 16_000)
        let clip = try wav.monoSamples()
        let stream = clip + [Float](repeating: 0, count: 32_000) + clip[48_000...]
        let raw = box.dir + "/in.raw"
        try LiveFixtures.s16le(stream).write(to: URL(fileURLWithPath: raw))
        let alsaConf = box.dir + "/alsa-test.conf"
        try ALSAConfiguration.filePCMConfig(name: "captiondtest", infile: raw).write(toFile: alsaConf, atomically: true, encoding: .utf8)
        // Video: moving noise (mouth region always active) at 15 frame/s, 160×120 mono Y4M.
        let y4m = box.dir + "/face.y4m"
        try LiveFixtures.noiseY4M(width: 160, height: 120, fps: 15, frames: 15 * 25).write(to: URL(fileURLWithPath: y4m))

        _ = try box.writeConfig(extra: """
        [audio]
        source = "alsa"
        device = "captiondtest"
        pace = "realtime"
        [video]
        enabled = true
        source = "file"
        file = "\(y4m)"
        [model]
        name = "tiny.en"
        dir = "\(TestPaths.modelsDir.path)"
        language = "en"
        beam = 1
        """)
        let notify = try NotifyListener(path: box.dir + "/notify.sock")
        let messages = NotifyLog(notify)
        let aCaptions = box.dir + "/act-c.sock", aControl = box.dir + "/act-ctl.sock"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: activate)
        // systemd-socket-activate passes only the variables named with -E: hand on the
        // sanitizer settings of `make sanitize` too, so the daemon runs under the same options.
        let sanitizerVariables = ["ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "SWIFT_BACKTRACE", "CAPTIOND_TRACE_DECODES"]
            .filter { ProcessInfo.processInfo.environment[$0] != nil }
            .flatMap { ["-E", $0] }
        p.arguments = ["-l", aCaptions, "-l", aControl, "--fdname=captions:control",
                       "-E", "NOTIFY_SOCKET=\(notify.path)", "-E", "WATCHDOG_USEC=2000000",
                       "-E", "ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:\(alsaConf)"]
            + sanitizerVariables + [captiond, "--config", box.configPath]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let stderrText = StderrCollector(err)
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        // The activator says "Listening on PATH as FD." once all its sockets listen (after bind and
        // listen, unlike the socket file, which appears at bind): connect after that line, once.
        XCTAssertTrue(try stderrText.wait(for: "the activator to listen on \(aControl)", timeout: 60) { $0.contains("Listening on \(aControl)") },
                      "the activator exited: \(stderrText.text)")

        // Connecting activates the daemon; hello comes first.
        let sub = try CaptionSubscription(path: aCaptions)
        try sub.setTimeout(TestTime.wait(60))
        guard case .hello(let hello)? = try sub.next() else { return XCTFail("first line is not hello") }
        XCTAssertEqual(hello.model, "tiny.en")

        // First copy of the clip: partials, then finals up to "… for your country."
        var events = try readUntil(sub, "the final of the first copy") {
            if case .final(let f) = $0 { return f.text.lowercased().contains("for your country") }
            return false
        }
        let firstFinals = events.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f }; return nil }
        // Partials arrive while speaking, when the model keeps up. How many depends on when the
        // window decodes ran: a slow machine (AddressSanitizer, load) grows the step and defers
        // stale decodes, and one that cannot keep up may go straight to each final (a stress
        // run pinned to one busy core showed none in 11 s); the daemon then says so on stderr.
        let partialCount = events.filter { if case .partial(let q) = $0 { return !q.text.isEmpty }; return false }.count
        print("e2e: \(partialCount) partials with words in the first copy")
        if !stderrText.text.contains("cannot keep up") {
            XCTAssertGreaterThan(partialCount, 0, "partials arrive while speaking (the daemon did not report that it cannot keep up)")
        }
        // Partials carry the shown words with the window decode's times (docs/PROTOCOL.md).
        let shownPartials = events.compactMap { e -> CaptionPartial? in if case .partial(let q) = e, !q.text.isEmpty { return q }; return nil }
        for q in shownPartials {
            XCTAssertEqual(q.timing, "decoded", "\(q)")
            XCTAssertEqual(q.words?.map(\.word).joined(separator: " "), q.text, "\(q)")
            XCTAssertTrue(zip(q.words ?? [], (q.words ?? []).dropFirst()).allSatisfy { $0.start <= $1.start } && (q.words ?? []).allSatisfy { $0.start <= $0.end }, "\(q)")
        }

        // SIGHUP during the silence: RELOADING=1, then READY=1 again; the subscriber stays.
        kill(p.processIdentifier, SIGHUP)
        // Second copy: the first event of it ends the wait, on every schedule. Usually a partial
        // with words (the speaker is mid-utterance). When decodes are slow (AddressSanitizer, or a
        // loaded machine: the live schedule then defers the window decodes of a short utterance)
        // it can be the final of "Ask not!" with no partial before it; a CI run waited 180 s for
        // a partial after the audio had ended. SIGTERM then comes with the rest of the copy still
        // speaking, and the checks below hold whichever event it was.
        let firstUtterance = firstFinals.last?.utterance ?? 0
        let midway = try readUntil(sub, "the first event of the second copy") {
            switch $0 {
            case .partial(let q): return !q.text.isEmpty && q.utterance > firstUtterance
            case .final(let f): return f.utterance > firstUtterance
            default: return false
            }
        }
        events += midway
        // The reload must be done before SIGTERM: the pipeline loop takes both requests between
        // decodes and a stop wins, so with decodes of seconds (a stress run: 4.4 s each) a
        // SIGTERM sent right after the SIGHUP ended the daemon with no RELOADING=1 at all.
        let reloaded = messages.wait(timeout: 120) { seen in
            guard let r = seen.firstIndex(where: { $0.split(separator: "\n").contains { $0.hasPrefix("RELOADING=1") } }) else { return false }
            return seen[(r + 1)...].contains { $0.split(separator: "\n").contains { $0.hasPrefix("READY=1") } }
        }
        XCTAssertTrue(reloaded, "RELOADING=1 then READY=1 within 120 s of SIGHUP")
        let open: CaptionPartial?
        if case .partial(let q)? = midway.last { open = q } else { open = nil }
        kill(p.processIdentifier, SIGTERM)
        var rest: [CaptionEvent] = []
        while let e = try sub.next() { rest.append(e) }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, stderrText.text)
        let closing = rest.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f }; return nil }
        // Over the whole run: finals in utterance order, one per utterance, each with words; and
        // SIGTERM leaves no utterance that showed words without a final.
        let all = events + rest
        print("e2e: finals \(all.compactMap { e -> String? in if case .final(let f) = e { return "\(f.utterance): \(f.text)" }; return nil }); open at SIGTERM: \(open.map { "\($0.utterance): \($0.text)" } ?? "none")")
        LiveCaptionChecks.assertFinalsWellFormed(all.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f }; return nil })
        LiveCaptionChecks.assertShownUtterancesFinalled(all)
        if let open {
            // The utterance seen open gets its final. It need not be the last one: the daemon may
            // have endpointed it and opened the next before the signal arrived (a sanitizer build
            // runs behind the audio: CI saw "Ask not!" final, then SIGTERM final "Bye!" for the
            // next).
            XCTAssertTrue(Set(closing.map(\.utterance)).contains(open.utterance), "the utterance open at SIGTERM (\(open.utterance)) gets a final: \(rest)")
        } else {
            print("e2e: the second copy's first event was a final (slow decodes); the SIGTERM check covers the utterances open after it")
        }

        // WER of the first copy's finals against the offline transcription of the same clip.
        let streamed = firstFinals.map(\.text).joined(separator: " ")
        let offline = try CommandRunner.run(captionctl, ["transcribe", wavPath, "--model", "tiny.en", "--beam", "1", "--threads", "1"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let werStreamed = ErrorRate.words(reference: EnglishNormalizer.normalize(reference), hypothesis: EnglishNormalizer.normalize(streamed)).rate
        let werOffline = ErrorRate.words(reference: EnglishNormalizer.normalize(reference), hypothesis: EnglishNormalizer.normalize(offline.stdout)).rate
        print("e2e: streamed \"\(streamed)\" WER \(werStreamed); offline \"\(offline.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\" WER \(werOffline)")
        // The streamed text depends on when each window decode ran (the live schedule grows the
        // step, trims windows and shortens final passes when compute is slow, and committed words
        // stay). The clip has 22 words. On a loaded machine the release build's schedule also takes
        // its slow branches: a short window decode read "As not." (p 0.05) for "Ask not!" and
        // agreed with itself (load 17, 1 run of 3), so the release bound is 2 words of 22.
        // Under AddressSanitizer the same decodes cost 3-5x as much ("And so am I fellow
        // Americans" in one CI run): there the bound only catches a broken stream (more than 3
        // words of 22). A dropped or repeated sentence exceeds both. Set CAPTIOND_TRACE_DECODES=1
        // to see the decode schedule in the message.
        let tolerance = Sanitizer.isActive ? 0.15 : 0.10
        XCTAssertNil(LiveCaptionChecks.repeatedPhrase(in: streamed), "a phrase repeated: \(streamed)")
        XCTAssertLessThanOrEqual(werStreamed, werOffline + tolerance, "streamed \"\(streamed)\"; the daemon's log:\n\(stderrText.text)")
        XCTAssertTrue(firstFinals.allSatisfy { !$0.words.isEmpty && $0.start <= $0.end })

        // systemd notifications, in order: READY, WATCHDOG, STATUS, RELOADING, READY, STOPPING.
        let seen = messages.stop()
        func index(_ needle: String, after: Int = -1) -> Int? {
            seen.indices.first { $0 > after && seen[$0].split(separator: "\n").contains { $0.hasPrefix(needle) } }
        }
        let ready = index("READY=1")
        let watchdog = ready.flatMap { index("WATCHDOG=1", after: $0) }
        let status = ready.flatMap { index("STATUS=", after: $0) }
        let reloading = ready.flatMap { index("RELOADING=1", after: $0) }
        let readyAgain = reloading.flatMap { index("READY=1", after: $0) }
        let stopping = readyAgain.flatMap { index("STOPPING=1", after: $0) }
        XCTAssertNotNil(ready, "\(seen)"); XCTAssertNotNil(watchdog, "\(seen)"); XCTAssertNotNil(status, "\(seen)")
        XCTAssertNotNil(reloading, "\(seen)"); XCTAssertNotNil(readyAgain, "\(seen)"); XCTAssertNotNil(stopping, "\(seen)")
        if let w = watchdog, let r = reloading { XCTAssertLessThan(w, r, "the pipeline loop feeds the watchdog before the reload") }
        XCTAssertTrue(stderrText.text.contains("socket-activated"), stderrText.text)
    }
}

/// Collects NOTIFY_SOCKET datagrams on a thread until stopped.
final class NotifyLog: @unchecked Sendable {
    private let lock = NSCondition()
    private var messages: [String] = []
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(_ listener: NotifyListener) {
        Thread { [self] in
            while lock.withLock({ running }) {
                if let m = listener.next() { lock.withLock { messages.append(m); lock.broadcast() } }
            }
            done.signal()
        }.start()
    }

    /// Waits (on each arriving message, not polling) until `match` holds for the messages so far;
    /// false after `timeout` seconds.
    func wait(timeout: Double, _ match: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock(); defer { lock.unlock() }
        while !match(messages) {
            if !lock.wait(until: deadline) { return match(messages) }
        }
        return true
    }

    /// Stops collecting (within the listener's 1-s receive timeout) and returns what arrived.
    func stop() -> [String] {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { messages }
    }
}

/// Reads a child's standard error on a thread of its own with blocking reads (so a chatty child
/// never blocks on a full pipe); `wait` sleeps until a chunk arrives, not polling.
/// Not `FileHandle.readabilityHandler`: clearing the handler from inside it at end of stream, as
/// this did, leaves libdispatch's epoll event loop reading a freed muxnote on Linux
/// (swift-corelibs-libdispatch issue 949). page-guard-malloc caught the manager thread faulting on
/// it in `_dispatch_event_loop_drain` (2 of 5 runs of the daemon tests, 6 Dec 2026); under glibc's
/// heap the same read is of memory that may belong to another block by then.
final class StderrCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false
    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading   // held by the thread, so its descriptor stays open
        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                condition.lock()
                if n > 0 { data.append(contentsOf: buffer[0..<n]) } else { ended = true }
                condition.broadcast()
                condition.unlock()
                if n <= 0 { return }
            }
        }
        reader.name = "stderr-collector"
        reader.start()
    }
    var text: String { condition.lock(); defer { condition.unlock() }; return String(decoding: data, as: UTF8.self) }

    /// Waits until `match` holds for the text so far (re-checked on each chunk) or the stream ends
    /// (the child exited: returns false); throws `WaitTimedOut` naming `what` after `timeout` seconds.
    @discardableResult
    func wait(for what: String, timeout: Double, _ match: (String) -> Bool) throws -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if match(String(decoding: data, as: UTF8.self)) { return true }
            if ended { return false }
            if !condition.wait(until: deadline) { throw WaitTimedOut("\(what); stderr so far: \(String(decoding: data, as: UTF8.self))", timeout) }
        }
    }

    /// Waits for the end of the stream (the child closed its standard error, normally by exiting).
    func waitForEnd(_ what: String, timeout: Double) throws { try wait(for: what, timeout: timeout) { _ in false } }
}
