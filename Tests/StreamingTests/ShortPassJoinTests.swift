import XCTest
@testable import Streaming

/// The shortened final pass (`LiveSchedule.FinalPlan.fromWindow`) joined with the committed words,
/// on a synthetic timeline: a fake decoder hears the words whose audio lies in the range it is
/// given, and mishears a word whose start was cut off, as Whisper does.
final class ShortPassJoinTests: XCTestCase {
    /// The spoken words with their true times.
    static let truth: [(String, Double, Double)] = [
        ("And", 0.5, 0.7), ("so", 0.75, 0.95), ("my", 1.0, 1.2), ("fellow", 1.25, 1.6),
        ("Americans,", 1.65, 2.3), ("ask", 2.5, 2.75), ("not!", 2.8, 3.0), ("what", 3.0, 3.3),
        ("your", 3.35, 3.55), ("country.", 3.6, 4.0),
    ]
    /// What the decoder says for a word it heard without its start.
    static let misheard = ["what": "Like"]
    /// Decoded times where they differ from the truth: "not!" is timed 0.2 s late, into "what"
    /// (alignment-head DTW places a boundary between words that run together late as often as early).
    static let reported: [String: (Double, Double)] = ["not!": (2.8, 3.2), "what": (3.2, 3.3)]

    /// The fake decoder for the audio [from, to): every word heard whole, with its decoded times;
    /// a word cut at its start and heard at least a quarter, misheard (or dropped); a word cut at
    /// its end, left out (not heard yet).
    static func decode(from: Double, to: Double) -> Hypothesis {
        var words: [(String, Double, Double)] = []
        for (text, start, end) in truth {
            let heard = (min(end, to) - max(start, from)) / (end - start)
            guard end <= to + 1e-9, heard > 0 else { continue }
            let (s, e) = reported[text] ?? (start, end)
            if start >= from - 1e-9 {
                words.append((text, max(s, from), e))
            } else if heard >= 0.25, let other = misheard[text] {
                words.append((other, max(s, from), e))
            }
        }
        return timed(words)
    }

    /// Runs speech over the truth's span and silence after it through `CaptionPolicy.step`, with
    /// the schedule on and costs that make the final pass too long whole but affordable shortened
    /// (as on a loaded machine); returns the final pass range and the finals' text.
    /// `passDecoder`: what the final pass reads over [from, to) with its prompt (default: `decode`).
    func runTimeline(promptedFirstMinProbability bar: Double = 0.01,
                     passDecoder: (Double, Double, String) -> Hypothesis = { from, to, _ in decode(from: from, to: to) },
                     prompts: UnsafeMutablePointer<[String]>? = nil) throws -> (pass: (Double, Double)?, finals: [String]) {
        var c = StreamingConfiguration.agreementOnly
        c.trimSeconds = 3.5  // the window is trimmed at "not!" (just committed) by the decode at 3.7 s
        c.promptedFirstMinProbability = bar
        var p = try CaptionPolicy(configuration: c)
        p.schedule = LiveSchedule(configuration: c, enabled: true)
        let clock = SampleClock()
        p.schedule.decoded(.window, audioSamples: clock.samples(2), compute: 0.1)       // step stays 0.5 s, window 15 s
        p.schedule.decoded(.finalPass, audioSamples: clock.samples(1), compute: 0.35)   // whole pass 1.5 s > budget 1.2 s
        var pass: (Double, Double)?
        // Speech from 0.5 s to 4.0 s.
        let finals = p.finals(until: 5.0, speech: 0.5..<4.0, window: { from, to, _ in Self.decode(from: from, to: to) },
                              pass: { from, to, prompt in
                                  pass = (from, to)
                                  prompts?.pointee.append(prompt)
                                  return passDecoder(from, to, prompt)
                              })
        XCTAssertEqual(p.schedule.shortenedFinalPasses, 1, "the timeline must take the shortened pass")
        return (pass, finals)
    }

    func testShortenedFinalPassLosesNoWordAtTheJoin() throws {
        let (pass, finals) = try runTimeline()
        // Cut at the window start (3.2 s, the late end of "not!"), the pass hears "-at your
        // country" and says "Like your country": the final read "… ask not! Like your country …".
        // It starts instead at a committed word's start ≥ 0.5 s before the window (less 0.1 s).
        let p = try XCTUnwrap(pass)
        XCTAssertEqual(p.0, 2.4, accuracy: 1e-9, "pass \(p)")
        XCTAssertEqual(p.1, 4.6, accuracy: 0.03)  // 0.6 s of silence after the last speech frame
        XCTAssertEqual(finals, ["And so my fellow Americans, ask not! what your country."])
    }

