import XCTest
import Streaming

/// The incremental model's endpoint (`BlankEndpoint`, issue 13: end of speech → final ≤ 0.2 s) on
/// synthetic timelines through `CaptionPolicy.step`: VAD frames of 20 ms with the energy rule and a
/// 200-ms hangover as `VoiceActivityDetector` gives them, and a model that emits each word as the
/// audio reaches its end, reads the audio 30 ms behind the frame, and reports its trailing blank.
final class BlankEndpointTests: XCTestCase {
    /// A timeline: loud stretches (seconds) and the words the model emits (text, start, end).
    struct Timeline {
        var loud: [(Double, Double)]
        var words: [(String, Double, Double)]
        var hangover = 0.2
        /// How far behind the frame the model has read (its last frame and log-mel padding).
        var modelLag = 0.03
        /// Stretches of digital silence (exact zeros), where the model emits nothing by construction.
        var zeros: [(Double, Double)] = []

        func isLoud(_ t0: Double, _ t1: Double) -> Bool { loud.contains { $0.0 < t1 - 1e-9 && $0.1 > t0 + 1e-9 } }
        /// The VAD: speech while loud and for `hangover` after the last loud frame.
        func isSpeech(_ t0: Double, _ t1: Double) -> Bool {
            loud.contains { $0.0 < t1 - 1e-9 && $0.1 + hangover > t0 + 1e-9 }
        }

        /// The model's hypothesis for [from, to): the words it has emitted by then, and its blank run.
        func decode(_ from: Double, _ to: Double) -> Hypothesis {
            let read = to - modelLag
            let said = words.filter { $0.2 <= read + 1e-9 && $0.2 > from }
            var h = Hypothesis(words: said.map { Word(text: $0.0, start: $0.1, end: $0.2) }, avgLogProb: -0.1,
                               noSpeechProb: 0, compressionRatio: 1.2, language: "en", timing: .emissionSpikes)
            // A word in progress is still emitting (one CTC spike per character) up to what was read.
            let emitting = words.filter { $0.1 < read && $0.2 > from }.last.map { min($0.2, read) }
            // The model's last frames read were zeros: the start of that run.
            let silent = zeros.first { $0.0 < read - 1e-9 && $0.1 >= read - 1e-9 }.map { max($0.0, from) }
            h.trailingBlank = TrailingBlank(lastEmissionEnd: emitting, decodedEnd: max(from, read), silentSince: silent)
            return h
        }
    }

    /// A final with the end of the frame whose step emitted it (the audio time it came out).
    struct Final {
        let event: StreamingEvent
        let at: Double
    }

    struct Outcome {
        var finals: [Final] = []
        var decodes = 0
    }

    /// Runs the timeline's frames from 0 to `end` s through `step`, answering every decode.
    /// `passLoud: false` gives the frames as before the energy rule was an input (`isLoud` nil).
    func run(_ p: inout CaptionPolicy, _ line: Timeline, until end: Double, passLoud: Bool = true) -> Outcome {
        var out = Outcome()
        var t = 0.0
        while t < end - 1e-9 {
            let e = t + 0.02
            let loud: Bool? = passLoud ? line.isLoud(t, e) : nil
            var queue = p.step(.voice(isSpeech: line.isSpeech(t, e), isLoud: loud, start: s(t), end: s(e)))
            while !queue.isEmpty {
                let a = queue.removeFirst()
                switch a {
                case let .emit(ev): if ev.kind == .final { out.finals.append(Final(event: ev, at: e)) }
                case let .decodeWindow(from, to, _):
                    out.decodes += 1
                    queue = p.step(.windowDecoded(line.decode(sec(from), sec(to)))) + queue
                case let .decodeFinalPass(from, to, _):
                    queue = p.step(.finalPassDecoded(line.decode(sec(from), sec(to)))) + queue
                }
            }
            t = e
        }
        return out
    }

    func policy(incremental: Bool = true, blankMs: Double = 120) throws -> CaptionPolicy {
        var c = StreamingConfiguration.agreementOnly
        c.endpointBlankSeconds = blankMs / 1000
        return try CaptionPolicy(configuration: c, incremental: incremental)
    }

