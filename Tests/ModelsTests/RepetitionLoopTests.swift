import XCTest
@testable import Models

/// `RepetitionLoop`: the loop cut the live window decoder applies, and the greedy search's early
/// stop at the token that completes a loop (`DecodingOptions.stopAtRepetition`).
final class RepetitionLoopTests: XCTestCase {
    typealias V = TinyVocabulary
    static func isText(_ t: Int) -> Bool { t < V.eot }

    func testCutKeepsTheFirstCopyAndTheTimestampsBeforeIt() {
        let ts = V.timestampBegin
        // "and... and... and..." as (and, ...) three times after a timestamp: cut after the first copy.
        XCTAssertEqual(RepetitionLoop.cut([ts, 10, 11, 10, 11, 10, 11, 10], isText: Self.isText), [ts, 10, 11])
        // One word three times is speech ("no, no, no"); four times is a loop.
        XCTAssertEqual(RepetitionLoop.cut([5, 5, 5], isText: Self.isText), [5, 5, 5])
        XCTAssertEqual(RepetitionLoop.cut([5, 5, 5, 5, 6], isText: Self.isText), [5])
        // Timestamps between copies are ignored when comparing (and kept up to the second copy).
        XCTAssertEqual(RepetitionLoop.cut([1, 2, ts, 1, 2, ts + 5, 1, 2], isText: Self.isText), [1, 2, ts])
        XCTAssertFalse(RepetitionLoop.endsInLoop([1, 2, ts, 1, 2, ts + 5], isText: Self.isText))
        XCTAssertTrue(RepetitionLoop.endsInLoop([1, 2, ts, 1, 2, ts + 5, 1, 2], isText: Self.isText))
        // Too long a phrase (9 tokens) is not compared.
        let nine = Array(20..<29)
        XCTAssertEqual(RepetitionLoop.cut(nine + nine + nine, isText: Self.isText), nine + nine + nine)
    }

    /// Fed one token at a time, `endsInLoop` fires exactly at the first prefix that `cut` shortens:
    /// stopping there loses nothing the cut would have kept from that prefix.
    func testEndsInLoopFiresWhereTheCutFirstApplies() {
        var rng = SeededGenerator(seed: 7)
        var fired = 0
        for _ in 0..<3000 {
            let alphabet = 1 + Int(rng.unit() * 3)           // 1–3 text tokens, plus a timestamp
            var tokens: [Int] = []
            for _ in 0..<30 {
                let r = Int(rng.unit() * Float(alphabet + 1))
                tokens.append(r == alphabet ? V.timestampBegin : r)
                let cutNow = RepetitionLoop.cut(tokens, isText: Self.isText).count < tokens.count
                XCTAssertEqual(RepetitionLoop.endsInLoop(tokens, isText: Self.isText), cutNow, "\(tokens)")
                if cutNow { fired += 1; break }
            }
        }
        XCTAssertGreaterThan(fired, 1000, "the random sequences should loop often")
    }

    /// A session that says "A B" forever: without the stop the search runs to maxLength; with it,
    /// it stops at the token completing the third copy, and the cut leaves the first.
    func testGreedySearchStopsAtTheLoop() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            V.logits([fed.last == 65 ? 66 : 65: 5])
        }
        var settings = SearchSettings(endOfText: V.eot, maxLength: 32)
        var rng = SeededGenerator(seed: 1)
        var session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        let full = try GreedyDecoder(settings: settings).decode(session: &session, startToken: V.sot, rng: &rng)
        XCTAssertEqual(full.tokens.count, 32)
        settings.stopAtRepetition = true
        var stopping = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        let stopped = try GreedyDecoder(settings: settings).decode(session: &stopping, startToken: V.sot, rng: &rng)
        XCTAssertEqual(stopped.tokens, [65, 66, 65, 66, 65, 66])
        XCTAssertEqual(stopped.tokenLogProbs.count, 6)
        XCTAssertEqual(RepetitionLoop.cut(stopped.tokens, isText: Self.isText), RepetitionLoop.cut(full.tokens, isText: Self.isText))
        XCTAssertEqual(stopping.fed.count, 6, "the session is not stepped past the loop")
    }
}
