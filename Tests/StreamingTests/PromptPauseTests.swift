import XCTest
@testable import Streaming

/// The earlier finals prompt the next utterance's final pass only across pauses shorter than
/// `prompt_pause_s`: prompted with the Mandarin clip before it (3 s earlier in the keep-up stream),
/// base read the request "换一首歌" as "坏一首歌", and "换一首歌" alone.
final class PromptPauseTests: XCTestCase {
    /// A final whose words (one per 0.25 s from `start`) the final pass gives, then silence to `quiet`.
    /// `stretch`: the final pass times the last word's end that much into the silence after it.
    private func utterance(_ p: inout CaptionPolicy, _ text: [String], from start: Double, quiet: Double, stretch: Double = 0) {
        var words = text.enumerated().map { Word(text: $1, start: start + 0.25 * Double($0), end: start + 0.25 * Double($0 + 1), probability: 0.9) }
        let speechEnd = words.last?.end ?? start
        if let last = words.popLast() { words.append(Word(text: last.text, start: last.start, end: last.end + stretch, probability: 0.9)) }
        let end = words.last?.end ?? start
        _ = p.speech(start, speechEnd)
        _ = p.hypothesis(Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.2, language: "zh"),
                         windowEnd: s(end))
        XCTAssertTrue(p.finalPass(Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.2, language: "zh")))
        let finals = p.silence(end, quiet).filter { $0.kind == .final }
        XCTAssertEqual(finals.map(\.text), [text.joined()])
    }

    private func policy(pause: Double) throws -> CaptionPolicy {
        var c = StreamingConfiguration()
        c.promptPauseSeconds = pause
        return try CaptionPolicy(configuration: c)
    }

    private let first = ["广", "州", "市", "佛", "地", "产"]   // 0.5–2.0 s

    func testALongPauseStartsThePassPromptAnew() throws {
        var p = try policy(pause: 2)
        utterance(&p, first, from: 0.5, quiet: 5.0)
        _ = p.speech(5.0, 5.5)   // 3 s after the last word
        XCTAssertTrue(p.isActive)
        XCTAssertEqual(p.finalPassPrompt, "", "the pass after a 3-s pause goes without the earlier final")
        XCTAssertEqual(p.prompt, "广州市佛地产", "window decodes keep it (the opening's short windows read sooner with it)")
    }

    func testAShortPauseKeepsThePrompt() throws {
        var p = try policy(pause: 2)
        utterance(&p, first, from: 0.5, quiet: 3.5)
        _ = p.speech(3.5, 4.0)   // 1.5 s after the last word
        XCTAssertEqual(p.finalPassPrompt, "广州市佛地产")
    }

    func testZeroPromptsAcrossAnyPause() throws {
        var p = try policy(pause: 0)
        utterance(&p, first, from: 0.5, quiet: 5.0)
        _ = p.speech(5.0, 5.5)
        XCTAssertEqual(p.finalPassPrompt, "广州市佛地产")
    }

    /// Three utterances: a long pause after the first, a short one after the second; the third's
    /// pass is prompted with the second only.
    func testThePromptStartsAfterTheLastLongPause() throws {
        var p = try policy(pause: 2)
        utterance(&p, first, from: 0.5, quiet: 5.0)
        utterance(&p, ["换", "一", "首", "歌"], from: 5.0, quiet: 7.5)   // 5.0–6.0 s
        _ = p.speech(7.5, 8.0)
        XCTAssertEqual(p.finalPassPrompt, "换一首歌")
    }

    /// Older finals are split where the VAD heard a long pause too, not where their words' times
    /// say: the first final's last word is stretched 1.2 s into the 2.2-s silence after its speech,
    /// so its words end 1.0 s before the second utterance; the third's pass goes with the second only.
    func testOlderFinalsAreSplitByTheSpeechTheVADHeard() throws {
        var p = try policy(pause: 2)
        utterance(&p, first, from: 0.5, quiet: 4.2, stretch: 1.2)        // speech 0.5–2.0 s, last word to 3.2 s
        utterance(&p, ["换", "一", "首", "歌"], from: 4.2, quiet: 6.4)   // speech 4.2–5.2 s
        _ = p.speech(6.4, 6.9)
        XCTAssertEqual(p.finalPassPrompt, "换一首歌")
    }

    /// The same for the open utterance: 2.2 s after the speech of a final whose last word was
    /// stretched to 1.0 s before it, its pass is not prompted.
    func testThePauseBeforeTheOpenUtteranceIsTheVADs() throws {
        var p = try policy(pause: 2)
        utterance(&p, first, from: 0.5, quiet: 4.2, stretch: 1.2)
        _ = p.speech(4.2, 4.7)
        XCTAssertEqual(p.finalPassPrompt, "")
    }

    func testTheKeyIsReadAndChecked() throws {
        var c = StreamingConfiguration()
        XCTAssertEqual(c.promptPauseSeconds, 2, "the default")
        c.promptPauseSeconds = -1
        XCTAssertThrowsError(try CaptionPolicy(configuration: c))
        XCTAssertNotNil(StreamingConfiguration.keys.first { $0.name == "prompt_pause_s" })
    }
}
