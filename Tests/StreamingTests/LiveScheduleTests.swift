import XCTest
import Streaming

/// The scheduler's rules, one at a time, on hand-written timelines (positions are sample indices:
/// `s(seconds)`, as `CaptionPolicy` gives them).
final class LiveScheduleTests: XCTestCase {
    let config = StreamingConfiguration()   // step 0.5 s, window 15 s

    func testDisabledItAnswersWithTheConfiguration() {
        var sch = LiveSchedule(configuration: config, enabled: false)
        sch.tick(now: s(100))
        sch.decoded(.window, audioSamples: s(5), compute: 4)
        XCTAssertEqual(sch.stepSeconds, 0.5)
        XCTAssertEqual(sch.windowSeconds, 15)
        XCTAssertFalse(sch.isStale(s(10)))
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(5), end: s(10)), .full)
        XCTAssertFalse(sch.cannotKeepUp)
    }

    func testTheStepGrowsWithTheDecodeTimeAndTheWindowShrinks() {
        var sch = LiveSchedule(configuration: config, enabled: true)
        sch.decoded(.window, audioSamples: s(4), compute: 0.2)
        XCTAssertEqual(sch.stepSeconds, 0.5, "a fast decode keeps the configured step")
        XCTAssertEqual(sch.windowSeconds, 15)
        sch = LiveSchedule(configuration: config, enabled: true)
        sch.decoded(.window, audioSamples: s(4), compute: 1.0)   // 0.25 s per second of window
        XCTAssertEqual(sch.stepSeconds, 1.5, accuracy: 1e-9)
        XCTAssertEqual(sch.windowSeconds, 4, accuracy: 1e-9, "0.8 s budget / 0.25 → 3.2 s, at least 4 s")
        sch.decoded(.window, audioSamples: s(4), compute: 0.4)   // averaged: 0.82 s
        XCTAssertEqual(sch.windowDecodeSeconds ?? 0, 0.82, accuracy: 1e-9)
    }

    func testOnlyTheNewestAudioIsDecoded() {
        var sch = LiveSchedule(configuration: config, enabled: true)
        sch.tick(now: s(20))
        XCTAssertTrue(sch.isStale(s(19.5)), "half a second of newer audio waits")
        XCTAssertFalse(sch.isStale(s(19.8)))
        sch.tick(now: s(10))
        XCTAssertEqual(sch.now, s(20), "the clock never goes back")
    }

    func testTheFinalPassFitsTheBudgetOrShrinksOrIsSkipped() {
        var sch = LiveSchedule(configuration: config, enabled: true)
        sch.tick(now: s(10.3))
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(6), end: s(10)), .full, "nothing measured yet")
        sch.decoded(.finalPass, audioSamples: s(2), compute: 0.2)    // 0.1 s per second, floor 0.2 s
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(2), windowFrom: s(6), end: s(10)), .full)          // 0.3 + 0.8 ≤ 1.2
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(6), end: s(10)), .fromWindow)    // 0.3 + 1.0 > 1.2; 0.3 + 0.4 fits
        sch.tick(now: s(11))
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(2), end: s(10)), .none, "1 s of audio already waits")
        XCTAssertEqual(sch.shortenedFinalPasses, 1)
        XCTAssertEqual(sch.skippedFinalPasses, 1)
        // Nothing committed yet no longer forces a pass: the policy's last look gives the words,
        // and runs the pass after all only when it gives none.
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(0), end: s(10), confirmed: false), .none)
        XCTAssertEqual(sch.skippedFinalPasses, 2)
    }

    func testAPassCostsAtLeastTheCheapestPassMeasured() {
        // Whisper's pass encodes a 30-s context whatever the utterance's length: a 4-s utterance's
        // pass took 2.5 s, so a 1-s one is not predicted at 0.6 s (per second) but at 2.5 s.
        var sch = LiveSchedule(configuration: config, enabled: true)
        sch.tick(now: s(20))
        sch.decoded(.finalPass, audioSamples: s(4), compute: 2.5)
        XCTAssertEqual(sch.finalPassFloor ?? 0, 2.5, accuracy: 1e-9)
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(19), windowFrom: s(19), end: s(20)), .none)
        // Before any pass: a few window decodes' worth (0.8 s × 3 = 2.4 s > 1.2 s).
        var fresh = LiveSchedule(configuration: config, enabled: true)
        fresh.tick(now: s(20))
        fresh.decoded(.window, audioSamples: s(6), compute: 0.8)
        XCTAssertEqual(fresh.finalPlan(utteranceFrom: s(18), windowFrom: s(18), end: s(20)), .none)
        var fast = LiveSchedule(configuration: config, enabled: true)
        fast.tick(now: s(20))
        fast.decoded(.window, audioSamples: s(6), compute: 0.1)
        XCTAssertEqual(fast.finalPlan(utteranceFrom: s(18), windowFrom: s(18), end: s(20)), .full, "0.3 s fits")
    }

    func testAFixedContextPassCostsTheSameForAnyUtteranceUpToItsContext() {
        // Whisper's pass encodes 30 s: a 1.7-s utterance's pass took 0.85 s, so an 8-s one is
        // predicted at 0.85 s (it fits), not at 8 × 0.5 = 4 s (which skipped every later pass).
        var sch = LiveSchedule(configuration: config, enabled: true, passContextSeconds: 30)
        sch.tick(now: s(20))
        sch.decoded(.finalPass, audioSamples: s(1.7), compute: 0.85)
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(12), windowFrom: s(12), end: s(20)), .full)
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(0), end: s(20)), .full)
        // Past the context, two windows: twice the cost, 1.7 s > 1.2 s.
        sch.tick(now: s(80))
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(20), windowFrom: s(20), end: s(80)), .none)
        // Without a fixed context (the default) the same measurement scales with the length.
        var proportional = LiveSchedule(configuration: config, enabled: true)
        proportional.tick(now: s(20))
        proportional.decoded(.finalPass, audioSamples: s(1.7), compute: 0.85)
        XCTAssertEqual(proportional.finalPlan(utteranceFrom: s(12), windowFrom: s(12), end: s(20)), .none)
    }

    func testSkippedPassesLetALaterUtteranceTryAgain() {
        // One slow pass (a busy moment) predicts 2 s; each skip lowers the prediction by 15 %, so
        // after a few skipped utterances a pass runs again and is measured.
        var sch = LiveSchedule(configuration: config, enabled: true, passContextSeconds: 30)
        sch.tick(now: s(10))
        sch.decoded(.finalPass, audioSamples: s(3), compute: 2.0)
        var plans: [LiveSchedule.FinalPlan] = []
        for k in 0..<6 { plans.append(sch.finalPlan(utteranceFrom: s(Double(k)), windowFrom: s(Double(k)), end: s(10))) }
        XCTAssertEqual(plans, [.none, .none, .none, .none, .full, .full])   // 2.0 · 0.85⁴ = 1.04 ≤ 1.2
        XCTAssertEqual(sch.skippedFinalPasses, 4)
        sch.decoded(.finalPass, audioSamples: s(3), compute: 2.0)   // still slow: skipped again
        XCTAssertEqual(sch.passEstimateScale, 1)
        XCTAssertEqual(sch.finalPlan(utteranceFrom: s(0), windowFrom: s(0), end: s(10)), .none)
        // Before any pass is measured the guess from the window decodes relaxes the same way: with
        // a fixed context it is not multiplied by the context (a pass is not 30 s of window decodes).
        var fresh = LiveSchedule(configuration: config, enabled: true, passContextSeconds: 30)
        fresh.tick(now: s(20))
        fresh.decoded(.window, audioSamples: s(6), compute: 0.3)    // a pass guessed at 0.9 s
        XCTAssertEqual(fresh.finalPlan(utteranceFrom: s(16), windowFrom: s(16), end: s(20)), .full)
        fresh.decoded(.window, audioSamples: s(6), compute: 0.5)    // 0.36 s average: 1.08 s
        fresh.tick(now: s(20.2))                                     // + 0.2 s waiting: 1.28 s
        XCTAssertEqual(fresh.finalPlan(utteranceFrom: s(16), windowFrom: s(16), end: s(20)), .none)
        XCTAssertEqual(fresh.finalPlan(utteranceFrom: s(16), windowFrom: s(16), end: s(20)), .full, "0.2 + 0.92")
    }

    func testLagAndTheWarning() {
        var sch = LiveSchedule(configuration: config, enabled: true)
        sch.tick(now: s(10))
        sch.progress(decodedThrough: s(9.5))
        XCTAssertEqual(sch.lag, 0.5, accuracy: 1e-9)
        XCTAssertFalse(sch.cannotKeepUp)
        sch.tick(now: s(20))
        sch.progress(decodedThrough: s(16))
        XCTAssertEqual(sch.maxLag, 4, accuracy: 1e-9)
        XCTAssertTrue(sch.cannotKeepUp, "4 s of lag")
        sch.tick(now: s(40))
        sch.progress(decodedThrough: s(39.8))
        XCTAssertEqual(sch.maxLag, 4, accuracy: 1e-9, "the maximum is kept")
        XCTAssertFalse(sch.cannotKeepUp, "20 s later the peak has decayed")
        sch.decoded(.window, audioSamples: s(3), compute: 1.5)    // step would be 2.25 s
        XCTAssertTrue(sch.cannotKeepUp)
    }
}
