import XCTest
import CaptionCore
@testable import Streaming

/// Issue 10 item 4: a hypothesis says whether its word times were decoded or spread over a
/// segment, the caption event carries it (`timing`), and the guards that judge word durations skip
/// spread times.
final class WordTimingSourceTests: XCTestCase {
    func testSpreadAndDecodedHypothesesSayWhichTheyAre() {
        let spread = Hypothesis(text: "ask not", start: 1, end: 2, avgLogProb: -0.1, noSpeechProb: 0.1, compressionRatio: 1)
        XCTAssertEqual(spread.timing, .segmentSpread)
        XCTAssertTrue(spread.normalized().words.allSatisfy { $0.timing == .segmentSpread })
        let decoded = Hypothesis(words: [Word(text: "ask", start: 1, end: 1.3)], avgLogProb: -0.1, noSpeechProb: 0.1,
                                 compressionRatio: 1, timing: .decoded)
        XCTAssertEqual(decoded.normalized().words.map(\.timing), [.decoded])
        // A segment-spread hypothesis stamps its words even when they were made elsewhere.
        var relabelled = decoded
        relabelled.timing = .segmentSpread
        XCTAssertEqual(relabelled.normalized().words.map(\.timing), [.segmentSpread])
    }

    func testAnomalousTailGuardRunsOnDecodedTimesOnly() {
        // "Thank you." squeezed into 40 ms at the window's end: anomalous when decoded.
        let words = [Word(text: "ask", start: 1, end: 1.4, endsSegment: true, probability: 0.9),
                     Word(text: "Thank", start: 3.0, end: 3.02, probability: 0.1),
                     Word(text: "you.", start: 3.02, end: 3.04, endsSegment: true, probability: 0.1)]
        let decoded = Hypothesis(words: words, avgLogProb: -0.5, noSpeechProb: 0.1, compressionRatio: 1, timing: .decoded)
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(decoded).words.map(\.text), ["ask"])
        var spread = decoded
        spread.timing = .segmentSpread
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(spread).words.count, 3, "spread times say nothing about durations")
    }

    func testEventTimingIsDecodedOnlyWhenEveryWordIs() {
        func event(_ timings: [TimingSource]) -> StreamingEvent {
            StreamingEvent(kind: .final, utterance: 1, text: "", stable: "", start: 0, end: 1, lang: "en",
                           words: timings.map { Word(text: "w", start: 0, end: 1, timing: $0) })
        }
        XCTAssertEqual(event([.decoded, .decoded]).timing, .decoded)
        XCTAssertEqual(event([.decoded, .segmentSpread]).timing, .segmentSpread)
        XCTAssertNil(event([]).timing)
    }

    func testFinalCaptionEventCarriesTheTiming() throws {
        final class Fixed: StreamingModel {
            let sampleRate = 16_000, language = "en", incremental = false, hasFinalPass = false
            let timing: TimingSource
            init(_ timing: TimingSource) { self.timing = timing }
            func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
                let end = startTime + Double(samples.count) / 16_000
                let w = [Word(text: "hello", start: startTime + 0.1, end: min(end, startTime + 0.6), probability: 0.9)]
                return Hypothesis(words: end - startTime > 0.7 ? w : [], avgLogProb: -0.1, noSpeechProb: 0.01,
                                  compressionRatio: 1, language: "en", timing: timing)
            }
            func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
                try decodeWindow(samples, startTime: startTime, prompt: prompt)
            }
        }
        for timing in [TimingSource.decoded, .segmentSpread] {
            let captioner = try LiveCaptioner(model: Fixed(timing))
            // 1.5 s of a loud tone, then 1.5 s of near silence: one utterance, one final.
            let samples = (0..<48_000).map { i -> Float in i < 24_000 ? 0.3 * sinf(Float(i) * 0.08) : 0.0005 * sinf(Float(i)) }
            var events: [CaptionEvent] = []
            var i = 0
            while i < samples.count {
                let j = min(samples.count, i + 1_600)
                events += try captioner.accept(audio: AudioChunk(samples: Array(samples[i..<j]), startTime: 10 + Double(i) / 16_000,
                                                                  sampleRate: 16_000, firstSampleIndex: UInt64(i)))
                i = j
            }
            events += try captioner.finishUtterance()
            let finals = events.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f } else { return nil } }
            XCTAssertEqual(finals.count, 1, "\(timing)")
            XCTAssertEqual(finals.first?.timing, timing.rawValue)
        }
    }
}
