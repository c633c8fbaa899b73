import XCTest
import CaptionCore

final class MonotonicClockTests: XCTestCase {
    func testClockNeverGoesBackwards() {
        var last = MonotonicClock.now()
        for _ in 0..<10_000 {
            let t = MonotonicClock.now()
            XCTAssertGreaterThanOrEqual(t, last)
            last = t
        }
        XCTAssertGreaterThan(last, 0)
    }
}
