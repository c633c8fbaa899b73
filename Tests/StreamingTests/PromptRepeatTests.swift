import XCTest
@testable import Streaming

/// Whisper, prompted with the committed text, fills a window that holds only the end of an
/// utterance with the prompt's last sentence once more. A daemon captioning a FLAC file under load
/// (FileAudioFormatsTests in CI) finalled "… when he's not busy sleeping. When he's not busy
/// sleeping.": the window had been trimmed at the committed sentence end, the decode of the short
/// tail after it repeated the sentence, and with no committed word inside that window nothing was
/// there to align the repeat with.
final class PromptRepeatTests: XCTestCase {
    /// The committed words, then a window after all of them whose decode repeats their last sentence.
    func testARepeatOfTheCommittedSentenceInAWindowAfterItIsNotNew() throws {
        var c = StreamingConfiguration.agreementOnly
        c.trimSeconds = 2.0
        var p = try CaptionPolicy(configuration: c)
        let said: [(String, Double, Double)] = [
            ("and", 0.5, 0.7), ("again,", 0.75, 1.2), ("when", 1.3, 1.5), ("he's", 1.5, 1.7),
            ("not", 1.7, 1.9), ("busy", 1.9, 2.2), ("sleeping.", 2.2, 2.7),
        ]
        _ = p.speech(0.4, 2.8)
        _ = p.hypothesis(timed(said), windowEnd: s(2.8))
        _ = p.speech(2.8, 3.0)
        // The second equal look commits every word and trims the window at "sleeping." (2.7 s).
        let agreed = p.hypothesis(timed(said), windowEnd: s(3.0))
        XCTAssertEqual(agreed.last?.stable, "and again, when he's not busy sleeping.")
        _ = p.speech(3.0, 3.3)
        // The window [2.7, 3.3) holds the end of "sleeping" and a breath; prompted with the
        // committed text, the decoder says the last sentence again, squeezed into it.
        let repeatDecode = timed([("When", 2.7, 2.8), ("he's", 2.8, 2.9), ("not", 2.9, 3.0),
                                  ("busy", 3.0, 3.1), ("sleeping.", 3.1, 3.3)])
        _ = p.hypothesis(repeatDecode, windowEnd: s(3.3))
        // The file ends: the final keeps committed and tentative words.
        let final = try XCTUnwrap(p.finish(at: s(3.3)).first)
        XCTAssertEqual(final.text, "and again, when he's not busy sleeping.")
    }

    /// A speaker who says a new sentence after the committed one keeps every word of it.
    func testNewWordsAfterTheCommittedSentenceAreKept() throws {
        var c = StreamingConfiguration.agreementOnly
        c.trimSeconds = 2.0
        var p = try CaptionPolicy(configuration: c)
        let said: [(String, Double, Double)] = [
            ("when", 1.3, 1.5), ("he's", 1.5, 1.7), ("not", 1.7, 1.9), ("busy", 1.9, 2.2), ("sleeping.", 2.2, 2.7),
        ]
        _ = p.speech(1.2, 2.8)
        _ = p.hypothesis(timed(said), windowEnd: s(2.8))
        _ = p.speech(2.8, 3.0)
        _ = p.hypothesis(timed(said), windowEnd: s(3.0))
        _ = p.speech(3.0, 3.6)
        _ = p.hypothesis(timed([("Sleeping", 2.8, 3.1), ("all", 3.1, 3.3), ("day.", 3.3, 3.6)]), windowEnd: s(3.6))
        let final = try XCTUnwrap(p.finish(at: s(3.6)).first)
        XCTAssertEqual(final.text, "when he's not busy sleeping. Sleeping all day.",
                       "one repeated word is not a repeated phrase")
    }

    func testRepeatedLeadingWords() {
        let before = timed([("not", 1.7, 1.9), ("busy", 1.9, 2.2), ("sleeping.", 2.2, 2.7)]).words
        let again = timed([("Not", 2.7, 2.8), ("busy", 2.8, 2.9), ("sleeping.", 2.9, 3.1), ("Yes.", 3.2, 3.4)]).words
        XCTAssertEqual(LocalAgreement.repeatedLeadingWords(of: again, after: before), 3)
        XCTAssertEqual(LocalAgreement.droppingRepeat(of: before, from: again).map(\.text), ["Yes."])
        XCTAssertEqual(LocalAgreement.repeatedLeadingWords(of: Array(again.dropFirst()), after: before), 0,
                       "two repeated words may be speech (\"I think, I think\")")
        XCTAssertEqual(LocalAgreement.repeatedLeadingWords(of: again, after: []), 0)
    }

    /// A final pass that reads a two-word utterance twice, the second copy squeezed into no time
    /// (the daemon's SIGTERM final "Ask not! Ask not!"), keeps one copy; the same two words said
    /// again with their own duration are speech and stay.
    func testASqueezedShortRepeatIsNotNew() {
        let committed = timed([("Ask", 3.30, 3.60), ("not!", 3.60, 4.10)]).words
        let squeezed = timed([("Ask", 3.30, 3.60), ("not!", 3.60, 4.10), ("Ask", 4.10, 4.10), ("not!", 4.10, 4.80)]).words
        XCTAssertEqual(CaptionText.join(LocalAgreement.merge(committed: committed, full: squeezed).map(\.text)), "Ask not!")
        let spoken = timed([("Ask", 3.30, 3.60), ("not!", 3.60, 4.10), ("Ask", 4.30, 4.60), ("not!", 4.60, 5.00)]).words
        XCTAssertEqual(CaptionText.join(LocalAgreement.merge(committed: committed, full: spoken).map(\.text)), "Ask not! Ask not!",
                       "two words said twice, each with its own time, are speech")
        XCTAssertEqual(LocalAgreement.repeatedLeadingWords(of: Array(squeezed.suffix(2)), after: committed), 2)
        XCTAssertEqual(LocalAgreement.repeatedLeadingWords(of: Array(spoken.suffix(2)), after: committed), 0)
    }

    /// The final pass paths join the same way: a shortened pass after every committed word and a
    /// whole-utterance pass that says the end twice.
    func testFinalPassesDoNotRepeatTheCommittedEnd() {
        let committed = timed([("when", 1.3, 1.5), ("he's", 1.5, 1.7), ("not", 1.7, 1.9), ("busy", 1.9, 2.2),
                               ("sleeping.", 2.2, 2.7)]).words
        let shortPass = timed([("When", 2.8, 2.9), ("he's", 2.9, 3.0), ("not", 3.0, 3.1), ("busy", 3.1, 3.2),
                               ("sleeping.", 3.2, 3.3)])
        XCTAssertEqual(CaptionText.join(ShortPassJoin.words(committed: committed, pass: shortPass, from: 2.8).map(\.text)),
                       "when he's not busy sleeping.")
        let whole = committed + shortPass.words
        XCTAssertEqual(CaptionText.join(LocalAgreement.merge(committed: committed, full: whole).map(\.text)),
                       "when he's not busy sleeping.")
    }
}
