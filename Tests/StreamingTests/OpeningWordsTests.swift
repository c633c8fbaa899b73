import XCTest
@testable import Streaming

/// How soon an utterance's first words appear (`OpeningWords`) on synthetic timelines: VAD frames
/// and scripted window decodes in, actions out. Positions are audio time on the policy's clock, so
/// the assertions hold whatever the machine's speed.
final class OpeningWordsTests: XCTestCase {
    /// A speaker who says "Had he married here?" from 1.0 s: "Had" ends at 1.3 s, "he" at 1.5 s,
    /// "married" at 1.9 s, "here?" at 2.3 s. A window hears the words that end before its end; the
    /// decoder is unsure of the first word (0.3) as Whisper is of an utterance's first word, and
    /// sure of the others.
    static func speaker(_ a: CaptionPolicy.Action) -> Hypothesis? { OpeningRuleTests.hadHe.answer(a) }

    /// The policy's timeline (`CaptionPolicy.timeline`) answered by this speaker unless told.
    func run(_ p: inout CaptionPolicy, speech: Bool, _ start: Double, _ end: Double,
             answer: (CaptionPolicy.Action) -> Hypothesis? = OpeningWordsTests.speaker) -> [TimedAction] {
        p.timeline(speech: speech, start, end, answer: answer)
    }

    /// The partials as (frame end, text, stable).
    func partials(_ actions: [TimedAction]) -> [(at: SampleIndex, text: String, stable: String)] {
        actions.compactMap { if case let .emit(e) = $0.action, e.kind == .partial { return ($0.at, e.text, e.stable) }; return nil }
    }

    /// The shipped defaults with the two rules set as given, no lower bar in the opening
    /// (`opening_min_prob` 1; its own test sets it), and commits on two readings (`commit_min_prob` 0).
    static func configuration(openingStep: Int, agreedMinProbability: Double) -> StreamingConfiguration {
        var c = StreamingConfiguration()
        c.openingStepMilliseconds = openingStep
        c.tentativeAgreedMinProbability = agreedMinProbability
        c.openingMinProbability = 1
        c.commitMinProbability = 0   // agreed words commit on two readings (UnsureAgreementTests: the floor)
        return c
    }

    /// With both rules on: decodes every 250 ms on a grid through the base grid's first decode
    /// (1.2 s); the unsure first word shows as soon as two decodes agree on it (1.7 s; the second
    /// decode to hear it), before anything can commit; then the step is step_ms again.
    func testTheFirstWordShowsOnceTwoOpeningDecodesAgree() throws {
        var p = try CaptionPolicy(configuration: Self.configuration(openingStep: 250, agreedMinProbability: 0.1))
        let a = run(&p, speech: true, 1.0, 2.4)
        XCTAssertEqual(windowEnds(a), [s(1.2), s(1.46), s(1.7), s(2.2)],
                       "opening decodes on a 250-ms grid through 1.2 s until words show, then step_ms")
        let shown = partials(a)
        XCTAssertEqual(shown.first?.at, s(1.7))
        XCTAssertEqual(shown.first?.text, "Had he", "'Had' (0.3) agreed by two decodes, 'he' sure (0.8)")
        XCTAssertEqual(shown.first?.stable, "", "nothing committed before commit_after_s")
        XCTAssertEqual(shown.last?.stable, "Had he", "committed at 2.2 s (the window holds 1 s)")
        XCTAssertEqual(shown.last?.text, "Had he married")
    }

    /// The same timeline with the keys off (the behaviour before them): decodes on the step grid
    /// from the onset minus the preroll, and the unsure first word waits until it is committed.
    func testWithTheKeysOffTheFirstWordWaitsForItsCommit() throws {
        var p = try CaptionPolicy(configuration: Self.configuration(openingStep: 0, agreedMinProbability: 1))
        let a = run(&p, speech: true, 1.0, 2.4)
        XCTAssertEqual(windowEnds(a), [s(1.2), s(1.7), s(2.2)])
        let shown = partials(a)
        XCTAssertEqual(shown.first?.at, s(2.2), "'Had' (0.3) hides the words after it until two decodes commit it")
        XCTAssertEqual(shown.first?.stable, "Had he")
    }

    /// An unsure word only one decode produced is not shown, and neither is one that two decodes
    /// agree on below the lower bar: words that change stay hidden (no flicker).
    func testAnUnsureWordShowsOnlyWhenTwoDecodesAgreeOnIt() throws {
        var p = try CaptionPolicy(configuration: Self.configuration(openingStep: 0, agreedMinProbability: 0.2))
        func scored(_ words: [(String, Double)], _ end: Double) -> Hypothesis {
            Hypothesis(words: words.enumerated().map { Word(text: $1.0, start: 1.0 + 0.2 * Double($0), end: 1.2 + 0.2 * Double($0), probability: $1.1) },
                       avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.4, language: "en")
        }
        _ = p.speech(1.0, 1.4)
        XCTAssertEqual(p.hypothesis(scored([("How", 0.3)], 1.4), windowEnd: s(1.4)), [], "one decode: unsure, hidden")
        _ = p.speech(1.4, 1.6)
        XCTAssertEqual(p.hypothesis(scored([("Had", 0.3), ("he", 0.9)], 1.6), windowEnd: s(1.6)), [],
                       "the decodes disagree on the first word: still hidden, and the sure word after it too")
        _ = p.speech(1.6, 1.8)
        XCTAssertEqual(p.hypothesis(scored([("Had", 0.3), ("he", 0.9)], 1.8), windowEnd: s(1.8)).first?.text, "Had he",
                       "two decodes agree on 'Had': shown, with the sure word after it")
        _ = p.speech(1.8, 1.9)
        let e = p.hypothesis(scored([("Had", 0.3), ("she", 0.1), ("married", 0.9)], 1.9), windowEnd: s(1.9))
        XCTAssertEqual(e.first?.text, "Had", "'she' (0.1) differs from the previous decode's 'he': hidden")
        _ = p.speech(1.9, 1.95)
        XCTAssertNil(p.hypothesis(scored([("Had", 0.15), ("she", 0.1)], 1.95), windowEnd: s(1.95)).first?.text,
                       "agreed, but below the lower bar (0.2): hidden (the partial would be empty: no event)")
    }

