import XCTest
import Streaming

final class CaptionPolicyTests: XCTestCase {
    func testAgreementCommitsCommonPrefixAndRevisesOnlyTentativeWords() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        XCTAssertEqual(p.speech(0, 1.0), [])
        let e1 = p.hypothesis(hyp("ask not", 0, 1.0), windowEnd: s(1.0))
        XCTAssertEqual(e1.map(\.text), ["ask not"])
        XCTAssertEqual(e1.map(\.stable), [""], "one hypothesis alone commits nothing")

        XCTAssertEqual(p.speech(1.0, 1.5), [])
        let e2 = p.hypothesis(hyp("ask not what your", 0, 1.5), windowEnd: s(1.5))
        XCTAssertEqual(e2.first?.text, "ask not what your")
        XCTAssertEqual(e2.first?.stable, "ask not")

        _ = p.speech(1.5, 2.0)
        let e3 = p.hypothesis(hyp("ask not what you are", 0, 2.0), windowEnd: s(2.0))
        XCTAssertEqual(e3.first?.text, "ask not what you are", "tentative 'your' revised to 'you are'")
        XCTAssertEqual(e3.first?.stable, "ask not what")

        // The decoder now disagrees with a committed word: the commit stands.
        _ = p.speech(2.0, 2.5)
        let e4 = p.hypothesis(hyp("ask knot what you can", 0, 2.5), windowEnd: s(2.5))
        XCTAssertEqual(e4.first?.stable, "ask not what you")
        XCTAssertEqual(e4.first?.text, "ask not what you can")

