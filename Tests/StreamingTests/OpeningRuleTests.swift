import XCTest
@testable import Streaming

/// The opening rules' fixes (`OpeningWords`), on synthetic timelines: VAD frames of 20 ms and
/// scripted window decodes in, actions out; positions are audio time on the policy's clock.
final class OpeningRuleTests: XCTestCase {
    /// The shipped defaults with the opening grid and the agreement rule on, without the opening's
    /// lower bar (`opening_min_prob` 1; the defaults' 0 is tested on its own below).
    static func opening(step: Int) -> StreamingConfiguration {
        var c = StreamingConfiguration()
        c.openingStepMilliseconds = step
        c.tentativeAgreedMinProbability = 0.1
        c.openingMinProbability = 1
        return c
    }

    /// "Had he married here?" from 1.0 s; a window hears the words that end inside it.
    static let hadHe = OpeningTimeline.Script(words: [("Had", 1.0, 1.3, 0.3), ("he", 1.3, 1.5, 0.8),
                                                     ("married", 1.5, 1.9, 0.9), ("here?", 1.9, 2.3, 0.9)])

    /// The schedule stretched the step: the measured window decode (0.39 s, as live on this
    /// machine) × 1.5 = 0.585 s, longer than both `step_ms` (0.5 s) and `opening_step_ms`. The
    /// opening's first decode must not come later than the base grid's (onset − preroll +
    /// step_ms = 1.2 s); before the fix it came at onset + 0.585 s (1.6 s).
    func testTheFirstOpeningDecodeIsNeverLaterThanTheBaseGrids() throws {
        func firstDecodes(_ c: StreamingConfiguration) throws -> [SampleIndex] {
            var p = try CaptionPolicy(configuration: c)
            p.schedule = LiveSchedule(configuration: c, enabled: true)
            p.schedule.decoded(.window, audioSamples: s(1.5), compute: 0.39)
            return OpeningTimeline.windowEnds(OpeningTimeline.run(&p, speech: true, 1.0, 2.0, answer: Self.hadHe.answer))
        }
        let base = try firstDecodes(StreamingConfiguration())
        XCTAssertEqual(base.first, s(1.2), "the base grid: onset 1.0 − preroll 0.3 + step 0.5")
        let opening = try firstDecodes(Self.opening(step: 250))
        XCTAssertEqual(opening.first, s(1.2), "the opening's first decode at the base grid's first, not at onset + 0.585 s")
        XCTAssertEqual(opening, [s(1.2), s(1.8)], "then the stretched step (0.585 s) from there: the headroom is kept")
    }

    /// An opening step shorter than the base grid's first offset (0.2 s after the onset) puts a
    /// grid point before it: the first decode comes one opening step after the onset (1.1 s).
    func testAShortOpeningStepDecodesBeforeTheBaseGrid() throws {
        var p = try CaptionPolicy(configuration: Self.opening(step: 100))
        let ends = OpeningTimeline.windowEnds(OpeningTimeline.run(&p, speech: true, 1.0, 1.25, answer: Self.hadHe.answer))
        XCTAssertEqual(ends, [s(1.1), s(1.2)], "the grid 1.2 + k·0.1: 1.1 s, then 1.2 s")
    }

    /// Unstretched (the configured 250 ms; `captionctl simulate`): the opening grid is laid
    /// through the base grid's first decode too, so the first decode is at 1.2 s, not 1.26 s.
    func testTheOpeningGridGoesThroughTheBaseGridsFirstDecode() throws {
        var p = try CaptionPolicy(configuration: Self.opening(step: 250))
        let a = OpeningTimeline.run(&p, speech: true, 1.0, 2.4, answer: Self.hadHe.answer)
        XCTAssertEqual(OpeningTimeline.windowEnds(a), [s(1.2), s(1.46), s(1.7), s(2.2)],
                       "1.2 + k·0.25 (a frame that crosses a grid point decodes) until words show at 1.7, then step_ms")
        XCTAssertEqual(OpeningTimeline.partials(a).first?.text, "Had he", "agreed 'Had' (0.3) and sure 'he' (0.8)")
        XCTAssertEqual(OpeningTimeline.partials(a).first?.at, s(1.7))
    }

    /// With the defaults' `opening_min_prob` (0, since 3 Dec 2026) the first decode that hears the
    /// first word shows it: 1.46 s, one opening decode before the two that agree (1.7 s).
    func testWithTheDefaultOpeningBarTheFirstDecodeThatHearsAWordShowsIt() throws {
        var c = Self.opening(step: 250)
        c.openingMinProbability = StreamingConfiguration().openingMinProbability
        XCTAssertEqual(c.openingMinProbability, 0)
        var p = try CaptionPolicy(configuration: c)
        let a = OpeningTimeline.run(&p, speech: true, 1.0, 2.4, answer: Self.hadHe.answer)
        XCTAssertEqual(OpeningTimeline.partials(a).first?.at, s(1.46))
        XCTAssertEqual(OpeningTimeline.partials(a).first?.text, "Had", "'Had' (0.3), the only word ended by 1.46 s")
        XCTAssertEqual(OpeningTimeline.windowEnds(a), [s(1.2), s(1.46), s(1.96)], "words shown: step_ms again from 1.46 s")
        XCTAssertEqual(OpeningTimeline.partials(a).last?.text, "Had he", "1.96 s: 'Had' agreed, the sure 'he' after it")
    }
}

/// The script and timeline helpers of `OpeningRuleTests` (the 20-ms runner is `CaptionPolicy.timeline`).
enum OpeningTimeline {
    typealias Step = TimedAction

    /// A speaker's words (text, start, end, probability); a window hears the words that lie in it.
    struct Script {
        var words: [(String, Double, Double, Double)]

        func answer(_ a: CaptionPolicy.Action) -> Hypothesis? {
            switch a {
            case let .decodeWindow(from, to, _), let .decodeFinalPass(from, to, _):
                let heard = words.filter { $0.2 <= sec(to) && $0.1 >= sec(from) }
                return Hypothesis(words: heard.map { Word(text: $0.0, start: $0.1, end: $0.2, probability: $0.3) },
                                  avgLogProb: -0.3, noSpeechProb: 0.05, compressionRatio: 1.4, language: "en")
            case .emit:
                return nil
            }
        }
    }

    /// The policy's timeline (`CaptionPolicy.timeline`).
    static func run(_ p: inout CaptionPolicy, speech: Bool, _ start: Double, _ end: Double,
                    answer: (CaptionPolicy.Action) -> Hypothesis?) -> [Step] {
        p.timeline(speech: speech, start, end, answer: answer)
    }

    static func windowEnds(_ steps: [Step]) -> [SampleIndex] { StreamingTests.windowEnds(steps) }

    /// The partials as (frame end, text, stable).
    static func partials(_ steps: [Step]) -> [(at: SampleIndex, text: String, stable: String)] {
        steps.compactMap { if case let .emit(e) = $0.action, e.kind == .partial { return ($0.at, e.text, e.stable) }; return nil }
    }
}
