import XCTest
import Models
@testable import Streaming

/// Words from the alignment heads keep the decoder's spacing: a word it wrote without a space
/// before it ("-hearted") is part of the word before ("cold-hearted", as the offline text reads),
/// not a word of its own that joins with a space ("cold -hearted", the live finals before).
final class DecodedWordsJoinTests: XCTestCase {
    func timing(_ word: String, _ start: Double, _ end: Double, _ p: Double = 0.9) -> WordTiming {
        WordTiming(word: word, tokens: [1], start: start, end: end, probability: p)
    }

    func testAWordWrittenWithoutASpaceContinuesTheWordBefore() {
        let timings = [timing(" rather", 0, 0.3), timing(" cold", 0.3, 0.6), timing("-hearted", 0.6, 1.0, 0.5),
                       timing(" and", 1.0, 1.2), timing(" ill", 1.2, 1.4), timing("-disposed.", 1.4, 2.0)]
        let words = DecodedWords.words(timings, tokens: [1, 1, 1, 1, 1, 1], timestampBegin: 100, endOfText: 50,
                                       offset: 10, duration: 5)
        XCTAssertEqual(words.map(\.text), ["rather", "cold-hearted", "and", "ill-disposed."])
        XCTAssertEqual(CaptionText.join(words.map(\.text)), "rather cold-hearted and ill-disposed.")
        XCTAssertEqual(words[1].start, 10.3, accuracy: 1e-9)
        XCTAssertEqual(words[1].end, 11.0, accuracy: 1e-9, "the joined word ends where its last part does")
        XCTAssertEqual(words[1].probability ?? 0, 0.5, accuracy: 1e-9, "the least sure part")
    }

    /// The final pass's words (`WhisperUtteranceDecoder.words`) join the same way. Measured with
    /// `captionctl simulate` on the keepup stream (base): the windows committed "ill-disposed.",
    /// the pass gave "ill" + "-disposed.", and the final read "… to be ill-disposed. -disposed.".
    func testTheFinalPassJoinsAWordWrittenWithoutASpaceAndTheFinalHasItOnce() {
        var segment = TranscriptionSegment(id: 1, seek: 0, start: 0, end: 2, text: " to be ill-disposed.", tokens: [],
                                           avgLogProb: -0.1, noSpeechProb: 0, compressionRatio: 1.1, temperature: 0)
        segment.words = [TranscriptionWord(word: " to", start: 0, end: 0.1, probability: 0.99),
                         TranscriptionWord(word: " be", start: 0.1, end: 0.3, probability: 1),
                         TranscriptionWord(word: " ill", start: 0.3, end: 0.5, probability: 0.55),
                         TranscriptionWord(word: "-disposed.", start: 0.5, end: 1.0, probability: 0.89)]
        let pass = WhisperUtteranceDecoder.words(of: [segment], startTime: 132.08)
        XCTAssertEqual(pass.map(\.text), ["to", "be", "ill-disposed."])
        XCTAssertEqual(pass[2].start, 132.38, accuracy: 1e-9)
        XCTAssertEqual(pass[2].end, 133.08, accuracy: 1e-9)
        XCTAssertEqual(pass[2].probability ?? 0, 0.55, accuracy: 1e-9)
        XCTAssertTrue(pass[2].endsSegment)
        let committed = [Word(text: "to", start: 132.08, end: 132.18), Word(text: "be", start: 132.18, end: 132.4),
                         Word(text: "ill-disposed.", start: 132.38, end: 133.06)]
        let final = LocalAgreement.merge(committed: committed, full: pass)
        XCTAssertEqual(CaptionText.join(final.map(\.text)), "to be ill-disposed.")
    }

    func testChineseCharactersAndAFirstWordStandAlone() {
        let zh = DecodedWords.words([timing("广", 0, 0.2), timing("州", 0.2, 0.4)], tokens: [1, 1],
                                    timestampBegin: 100, endOfText: 50, offset: 0, duration: 5)
        XCTAssertEqual(zh.map(\.text), ["广", "州"])
        let first = DecodedWords.words([timing("-5", 0, 0.2), timing(" degrees", 0.2, 0.6)], tokens: [1, 1],
                                       timestampBegin: 100, endOfText: 50, offset: 0, duration: 5)
        XCTAssertEqual(first.map(\.text), ["-5", "degrees"])
    }
}