        let all = e1 + e2 + e3 + e4
        XCTAssertEqual(Set(all.map(\.utterance)), [1])
        XCTAssertTrue(all.allSatisfy { $0.kind == .partial && $0.lang == "en" && $0.start == 0 })
        for (a, b) in zip(all, all.dropFirst()) {
            XCTAssertTrue(b.stable.hasPrefix(a.stable), "committed text is never revised: \(a.stable) → \(b.stable)")
        }
    }

    func testIdenticalHypothesisEmitsNoDuplicatePartial() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = p.speech(0, 1)
        XCTAssertEqual(p.hypothesis(hyp("hello there", 0, 1), windowEnd: s(1)).count, 1)
        XCTAssertEqual(p.hypothesis(hyp("hello there", 0, 1), windowEnd: s(1.2)).count, 1, "commit changes stable")
        XCTAssertEqual(p.hypothesis(hyp("hello there", 0, 1), windowEnd: s(1.4)), [])
    }

    func testEndpointBySilenceEmitsFinalWithTimes() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = p.speech(0.5, 2.0)
        _ = p.hypothesis(timed([("ask", 0.5, 0.8), ("not", 0.8, 1.1)]), windowEnd: s(1.2))
        _ = p.hypothesis(timed([("ask", 0.5, 0.8), ("not", 0.8, 1.1), ("what", 1.2, 1.5)]), windowEnd: s(1.7))
        _ = p.hypothesis(timed([("ask", 0.5, 0.8), ("not", 0.8, 1.1), ("what", 1.2, 1.5), ("your", 1.6, 1.9)]),
                         windowEnd: s(2.0))
        XCTAssertEqual(p.silence(2.0, 2.5), [])
        // The last look at the whole utterance confirms "your".
        _ = p.hypothesis(timed([("ask", 0.5, 0.8), ("not", 0.8, 1.1), ("what", 1.2, 1.5), ("your", 1.6, 1.9)]),
                         windowEnd: s(2.5))
        XCTAssertEqual(p.silence(2.5, 2.58), [], "0.58 s of silence is not yet an endpoint")
        let events = p.silence(2.58, 2.62)
        XCTAssertEqual(events.count, 1)
        let final = try XCTUnwrap(events.first)
        XCTAssertEqual(final.kind, .final)
        XCTAssertEqual(final.text, "ask not what your")
        XCTAssertEqual(final.stable, final.text)
        XCTAssertEqual(final.start, 0.5, accuracy: 1e-9)
        XCTAssertEqual(final.end, 2.0, accuracy: 1e-9)
        XCTAssertEqual(final.words.map(\.text), ["ask", "not", "what", "your"])
        XCTAssertFalse(p.isActive)

        // The next utterance gets the next number; the prompt carries the previous final.
        _ = p.speech(4.0, 5.0)
        let next = p.hypothesis(hyp("country", 4.0, 5.0), windowEnd: s(5.0))
        XCTAssertEqual(next.first?.utterance, 2)
        XCTAssertEqual(p.prompt, "ask not what your")
        XCTAssertEqual(p.windowStart, s(3.7), "window opens 0.3 s before the speech onset")
    }

    func testUnconfirmedTailIsDroppedAtASilenceEndpointButKeptOnFinish() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = p.speech(0, 1.2)
        _ = p.hypothesis(timed([("so", 0.1, 0.4), ("we", 0.5, 0.7)]), windowEnd: s(1.0))
        _ = p.hypothesis(timed([("so", 0.1, 0.4), ("we", 0.5, 0.7), ("go", 0.8, 1.1)]), windowEnd: s(1.5))
        _ = p.silence(1.2, 1.6)
        _ = p.hypothesis(timed([("so", 0.1, 0.4), ("we", 0.5, 0.7), ("go", 0.8, 1.1), ("Thank", 1.3, 1.5), ("you.", 1.5, 1.6)]), windowEnd: s(1.8))
        let events = p.silence(1.6, 1.9)
        XCTAssertEqual(events.map(\.kind), [.final])
        XCTAssertEqual(events.first?.text, "so we go", "the unconfirmed 'Thank you.' after the speech is not final")

        var q = try CaptionPolicy(configuration: .agreementOnly)
        _ = q.speech(0, 1.2)
        _ = q.hypothesis(timed([("so", 0.1, 0.4), ("we", 0.5, 0.7)]), windowEnd: s(1.0))
        _ = q.hypothesis(timed([("so", 0.1, 0.4), ("we", 0.5, 0.7), ("go", 0.8, 1.1)]), windowEnd: s(1.2))
        XCTAssertEqual(q.finish(at: s(1.2)).first?.text, "so we go", "SIGTERM keeps the tentative tail")
    }

    func testNextUtteranceWindowReachesBackOverThePreviousWordsWithoutRepeatingThem() throws {
        // The reach-back is off in the live defaults (context_s 0); this checks the mechanism.
        var c = StreamingConfiguration.agreementOnly
        c.contextSeconds = 1.5
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 1.2)
        let first = timed([("ask", 0.2, 0.6), ("not", 0.7, 1.1)])
        _ = p.hypothesis(first, windowEnd: s(1.0))
        _ = p.hypothesis(first, windowEnd: s(1.5))
        XCTAssertEqual(p.silence(1.2, 1.8).first?.text, "ask not")
        _ = p.speech(2.0, 3.0)
        XCTAssertEqual(p.windowStart, s(0.2), "1.5 s of context + 0.3 s preroll reach 'ask'")
        let second = timed([("ask", 0.2, 0.6), ("not", 0.7, 1.1), ("what", 2.0, 2.4), ("your", 2.5, 2.9)])
        let e = p.hypothesis(second, windowEnd: s(3.0))
        XCTAssertEqual(e.first?.text, "what your", "previous words in the window are not shown again")
        XCTAssertEqual(e.first?.utterance, 2)
    }

    func testEndpointByMaximumUtteranceLength() throws {
        var c = StreamingConfiguration.agreementOnly
        c.maxUtteranceSeconds = 3
        var p = try CaptionPolicy(configuration: c)
        var events: [StreamingEvent] = []
        let script = ["one", "one two", "one two three", "one two three four", "one two three four five"]
        for (i, text) in script.enumerated() {
            let t = 0.5 * Double(i + 1)
            events += p.speech(t - 0.5, t)
            events += p.hypothesis(hyp(text, 0, t), windowEnd: s(t))
        }
        events += p.speech(2.5, 3.2)
        let finals = events.filter { $0.kind == .final }
        XCTAssertEqual(finals.count, 1)
        XCTAssertEqual(finals.first?.text, "one two three four five")
        XCTAssertEqual(finals.first?.end ?? 0, 3.0, accuracy: 0.021)
        XCTAssertTrue(p.isActive, "speech goes on: a new utterance opens at the cut")
        XCTAssertEqual(sec(p.utteranceStart), finals.first?.end ?? -1, accuracy: 1e-9)
        let after = p.hypothesis(hyp("six", 3.0, 3.2), windowEnd: s(3.2))
        XCTAssertEqual(after.first?.utterance, 2)
    }

    func testGuardsDropNoSpeechLowLogProbHighCompressionAndLoops() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = p.speech(0, 2)
        XCTAssertEqual(p.hypothesis(hyp("thank you", 0, 1, noSpeech: 0.8), windowEnd: s(1)), [])
        XCTAssertEqual(p.hypothesis(hyp("the quick fox", 0, 1, logProb: -1.4), windowEnd: s(1.2)), [])
        XCTAssertEqual(p.hypothesis(hyp("go go go go go go", 0, 1, compression: 3.1), windowEnd: s(1.4)), [])
        XCTAssertEqual(p.hypothesis(hyp("I I I I I", 0, 1), windowEnd: s(1.6)), [])
        XCTAssertEqual(p.hypothesis(hyp("and then and then and then we", 0, 2), windowEnd: s(2)), [])
        XCTAssertEqual(p.rejections, [
            .noSpeech(probability: 0.8), .lowLogProb(-1.4), .highCompressionRatio(3.1),
            .repetitionLoop(gram: "i", count: 5), .repetitionLoop(gram: "and then", count: 3),
        ])
        // An utterance of only dropped hypotheses ends without any event, and uses no number.
        XCTAssertEqual(p.silence(2, 3), [])
        _ = p.speech(5, 6)
        let e = p.hypothesis(hyp("hello", 5, 6), windowEnd: s(6))
        XCTAssertEqual(e.first?.utterance, 1)
    }

    func testNothingIsEmittedWithoutSpeech() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        XCTAssertEqual(p.silence(0, 10), [])
        XCTAssertEqual(p.hypothesis(hyp("thank you for watching", 0, 10), windowEnd: s(10)), [],
                       "a hypothesis outside an utterance is never shown")
        XCTAssertEqual(p.finish(at: s(10)), [])
    }

    func testFinishFlushesTheOpenUtterance() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = p.speech(1, 2)
        _ = p.hypothesis(hyp("we choose to", 1, 2), windowEnd: s(2))
        _ = p.speech(2, 2.5)
        _ = p.hypothesis(hyp("we choose to go", 1, 2.5), windowEnd: s(2.5))
        let events = p.finish(at: s(2.5))
        XCTAssertEqual(events.map(\.kind), [.final])
        XCTAssertEqual(events.first?.text, "we choose to go")
        XCTAssertEqual(events.first?.end ?? 0, 2.5, accuracy: 1e-9)
        XCTAssertFalse(p.isActive)
        XCTAssertEqual(p.finish(at: s(3)), [], "a second finish has nothing left")
    }

    func testWindowIsTrimmedAtCommittedSentenceEndAndPromptHoldsIt() throws {
        var c = StreamingConfiguration.agreementOnly
        c.trimSeconds = 2
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0.3, 4)
        let first: [(String, Double, Double)] = [("Ask", 0.4, 0.7), ("not.", 0.7, 1.0), ("What", 1.5, 1.8)]
        _ = p.hypothesis(timed(first), windowEnd: s(2.0))
        XCTAssertEqual(p.windowStart, s(0.0))
        let second = first + [("your", 1.9, 2.2)]
        let e = p.hypothesis(timed(second), windowEnd: s(2.5))
        XCTAssertEqual(e.first?.stable, "Ask not. What")
        XCTAssertEqual(p.windowStart, s(1.0), "trimmed at the end of 'not.'")
        XCTAssertEqual(p.prompt, "Ask not.")
        // The next window starts at 1.0 s, so its hypothesis repeats only the words after the cut.
        let third = timed([("What", 1.5, 1.8), ("your", 1.9, 2.2), ("country", 2.3, 2.8)])
        let e3 = p.hypothesis(third, windowEnd: s(3.0))
        XCTAssertEqual(e3.first?.text, "Ask not. What your country")
        XCTAssertEqual(e3.first?.stable, "Ask not. What your")
    }

    func testWindowNeverExceedsItsLength() throws {
        var c = StreamingConfiguration.agreementOnly
        c.windowSeconds = 4
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 10)
        for i in 1...18 {
            let t = 0.5 * Double(i)
            // A decoder that never agrees with itself: nothing commits, the window must still slide.
            _ = p.hypothesis(hyp("word\(i) other\(i)", sec(p.windowStart), t), windowEnd: s(t))
            XCTAssertLessThanOrEqual(s(t) - p.windowStart, s(4))
        }
    }

    func testConfigurationErrorsNameTheKey() {
        var c = StreamingConfiguration.agreementOnly
        c.stepMilliseconds = 20
        XCTAssertThrowsError(try CaptionPolicy(configuration: c)) { error in
            XCTAssertTrue("\(error)".contains("streaming.step_ms"), "\(error)")
            XCTAssertTrue("\(error)".contains("20"), "\(error)")
        }
        c = StreamingConfiguration.agreementOnly
        c.windowSeconds = 60
        XCTAssertThrowsError(try CaptionPolicy(configuration: c)) { error in
            XCTAssertTrue("\(error)".contains("window_s"), "\(error)")
        }
        c = StreamingConfiguration.agreementOnly
        c.endpointSilenceSeconds = .nan
        XCTAssertThrowsError(try CaptionPolicy(configuration: c))
    }
}

