import XCTest
import Streaming

/// The rules that read the decoder's per-word probabilities: a tentative word is shown only when the
/// decoder is sure enough of it, an agreed word is committed only when it is; and the forced final at
/// the maximum utterance length gets the final pass too.
final class WordProbabilityRuleTests: XCTestCase {
    func testUnsureTentativeWordIsNotShown() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        c.partialTentativeWords = 2
        c.tentativeMinProbability = 0.6
        c.openingMinProbability = 1  // the bar also in the opening (the defaults show any opening word)
        c.commitMinProbability = 0   // every agreed word commits (UnsureAgreementTests: the floor)
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 1.0)
        XCTAssertEqual(p.hypothesis(scored([("he", 0.4), ("was", 0.9)], 0, 1.0), windowEnd: s(1.0)), [],
                       "the first tentative word is unsure: nothing to show")
        _ = p.speech(1.0, 1.5)
        let e = p.hypothesis(scored([("he", 0.5), ("was", 0.9), ("not", 0.95), ("an", 0.3)], 0, 1.5), windowEnd: s(1.5))
        XCTAssertEqual(e.first?.stable, "he was", "agreed words commit whatever their probability (floor 0)")
        XCTAssertEqual(e.first?.text, "he was not", "the sure tentative word is shown, the unsure one after it not")
        _ = p.speech(1.5, 2.0)
        let f = p.hypothesis(scored([("he", 0.5), ("was", 0.9), ("not", 0.95), ("in", 0.2), ("ill", 0.9)], 0, 2.0),
                             windowEnd: s(2.0))
        XCTAssertEqual(f.first?.stable, "he was not")
        XCTAssertEqual(f.first?.text, "he was not", "an unsure first tentative word hides the ones after it")
    }

    func testWordsWithoutProbabilityAreShownAsBefore() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        c.partialTentativeWords = 1
        c.tentativeMinProbability = 0.9
        c.commitMinProbability = 0.9
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 1.0)
        XCTAssertEqual(p.hypothesis(hyp("ask not what", 0, 1.0), windowEnd: s(1.0)).first?.text, "ask")
        _ = p.speech(1.0, 1.5)
        let e = p.hypothesis(hyp("ask not what your", 0, 1.5), windowEnd: s(1.5))
        XCTAssertEqual(e.first?.stable, "ask not what")
        XCTAssertEqual(e.first?.text, "ask not what your")
    }

    func testAgreedWordBelowTheCommitFloorWaits() throws {
        var c = StreamingConfiguration()
        c.commitAfterSeconds = 0
        c.commitMinProbability = 0.5
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 1.0)
        _ = p.hypothesis(scored([("the", 0.9), ("two", 0.9), ("stray", 0.3), ("kittens", 0.9)], 0, 1.0), windowEnd: s(1.0))
        _ = p.speech(1.0, 1.5)
        let e = p.hypothesis(scored([("the", 0.95), ("two", 0.9), ("stray", 0.4), ("kittens", 0.9), ("gradually", 0.8)],
                                    0, 1.5), windowEnd: s(1.5))
        XCTAssertEqual(p.committedWords.map(\.text), ["the", "two"], "'stray' agreed but is unsure; 'kittens' waits with it")
        XCTAssertEqual(e.first?.stable, "the two")
        _ = p.speech(1.5, 2.0)
        _ = p.hypothesis(scored([("the", 0.95), ("two", 0.9), ("stray", 0.7), ("kittens", 0.9), ("gradually", 0.8)],
                                0, 2.0), windowEnd: s(2.0))
        XCTAssertEqual(p.committedWords.map(\.text), ["the", "two", "stray", "kittens", "gradually"],
                       "once sure, the agreed words commit")
    }

    /// The live case behind the default `opening_commit_min_prob` (0.2; docs/CONFIGURATION.md, "Window
    /// decodes on every core"): windows of 0.9, 1.4 and 1.9 s all read "How do you marry" for "Had
    /// he married", with "How" at 0.17–0.18; from 2.4 s on they read it right. With the old floor
    /// (0) the wrong words were committed, and the final keeps committed words.
    func testDefaultOpeningCommitFloorKeepsAnUnsureWrongOpeningUncommitted() throws {
        let decodes: [(Double, [(String, Double)])] = [
            (0.88, [("How", 0.18), ("do", 0.33), ("you", 0.98), ("marry", 0.42)]),
            (1.38, [("How", 0.17), ("do", 0.46), ("you", 0.98), ("marry", 0.90), ("the", 0.45), ("more", 0.59)]),
            (1.88, [("How", 0.18), ("do", 0.53), ("you", 0.96), ("marry", 0.93), ("the", 0.51), ("more", 0.91), ("amiable", 0.27)]),
            (2.38, [("Had", 0.30), ("he", 0.89), ("married", 0.98), ("a", 0.90), ("more", 1.00), ("amiable", 0.91), ("woman", 0.41)]),
            (2.88, [("Had", 0.38), ("he", 0.84), ("married", 0.97), ("a", 0.95), ("more", 1.00), ("amiable", 0.84), ("woman", 1.00)]),
        ]
        func committed(floor: Double?) throws -> [String] {
            var c = StreamingConfiguration()
            c.commitMinProbability = 0   // the opening floor alone (UnsureAgreementTests: both)
            if let floor { c.openingCommitMinProbability = floor }
            var p = try CaptionPolicy(configuration: c)
            var at = 0.0
            for (end, words) in decodes {
                _ = p.speech(at, end)
                at = end
                _ = p.hypothesis(scored(words, 0, end), windowEnd: s(end))
            }
            return p.committedWords.map(\.text)
        }
        XCTAssertEqual(try committed(floor: nil), ["Had", "he", "married", "a", "more", "amiable", "woman"])
        XCTAssertEqual(Array(try committed(floor: 0).prefix(4)), ["How", "do", "you", "marry"], "no floor commits the misreading")
    }

    /// Once words are committed, an agreed sentence end the decoder is unsure of commits (the
    /// opening floor is over): stopping there left a slow model's window trimmed mid-sentence.
    func testOpeningCommitFloorEndsWithTheFirstCommit() throws {
        var c = StreamingConfiguration()
        c.commitMinProbability = 0   // the opening floor alone (UnsureAgreementTests: a third reading)
        var p = try CaptionPolicy(configuration: c)
        _ = p.speech(0, 1.5)
        _ = p.hypothesis(scored([("What", 0.5), ("your", 0.9), ("country", 0.99)], 0, 1.5), windowEnd: s(1.5))
        _ = p.speech(1.5, 2.0)
        _ = p.hypothesis(scored([("What", 0.5), ("your", 0.9), ("country", 0.99), ("can", 0.9)], 0, 2.0), windowEnd: s(2.0))
        XCTAssertEqual(p.committedWords.map(\.text), ["What", "your", "country"])
        _ = p.speech(2.0, 2.5)
        _ = p.hypothesis(scored([("What", 0.5), ("your", 0.9), ("country", 0.99), ("can", 0.9), ("do", 0.9), ("for", 0.9), ("you.", 0.11), ("Ask", 0.8)], 0, 2.5), windowEnd: s(2.5))
        _ = p.speech(2.5, 3.0)
        _ = p.hypothesis(scored([("What", 0.5), ("your", 0.9), ("country", 0.99), ("can", 0.9), ("do", 0.9), ("for", 0.9), ("you.", 0.12), ("Ask", 0.8), ("what", 0.9)], 0, 3.0), windowEnd: s(3.0))
        XCTAssertEqual(p.committedWords.map(\.text), ["What", "your", "country", "can", "do", "for", "you.", "Ask"],
                       "'you.' (0.12) commits once the utterance has committed words")
    }

    func testProbabilitySettingsAreValidated() {
        var c = StreamingConfiguration()
        c.tentativeMinProbability = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("tentative_min_prob"), "\($0)") }
        c = StreamingConfiguration()
        c.commitMinProbability = -0.1
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("commit_min_prob"), "\($0)") }
        c.commitMinProbability = .nan
        XCTAssertThrowsError(try c.validate())
    }

    func testNormalizedCJKCharactersKeepTheWordProbability() {
        let h = Hypothesis(words: [Word(text: "砸自己", start: 0, end: 1, probability: 0.8)], avgLogProb: -0.2,
                           noSpeechProb: 0.05, compressionRatio: 1.2, language: "zh")
        XCTAssertEqual(h.normalized().words.map(\.probability), [0.8, 0.8, 0.8])
    }

    func testWordProbabilityGroupsTokensIntoWords() {
        // Tokens as text pieces; decode joins them. " Ask" " not" "," " what" "." → 3 words.
        let pieces = [" Ask", " no", "t", ",", " what", "."]
        let lp: [Float] = [-0.1, -0.2, -0.3, -2.0, -0.05, -1.5]
        let p = WordProbability.of(words: 3, tokens: Array(pieces.indices), logProbs: lp,
                                   decode: { $0.map { pieces[$0] }.joined() })
        XCTAssertEqual(p.count, 3)
        XCTAssertEqual(p[0], exp(-0.1), accuracy: 1e-6)
        XCTAssertEqual(p[1], exp(-0.5), accuracy: 1e-6, "both content tokens; the comma does not count")
        XCTAssertEqual(p[2], exp(-0.05), accuracy: 1e-6)
        let punctuationOnly = WordProbability.of(words: 1, tokens: [0], logProbs: [-0.7], decode: { _ in "…" })
        XCTAssertEqual(punctuationOnly[0], exp(-0.7), accuracy: 1e-6, "no content token: all tokens count")
        XCTAssertEqual(WordProbability.of(words: 0, tokens: [], logProbs: [], decode: { _ in "" }), [])
    }

    func testForcedFinalAtTheMaximumLengthGetsTheFinalPass() throws {
        let t0 = 50.0
        let script: [(String, Double, Double)] = [
            ("ask", t0 + 1.0, t0 + 1.3), ("not", t0 + 1.4, t0 + 1.7), ("what", t0 + 1.8, t0 + 2.1),
            ("your", t0 + 2.2, t0 + 2.6),
        ]
        // A 200-Hz tone under each word, faint noise elsewhere (as LiveCaptionerTests).
        var state: UInt64 = 42
        let samples: [Float] = (0..<Int(4.0 * 16_000)).map { i in
            let t = t0 + Double(i) / 16_000
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let hiss = 0.002 * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
            let voiced = script.contains { t >= $0.1 && t < $0.2 }
            return hiss + (voiced ? 0.3 * sinf(2 * .pi * 200 * Float(t - t0)) : 0)
        }
        var c = StreamingConfiguration()
        c.maxUtteranceSeconds = 1.0
        let whole = ScriptedDecoder(script.map { ($0.0.uppercased(), $0.1, $0.2) })
        let r = try LiveCaptioner(model: ScriptedModel(ScriptedDecoder(script), final: whole), configuration: c)
        let events = try r.streamed(samples, from: t0)
        let finals = events.filter { $0.kind == .final }
        XCTAssertGreaterThanOrEqual(finals.count, 2, "the 1.6-s phrase is cut at 1 s")
        XCTAssertEqual(whole.calls.count, finals.count, "every final, forced or not, had its final pass")
        XCTAssertEqual(whole.calls.first?.end ?? 0, t0 + 2.0, accuracy: 0.1, "the forced final's pass ends at the cut")
        XCTAssertTrue(finals.first?.text.hasPrefix("ASK NOT") ?? false, "\(finals.map(\.text))")
    }
}