    /// The shortened pass is prompted with the committed text before it, and can follow the prompt
    /// rather than the audio as a window decode can (`PromptFollowing`): here it re-reads the
    /// committed "ask not!" and then skips to "country.", stretched over "what your" (0.0003
    /// without the prompt). Such a pass is not used: the final comes from the window decodes, every
    /// word there (the windows, cut at the late end of "not!", read "what" as "Like", this fake
    /// decoder's rule for a word heard without its start). With the bar at 0 the skip is the
    /// final's end and two words are lost.
    func testAShortenedPassThatFollowedItsPromptIsNotUsed() throws {
        func skipping(from: Double, to: Double, prompt: String) -> Hypothesis {
            let h = Self.decode(from: from, to: to)
            guard !prompt.isEmpty else { return h }
            let reread = h.words.filter { $0.text == "ask" || $0.text == "not!" }
            let skip = Word(text: "country.", start: reread.last?.end ?? from, end: 4.0, probability: 0.0003)
            return Hypothesis(words: reread + [skip], avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.4,
                              language: "en")
        }
        var prompts: [String] = []
        let (pass, finals) = try withUnsafeMutablePointer(to: &prompts) { try runTimeline(passDecoder: skipping, prompts: $0) }
        XCTAssertEqual(prompts, ["And so my fellow Americans,"], "the shortened pass is prompted with the text before it")
        XCTAssertEqual(try XCTUnwrap(pass).0, 2.4, accuracy: 1e-9)
        XCTAssertEqual(finals, ["And so my fellow Americans, ask not! Like your country."])

        let (_, off) = try runTimeline(promptedFirstMinProbability: 0, passDecoder: skipping)
        XCTAssertEqual(off, ["And so my fellow Americans, ask not! country."])
    }

    func testCutAtTheWindowTheDecoderMishearsTheNextWord() {
        // The fake decoder reproduces the failure when given the old cut point.
        XCTAssertEqual(Self.decode(from: 3.2, to: 4.6).text, "Like your country.")
        XCTAssertEqual(Self.decode(from: 2.4, to: 4.6).text, "ask not! what your country.")
    }

    func testStartOverlapsTheCommittedWordsBeforeTheWindow() {
        let committed = timed([("fellow", 1.25, 1.6), ("Americans,", 1.65, 2.3), ("ask", 2.5, 2.75), ("not!", 2.8, 3.2)]).words
        XCTAssertEqual(ShortPassJoin.start(committed: committed, windowStart: 3.2, earliest: 0.2), 2.4, accuracy: 1e-9)
        XCTAssertEqual(ShortPassJoin.start(committed: committed, windowStart: 3.2, earliest: 2.6), 2.6, accuracy: 1e-9)
        // Nothing committed near the window: only the margin.
        XCTAssertEqual(ShortPassJoin.start(committed: [], windowStart: 3.2, earliest: 0.2), 3.1, accuracy: 1e-9)
    }

    func testJoinKeepsAPassWordThatFollowsAMisalignedCommittedWord() {
        // The pass skipped "not" and heard "what": the alignment pairs "not" with "what" (a
        // substitution, ties to the longer prefix) and would drop "what". It lies after "not"'s
        // end, so it is new.
        let committed = timed([("ask", 2.5, 2.75), ("not", 2.8, 3.0)]).words
        let pass = timed([("ask", 2.5, 2.75), ("what", 3.0, 3.3), ("your", 3.35, 3.55)])
        XCTAssertEqual(CaptionText.join(LocalAgreement.merge(committed: committed, full: pass.words).map(\.text)),
                       "ask not your", "the plain merge loses the word")
        XCTAssertEqual(CaptionText.join(ShortPassJoin.words(committed: committed, pass: pass, from: 2.4).map(\.text)),
                       "ask not what your")
        // A misheard re-decode of a committed word (within its time) replaces nothing and adds nothing.
        let misheard = timed([("ask", 2.5, 2.75), ("knot", 2.8, 3.0), ("your", 3.35, 3.55)])
        XCTAssertEqual(CaptionText.join(ShortPassJoin.words(committed: committed, pass: misheard, from: 2.4).map(\.text)),
                       "ask not your")
        // Committed words before the pass come first; the pass's spelling wins on equal words.
        let early = timed([("And", 0.5, 0.7), ("so", 0.75, 0.95), ("ask", 2.5, 2.75)]).words
        let respelled = timed([("Ask", 2.5, 2.75), ("now.", 2.8, 3.0)])
        XCTAssertEqual(CaptionText.join(ShortPassJoin.words(committed: early, pass: respelled, from: 2.4).map(\.text)),
                       "And so Ask now.")
    }
}
