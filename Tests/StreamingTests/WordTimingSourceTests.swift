import XCTest
import Foundation
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
        let t0 = 50.0
        let script: [(String, Double, Double)] = [("ask", t0 + 1.0, t0 + 1.3), ("not", t0 + 1.4, t0 + 1.7),
                                                  ("what", t0 + 1.8, t0 + 2.1), ("your", t0 + 2.2, t0 + 2.6)]
        let samples = scriptedToneAudio(script, from: t0, seconds: 4.5)
        for timing in [TimingSource.decoded, .segmentSpread] {
            let captioner = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script), timing: timing))
            let events = try captioner.streamedChunks(samples, from: t0) + captioner.finishUtterance()
            let finals = events.compactMap { e -> CaptionFinal? in if case .final(let f) = e { return f } else { return nil } }
            XCTAssertEqual(finals.map(\.text), ["ask not what your"], "\(timing)")
            XCTAssertEqual(finals.first?.timing, timing.rawValue)
            // On the wire too.
            if let f = finals.first {
                let line = String(decoding: try JSONEncoder().encode(f), as: UTF8.self)
                XCTAssertTrue(line.contains("\"timing\":\"\(timing.rawValue)\""), line)
            }
        }
    }
}
