import XCTest
@testable import Streaming

/// A window decode that reads its window again (tiny.en at the end of an utterance, keepup bench):
/// its first copy is kept, so the guard judges the words heard, not the loop.
final class RepeatedTranscriptTests: XCTestCase {
    func words(_ text: String) -> [Word] {
        text.split(separator: " ").enumerated().map { Word(text: String($1), start: Double($0) * 0.3, end: Double($0) * 0.3 + 0.25) }
    }

    func testAWindowReadAgainKeepsItsFirstCopy() throws {
        // The decode of [53.66, 56.66] in the keepup stream (the kittens clip), cut by the token budget.
        let sentence = "The two stray kittens gradually make themselves at home."
        let looped = words(([sentence, sentence, sentence] + ["The two stray kittens gradually"]).joined(separator: " "))
        let first = try XCTUnwrap(RepeatedTranscript.firstCopy(looped))
        XCTAssertEqual(CaptionText.join(first.map(\.text)), sentence)
        // The guard dropped the loop for its compression ratio; the first copy passes.
        let guardrail = HallucinationGuard()
        var h = Hypothesis(words: looped, avgLogProb: -0.09, noSpeechProb: 0, compressionRatio: 3.01, language: "en")
        XCTAssertNotNil(guardrail.rejection(of: h))
        h.words = first
        h.compressionRatio = 0.89
        XCTAssertNil(guardrail.rejection(of: h))
    }

    /// The daemon's final at SIGTERM: "Ask not! Ask not!" with the second "Ask" at 0 s.
    func testASqueezedShortCopyAtTheEndIsDropped() throws {
        let squeezed = [Word(text: "Ask", start: 0.76, end: 1.60), Word(text: "not!", start: 1.60, end: 2.10),
                        Word(text: "Ask", start: 2.10, end: 2.10), Word(text: "not!", start: 2.10, end: 2.82)]
        XCTAssertEqual(RepeatedTranscript.squeezedTailCopy(squeezed).map { CaptionText.join($0.map(\.text)) }, "Ask not!")
        // Said twice, each word with its own time: speech.
        XCTAssertNil(RepeatedTranscript.squeezedTailCopy(words("no, no")))
        XCTAssertNil(RepeatedTranscript.squeezedTailCopy(words("ask not ask not")))
        // A squeezed word that repeats nothing, and a squeezed copy that is not at the end, stay.
        XCTAssertNil(RepeatedTranscript.squeezedTailCopy([Word(text: "Ask", start: 0.7, end: 1.0), Word(text: "not.", start: 1.0, end: 1.0)]))
        XCTAssertNil(RepeatedTranscript.squeezedTailCopy(Array(squeezed.prefix(3)) + [Word(text: "what", start: 2.2, end: 2.5)]))
        // Times spread over a segment are not decoded times: no rule on them.
        var spread = squeezed
        for i in spread.indices { spread[i].timing = .segmentSpread }
        XCTAssertNil(RepeatedTranscript.squeezedTailCopy(spread))
    }

    func testARepeatAfterOtherWordsIsCutWhereItStarts() throws {
        let w = words("so he said the cat sat down the cat sat down the cat")
        XCTAssertEqual(RepeatedTranscript.firstCopy(w).map { CaptionText.join($0.map(\.text)) }, "so he said the cat sat down")
    }

    func testSpeechWithoutALongRepeatIsLeftAlone() {
        XCTAssertNil(RepeatedTranscript.firstCopy(words("ask not what your country can do for you ask what you can do for your country")))
        XCTAssertNil(RepeatedTranscript.firstCopy(words("no no no we will go")), "short repeats are speech")
        XCTAssertNil(RepeatedTranscript.firstCopy(words("one two three")))
    }

    /// The early final pass of the kittens clip (keepup bench, 2 Dec 2026): the utterance read
    /// again after a stray "2". Its first reading is kept; back-to-back copies are found too.
    func testAPassThatReadsItselfAgainAfterAStrayWordKeepsItsFirstReading() throws {
        let sentence = "The two stray kittens gradually make themselves at home."
        let read = try XCTUnwrap(RepeatedTranscript.restartedReading(words(sentence + " 2 The two stray kittens gradually")))
        XCTAssertEqual(CaptionText.join(read.map(\.text)), sentence)
        XCTAssertEqual(RepeatedTranscript.restartedReading(words(sentence + " " + sentence)).map { CaptionText.join($0.map(\.text)) }, sentence)
        XCTAssertEqual(RepeatedTranscript.restartedReading(words(sentence + " and so, The two stray kittens")).map { CaptionText.join($0.map(\.text)) }, sentence)
        XCTAssertNil(RepeatedTranscript.restartedReading(words(sentence + " a b c The two stray kittens")), "more than two words between")
    }

    /// Speech that says its opening words again is left alone: the repeat is not of a whole
    /// first sentence, or is shorter than four words.
    func testSpeechThatRepeatsItsOpeningIsNotARestartedReading() {
        XCTAssertNil(RepeatedTranscript.restartedReading(words("we shall fight on the beaches, we shall fight on the seas and oceans")))
        XCTAssertNil(RepeatedTranscript.restartedReading(words("No, no. No, no. I said it twice.")))
        XCTAssertNil(RepeatedTranscript.restartedReading(words("He was not an old-sposed young man.")))
        XCTAssertNil(RepeatedTranscript.restartedReading(words("Ask not. What your country can do for you. Ask what you can do for your country.")))
    }
}
