import XCTest
import CaptionCore
@testable import Streaming

/// A final pass that gives no usable words (rejected by the guards, emptied by the anomalous-tail
/// rule, or failed) leaves the final to the window decodes: their committed words and the last
/// decode's tentative ones, as when the schedule skips the pass. The final once kept only the
/// committed words: the daemon captioning the FLAC clip under AddressSanitizer (slow decodes, few
/// of them) finalled "Somehow or other, Cat has taught them that he's" without the last 17 words.
final class UnusableFinalPassTests: XCTestCase {
    /// The speaker's words, 0.3 s each from 0.2 s.
    private let said = "somehow or other cat has taught them that he's in charge here and he just chases them".split(separator: " ").map(String.init)

    private func spoken(until end: Double) -> Hypothesis {
        var words: [(String, Double, Double)] = []
        for (i, w) in said.enumerated() {
            let start = 0.2 + 0.3 * Double(i)
            if start + 0.28 <= end { words.append((w, start, start + 0.28)) }
        }
        return timed(words)
    }

    /// Speech to 5.3 s, window decodes every second hearing what was said by their end, then
    /// silence to the endpoint, where the final pass answers `pass`. Returns the final's text, the
    /// committed words before the endpoint and the text the last window decode heard.
    private func finalText(pass: @escaping (SampleIndex, SampleIndex) -> Hypothesis?) throws
        -> (final: String, committed: Int, lastWindow: String) {
        var c = StreamingConfiguration.agreementOnly
        c.stepMilliseconds = 1000
        var p = try CaptionPolicy(configuration: c)
        var lastWindow = ""
        func answer(_ a: CaptionPolicy.Action) -> Hypothesis? {
            switch a {
            case let .decodeWindow(_, to, _):
                let h = spoken(until: sec(to))
                lastWindow = CaptionText.join(h.words.map(\.text))
                return h
            case let .decodeFinalPass(from, to, _): return pass(from, to)
            case .emit: return nil
            }
        }
        _ = p.timeline(speech: true, 0.1, 5.3, answer: answer)
        let committed = p.committedWords.count
        let actions = p.timeline(speech: false, 5.3, 7.3, answer: answer)
        let finals = actions.compactMap { a -> StreamingEvent? in
            if case .emit(let e) = a.action, e.kind == .final { return e }
            return nil
        }
        XCTAssertEqual(finals.count, 1, "\(actions.map(\.action))")
        return (finals.first?.text ?? "", committed, lastWindow)
    }

    func testAUsablePassGivesTheFinal() throws {
        let (final, committed, lastWindow) = try finalText { from, to in self.spoken(until: sec(to)) }
        XCTAssertLessThan(committed, CaptionText.words(lastWindow).count, "some words are still tentative at the endpoint")
        XCTAssertEqual(final, said.joined(separator: " "))
    }

    func testARejectedPassLeavesTheFinalToTheWindowDecodes() throws {
        let (final, committed, lastWindow) = try finalText { from, to in
            var h = self.spoken(until: sec(to))
            h.avgLogProb = -1.6   // below log_prob_threshold: rejected
            return h
        }
        XCTAssertGreaterThan(committed, 0)
        XCTAssertEqual(final, lastWindow, "committed and tentative words")
        XCTAssertGreaterThan(CaptionText.words(final).count, committed)
    }

    func testAPassEmptiedByTheAnomalousTailRuleLeavesTheFinalToTheWindowDecodes() throws {
        let (final, _, lastWindow) = try finalText { from, to in
            // One segment whose words are squeezed into no time: the tail rule drops all of it.
            let t = sec(from)
            return timed(self.said.enumerated().map { ($1, t + 0.01 * Double($0), t + 0.01 * Double($0)) })
        }
        XCTAssertEqual(final, lastWindow)
    }

    func testAFailedPassLeavesTheFinalToTheWindowDecodes() throws {
        let (final, _, lastWindow) = try finalText { _, _ in nil }
        XCTAssertEqual(final, lastWindow)
    }

