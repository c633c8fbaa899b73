import XCTest
import Foundation
import CaptionCore
import Capture
import IPC
import Metrics
import TestSupport
@testable import Daemon

/// `audio.source = "file"` reads through the one audio-file reader `captionctl transcribe` uses
/// (issue 10 item 6): FLAC natively, other compressed formats through ffmpeg, from regular files;
/// a compressed FIFO and a broken file are refused with the key and the file named.
final class FileAudioFormatsTests: XCTestCase {
    private func flacFixture(_ name: String = "1988-24833-0001.flac") throws -> String {
        let path = try TestPaths.requireSharedFixtures().appendingPathComponent("spkanon_eval/" + name).path
        guard FileManager.default.fileExists(atPath: path) else { throw RequiredFixtures.missing("\(path) is absent") }
        return path
    }

    /// Every chunk of the file, as the pipeline reads them.
    private func readAll(_ input: FileAudioInput) throws -> [AudioChunk] {
        var chunks: [AudioChunk] = []
        while true {
            switch try input.read(timeout: 0.1) {
            case .item(let c): chunks.append(c)
            case .timeout: continue
            case .end: return chunks
            }
        }
    }

    func testFLACFileIsDecodedIntoContinuousChunks() throws {
        let flac = try flacFixture()
        XCTAssertEqual(AudioFileSource.Format.detect(path: flac), .encoded)
        var config = DaemonConfig.Audio()
        config.source = .file; config.file = flac; config.pace = .fast
        let input = FileAudioInput(config: config)
        try input.start()
        let chunks = try readAll(input)
        input.stop()
        let total = chunks.reduce(0) { $0 + $1.samples.count }
        // 7.895 s at 16 kHz (the manifest's duration) in 20-ms chunks, numbered without a gap.
        XCTAssertEqual(Double(total) / 16_000, 7.895, accuracy: 0.001)
        XCTAssertEqual(chunks.first?.samples.count, 320)
        var next: UInt64 = 0
        for c in chunks { XCTAssertEqual(c.firstSampleIndex, next); next += UInt64(c.samples.count) }
        XCTAssertGreaterThan(chunks.flatMap(\.samples).map(abs).max() ?? 0, 0.05, "speech, not silence")
    }

    func testCompressedAudioFromAFIFOIsRefusedWithTheKey() throws {
        let box = try DaemonSandbox()
        let fifo = box.dir + "/in.flac"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        var config = DaemonConfig.Audio()
        config.source = .file; config.file = fifo; config.pace = .fast
        // Held open both ways, so an open by the input could never block the test.
        let held = open(fifo, O_RDWR)
        defer { if held >= 0 { close(held) } }
        XCTAssertThrowsError(try FileAudioInput(config: config).start()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("audio.file"), text)
            XCTAssertTrue(text.contains("not a regular file"), text)
            XCTAssertTrue(text.contains("ffmpeg -i"), "says how to fix it: \(text)")
        }
    }

    func testABrokenFLACFileNamesTheFile() throws {
        let box = try DaemonSandbox()
        let bad = box.dir + "/cut.flac"
        // A FLAC header cut short after the magic.
        let head = try Data(contentsOf: URL(fileURLWithPath: try flacFixture())).prefix(20)
        try head.write(to: URL(fileURLWithPath: bad))
        var config = DaemonConfig.Audio()
        config.source = .file; config.file = bad; config.pace = .fast
        XCTAssertThrowsError(try FileAudioInput(config: config).start()) { error in
            XCTAssertTrue("\(error)".contains(bad), "\(error)")
        }
    }

    /// The daemon captions a FLAC file end to end (the real reader, tiny.en, paced in real time).
    func testDaemonCaptionsAFLACFile() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        let flac = try flacFixture()
        _ = try TestPaths.requireModel("tiny.en")
        let reference = "somehow or other cat has taught them that he's in charge here and he just chases them for fun now and again when he's not busy sleeping"
        let box = try DaemonSandbox()
        let config = try box.writeConfig(extra: """
        [audio]
        source = "file"
        file = "\(flac)"
        pace = "realtime"
        [model]
        name = "tiny.en"
        dir = "\(TestPaths.modelsDir.path)"
        language = "en"
        beam = 1
        """)
        let daemon = try Daemon.make(config: config, stages: .live, log: ServiceLog(level: .info, sink: .capture),
                                     options: .init(handleSignals: false, statusInterval: 0.5))
        let running = RunningDaemon(daemon)
        defer { daemon.requestStop(); _ = running.wait() }
        let sub = try CaptionSubscription(path: box.captions)
        try sub.setTimeout(60)
        guard case .hello? = try sub.next() else { return XCTFail("no hello") }
        // The end of the file ends the utterance (its final), then the daemon reports idle.
        var events: [CaptionEvent] = []
        try readUntil(sub, "a status event with state idle after the file") {
            events.append($0)
            if case .status(let s) = $0 { return s.state == "idle" }
            return false
        }
        let finals = events.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f }; return nil }
        // What holds on every schedule (the live scheduler decodes later, trims windows and
        // shortens final passes when compute is slow, as under AddressSanitizer): finals in
        // order, each with words; every utterance that showed words has its final; no phrase said
        // twice (CI, stop 18: "… when he's not busy sleeping. When he's not busy sleeping.").
        LiveCaptionChecks.assertFinalsWellFormed(finals)
        LiveCaptionChecks.assertShownUtterancesFinalled(events)
        let streamed = finals.map(\.text).joined(separator: " ")
        XCTAssertNil(LiveCaptionChecks.repeatedPhrase(in: streamed), "a phrase repeated: \(streamed)")
        // WER against the reference, next to the offline transcription of the same file (the
        // text the stream converges to with time to spare). Streamed text depends on when each
        // window decode ran; the bound allows 3 words in 26 more than offline on any schedule
        // and still fails a stream that repeats or loses a phrase.
        let offline = try CommandRunner.run("captionctl", ["transcribe", flac, "--model", "tiny.en", "--beam", "1", "--threads", "1"])
        XCTAssertEqual(offline.status, 0, offline.stderr)
        let ref = EnglishNormalizer.normalize(reference)
        let wer = ErrorRate.words(reference: ref, hypothesis: EnglishNormalizer.normalize(streamed)).rate
        let werOffline = ErrorRate.words(reference: ref, hypothesis: EnglishNormalizer.normalize(offline.stdout)).rate
        print("flac daemon: streamed \"\(streamed)\" WER \(wer); offline \"\(offline.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\" WER \(werOffline)")
        XCTAssertLessThanOrEqual(werOffline, 0.12, "offline: \(offline.stdout)")
        XCTAssertLessThanOrEqual(wer, werOffline + 0.12, "finals: \(finals.map(\.text))")
        #endif
    }
}
