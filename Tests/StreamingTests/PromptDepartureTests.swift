import XCTest
@testable import Streaming

/// Where a prompted window decode stops re-reading the committed words its window holds
/// (`CaptionPolicy.firstDepartingWord`), and the prompt-following rule judging that word: a decode
/// can skip committed speech as well as the speech after it.
final class PromptDepartureTests: XCTestCase {
    private func w(_ text: String, _ p: Double? = 0.9) -> Word { Word(text: text, start: 0, end: 0, probability: p) }

    func testTheFirstDepartingWordIsTheFirstNotReReadInOrder() {
        let committed = ["for", "you.", "Ask", "what"].map { w($0) }
        // Re-reads all, then a new word.
        XCTAssertEqual(CaptionPolicy.firstDepartingWord(["for", "you.", "Ask", "what", "you"].map { w($0) }, from: committed)?.text, "you")
        // Skips committed speech: departs at "your", where the committed text says "you.".
        XCTAssertEqual(CaptionPolicy.firstDepartingWord(["for", "your", "country."].map { w($0) }, from: committed)?.text, "your")
        // Case and punctuation are not a departure.
        XCTAssertNil(CaptionPolicy.firstDepartingWord(["For", "you,", "ask"].map { w($0) }, from: committed))
        XCTAssertNil(CaptionPolicy.firstDepartingWord([], from: committed))
        XCTAssertEqual(CaptionPolicy.firstDepartingWord(["so"].map { w($0) }, from: [])?.text, "so")
    }

    /// The case seen at `captionctl simulate --paced --slowdown 12` (about 1 run in 20): the window
    /// starts at the committed "for" (a mid-phrase cut) and holds the committed "for you. ask what
    /// you can do"; the decode, prompted "… what your country can do", reads "for (0.10) your
    /// (0.01) country." The alignment took all three for re-reads, nothing was new, and the
    /// utterance's last words were lost. The rule now drops the decode.
    func testADecodeThatSkipsCommittedSpeechIsDropped() throws {
        for bar in [0.02, 0] {
            var c = StreamingConfiguration.agreementOnly
            c.windowSeconds = 3
            c.stepMilliseconds = 500
            c.promptedFirstMinProbability = bar
            var p = try CaptionPolicy(configuration: c)
            _ = p.speech(0, 6)
            let say: [(String, Double, Double)] = [("what", 0.1, 0.4), ("your", 0.5, 0.8), ("country", 0.9, 1.2), ("can", 1.3, 1.6),
                                                   ("do", 1.7, 2.0), ("for", 2.1, 2.4), ("you.", 2.5, 2.8), ("ask", 2.9, 3.2),
                                                   ("what", 3.3, 3.6), ("you", 3.7, 4.0)]
            func words(_ to: Double, from: Double = 0) -> [(String, Double, Double)] { say.filter { $0.1 >= from && $0.2 <= to } }
            _ = p.hypothesis(timed(words(3.2)), windowEnd: s(3.2))
            _ = p.hypothesis(timed(words(3.6)), windowEnd: s(3.6))
            _ = p.hypothesis(timed(words(4.0)), windowEnd: s(4.0))
            let committed = p.committedWords.map(\.text)
            XCTAssertGreaterThan(p.windowStart, s(0.1), "the window is cut inside the utterance: \(p.windowStart)")
            let inWindow = p.committedWords.filter { s($0.end) > p.windowStart }
            XCTAssertGreaterThanOrEqual(inWindow.count, 2, "the window holds committed words: \(committed)")
            p.lastWindowPrompted = true
            // Re-reads the first committed word of the window, then skips to "your country.".
            let first = inWindow[0]
            let skip = Hypothesis(words: [Word(text: first.text, start: first.start, end: first.end, probability: 0.1),
                                          Word(text: "your", start: first.end, end: 5.0, probability: 0.01),
                                          Word(text: "country.", start: 5.0, end: 5.4, probability: 0.55)],
                                  avgLogProb: -0.3, noSpeechProb: 0.0, compressionRatio: 0.7, language: "en")
            _ = p.hypothesis(skip, windowEnd: s(5.5))
            XCTAssertEqual(p.promptFollowingDecodes, bar > 0 ? 1 : 0, "bar \(bar)")
            XCTAssertEqual(p.promptWithheld, bar > 0, "later decodes go without a prompt (bar \(bar))")
            XCTAssertEqual(p.committedWords.map(\.text), committed, "a dropped decode commits nothing (bar \(bar))")
        }
    }
}

/// The final pass the budget skipped runs after all when no accepted decode read the utterance's
/// end: the last look before the final was dropped for following its prompt.
final class PassAfterAllTests: XCTestCase {
    static let truth: [(String, Double, Double)] = [
        ("And", 0.5, 0.7), ("so", 0.75, 0.95), ("my", 1.0, 1.2), ("fellow", 1.25, 1.6), ("Americans,", 1.65, 2.3),
        ("ask", 2.5, 2.75), ("not", 2.8, 3.0), ("what", 3.05, 3.3), ("your", 3.35, 3.55), ("country.", 3.6, 4.25),
    ]

    /// Speech 0.5–4.3 s then silence; the schedule on, with window decodes slow enough that the step
    /// grows (the last decode before the silence ends at 3.88 s, before "country." ends) and a
    /// final pass too slow to afford (skipped).
    /// Window decodes read the words they hold whole, except the last look (a window reaching into
    /// the silence, prompted): it re-reads the window's first word and skips to "country." (0.0003
    /// without the prompt). Returns the finals and the final passes run.
    func runTimeline() throws -> (finals: [String], passes: Int) {
        var c = StreamingConfiguration.agreementOnly
        c.windowSeconds = 3   // windows are cut at committed words, so later decodes are prompted
        var p = try CaptionPolicy(configuration: c)
        p.schedule = LiveSchedule(configuration: c, enabled: true)
        let clock = SampleClock()
        p.schedule.decoded(.window, audioSamples: clock.samples(2), compute: 0.7)       // a slow machine: the step grows
        p.schedule.decoded(.finalPass, audioSamples: clock.samples(1), compute: 3.0)   // no pass fits the budget
        func read(_ from: Double, _ to: Double, _ prompt: String) -> Hypothesis {
            let heard = Self.truth.filter { $0.1 >= from - 1e-9 && $0.2 <= to + 1e-9 }
            var words = heard.map { Word(text: $0.0, start: $0.1, end: $0.2, probability: 0.9) }
            if to > 4.4, !prompt.isEmpty, let first = words.first {
                words = [first, Word(text: "country.", start: first.end, end: 4.25, probability: 0.0003)]
            }
            return Hypothesis(words: words, avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.4, language: "en")
        }
        var passes = 0
        let finals = p.finals(until: 6.0, speech: 0.5..<4.3, window: read,
                              pass: { from, to, _ in passes += 1; return read(from, to, "") })
        XCTAssertGreaterThan(p.schedule.skippedFinalPasses, 0, "the timeline must skip the pass")
        XCTAssertEqual(p.promptFollowingDecodes, 1, "the last look is dropped")
        return (finals, passes)
    }

    func testADroppedLastLookRunsThePassAfterAll() throws {
        let r = try runTimeline()
        XCTAssertEqual(r.passes, 1)
        XCTAssertEqual(r.finals, ["And so my fellow Americans, ask not what your country."])
    }
}
