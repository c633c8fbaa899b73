import XCTest
import Streaming

/// The rules that keep partials stable and finals accurate: no commit from short windows, only the
/// first tentative word(s) shown, and the final pass replacing the window-built final.
final class StabilityRuleTests: XCTestCase {
    func testNoCommitBeforeTheWindowHoldsCommitAfterSeconds() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 1.0
        c.partialTentativeWords = 100
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 0.5)
        _ = p.hypothesis(hyp("I'll last", 0, 0.5), windowEnd: s(0.5))
        _ = p.speech(0.5, 0.8)
        let short = p.hypothesis(hyp("I'll last to", 0, 0.8), windowEnd: s(0.8))
        XCTAssertEqual(short.first?.stable, "", "0.8 s of utterance: agreement does not commit yet")
        XCTAssertEqual(p.committedWords, [])
        _ = p.speech(0.8, 1.2)
        let long = p.hypothesis(hyp("unless to be", 0, 1.2), windowEnd: s(1.2))
        XCTAssertEqual(long.first?.stable, "", "the longer window disagrees with the wrong first words")
        _ = p.speech(1.2, 1.6)
        let agreed = p.hypothesis(hyp("unless to be rather", 0, 1.6), windowEnd: s(1.6))
        XCTAssertEqual(agreed.first?.stable, "unless to be")
    }

    func testZeroCommitAfterCommitsFromTheFirstAgreement() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 0.6)
        _ = p.hypothesis(hyp("one two", 0, 0.5), windowEnd: s(0.5))
        let e = p.hypothesis(hyp("one two", 0, 0.6), windowEnd: s(0.6))
        XCTAssertEqual(e.first?.stable, "one two")
    }

    func testPartialsShowOnlyTheFirstTentativeWords() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        c.partialTentativeWords = 1
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 1.0)
        let first = p.hypothesis(hyp("ask not what", 0, 1.0), windowEnd: s(1.0))
        XCTAssertEqual(first.first?.text, "ask")
        XCTAssertEqual(first.first?.words.map(\.text), ["ask"])
        XCTAssertEqual(p.tentativeWords.map(\.text), ["ask", "not", "what"], "the policy still tracks them all")
        _ = p.speech(1.0, 1.5)
        let second = p.hypothesis(hyp("ask not what your country", 0, 1.5), windowEnd: s(1.5))
        XCTAssertEqual(second.first?.stable, "ask not what")
        XCTAssertEqual(second.first?.text, "ask not what your")

        c.partialTentativeWords = 0
        var q = try CaptionPolicy(configuration: c)
        _ = q.speech(0, 1.0)
        XCTAssertEqual(q.hypothesis(hyp("ask not", 0, 1.0), windowEnd: s(1.0)), [], "nothing committed: nothing shown")
        let shown = q.hypothesis(hyp("ask not what", 0, 1.2), windowEnd: s(1.2))
        XCTAssertEqual(shown.first?.text, "ask not")
        XCTAssertEqual(shown.first?.stable, "ask not")
    }

    func testFinalPassBecomesTheFinalAtAnEndpoint() throws {
        var p = try CaptionPolicy()
        _ = p.speech(1.0, 3.0)
        XCTAssertEqual(p.utteranceAudioStart, s(0.7), "onset minus the 0.3-s preroll")
        _ = p.hypothesis(hyp("I'll last to be rather", 0.7, 2.5), windowEnd: s(2.5))
        _ = p.hypothesis(hyp("I'll last to be rather cold", 0.7, 3.0), windowEnd: s(3.0))
        XCTAssertEqual(p.committedWords.map(\.text), ["I'll", "last", "to", "be", "rather"])
        XCTAssertTrue(p.finalPass(timed([("Unless", 0.8, 1.2), ("to", 1.2, 1.4), ("be", 1.4, 1.6),
                                         ("rather", 1.6, 2.0), ("cold.", 2.0, 2.6)])))
        let events = p.silence(3.0, 3.7)
        XCTAssertEqual(events.map(\.kind), [.final])
        XCTAssertEqual(events.first?.text, "I'll last to be rather cold.",
                       "committed words stay (in the pass's spelling); the pass gives the rest")
        XCTAssertEqual(p.finalPassPrompt, "I'll last to be rather cold.", "later utterances are prompted with it")

        // The next utterance without a final pass falls back to its committed words.
        _ = p.speech(5.0, 6.5)
        XCTAssertEqual(p.utteranceAudioStart, s(4.7))
        _ = p.hypothesis(hyp("he was", 4.7, 6.0), windowEnd: s(6.0))
        _ = p.hypothesis(hyp("he was not", 4.7, 6.5), windowEnd: s(6.5))
        XCTAssertEqual(p.silence(6.5, 7.2).first?.text, "he was")
    }

    func testFinalPassFailingTheGuardsOrEmptyIsIgnored() throws {
        var p = try CaptionPolicy()
        _ = p.speech(0, 2.0)
        _ = p.hypothesis(hyp("one two three", 0, 1.5), windowEnd: s(1.5))
        _ = p.hypothesis(hyp("one two three", 0, 2.0), windowEnd: s(2.0))
        XCTAssertFalse(p.finalPass(hyp("thank you for watching", 0, 2.0, logProb: -2.5)))
        XCTAssertEqual(p.rejections.count, 1)
        XCTAssertFalse(p.finalPass(Hypothesis(words: [], avgLogProb: -0.2, noSpeechProb: 0.1, compressionRatio: 1)))
        XCTAssertEqual(p.silence(2.0, 2.7).first?.text, "one two three")
    }

    func testFinalPassBeforeAnyUtteranceIsRejected() throws {
        var p = try CaptionPolicy()
        XCTAssertFalse(p.finalPass(hyp("hello", 0, 1)))
        XCTAssertEqual(p.finish(at: s(1)), [])
    }

    func testNewSettingsAreValidated() {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = -1
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("commit_after_s")) }
        c = StreamingConfiguration()
        c.partialTentativeWords = -2
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("partial_tentative_words")) }
    }

    func testFinalPassReplacesCommittedWordsWhenFinalKeepsCommittedIsOff() throws {
        var c = StreamingConfiguration()
        c.finalKeepsCommitted = false
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(1.0, 3.0)
        _ = p.hypothesis(hyp("I'll last to be rather", 0.7, 2.5), windowEnd: s(2.5))
        _ = p.hypothesis(hyp("I'll last to be rather cold", 0.7, 3.0), windowEnd: s(3.0))
        XCTAssertTrue(p.finalPass(hyp("Unless to be rather cold.", 0.8, 2.6)))
        XCTAssertEqual(p.silence(3.0, 3.7).first?.text, "Unless to be rather cold.")
    }

    func testMergeKeepsCommittedWordsAndTakesTheRestFromTheFullDecode() {
        func words(_ s: String) -> [Word] { hyp(s, 0, 1).words }
        func merged(_ committed: String, _ full: String) -> String {
            CaptionText.join(LocalAgreement.merge(committed: words(committed), full: words(full)).map(\.text))
        }
        XCTAssertEqual(merged("1, 2", "One, two, three."), "One, two, three.", "number words agree with digits")
        XCTAssertEqual(merged("somehow or other cat has", "Somehow or other, Kat has taught them."),
                       "Somehow or other, cat has taught them.", "a substituted committed word stays")
        XCTAssertEqual(merged("ask not what", "Ask not what your country"), "Ask not what your country")
        XCTAssertEqual(merged("ask not what", "Ask what your country"), "Ask not what your country",
                       "a committed word the pass dropped stays; the pass's next words follow")
        XCTAssertEqual(merged("", "Hello there."), "Hello there.")
        XCTAssertEqual(merged("hello there", ""), "hello there")
        XCTAssertEqual(LocalAgreement.tail(of: words("a b c d"), after: words("a b x")).map(\.text), ["d"],
                       "ties go to the longer prefix (substitution)")
    }
}