final class CaptionPolicyChineseTests: XCTestCase {
    func testChineseAgreesPerCharacterAndJoinsWithoutSpaces() throws {
        var p = try CaptionPolicy(configuration: .agreementOnly)
        _ = p.speech(0, 3)
        // Whisper returns multi-character words for Chinese; agreement still works per character.
        let a = Hypothesis(words: [Word(text: "我们", start: 0.2, end: 0.6), Word(text: "今天", start: 0.6, end: 1.0)],
                           avgLogProb: -0.3, noSpeechProb: 0.1, compressionRatio: 1.2, language: "zh")
        let b = Hypothesis(words: [Word(text: "我们", start: 0.2, end: 0.6), Word(text: "今年", start: 0.6, end: 1.0),
                                   Word(text: "去", start: 1.0, end: 1.2)],
                           avgLogProb: -0.3, noSpeechProb: 0.1, compressionRatio: 1.2, language: "zh")
        _ = p.hypothesis(a, windowEnd: s(1.0))
        let e = p.hypothesis(b, windowEnd: s(1.5))
        XCTAssertEqual(e.first?.stable, "我们今")
        XCTAssertEqual(e.first?.text, "我们今年去")
        XCTAssertEqual(e.first?.lang, "zh")
        _ = p.hypothesis(b, windowEnd: s(2.0))
        let final = p.silence(3, 3.7)
        XCTAssertEqual(final.first?.text, "我们今年去")
    }
}
