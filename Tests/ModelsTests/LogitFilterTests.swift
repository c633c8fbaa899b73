import XCTest
@testable import Models

final class LogitFilterTests: XCTestCase {
    typealias V = TinyVocabulary
    let off = -Float.infinity

    func timestampRules(maxInitial: Int? = 50) -> TimestampRulesFilter {
        TimestampRulesFilter(endOfText: V.eot, noTimestamps: V.noTimestamps, timestampBegin: V.timestampBegin,
                             timestampEnd: V.count - 1, maxInitialTimestamp: maxInitial.map { V.timestampBegin + $0 })
    }

    func testSuppressTokensAtEveryStepAndBlankOnlyAtFirst() {
        var row = V.logits([5: 1, 32: 2, V.eot: 3])
        SuppressTokensFilter(ids: [5]).apply(step: 3, logits: &row, generated: [1, 2, 3])
        XCTAssertEqual(row[5], off)
        SuppressBlankFilter(ids: [32, V.eot]).apply(step: 1, logits: &row, generated: [1])
        XCTAssertEqual(row[32], 2)
        SuppressBlankFilter(ids: [32, V.eot]).apply(step: 0, logits: &row, generated: [])
        XCTAssertEqual(row[32], off)
        XCTAssertEqual(row[V.eot], off)
    }

    func testDefaultSuppressionExpandsMinusOneAndAddsSpecials() throws {
        let tok = try V.tokenizer()
        let ids = try NonSpeechTokens.resolve([-1, 7], tokenizer: tok)
        for id in [7, V.transcribe, V.translate, V.sot, V.sotPrev, 263, V.noSpeech] { XCTAssertTrue(ids.contains(id), "\(id)") }
        XCTAssertTrue(ids.contains(Int(UInt8(ascii: "["))))
        XCTAssertTrue(ids.contains(Int("♪".utf8.first!)))
        XCTAssertFalse(ids.contains(Int(UInt8(ascii: "a"))))
        XCTAssertFalse(ids.contains(Int(UInt8(ascii: ","))))
        XCTAssertEqual(try NonSpeechTokens.resolve([], tokenizer: tok), [])
        XCTAssertEqual(try NonSpeechTokens.resolve([9], tokenizer: tok),
                       [9, V.sot, V.translate, V.transcribe, 263, V.sotPrev, V.noSpeech].sorted())
    }

    func testFirstTokenIsATimestampNoLaterThanTheMaxInitial() {
        var row = V.logits([65: 9, V.ts(0.4): 1, V.ts(1.0): 2, V.ts(1.02): 8, V.noTimestamps: 20])
        timestampRules().apply(step: 0, logits: &row, generated: [])
        XCTAssertEqual(LogProbabilities.argmax(row), V.ts(1.0))
        XCTAssertEqual(row[65], off)
        XCTAssertEqual(row[V.eot], off)
        XCTAssertEqual(row[V.noTimestamps], off)
        XCTAssertEqual(row[V.ts(1.02)], off)
    }

    func testTimestampsComeInPairsAndNeverDecrease() {
        // After text then a single timestamp: text is forbidden (timestamp or EOT only).
        var row = V.logits([65: 9, V.ts(2.0): 1, V.eot: 0.5])
        timestampRules().apply(step: 3, logits: &row, generated: [V.ts(0), 65, V.ts(1.5)])
        XCTAssertEqual(row[65], off)
        XCTAssertEqual(row[V.ts(1.0)], off, "timestamps before the last one are forbidden")
        XCTAssertEqual(row[V.ts(1.5)], -10, "the same timestamp may repeat to close a pair")
        XCTAssertEqual(LogProbabilities.argmax(row), V.ts(2.0))
        // After a pair: no timestamp at all.
        row = V.logits([65: 1, V.ts(3.0): 9])
        timestampRules().apply(step: 4, logits: &row, generated: [V.ts(0), 65, V.ts(1.5), V.ts(1.5)])
        XCTAssertEqual(row[V.ts(3.0)], off)
        XCTAssertEqual(LogProbabilities.argmax(row), 65)
    }

    func testSummedTimestampProbabilityForcesATimestamp() {
        // One text token at logit 2; 30 timestamps at logit 0 sum to more than it.
        var favoured: [Int: Float] = [65: 2]
        for k in 100..<130 { favoured[V.timestampBegin + k] = 0 }
        var row = V.logits(favoured, base: -50)
        timestampRules().apply(step: 2, logits: &row, generated: [V.ts(0), 66])
        XCTAssertEqual(row[65], off)
        XCTAssertTrue(LogProbabilities.argmax(row) >= V.timestampBegin)
        // With the text token clearly ahead, nothing is forced.
        favoured[65] = 8
        row = V.logits(favoured, base: -50)
        timestampRules().apply(step: 2, logits: &row, generated: [V.ts(0), 66])
        XCTAssertEqual(LogProbabilities.argmax(row), 65)
    }

    func testLogSoftmaxAndTopKAgainstNaiveVersions() {
        var rng = SeededGenerator(seed: 7)
        let x = (0..<500).map { _ in rng.unit() * 20 - 10 }
        let lp = LogProbabilities.logSoftmax(x)
        let naive = x.map { v in Double(v) - log(x.reduce(0.0) { $0 + exp(Double($1)) }) }
        for i in 0..<x.count { XCTAssertEqual(Double(lp[i]), naive[i], accuracy: 1e-4) }
        // The vectorised sum against one expf per entry, and on a vocabulary-sized row with
        // disabled entries.
        let scalar = LogProbabilities.naiveLogSoftmax(x)
        for i in 0..<x.count { XCTAssertEqual(lp[i], scalar[i], accuracy: 2e-6) }
        var vocab = (0..<51865).map { _ in rng.unit() * 30 - 15 }
        for i in stride(from: 0, to: vocab.count, by: 7) { vocab[i] = LogProbabilities.disabled }
        // Against Double: the lanes' partial sums are closer to it than one running float sum.
        let fast = LogProbabilities.logSoftmax(vocab), slow = LogProbabilities.naiveLogSoftmax(vocab)
        let m = Double(vocab.max() ?? 0)
        let shift = m + log(vocab.reduce(0.0) { $0 + exp(Double($1) - m) })
        var worstFast = 0.0, worstSlow = 0.0
        for i in 0..<vocab.count where vocab[i].isFinite {
            worstFast = max(worstFast, abs(Double(fast[i]) - (Double(vocab[i]) - shift)))
            worstSlow = max(worstSlow, abs(Double(slow[i]) - (Double(vocab[i]) - shift)))
        }
        print("log-softmax over 51865: worst |Δ| vectorised \(worstFast), scalar \(worstSlow)")
        XCTAssertLessThan(worstFast, 1e-5)
        XCTAssertLessThanOrEqual(worstFast, worstSlow + 4e-6)
        XCTAssertEqual(fast[0], LogProbabilities.disabled)
        XCTAssertNil(LogProbabilities.normaliser([LogProbabilities.disabled, LogProbabilities.disabled]))
        let top = LogProbabilities.topK(x, 7)
        let sorted = x.enumerated().sorted { $0.element > $1.element }.prefix(7).map(\.offset)
        XCTAssertEqual(top, Array(sorted))
    }
}
