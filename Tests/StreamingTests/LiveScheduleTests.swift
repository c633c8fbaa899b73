import XCTest
import Streaming

/// The scheduler's rules, one at a time, on hand-written timelines.
final class LiveScheduleTests: XCTestCase {
    let config = StreamingConfiguration()   // step 0.5 s, window 15 s

    func testDisabledItAnswersWithTheConfiguration() {
        var s = LiveSchedule(configuration: config, enabled: false)
        s.tick(now: 100)
        s.decoded(.window, audioSeconds: 5, compute: 4)
        XCTAssertEqual(s.stepSeconds, 0.5)
        XCTAssertEqual(s.windowSeconds, 15)
        XCTAssertFalse(s.isStale(10))
        XCTAssertEqual(s.finalPlan(utteranceFrom: 0, windowFrom: 5, end: 10), .full)
        XCTAssertFalse(s.cannotKeepUp)
    }

    func testTheStepGrowsWithTheDecodeTimeAndTheWindowShrinks() {
        var s = LiveSchedule(configuration: config, enabled: true)
        s.decoded(.window, audioSeconds: 4, compute: 0.2)
        XCTAssertEqual(s.stepSeconds, 0.5, "a fast decode keeps the configured step")
        XCTAssertEqual(s.windowSeconds, 15)
        s = LiveSchedule(configuration: config, enabled: true)
        s.decoded(.window, audioSeconds: 4, compute: 1.0)   // 0.25 s per second of window
        XCTAssertEqual(s.stepSeconds, 1.5, accuracy: 1e-9)
        XCTAssertEqual(s.windowSeconds, 4, accuracy: 1e-9, "0.8 s budget / 0.25 → 3.2 s, at least 4 s")
        s.decoded(.window, audioSeconds: 4, compute: 0.4)   // averaged: 0.82 s
        XCTAssertEqual(s.windowDecodeSeconds ?? 0, 0.82, accuracy: 1e-9)
    }

    func testOnlyTheNewestAudioIsDecoded() {
        var s = LiveSchedule(configuration: config, enabled: true)
        s.tick(now: 20)
        XCTAssertTrue(s.isStale(19.5), "half a second of newer audio waits")
        XCTAssertFalse(s.isStale(19.8))
        s.tick(now: 10)
        XCTAssertEqual(s.now, 20, "the clock never goes back")
    }

    func testTheFinalPassFitsTheBudgetOrShrinksOrIsSkipped() {
        var s = LiveSchedule(configuration: config, enabled: true)
        s.tick(now: 10.3)
        XCTAssertEqual(s.finalPlan(utteranceFrom: 0, windowFrom: 6, end: 10), .full, "nothing measured yet")
        s.decoded(.finalPass, audioSeconds: 10, compute: 1.0)   // 0.1 s per second
        XCTAssertEqual(s.finalPlan(utteranceFrom: 2, windowFrom: 6, end: 10), .full)          // 0.3 + 0.8 ≤ 1.2
        XCTAssertEqual(s.finalPlan(utteranceFrom: 0, windowFrom: 6, end: 10), .fromWindow)    // 0.3 + 1.0 > 1.2; 0.3 + 0.4 fits
        s.tick(now: 11)
        XCTAssertEqual(s.finalPlan(utteranceFrom: 0, windowFrom: 2, end: 10), .none, "1 s of audio already waits")
        XCTAssertEqual(s.shortenedFinalPasses, 1)
        XCTAssertEqual(s.skippedFinalPasses, 1)
        // Nothing committed yet: a skipped pass could lose the utterance, so the cheaper one runs.
        XCTAssertEqual(s.finalPlan(utteranceFrom: 0, windowFrom: 2, end: 10, confirmed: false), .fromWindow)
        XCTAssertEqual(s.finalPlan(utteranceFrom: 0, windowFrom: 0, end: 10, confirmed: false), .full)
        XCTAssertEqual(s.skippedFinalPasses, 1)
    }

    func testLagAndTheWarning() {
        var s = LiveSchedule(configuration: config, enabled: true)
        s.tick(now: 10)
        s.progress(decodedThrough: 9.5)
        XCTAssertEqual(s.lag, 0.5, accuracy: 1e-9)
        XCTAssertFalse(s.cannotKeepUp)
        s.tick(now: 20)
        s.progress(decodedThrough: 16)
        XCTAssertEqual(s.maxLag, 4, accuracy: 1e-9)
        XCTAssertTrue(s.cannotKeepUp, "4 s of lag")
        s.tick(now: 40)
        s.progress(decodedThrough: 39.8)
        XCTAssertEqual(s.maxLag, 4, accuracy: 1e-9, "the maximum is kept")
        XCTAssertFalse(s.cannotKeepUp, "20 s later the peak has decayed")
        s.decoded(.window, audioSeconds: 3, compute: 1.5)    // step would be 2.25 s
        XCTAssertTrue(s.cannotKeepUp)
    }
}
