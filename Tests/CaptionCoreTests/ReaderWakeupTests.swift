import XCTest
import Foundation
@testable import CaptionCore

/// The rings wake their reader when the writer publishes (no sleep loops in the reader).
final class ReaderWakeupTests: XCTestCase {
    func testSampleRingReaderWakesOnAWriteFromAnotherThread() {
        let ring = SampleRing(capacity: 1_600, sampleRate: 16_000)
        XCTAssertFalse(ring.waitForSamples(timeout: 0.05), "nothing written: the wait times out")
        for _ in 0..<200 {
            let go = DispatchSemaphore(value: 0)
            Thread { go.wait(); ring.write([0.1, 0.2], time: 1) }.start()
            go.signal()
            XCTAssertTrue(ring.waitForSamples(timeout: 30), "a write wakes the waiting reader")
            XCTAssertEqual(ring.read(maxCount: 10)?.samples.count, 2)
        }
    }

    func testFrameRingReaderWakesOnAPush() {
        let ring = FrameRing(slots: 2, maxWidth: 4, maxHeight: 2)
        XCTAssertFalse(ring.waitForFrame(timeout: 0.05))
        for i in 0..<200 {
            let go = DispatchSemaphore(value: 0)
            Thread {
                go.wait()
                ring.push(VideoFrame(width: 4, height: 2, luma: [UInt8](repeating: 1, count: 8), timestamp: Double(i), sequence: UInt64(i)))
            }.start()
            go.signal()
            XCTAssertTrue(ring.waitForFrame(timeout: 30))
            XCTAssertEqual(ring.pop()?.sequence, UInt64(i))
        }
    }

    func testWakeupIsNotLostBetweenTheCheckAndTheWait() {
        // A notify with nobody waiting is not remembered as data; a wait after it still re-checks.
        let w = ReaderWakeup()
        w.notify()
        var ready = false
        XCTAssertFalse(w.wait(timeout: 0.02) { ready })
        ready = true
        XCTAssertTrue(w.wait(timeout: 0.02) { ready })
    }
}
