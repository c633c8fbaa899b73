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

    func testChineseCharactersAndAFirstWordStandAlone() {
        let zh = DecodedWords.words([timing("广", 0, 0.2), timing("州", 0.2, 0.4)], tokens: [1, 1],
                                    timestampBegin: 100, endOfText: 50, offset: 0, duration: 5)
        XCTAssertEqual(zh.map(\.text), ["广", "州"])
        let first = DecodedWords.words([timing("-5", 0, 0.2), timing(" degrees", 0.2, 0.6)], tokens: [1, 1],
                                       timestampBegin: 100, endOfText: 50, offset: 0, duration: 5)
        XCTAssertEqual(first.map(\.text), ["-5", "degrees"])
    }
}
