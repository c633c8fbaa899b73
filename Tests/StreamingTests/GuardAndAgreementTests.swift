import XCTest
import Streaming

final class HallucinationGuardTests: XCTestCase {
    let g = HallucinationGuard()

    func testThresholdsAreStrict() {
        XCTAssertNil(g.rejection(of: hyp("fine", 0, 1, logProb: -1.0, noSpeech: 0.6, compression: 2.4)))
        XCTAssertEqual(g.rejection(of: hyp("x", 0, 1, noSpeech: 0.61)), .noSpeech(probability: 0.61))
        XCTAssertEqual(g.rejection(of: hyp("x", 0, 1, logProb: -1.01)), .lowLogProb(-1.01))
        XCTAssertEqual(g.rejection(of: hyp("x", 0, 1, compression: 2.41)), .highCompressionRatio(2.41))
    }

    func testNaturalRepetitionPassesButLoopsAreCaught() {
        XCTAssertNil(g.rejection(of: hyp("no, no, no, I said", 0, 2)))
        XCTAssertNil(g.rejection(of: hyp("very very good", 0, 2)))
        XCTAssertNil(g.rejection(of: hyp("thank you thank you everyone", 0, 2)))
        XCTAssertEqual(g.rejection(of: hyp("Thank you. Thank you. Thank you.", 0, 2)),
                       .repetitionLoop(gram: "thank you", count: 3))
        XCTAssertEqual(g.rejection(of: hyp("so we so we so we so we", 0, 2)),
                       .repetitionLoop(gram: "so we", count: 4))
        XCTAssertEqual(g.rejection(of: hyp("a b c d e f a b c d e f a b c d e f", 0, 2)),
                       .repetitionLoop(gram: "a b c d e f", count: 3))
        XCTAssertEqual(g.rejection(of: hyp("哈哈哈哈", 0, 2)), .repetitionLoop(gram: "哈", count: 4))
    }
}

final class AnomalousTailTests: XCTestCase {
    func testSqueezedTrailingSegmentIsDropped() {
        var words = [Word(text: "for", start: 9.7, end: 9.9), Word(text: "your", start: 9.9, end: 10.16),
                     Word(text: "country.", start: 10.16, end: 10.42, endsSegment: true),
                     Word(text: "Thank", start: 10.42, end: 10.56), Word(text: "you.", start: 10.56, end: 10.56, endsSegment: true)]
        let h = Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.02, compressionRatio: 1)
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(h).words.map(\.text), ["for", "your", "country."])
        // A normally timed last segment stays.
        words[4].end = 10.8
        let ok = Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.02, compressionRatio: 1)
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(ok).words.count, 5)
        // Low word probabilities count too.
        words[3].probability = 0.05; words[4].probability = 0.1
        let unsure = Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.02, compressionRatio: 1)
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(unsure).words.count, 3)
        // Estimated times say nothing about timing anomalies.
        XCTAssertEqual(HallucinationGuard.droppingAnomalousTail(hyp("a b c", 0, 0.05)).words.count, 3)
    }
}

final class LocalAgreementTests: XCTestCase {
    func testCommonPrefixComparesWordsIgnoringCaseAndPunctuation() {
        let a = hyp("Ask not, what your", 0, 1).words
        let b = hyp("ask not what you", 0, 1).words
        XCTAssertEqual(LocalAgreement.commonPrefixLength(a, b), 3)
        XCTAssertEqual(LocalAgreement.commonPrefixLength([], b), 0)
    }

    func testCommittedWordsRepeatedByTheWindowAreRemoved() {
        let committed = hyp("my fellow Americans", 0, 1).words
        let new = LocalAgreement.newWords(in: hyp("fellow Americans ask not", 0.3, 2), after: committed)
        XCTAssertEqual(new.map(\.text), ["ask", "not"])
    }

