import XCTest
@testable import Streaming

/// The decoder's prompt of earlier text starts after the last word decoded with less than
/// `prompt_min_prob`: a misheard word fed back as prompt is copied by every later decode. After a
/// swap that landed mid-request, base's final "換一手" (手 at 0.08) made every later pass of the same
/// request write 手 (0.05–0.10) where without that prompt it wrote 首 (0.94).
final class PromptMinProbabilityTests: XCTestCase {
    private func word(_ text: String, _ start: Double, _ p: Double) -> Word {
        Word(text: text, start: start, end: start + 0.25, probability: p)
    }

    /// One utterance whose final pass gives `words`; returns the policy after its final.
    private func policy(bar: Double, final words: [Word]) throws -> CaptionPolicy {
        var c = StreamingConfiguration()
        c.promptMinProbability = bar
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0.5, 1.6)
        _ = p.hypothesis(Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.2, language: "zh"),
                         windowEnd: s(1.6))
        XCTAssertTrue(p.finalPass(Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.2, language: "zh")))
        let finals = p.silence(1.6, 2.6).filter { $0.kind == .final }
        XCTAssertEqual(finals.map(\.text), [CaptionText.join(words.map(\.text))])
        return p
    }

    private let misheard = [("換", 0.78), ("一", 0.86), ("手", 0.08), ("歌", 0.85)]

    func testTheWholeTextPromptsWithTheBarAtZero() throws {
        let p = try policy(bar: 0, final: misheard.enumerated().map { word($1.0, 0.6 + 0.25 * Double($0), $1.1) })
        XCTAssertEqual(p.finalPassPrompt, "換一手歌")
        XCTAssertEqual(p.prompt, "換一手歌", "the next window decodes too")
    }

    func testThePromptStartsAfterTheLastUnsureWord() throws {
        let p = try policy(bar: 0.1, final: misheard.enumerated().map { word($1.0, 0.6 + 0.25 * Double($0), $1.1) })
        XCTAssertEqual(p.finalPassPrompt, "歌")
        XCTAssertEqual(p.prompt, "歌")
    }

    func testSureWordsPromptWhole() throws {
        let sure = [("換", 0.78), ("一", 0.86), ("首", 0.94), ("歌", 0.85)]
        let p = try policy(bar: 0.1, final: sure.enumerated().map { word($1.0, 0.6 + 0.25 * Double($0), $1.1) })
        XCTAssertEqual(p.finalPassPrompt, "換一首歌")
    }

    func testWordsWithoutAProbabilityPass() throws {
        var c = StreamingConfiguration()
        c.promptMinProbability = 0.5
        let p = try CaptionPolicy(configuration: c)
        let words = [Word(text: "ask", start: 0, end: 0.3), Word(text: "not", start: 0.3, end: 0.6, probability: 0.2),
                     Word(text: "what", start: 0.6, end: 0.9)]
        XCTAssertEqual(p.promptText(words), "what")
        XCTAssertEqual(p.promptText(Array(words.prefix(1))), "ask")
        XCTAssertEqual(p.promptText([]), "")
    }
}
