import XCTest
import Foundation
@testable import CaptionCore

final class FrameRingTests: XCTestCase {
    private func frame(_ n: Int, width: Int = 8, height: Int = 4) -> VideoFrame {
        VideoFrame(width: width, height: height, luma: [UInt8](repeating: UInt8(n % 256), count: width * height),
                   timestamp: Double(n) / 30, sequence: UInt64(n))
    }

    func testPopInOrderAndDropOldest() {
        let ring = FrameRing(slots: 4, maxWidth: 8, maxHeight: 4)
        for n in 0..<3 { XCTAssertTrue(ring.push(frame(n))) }
        XCTAssertEqual(ring.pop(), frame(0))
        for n in 3..<10 { ring.push(frame(n)) }
        XCTAssertEqual(ring.pop(), frame(6))
        XCTAssertEqual(ring.totalDropped, 5)
        XCTAssertEqual(ring.pop()?.sequence, 7)
        XCTAssertEqual(ring.pop()?.sequence, 8)
        XCTAssertEqual(ring.pop()?.sequence, 9)
        XCTAssertNil(ring.pop())
    }

    func testRejectsFramesThatDoNotFit() {
        let ring = FrameRing(slots: 2, maxWidth: 8, maxHeight: 4)
        XCTAssertFalse(ring.push(frame(0, width: 16, height: 4)))
        var bad = frame(1)
        bad.luma.removeLast()
        XCTAssertFalse(ring.push(bad))
        XCTAssertEqual(ring.totalRejected, 2)
        XCTAssertNil(ring.pop())
        XCTAssertTrue(ring.push(frame(2, width: 4, height: 2)))
        XCTAssertEqual(ring.pop()?.luma.count, 8)
    }

    func testNearestFrameToATime() {
        let ring = FrameRing(slots: 8, maxWidth: 8, maxHeight: 4)
        XCTAssertNil(ring.nearest(to: 1))
        for n in 0..<12 { ring.push(frame(n)) }
        XCTAssertEqual(ring.nearest(to: 10.4 / 30)?.sequence, 10)
        XCTAssertEqual(ring.nearest(to: 10.6 / 30)?.sequence, 11)
        XCTAssertEqual(ring.nearest(to: 0)?.sequence, 4)   // 0…3 were overwritten
        XCTAssertEqual(ring.nearest(to: 99)?.sequence, 11)
    }

    func testStressFramesArriveWholeAndInOrder() {
        let total = 20_000
        let ring = FrameRing(slots: 4, maxWidth: 32, maxHeight: 8)
        let done = DispatchSemaphore(value: 0)
        let producer = Thread {
            for n in 0..<total { ring.push(self.frame(n, width: 32, height: 8)) }
            done.signal()
        }
        producer.start()
        var got = 0, last = -1, torn = 0
        var finished = false
        while true {
            if !finished, done.wait(timeout: .now()) == .success { finished = true }
            guard let f = ring.pop() else { if finished { break }; continue }
            if Int(f.sequence) <= last { torn += 1 }
            if f.luma.contains(where: { $0 != UInt8(Int(f.sequence) % 256) }) { torn += 1 }
            last = Int(f.sequence)
            got += 1
        }
        XCTAssertEqual(torn, 0)
        XCTAssertEqual(UInt64(got) + ring.totalDropped, UInt64(total))
    }
}
