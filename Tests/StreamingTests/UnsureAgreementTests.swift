import XCTest
import CaptionCore
import Streaming

/// `commit_min_prob`: two decodes that agree on a word they are unsure of do not commit it; a
/// third decode that reads it alike does. The timelines are live Mandarin keep-up runs (5 Dec 2026,
/// `scripts/bench.py --only keepup --keepup-runs zh`, `CAPTIOND_TRACE_DECODES=1`): the window decodes'
/// characters and probabilities as the trace printed them, and the early pass that gave the final.
final class UnsureAgreementTests: XCTestCase {
    /// Characters with their probabilities, times spread over the window.
    func chars(_ words: [(String, Double)], _ end: Double) -> Hypothesis { scored(words, 0, end, lang: "zh") }

    /// The AISHELL clip (广州市房地产中介协会分析): decodes at 2.36, 2.86 and 3.36 s, then the
    /// early pass that became the final. Decodes 6 and 7 both read "中进席" with 进 at 0.23 and
    /// 0.20; with every agreed word committed (floor 0) the final kept "进席" (CER 19.05 % for the
    /// run, offline greedy 14.29 %).
    func aishellFinal(commitFloor: Double?) throws -> String? {
        var c = StreamingConfiguration()
        if let commitFloor { c.commitMinProbability = commitFloor }
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 2.4)
        _ = p.hypothesis(chars([("广", 0.55), ("州", 0.98), ("市", 0.95), ("佛", 0.74), ("地", 0.71), ("产", 0.88),
                                ("中", 0.47), ("间", 0.32)], 2.36), windowEnd: s(2.36))
        _ = p.speech(2.4, 2.9)
        _ = p.hypothesis(chars([("广", 0.61), ("州", 0.98), ("市", 0.97), ("佛", 0.71), ("地", 0.65), ("产", 0.94),
                                ("中", 0.96), ("进", 0.23), ("席", 0.85), ("会", 0.83), ("议", 0.51), ("国", 0.16)], 2.86),
                         windowEnd: s(2.86))
        _ = p.speech(2.9, 3.4)
        _ = p.hypothesis(chars([("广", 0.74), ("州", 0.98), ("市", 0.99), ("佛", 0.67), ("地", 0.69), ("产", 0.97),
                                ("中", 0.97), ("进", 0.20), ("席", 0.76), ("会", 0.89), ("分", 0.78), ("析", 1.00)], 3.36),
                         windowEnd: s(3.36))
        XCTAssertTrue(p.finalPass(chars([("广", 0.72), ("州", 0.98), ("市", 0.98), ("佛", 0.75), ("地", 0.71), ("产", 0.96),
                                         ("中", 0.97), ("间", 0.48), ("协", 0.89), ("会", 0.98), ("分", 0.82), ("析", 1.00)], 3.74)))
        return p.silence(3.4, 4.4).first(where: { $0.kind == .final })?.text
    }

    func testTwoUnsureReadingsLeaveTheWordToTheFinalPass() throws {
        XCTAssertEqual(try aishellFinal(commitFloor: nil), "广州市佛地产中间协会分析",
                       "进 (0.23, 0.20) waits with what follows it; the final pass reads 间协")
        XCTAssertEqual(try aishellFinal(commitFloor: 0), "广州市佛地产中进席会分析",
                       "floor 0 (before): the agreed 进席会 were committed and the final kept them")
    }

    /// The FireRed clip (换一首歌): windows of 0.90 and 1.40 s both open with 坏 (0.51, 0.52), the
    /// utterance's first word, above the opening floor (0.2): committed, it stayed in the final.
    func testAnUnsureOpeningWordTwoDecodesAgreeOnIsNotCommitted() throws {
        func final(commitFloor: Double?) throws -> String? {
            var c = StreamingConfiguration()
            if let commitFloor { c.commitMinProbability = commitFloor }
            var p = try CaptionPolicy(configuration: c)
            _ = p.speech(0, 0.95)
            _ = p.hypothesis(chars([("坏", 0.51), ("一", 0.39), ("手", 0.89)], 0.90), windowEnd: s(0.90))
            _ = p.speech(0.95, 1.45)
            _ = p.hypothesis(chars([("坏", 0.52), ("一", 0.66), ("首", 0.83), ("歌", 1.00)], 1.40), windowEnd: s(1.40))
            XCTAssertTrue(p.finalPass(chars([("换", 0.60), ("一", 0.81), ("首", 0.94), ("歌", 1.00)], 1.80)))
            return p.silence(1.45, 2.4).first(where: { $0.kind == .final })?.text
        }
        XCTAssertEqual(try final(commitFloor: nil), "换一首歌")
        XCTAssertEqual(try final(commitFloor: 0), "坏一首歌", "floor 0 (before)")
    }

    /// A third decode that reads the unsure words alike commits them: a sentence end the decoder
    /// is unsure of ("you. (0.11)") does not hold the window open for the rest of the utterance.
    func testAThirdAlikeReadingCommitsTheUnsureWords() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        var p = try CaptionPolicy(configuration: c)
        let words: [(String, Double)] = [("What", 0.9), ("your", 0.9), ("country", 0.99), ("can", 0.98), ("do", 0.99),
                                         ("for", 0.96), ("you.", 0.11), ("Ask", 0.8)]
        _ = p.speech(0, 1.0)
        _ = p.hypothesis(scored(words, 0, 1.0), windowEnd: s(1.0))
        _ = p.speech(1.0, 1.5)
        _ = p.hypothesis(scored(words + [("what", 0.97)], 0, 1.5), windowEnd: s(1.5))
        XCTAssertEqual(p.committedWords.map(\.text), ["What", "your", "country", "can", "do", "for"],
                       "two readings: 'you.' (0.11) waits, and 'Ask' with it")
        _ = p.speech(1.5, 2.0)
        _ = p.hypothesis(scored(words + [("what", 0.97), ("you", 0.99)], 0, 2.0), windowEnd: s(2.0))
        XCTAssertEqual(p.committedWords.map(\.text), ["What", "your", "country", "can", "do", "for", "you.", "Ask", "what"],
                       "the third reading commits what all three agree on")
    }

    /// The opening floor holds however many decodes agree (the "How (0.17) do you marry" case);
    /// the third-reading rule applies only to `commit_min_prob`.
    func testTheOpeningFloorIsNotLiftedByAThirdReading() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        var p = try CaptionPolicy(configuration: c)
        for (i, end) in [0.9, 1.4, 1.9, 2.4].enumerated() {
            _ = p.speech(i == 0 ? 0 : end - 0.5, end)
            _ = p.hypothesis(scored([("How", 0.17), ("do", 0.9), ("you", 0.98), ("marry", 0.9)], 0, end), windowEnd: s(end))
        }
        XCTAssertEqual(p.committedWords.map(\.text), [])
    }
}