    /// `opening_min_prob`: until the utterance shows words, an unsure word is shown from the lower
    /// bar, so the first decode that hears the first words shows them; once words are shown the
    /// usual bar is back for new words, and the next utterance has its own opening.
    func testOpeningMinProbabilityShowsTheFirstDecodeAndOnlyTheOpening() throws {
        func scored(_ words: [(String, Double)], from: Double = 1.0) -> Hypothesis {
            Hypothesis(words: words.enumerated().map { Word(text: $1.0, start: from + 0.2 * Double($0), end: from + 0.2 + 0.2 * Double($0), probability: $1.1) },
                       avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.4, language: "en")
        }
        var c = Self.configuration(openingStep: 0, agreedMinProbability: 0.1)
        c.partialTentativeWords = 3
        var off = try CaptionPolicy(configuration: c, finalPassAvailable: false)
        c.openingMinProbability = 0.3
        var on = try CaptionPolicy(configuration: c, finalPassAvailable: false)
        _ = on.speech(1.0, 1.4); _ = off.speech(1.0, 1.4)
        let first = scored([("Had", 0.35), ("he", 0.4)])
        XCTAssertEqual(on.hypothesis(first, windowEnd: s(1.4)).first?.text, "Had he", "the first decode's words above 0.3: shown")
        XCTAssertEqual(off.hypothesis(first, windowEnd: s(1.4)), [], "without the key they wait for a second decode")
        _ = on.speech(1.4, 1.6); _ = off.speech(1.4, 1.6)
        let second = scored([("Had", 0.35), ("he", 0.4), ("married", 0.5)])
        XCTAssertEqual(on.hypothesis(second, windowEnd: s(1.6)), [],
                       "'married' (0.5) is new after words are shown: the usual bar (0.6) hides it; nothing changed, no event")
        XCTAssertEqual(off.hypothesis(second, windowEnd: s(1.6)).first?.text, "Had he", "two decodes agree: shown now")
        _ = on.speech(1.6, 1.8)
        XCTAssertEqual(on.hypothesis(scored([("Had", 0.35), ("he", 0.4), ("married", 0.9)]), windowEnd: s(1.8)).first?.text, "Had he married")

        // The utterance ends (no final pass here: the final comes from the window decodes); the
        // next one opens with the lower bar again.
        XCTAssertEqual(on.silence(1.8, 4.0).filter { $0.kind == .final }.map(\.text), ["Had he married"])
        _ = on.speech(5.0, 5.4)
        XCTAssertEqual(on.hypothesis(scored([("Yes", 0.32)], from: 5.0), windowEnd: s(5.4)).first?.text, "Yes")
    }

    /// Speech that gives no words (noise the decoder reads as nothing) leaves the opening after
    /// commit_after_s: from then on decodes follow step_ms, so a noisy room costs no more.
    func testTheOpeningEndsAfterCommitAfterSecondsWithoutWords() throws {
        var p = try CaptionPolicy(configuration: Self.configuration(openingStep: 250, agreedMinProbability: 0.1))
        let nothing = { (a: CaptionPolicy.Action) -> Hypothesis? in
            if case .emit = a { return nil }
            return Hypothesis(words: [], avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.0, language: "en")
        }
        let a = run(&p, speech: true, 1.0, 3.0, answer: nothing)
        XCTAssertEqual(windowEnds(a), [s(1.2), s(1.46), s(1.7), s(1.96), s(2.46), s(2.96)])
        XCTAssertTrue(partials(a).isEmpty)
    }

    /// Silence opens no utterance, so the opening decodes nothing there; and an incremental model
    /// keeps its own schedule.
    func testNoDecodesInSilenceAndAnIncrementalModelIsUnchanged() throws {
        var p = try CaptionPolicy(configuration: Self.configuration(openingStep: 250, agreedMinProbability: 0.1))
        XCTAssertTrue(windowEnds(run(&p, speech: false, 0, 2.0)).isEmpty)
        var q = try CaptionPolicy(configuration: Self.configuration(openingStep: 250, agreedMinProbability: 0.1), incremental: true)
        XCTAssertFalse(q.inOpening(at: s(1.0)))
        _ = run(&q, speech: true, 1.0, 1.1)
        XCTAssertFalse(q.inOpening(at: s(1.1)))
    }
}
