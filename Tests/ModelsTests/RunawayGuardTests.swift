import XCTest
@testable import Models

/// The runaway guard (issue 14 item 6) in the decodes the live path runs: a window decode with the
/// live window decoder's budget, and the final pass (the transcriber with the offline options),
/// over a model that never ends its text.
final class RunawayGuardTests: XCTestCase {
    typealias V = TinyVocabulary

    /// "aaaa…" forever after the first timestamp.
    static let looping: ScriptedWhisper.Script = { fed, _ in
        fed.last == V.sot || fed.last == V.noTimestamps ? V.logits([V.ts(0): 5]) : V.logits([97: 5])
    }

    func features(frames: Int) -> [Float] { [Float](repeating: 0, count: 80 * frames) }

    func testBudgetIsTwelveTokensASecondAndAtLeast32() {
        let o = DecodingOptions()
        XCTAssertEqual(o.tokenBudget(seconds: 1), 32)
        XCTAssertEqual(o.tokenBudget(seconds: 5), 60)
        XCTAssertEqual(o.tokenBudget(seconds: 30), 360)
        var off = o
        off.tokensPerSecond = nil
        XCTAssertNil(off.tokenBudget(seconds: 5))
    }

    func testLoopingWindowDecodeEndsAtTheBudget() throws {
        let model = ScriptedWhisper(vocab: V.count, script: Self.looping)
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var options = DecodingOptions.greedy(language: "en")
        options.temperatures = [0]
        options.suppressTokens = []
        // The live window decoder's settings for a 3-s window (WhisperWindowDecoder.tokenBudget).
        options.maxNewTokens = min(224, options.tokenBudget(seconds: 3)!)
        let result = try transcriber.decodeWindow(mel: features(frames: 500), frames: 500, options: options)
        XCTAssertEqual(result.tokens.count, 36, "3 s × 12 tokens: the loop is cut at the budget")
        XCTAssertLessThanOrEqual(model.fedSequences.count, 38)
        // Without a cap the same decode runs to Whisper's 224 tokens.
        let unbounded = ScriptedWhisper(vocab: V.count, script: Self.looping)
        options.maxNewTokens = nil
        let long = try Transcriber(model: unbounded, tokenizer: try V.tokenizer()).decodeWindow(mel: features(frames: 500), frames: 500, options: options)
        XCTAssertEqual(long.tokens.count, 224)
    }

    func testLoopingFinalPassEndsEarly() throws {
        // The final pass decodes as `captionctl transcribe` does: greedy with the default fallback
        // ladder and the guard on (tokensPerSecond 12).
        let model = ScriptedWhisper(vocab: V.count, script: Self.looping)
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var options = DecodingOptions.greedy(language: "en")
        options.suppressTokens = []
        let samples = [Float](repeating: 0, count: 3 * 16_000)
        let result = try transcriber.transcribe(samples: samples, options: options)
        // 36 tokens per attempt; the fallback stops once its attempts kept 4 × 36 tokens: one greedy
        // attempt and three of best-of-5 sampling, ≤ 16 decodes × 37 steps.
        let steps = model.fedSequences.count
        XCTAssertLessThanOrEqual(steps, 16 * 38)
        XCTAssertTrue(result.segments.isEmpty, "the cut loop is dropped: \(result.segments.map(\.text))")
        // Unguarded, the same utterance runs every temperature to Whisper's 224 tokens.
        let unbounded = ScriptedWhisper(vocab: V.count, script: Self.looping)
        options.tokensPerSecond = nil
        _ = try Transcriber(model: unbounded, tokenizer: try V.tokenizer()).transcribe(samples: samples, options: options)
        XCTAssertGreaterThan(unbounded.fedSequences.count, 5 * steps)
    }
}