    func testAnchorsOnLastCommittedWordWhenTheRepeatDiffers() {
        let committed = hyp("ask not what", 0, 1).words
        let new = LocalAgreement.newWords(in: hyp("ask knot what you can", 0, 2), after: committed)
        XCTAssertEqual(new.map(\.text), ["you", "can"])
    }

    func testDecodedTimesDropWordsBeforeTheCommitPoint() {
        let committed = [Word(text: "ask", start: 0, end: 0.3), Word(text: "not", start: 0.3, end: 0.6)]
        let h = timed([("a", 0.0, 0.3), ("knot", 0.3, 0.6), ("what", 0.7, 0.9)])
        XCTAssertEqual(LocalAgreement.newWords(in: h, after: committed).map(\.text), ["what"],
                       "no committed word re-decoded: positions decide")
    }

    func testRedecodedCommittedWordsAreFoundByAlignmentNotByTime() {
        // "woman" was committed with its time stretched to the then window end (2.5 s); the next
        // window spreads its segment differently, so "he" seems to start before "woman" ends.
        let committed = [Word(text: "a", start: 1.0, end: 1.2), Word(text: "more", start: 1.2, end: 1.5),
                         Word(text: "amiable", start: 1.5, end: 2.0), Word(text: "woman", start: 2.0, end: 2.5)]
        let h = timed([("Had", 0.3, 0.5), ("he", 0.5, 0.7), ("married", 0.7, 1.0), ("a", 1.0, 1.1), ("more", 1.1, 1.4),
                       ("amiable", 1.4, 1.9), ("woman,", 1.9, 2.2), ("he", 2.2, 2.4), ("might", 2.4, 2.7)])
        XCTAssertEqual(LocalAgreement.newWords(in: h, after: committed).map(\.text), ["he", "might"])
        // A re-decoded committed word spelled differently still counts as re-decoded.
        let k = timed([("Cat", 0.0, 0.3), ("has", 0.3, 0.5), ("taught", 0.5, 0.8), ("them", 0.8, 1.0)])
        let kat = [Word(text: "Kat", start: 0, end: 0.3), Word(text: "has", start: 0.3, end: 0.9)]
        XCTAssertEqual(LocalAgreement.newWords(in: k, after: kat).map(\.text), ["taught", "them"])
    }
}

final class CaptionTextTests: XCTestCase {
    func testWordsAndJoin() {
        XCTAssertEqual(CaptionText.words("  Hello,  world "), ["Hello,", "world"])
        XCTAssertEqual(CaptionText.words("我爱Swift语言。"), ["我", "爱", "Swift", "语", "言。"])
        XCTAssertEqual(CaptionText.join(["我", "爱", "Swift", "语", "言。"]), "我爱 Swift 语言。")
        XCTAssertEqual(CaptionText.join(["a", "", "b"]), "a b")
    }

    func testWidthAndSentenceEnds() {
        XCTAssertEqual(CaptionText.width("abc"), 3)
        XCTAssertEqual(CaptionText.width("中文，"), 6)
        XCTAssertTrue(CaptionText.endsSentence("done."))
        XCTAssertTrue(CaptionText.endsSentence("\"done?\""))
        XCTAssertTrue(CaptionText.endsSentence("好。"))
        XCTAssertFalse(CaptionText.endsSentence("Mr"))
        XCTAssertEqual(CaptionText.key("Don't,"), "don't")
    }

    func testHypothesisSpreadsTimeByCharacters() {
        let h = hyp("a bbb", 1, 3)
        XCTAssertTrue(h.timesAreEstimated)
        XCTAssertEqual(h.words.first?.start ?? 0, 1, accuracy: 1e-9)
        XCTAssertEqual(h.words.last?.start ?? 0, 1 + 2.0 * 2 / 6, accuracy: 1e-9, "'a' + gap = 2 of 6 units")
        XCTAssertEqual(h.words.last?.end ?? 0, 3, accuracy: 1e-9)
    }
}
