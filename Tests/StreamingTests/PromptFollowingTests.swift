import XCTest
import Streaming

/// A prompted window decode that followed its prompt rather than the audio (`PromptFollowing`),
/// and the mid-phrase trim that keeps the last committed word in the window.
final class PromptFollowingTests: XCTestCase {
    /// "ask not what your country can do for you. ask what you can do for your country." from
    /// 0.3 s, a word every 0.3 s.
    static let spoken: [(String, Double, Double)] = {
        let text = "ask not what your country can do for you. ask what you can do for your country."
        return text.split(separator: " ").enumerated().map { (String($1), 0.3 + 0.3 * Double($0), 0.5 + 0.3 * Double($0)) }
    }()

    /// A decoder over `spoken`: a window reads the words it holds whole. Prompted, a window that
    /// holds the second "your" reads its first word and then skips to the prompt's continuation
    /// "your country.", "your" stretched over the skipped speech (0.0003 without the prompt), as
    /// tiny.en did live. `prompts`: every window decode's prompt, in order.
    static func decoder(prompts: UnsafeMutablePointer<[String]>) -> (CaptionPolicy.Action) -> Hypothesis? {
        { action in
            guard case let .decodeWindow(from, to, prompt) = action else { return nil }
            prompts.pointee.append(prompt)
            let heard = spoken.enumerated().filter { $0.element.1 >= sec(from) - 1e-9 && $0.element.2 <= sec(to) + 1e-9 }
            var words = heard.map { Word(text: $0.element.0, start: $0.element.1, end: $0.element.2, probability: 0.9) }
            // A prompted window starts at a committed word, cut at its start: the re-read word is
            // unsure (judging it instead of the first new word would drop these decodes).
            if !prompt.isEmpty, !words.isEmpty { words[0].probability = 0.005 }
            if !prompt.isEmpty, let first = heard.first, first.offset < 14, heard.contains(where: { $0.offset == 15 }) {
                words = [Word(text: first.element.0, start: first.element.1, end: first.element.2, probability: 0.1),
                         Word(text: "your", start: first.element.2, end: spoken[15].2, probability: 0.0003)]
                    + words.filter { $0.start > spoken[15].2 }
            }
            return Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.4, language: "en")
        }
    }

    /// One utterance of `spoken`, windows of at most 3 s (so they are cut mid-phrase at committed
    /// words, as a slow schedule cuts them), no final pass (the final is built from the windows, as
    /// when the pass is skipped for time).
    func run(bar: Double) throws -> (finals: [String], prompts: [String], dropped: Int) {
        var c = StreamingConfiguration.agreementOnly
        c.finalPass = false
        c.windowSeconds = 3
        c.stepMilliseconds = 500
        c.promptedFirstMinProbability = bar
        var p = try CaptionPolicy(configuration: c)
        var prompts: [String] = []
        let actions = withUnsafeMutablePointer(to: &prompts) { ptr in
            p.timeline(speech: true, 0.2, 5.6, answer: Self.decoder(prompts: ptr))
                + p.timeline(speech: false, 5.6, 6.6, answer: Self.decoder(prompts: ptr))
        }
        // The next utterance's decodes are prompted again (with the final).
        var next: [String] = []
        _ = withUnsafeMutablePointer(to: &next) { p.timeline(speech: true, 7.0, 8.0, answer: Self.decoder(prompts: $0)) }
        XCTAssertFalse(next.isEmpty)
        XCTAssertTrue(next.allSatisfy { !$0.isEmpty }, "\(next)")
        let finals = actions.compactMap { t -> String? in
            if case let .emit(e) = t.action, e.kind == .final { return e.text }
            return nil
        }
        return (finals, prompts, p.promptFollowingDecodes)
    }

    func testADecodeThatFollowedItsPromptIsDroppedAndTheWindowDecodedWithoutIt() throws {
        let r = try run(bar: 0.01)
        XCTAssertEqual(r.finals, ["ask not what your country can do for you. ask what you can do for your country."])
        // Once committed words prompt the decodes, until the one dropped; then no prompt for the
        // rest of the utterance.
        XCTAssertEqual(r.dropped, 1)
        guard let dropped = r.prompts.lastIndex(where: { !$0.isEmpty }) else { return XCTFail("no prompted decode: \(r.prompts)") }
        XCTAssertTrue(r.prompts[dropped].hasSuffix("can do for you."), "\(r.prompts)")
        XCTAssertGreaterThan(r.prompts.count, dropped + 1, "\(r.prompts)")
    }

    /// The same timeline with the rule off loses the words the prompted decodes skipped.
    func testWithoutTheRuleTheSkippedWordsAreLost() throws {
        let r = try run(bar: 0)
        XCTAssertEqual(r.dropped, 0)
        XCTAssertEqual(r.finals.count, 1)
        XCTAssertLessThan(CaptionText.words(r.finals.first ?? "").count, Self.spoken.count, "\(r.finals)")
        XCTAssertTrue(r.finals.first?.hasSuffix("your country.") ?? false, "\(r.finals)")
    }

    /// A window cut mid-phrase (no committed sentence end) starts at the last committed word's
    /// start, so the next word's onset stays in it; the re-read word is not committed twice.
    func testAMidPhraseCutKeepsTheLastCommittedWordInTheWindow() throws {
        var c = StreamingConfiguration.agreementOnly
        c.windowSeconds = 3
        c.stepMilliseconds = 500
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 6)
        let say: [(String, Double, Double)] = [("ask", 0.1, 0.4), ("not", 0.5, 0.8), ("what", 0.9, 1.2), ("your", 1.3, 1.6),
                                               ("country", 1.7, 2.0), ("can", 2.1, 2.4), ("do", 2.5, 2.8), ("for", 2.9, 3.2)]
        func words(_ to: Double, from: Double = 0) -> [(String, Double, Double)] { say.filter { $0.1 >= from && $0.2 <= to } }
        _ = p.hypothesis(timed(words(2.0)), windowEnd: s(2.0))
        _ = p.hypothesis(timed(words(2.5)), windowEnd: s(2.5))
        _ = p.hypothesis(timed(words(2.9)), windowEnd: s(2.9))
        XCTAssertEqual(p.committedWords.map(\.text), ["ask", "not", "what", "your", "country", "can"])
        // The window (3 s at most, less a step) is cut mid-phrase: at the start of the last
        // committed word, not at its end, so the next word's onset stays in the window.
        XCTAssertEqual(p.windowStart, s(2.1))
        XCTAssertEqual(p.prompt, "ask not what your country", "the prompt holds only words before the window")
        // The next window re-reads "can"; the new words follow it, and it is not committed twice.
        let e = p.hypothesis(timed(words(3.3, from: 2.1)), windowEnd: s(3.3))
        XCTAssertEqual(p.committedWords.map(\.text), ["ask", "not", "what", "your", "country", "can", "do"])
        XCTAssertEqual(e.first?.text, "ask not what your country can do for")
    }

    func testTheBarIsValidated() {
        var c = StreamingConfiguration()
        XCTAssertEqual(c.promptedFirstMinProbability, 0.01)
        c.promptedFirstMinProbability = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("prompted_first_min_prob"), "\($0)") }
    }
}