    func testIncrementalModelEndsTheUtteranceWithin200msOfTheLastSpeech() throws {
        var p = try policy()
        let line = Timeline(loud: [(1.0, 2.0)], words: [("bin", 1.05, 1.3), ("blue", 1.4, 1.7), ("at", 1.8, 1.95)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin blue at"])
        let delay = try XCTUnwrap(out.finals.first).at - 2.0
        // Quiet for 120 ms (2.0 → 2.12 on the 20-ms grid), and the model (reading 30 ms behind the
        // frame) has read 120 ms past the loud signal's end (2.0) and "at" (1.95) at the frame
        // ending 2.16.
        XCTAssertEqual(delay, 0.16, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(delay, 0.2)
        // The final ends where the speech did, and the VAD's hangover (speech until 2.2) opened no
        // second utterance.
        XCTAssertEqual(out.finals.first?.event.end ?? 0, 2.0, accuracy: 1e-9)
        XCTAssertFalse(p.isActive)
    }

    func testShortPauseBetweenWordsEndsNothing() throws {
        var p = try policy()
        // A 100-ms pause between "bin" and "blue" (quiet, model blank since "bin" ended at 1.28).
        let line = Timeline(loud: [(1.0, 1.3), (1.4, 2.0)], words: [("bin", 1.05, 1.28), ("blue", 1.5, 1.95)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin blue"], "one final, after the last word")
        XCTAssertEqual(try XCTUnwrap(out.finals.first).at, 2.16, accuracy: 1e-9)
    }

    func testHeldSoundWithoutEmissionsIsNotAnEndpoint() throws {
        var p = try policy()
        // CTC emits "so" as a spike at its start; the vowel is held (loud) for 0.8 s of blanks.
        let line = Timeline(loud: [(1.0, 2.0)], words: [("so", 1.0, 1.2)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["so"])
        XCTAssertEqual(try XCTUnwrap(out.finals.first).at, 2.16, accuracy: 1e-9, "not before the sound ends")
    }

    func testQuietWhileTheModelStillEmitsWaitsForTheBlankRun() throws {
        var p = try policy()
        // A soft last consonant: quiet from 2.0, but the model emits "at" until 2.1.
        let line = Timeline(loud: [(1.0, 2.0)], words: [("bin", 1.05, 1.3), ("at", 1.8, 2.1)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin at"])
        let at = try XCTUnwrap(out.finals.first).at
        // 120 ms of blank after 2.1, read 30 ms behind the frame: the frame ending 2.26 (2.25 off the grid).
        XCTAssertEqual(at, 2.26, accuracy: 1e-9)
        XCTAssertEqual(out.finals.first?.event.end ?? 0, 2.1, accuracy: 1e-9, "the final covers the last emission")
    }

    func testCharactersTheModelEmitsAfterTheSoundWentQuietAreInTheFinal() throws {
        var p = try policy()
        // The live daemon with the shipped checkpoint (issue 13): "please" ends in a soft /z/ the
        // energy rule calls quiet (from 2.0), and the CTC head emits its last characters only
        // once it has read that quiet audio (2.1–2.14), 250 ms after "plea". Counted from the last
        // emission alone, the blank run (1.85 → 2.09 read) ended the utterance at the frame ending
        // 2.12 with "bin plea"; the model must first read 120 ms past the loud signal's end.
        let line = Timeline(loud: [(1.0, 2.0)], words: [("bin", 1.05, 1.3), ("plea", 1.6, 1.85), ("se", 2.1, 2.14)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin plea se"])
        // Read to 2.13 at the frame ending 2.16: "se" is being emitted; 120 ms of blank after it
        // (2.14) is read at the frame ending 2.30.
        XCTAssertEqual(try XCTUnwrap(out.finals.first).at, 2.30, accuracy: 1e-9)
        XCTAssertEqual(out.finals.first?.event.end ?? 0, 2.14, accuracy: 1e-9)
    }

    func testDigitalSilenceAfterTheLastEmissionIsACertainBlank() throws {
        // Issue 13, bench clip test-000000 ("... plleasase"): the soft /z/ is loud until 2.1 (against
        // the VAD's lowest floor, `Frame.isLoudOverLowestFloor`), the model emits the last characters once it has read it
        // (2.14–2.2), and the clip ends in zeros at 2.2. A frame of zeros emits nothing by
        // construction, so the utterance ends once the model has read into them and the signal has
        // been quiet for 120 ms: the frame ending 2.24 (read to 2.21), not after 120 ms of blank
        // after "se" (the frame ending 2.36).
        var p = try policy()
        let line = Timeline(loud: [(1.0, 2.1)], words: [("bin", 1.05, 1.3), ("plea", 1.6, 1.85), ("se", 2.14, 2.2)],
                            zeros: [(2.2, 9.0)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin plea se"], "every character the model emits")
        XCTAssertEqual(try XCTUnwrap(out.finals.first).at, 2.24, accuracy: 1e-9)
        XCTAssertEqual(out.finals.first?.event.end ?? 0, 2.2, accuracy: 1e-9)
    }

    func testShortGapOfZerosBetweenWordsEndsNothing() throws {
        // espeak's clips hold 40-ms gaps of exact zeros between words: read as certain blank, but
        // the signal was not quiet for 120 ms, so the utterance goes on.
        var p = try policy()
        let line = Timeline(loud: [(1.0, 1.5), (1.56, 2.0)], words: [("bin", 1.05, 1.45), ("lay", 1.6, 1.95)],
                            zeros: [(1.5, 1.56), (2.0, 9.0)])
        let out = run(&p, line, until: 4.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin lay"])
        // Quiet 120 ms after 2.0 at the frame ending 2.12; the model read zeros from 2.0 by then.
        XCTAssertEqual(try XCTUnwrap(out.finals.first).at, 2.12, accuracy: 1e-9)
    }

    func testNewSpeechAfterTheBlankEndpointOpensTheNextUtterance() throws {
        var p = try policy()
        let line = Timeline(loud: [(1.0, 2.0), (2.5, 3.2)], words: [("bin", 1.05, 1.9), ("lay", 2.55, 3.1)])
        let out = run(&p, line, until: 5.0)
        XCTAssertEqual(out.finals.map(\.event.text), ["bin", "lay"])
        assertTimes(out.finals.map(\.at), [2.16, 3.36])
        XCTAssertEqual(Set(out.finals.map(\.event.utterance)).count, 2)
    }

    /// Whisper (a re-decoding model) keeps the VAD endpoint: hangover (0.2 s) + endpoint_silence (0.6 s).
    func testReDecodingModelKeepsTheSilenceEndpoint() throws {
        var whisper = try policy(incremental: false)
        let line = Timeline(loud: [(1.0, 2.0)], words: [("bin", 1.05, 1.3), ("blue", 1.4, 1.7)])
        let w = run(&whisper, line, until: 4.0)
        XCTAssertEqual(w.finals.map(\.event.text), ["bin blue"])
        XCTAssertEqual(try XCTUnwrap(w.finals.first).at, 2.8, accuracy: 1e-9)
        // The same with the rule off for an incremental model (endpoint_blank_ms = 0).
        var off = try policy(incremental: true, blankMs: 0)
        XCTAssertEqual(try XCTUnwrap(run(&off, line, until: 4.0).finals.first).at, 2.8, accuracy: 1e-9)
        // Whisper's decodes and finals are those it had before the energy rule was an input.
        var before = try policy(incremental: false)
        let b = run(&before, line, until: 4.0, passLoud: false)
        XCTAssertEqual(b.decodes, w.decodes)
        XCTAssertEqual(b.finals.map(\.event), w.finals.map(\.event))
    }

    func testBlankRunShorterThanTwoModelFramesIsRefused() {
        var c = StreamingConfiguration()
        c.endpointBlankSeconds = 0.05
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssertEqual("\(e)", "streaming.endpoint_blank_ms: expected 0 (off) or at least 80 ms (two model frames): a shorter blank run ends utterances inside words, got 50.0")
        }
        c.endpointBlankSeconds = 3
        XCTAssertThrowsError(try c.validate()) { e in
            XCTAssertEqual("\(e)", "streaming.endpoint_blank_ms: expected a number between 0.0 and 2000.0, got 3000.0")
        }
        c.endpointBlankSeconds = 0
        XCTAssertNoThrow(try c.validate())
    }
}

private func assertTimes(_ a: [Double], _ b: [Double], accuracy: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