    // MARK: A whole pass that hears no speech

    /// The whole utterance's pass outweighs the window decodes' guesses when it hears no speech:
    /// only the words two decodes agreed on (committed) stay. Base on a file cut 0.75 s into its
    /// last "换一首歌" (`captionctl simulate`, step 1 s; also a model swap landing there): the pass
    /// gave no-speech 1.0 and no word, and the final was a window's guess "会" (0.33).
    func testAWholePassThatHearsNoSpeechKeepsOnlyTheCommittedWords() throws {
        let (final, committed, lastWindow) = try finalText { from, to in
            var h = self.spoken(until: sec(to))
            h.noSpeechProb = 0.97   // above no_speech_threshold: rejected as no speech
            h.avgLogProb = -1.3     // and unsure of its words: Whisper's silence rule
            return h
        }
        XCTAssertGreaterThan(committed, 0)
        XCTAssertLessThan(committed, CaptionText.words(lastWindow).count, "some words are still tentative")
        XCTAssertEqual(CaptionText.words(final).count, committed, "the committed words, not the tentative ones")
        XCTAssertTrue(lastWindow.hasPrefix(final))
    }

    /// A pass whose no-speech probability is high but whose words are confident (quiet speech) is
    /// rejected, and is no evidence of silence: the window decodes' words stay.
    func testAConfidentPassWithAHighNoSpeechProbabilityLeavesTheFinalToTheWindowDecodes() throws {
        let (final, committed, lastWindow) = try finalText { from, to in
            var h = self.spoken(until: sec(to))
            h.noSpeechProb = 0.97
            return h
        }
        XCTAssertLessThan(committed, CaptionText.words(lastWindow).count)
        XCTAssertEqual(final, lastWindow)
    }

    func testAWholePassThatDecodesNoWordKeepsOnlyTheCommittedWords() throws {
        let (final, committed, _) = try finalText { _, _ in
            Hypothesis(words: [], avgLogProb: -0.2, noSpeechProb: 0.3, compressionRatio: 0, language: "en")
        }
        XCTAssertGreaterThan(committed, 0)
        XCTAssertEqual(CaptionText.words(final).count, committed)
    }

    /// The input ends 0.6 s into an utterance (end of a file, SIGTERM): nothing is committed, a
    /// window's guess is shown, and the whole pass hears no speech. The final is empty: the partial
    /// (a guess) is withdrawn, not made a caption.
    func testAGuessWithNothingCommittedIsWithdrawnWhenThePassHearsNoSpeech() throws {
        var c = StreamingConfiguration.agreementOnly
        c.stepMilliseconds = 500
        c.openingMinProbability = 0
        var p = try CaptionPolicy(configuration: c)
        var passes = 0
        func answer(_ a: CaptionPolicy.Action) -> Hypothesis? {
            switch a {
            case let .decodeWindow(from, to, _):
                return timed([("会", sec(from) + 0.3, min(sec(to), sec(from) + 0.5))], lang: "zh")
            case .decodeFinalPass:
                passes += 1
                return Hypothesis(words: [], avgLogProb: 0, noSpeechProb: 1, compressionRatio: 0, language: "zh")
            case .emit: return nil
            }
        }
        let shown = p.timeline(speech: true, 0.1, 0.7, answer: answer).compactMap { a -> StreamingEvent? in
            if case .emit(let e) = a.action { return e }
            return nil
        }
        XCTAssertEqual(shown.last?.kind, .partial, "the guess was shown")
        XCTAssertEqual(shown.last?.text, "会")
        XCTAssertEqual(p.committedWords, [])
        let events = p.finishing(at: 0.7, answer: answer).compactMap { a -> StreamingEvent? in
            if case .emit(let e) = a.action { return e }
            return nil
        }
        XCTAssertEqual(passes, 1)
        XCTAssertEqual(events.map(\.kind), [.final])
        XCTAssertEqual(events.map(\.text), [""], "an empty final clears the partial")
    }
}
