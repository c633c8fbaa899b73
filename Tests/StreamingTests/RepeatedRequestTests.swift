import XCTest
import CaptionCore
import Models
import TestSupport
@testable import Streaming

/// A speaker who says the same thing again ("换一首歌" to a kiosk that did nothing) gets a caption
/// every time. The daemon looping "换一首歌" (LiveVocabularyControlTests, CI stop 32) lost every
/// other utterance: the window decodes' words were dropped as a repeat of the previous final (the
/// prompt), the final pass read the request twice with the second copy squeezed into 0 s, and the
/// anomalous-tail rule then dropped the whole one-segment pass. The utterance ended without a
/// final, its partial "会" left standing.
final class RepeatedRequestTests: XCTestCase {
    private func zh(_ words: [(String, Double, Double)]) -> Hypothesis { timed(words, lang: "zh") }

    /// The request at [t, t + 1.2): four characters with their own durations.
    private func request(at t: Double) -> [(String, Double, Double)] {
        [("换", t, t + 0.44), ("一", t + 0.44, t + 0.72), ("首", t + 0.72, t + 0.94), ("歌", t + 0.94, t + 1.2)]
    }

    private func finals(_ events: [StreamingEvent]) -> [StreamingEvent] { events.filter { $0.kind == .final } }

    /// Window decodes only: the second utterance's words repeat the first final (the decoder's
    /// prompt) with their own times, so they are speech and make its final.
    func testTheEarlierFinalSaidAgainIsCaptionedAgain() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly, finalPassAvailable: false)
        var events = p.speech(0.0, 1.3)
        events += p.hypothesis(zh(request(at: 0.1)), windowEnd: s(1.3))
        events += p.hypothesis(zh(request(at: 0.1)), windowEnd: s(1.3))
        events += p.silence(1.3, 3.0)
        XCTAssertEqual(finals(events).map(\.text), ["换一首歌"])

        events = p.speech(3.5, 4.8)
        let partial = p.hypothesis(zh(request(at: 3.6)), windowEnd: s(4.8))
        XCTAssertEqual(partial.last?.text, "换一首歌", "the repeated request is shown as it is heard")
        events += partial + p.hypothesis(zh(request(at: 3.6)), windowEnd: s(4.8))
        events += p.silence(4.8, 6.5)
        XCTAssertEqual(finals(events).map(\.text), ["换一首歌"])
    }

    /// The same words squeezed into no time at a new utterance's start are the prompt read again,
    /// not speech: nothing is shown and no final is made.
    func testTheEarlierFinalSqueezedIntoNoTimeIsNotNew() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly, finalPassAvailable: false)
        _ = p.speech(0.0, 1.3)
        _ = p.hypothesis(zh(request(at: 0.1)), windowEnd: s(1.3))
        _ = p.hypothesis(zh(request(at: 0.1)), windowEnd: s(1.3))
        _ = p.silence(1.3, 3.0)
        var events = p.speech(3.5, 3.9)
        let squeezed = zh([("换", 3.6, 3.9), ("一", 3.9, 3.9), ("首", 3.9, 3.9), ("歌", 3.9, 3.9)])
        events += p.hypothesis(squeezed, windowEnd: s(3.9))
        events += p.silence(3.9, 5.5)
        XCTAssertEqual(events.map(\.text), [], "\(events)")
    }

    /// The final pass of the looped clip (base, utterance 5, `CAPTIOND_TRACE_DECODES`): the
    /// request, then a copy of it squeezed into 0 s. Its first copy is the final's words.
    func testAPassThatReadsTheRequestTwiceKeepsTheFirstReading() throws {
        let t = 114.08
        let pass = request(at: t) + [("换", t + 1.2, t + 2.16), ("一", t + 2.16, t + 2.16), ("首", t + 2.16, t + 2.16),
                                     ("歌", t + 2.16, t + 2.16)]
        let words = zh(pass).words
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(zh(pass)).words, [],
                       "the tail rule alone drops the whole one-segment pass, request and all")
        let first = try XCTUnwrap(RepeatedTranscript.squeezedTailCopy(words))
        XCTAssertEqual(CaptionText.join(first.map(\.text)), "换一首歌")
        var kept = zh(pass)
        kept.words = first
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(kept).words.count, 4)
        // Said twice with its own time, the request stays twice.
        XCTAssertNil(RepeatedTranscript.squeezedTailCopy(zh(request(at: 0) + request(at: 1.5)).words))
    }

    /// An utterance whose partial was shown and whose words all fall away by the end (a shown
    /// guess the later decodes do not confirm) ends with an empty final, so subscribers clear it.
    func testAShownPartialIsEndedByAFinalEvenWithoutWords() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly, finalPassAvailable: false)
        var events = p.speech(0.0, 0.6)
        events += p.hypothesis(zh([("会", 0.3, 0.5)]), windowEnd: s(0.6))
        XCTAssertEqual(events.last?.kind, .partial)
        let utterance = try XCTUnwrap(events.last?.utterance)
        events = p.speech(0.6, 1.0)
        events += p.hypothesis(Hypothesis(words: [], avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1, language: "zh"),
                               windowEnd: s(1.0))
        events += p.silence(1.0, 2.5)
        let final = try XCTUnwrap(finals(events).first, "\(events)")
        XCTAssertEqual(final.text, "")
        XCTAssertEqual(final.utterance, utterance)
        // An utterance that never showed a word makes no event at all.
        events = p.speech(3.0, 3.6)
        events += p.hypothesis(Hypothesis(words: [], avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1, language: "zh"),
                               windowEnd: s(3.6))
        events += p.silence(3.6, 5.0)
        XCTAssertEqual(events, [])
    }

    /// The real base model on the clip said five times (with 1.5 s of silence after each), fed
    /// as the daemon feeds a file read as fast as it computes: five finals, each the request.
    func testEveryRepeatOfTheRequestGetsItsFinalWithTheRealModel() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        let dir = try TestPaths.requireModel("base")
        let clip = try WavFixture.read(try TestPaths.requireSharedFixtures().appendingPathComponent("firered_asr/IT0011W0001.wav"))
        let once = clip + [Float](repeating: 0, count: 24_000)
        let samples = Array([[Float]](repeating: once, count: 5).joined())
        var settings = ModelSettings()
        settings.name = dir.path
        settings.language = "zh"
        var config = StreamingConfiguration()
        config.stepMilliseconds = 1000
        let captioner = try LiveCaptioner(model: WhisperStreamingModel(settings: settings, threads: 1, passContext: config.passAudioContext),
                                          configuration: config)
        var events: [CaptionEvent] = []
        let chunk = 1_600
        for start in stride(from: 0, to: samples.count, by: chunk) {
            events += try captioner.accept(audio: AudioChunk(samples: Array(samples[start..<min(samples.count, start + chunk)]),
                                                             startTime: 100 + Double(start) / 16_000, sampleRate: 16_000))
        }
        events += try captioner.finishUtterance()
        var finals: [Int: String] = [:], partials = Set<Int>()
        for e in events {
            if case .final(let f) = e { finals[f.utterance] = f.text }
            if case .partial(let p) = e { partials.insert(p.utterance) }
        }
        let texts = finals.sorted { $0.key < $1.key }.map(\.value)
        print("repeated request, base: \(texts)")
        XCTAssertEqual(texts.filter { $0.contains("一首歌") }.count, 5, "one final per request: \(texts)")
        XCTAssertTrue(partials.isSubset(of: Set(finals.keys)), "every utterance shown ends with a final")
        #endif
    }
}
