import XCTest
@testable import Metrics

/// Word latency and flicker on hand-made event logs whose figures were worked out by hand.
final class StreamingFiguresTests: XCTestCase {
    func testLatencyAndFlickerOfOneUtterance() throws {
        let log = """
        {"type":"hello","protocol":1,"model":"whisper-base","language":"en","task":"transcribe"}
        {"t":1.0,"type":"partial","utterance":0,"seq":1,"text":"ask not","stable":""}
        {"t":1.4,"type":"partial","utterance":0,"seq":2,"text":"ask not what","stable":"ask"}
        {"type":"status","state":"running","rtf":0.2}
        {"t":1.8,"type":"partial","utterance":0,"seq":3,"text":"ask not what you","stable":"ask not what"}
        {"t":2.5,"type":"final","utterance":0,"seq":4,"text":"Ask not what your country."}
        """
        let words = """
        {"word":"Ask","end":0.5}
        {"word":"not","end":0.9}
        {"word":"what","end":1.2,"start":1.0}
        {"word":"your","end":1.5}
        {"word":"country,","end":2.0}
        """
        let events = try CaptionEventLog.parseEvents(log)
        XCTAssertEqual(events.count, 4)
        let f = try StreamingFigures.compute(events: events, reference: try CaptionEventLog.parseReferenceWords(words), language: "en")
        XCTAssertEqual(f.referenceWords, 5)
        XCTAssertEqual(f.appeared, 5); XCTAssertEqual(f.committed, 5); XCTAssertEqual(f.missed, 0)
        let first = f.perWord.map { try! XCTUnwrap($0.firstAppearance) }
        for (got, want) in zip(first, [0.5, 0.1, 0.2, 1.0, 0.5]) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        let commit = f.perWord.map { try! XCTUnwrap($0.commitment) }
        for (got, want) in zip(commit, [0.9, 0.9, 0.6, 1.0, 0.5]) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        XCTAssertEqual(try XCTUnwrap(f.firstAppearance.median), 0.5, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(f.firstAppearance.p90), 0.8, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(f.commitment.median), 0.9, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(f.commitment.p90), 0.96, accuracy: 1e-9)
        // Partial words: ask, not, what, you (4 distinct prefixes); "you" was revised to "your".
        XCTAssertEqual(f.emittedPartialWords, 4)
        XCTAssertEqual(f.revisedPartialWords, 1)
        XCTAssertEqual(f.flicker, 0.25, accuracy: 1e-12)
    }

    func testImplicitUtterancesMissedWordAndEarlyRevision() throws {
        let events = [
            CaptionLogEvent(t: 0.6, type: .partial, text: "yellow", stable: ""),
            CaptionLogEvent(t: 1.0, type: .partial, text: "hello world", stable: "hello"),
            CaptionLogEvent(t: 1.2, type: .final, text: "Hello, world."),
            CaptionLogEvent(t: 2.4, type: .partial, text: "good"),
            CaptionLogEvent(t: 2.6, type: .final, text: "Good."),
        ]
        let ref = [ReferenceWord(word: "hello", end: 0.4), ReferenceWord(word: "world", end: 0.8),
                   ReferenceWord(word: "good", end: 1.6), ReferenceWord(word: "bye", end: 2.0)]
        let f = try StreamingFigures.compute(events: events, reference: ref, language: "en")
        XCTAssertEqual(f.missed, 1)
        XCTAssertEqual(f.appeared, 3); XCTAssertEqual(f.committed, 3)
        XCTAssertNil(f.perWord[3].firstAppearance)
        for (got, want) in zip(f.perWord.prefix(3).map { $0.firstAppearance! }, [0.6, 0.2, 0.8]) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        for (got, want) in zip(f.perWord.prefix(3).map { $0.commitment! }, [0.6, 0.4, 1.0]) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        XCTAssertEqual(try XCTUnwrap(f.firstAppearance.median), 0.6, accuracy: 1e-9)
        // yellow, hello, world in utterance 0 (yellow revised); good in utterance 1.
        XCTAssertEqual(f.emittedPartialWords, 4)
        XCTAssertEqual(f.revisedPartialWords, 1)
    }

    func testChineseLogIsNormalisedBeforeMatching() throws {
        let events = [
            CaptionLogEvent(t: 1.2, type: .partial, utterance: 3, text: "今天天氣", stable: "今天"),
            CaptionLogEvent(t: 1.5, type: .final, utterance: 3, text: "今天天气。"),
        ]
        let ref = [ReferenceWord(word: "今天", end: 0.5), ReferenceWord(word: "天氣", end: 1.0)]
        let f = try StreamingFigures.compute(events: events, reference: ref, language: "zh")
        XCTAssertEqual(f.referenceWords, 4)
        XCTAssertEqual(try XCTUnwrap(f.firstAppearance.median), 0.45, accuracy: 1e-9)
        XCTAssertEqual(f.perWord.map { $0.commitment! }, [0.7, 0.7, 0.5, 0.5].map { $0 }, accuracy: 1e-9)
        XCTAssertEqual(f.flicker, 0)
        XCTAssertEqual(f.emittedPartialWords, 4)
    }

    func testNoPartialsMeansNoFlickerAndEmptyLogMeansAllMissed() throws {
        let ref = [ReferenceWord(word: "one", end: 1)]
        let f = try StreamingFigures.compute(events: [], reference: ref, language: "en")
        XCTAssertEqual(f.missed, 1)
        XCTAssertNil(f.firstAppearance.median)
        XCTAssertEqual(f.flicker, 0)
        XCTAssertNoThrow(try f.jsonString())
    }

    func testPercentileMatchesNumpyLinearInterpolation() {
        // numpy.percentile([3, 1, 4, 1, 5], [50, 90]) == [3.0, 4.6]
        let s = LatencySummary([3, 1, 4, 1, 5])
        XCTAssertEqual(s.median!, 3.0, accuracy: 1e-12)
        XCTAssertEqual(s.p90!, 4.6, accuracy: 1e-12)
        XCTAssertEqual(LatencySummary([2.5]).p90, 2.5)
    }

    func testLogParsingErrorsNameFileAndLine() {
        let log = "{\"t\":0.1,\"type\":\"partial\",\"text\":\"a\"}\r\n\r\nnot json\r\n"
        XCTAssertThrowsError(try CaptionEventLog.parseEvents(log, file: "run.jsonl")) { error in
            XCTAssertEqual(error as? MetricsError, .badLogLine(file: "run.jsonl", line: 3, reason: "not a JSON object: not json"))
        }
        XCTAssertThrowsError(try CaptionEventLog.parseEvents("{\"type\":\"final\",\"text\":\"x\"}", file: "f")) { error in
            guard case let .badLogLine(file, line, reason)? = error as? MetricsError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "f"); XCTAssertEqual(line, 1); XCTAssertTrue(reason.contains("\"t\""), reason)
        }
        XCTAssertThrowsError(try CaptionEventLog.parseReferenceWords("{\"word\":\"a\"}", file: "w.jsonl")) { error in
            guard case .badLogLine("w.jsonl", 1, _)? = error as? MetricsError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try CaptionEventLog.parseEvents(log.replacingOccurrences(of: "not json\r\n", with: "")).count, 1)
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
