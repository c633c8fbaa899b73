import XCTest
import Foundation
@testable import CaptionCore

final class RingBufferTests: XCTestCase {
    func testWriteThenReadKeepsOrderAcrossWrapAround() {
        let ring = RingBuffer<Int32>(capacity: 7, filler: -1)
        var next: Int32 = 0
        var expected: Int32 = 0
        var out = [Int32](repeating: 0, count: 5)
        for round in 0..<50 {
            let n = round % 6 + 1
            ring.write((0..<n).map { _ in defer { next += 1 }; return next })
            let r = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
            XCTAssertEqual(r.dropped, 0)
            for i in 0..<r.count { XCTAssertEqual(out[i], expected); expected += 1 }
            // Drain the rest so the consumer keeps up.
            while true {
                let more = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
                if more.count == 0 { break }
                for i in 0..<more.count { XCTAssertEqual(out[i], expected); expected += 1 }
            }
        }
        XCTAssertEqual(expected, next)
        XCTAssertEqual(ring.totalDropped, 0)
    }

    func testOverflowDropsOldestAndCountsExactly() {
        let ring = RingBuffer<Int32>(capacity: 1000, filler: -1)
        for chunk in 0..<100 { ring.write((0..<100).map { Int32(chunk * 100 + $0) }) }
        var out = [Int32](repeating: 0, count: 4096)
        let r = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
        XCTAssertEqual(r.dropped, 9000)
        XCTAssertEqual(r.count, 1000)
        XCTAssertEqual(r.firstIndex, 9000)
        XCTAssertEqual(Array(out[0..<1000]), (9000..<10000).map { Int32($0) })
        XCTAssertEqual(ring.totalDropped, 9000)
        // A single write larger than the ring keeps only its tail.
        ring.write((0..<2500).map { Int32(20000 + $0) })
        let r2 = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
        XCTAssertEqual(r2.dropped, 1500)
        XCTAssertEqual(Array(out[0..<r2.count]), (21500..<22500).map { Int32($0) })
        XCTAssertEqual(ring.totalDropped, 10500)
    }

    func testPeekRefusesRangesNoLongerHeld() {
        let ring = RingBuffer<Int32>(capacity: 10, filler: -1)
        ring.write((0..<25).map { Int32($0) })
        var out = [Int32](repeating: 0, count: 4)
        XCTAssertTrue(out.withUnsafeMutableBufferPointer { ring.peek(from: 20, into: $0) })
        XCTAssertEqual(out, [20, 21, 22, 23])
        XCTAssertFalse(out.withUnsafeMutableBufferPointer { ring.peek(from: 12, into: $0) })
        XCTAssertFalse(out.withUnsafeMutableBufferPointer { ring.peek(from: 23, into: $0) })
        XCTAssertEqual(ring.retainedRange, 15..<25)
    }

    /// Producer and consumer threads, 4 million values; the producer only writes when the consumer
    /// has made room (test-side flow control), so nothing may be lost and order must hold.
    func testStressNothingLostWhileConsumerKeepsUp() {
        let total = 4_000_000
        let ring = RingBuffer<UInt32>(capacity: 65_536, filler: 0)
        let producer = Thread {
            var chunk = [UInt32](repeating: 0, count: 1000)
            var next: UInt32 = 0
            while Int(next) < total {
                let n = min(chunk.count, total - Int(next))
                while ring.available > ring.capacity - n { sched_yield() }
                for i in 0..<n { chunk[i] = next + UInt32(i) }
                chunk.withUnsafeBufferPointer { ring.write(UnsafeBufferPointer(rebasing: $0[0..<n])) }
                next += UInt32(n)
            }
        }
        producer.start()
        var out = [UInt32](repeating: 0, count: 3001)
        var expected: UInt32 = 0
        var mismatches = 0
        while Int(expected) < total {
            let r = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
            if r.count == 0 { sched_yield(); continue }
            if r.dropped != 0 || r.firstIndex != UInt64(expected) { mismatches += 1 }
            for i in 0..<r.count where out[i] != expected + UInt32(i) { mismatches += 1 }
            expected += UInt32(r.count)
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(ring.totalDropped, 0)
        XCTAssertEqual(ring.totalWritten, UInt64(total))
    }

    /// The producer never waits and the consumer is deliberately slow: data is lost, but every
    /// delivered value is intact and in order, and delivered + dropped equals written exactly.
    func testStressSlowConsumerDropsExactlyAndNeverDeliversTornData() {
        let total = 3_000_000
        let ring = RingBuffer<UInt32>(capacity: 4096, filler: 0)
        let done = DispatchSemaphore(value: 0)
        let producer = Thread {
            var chunk = [UInt32](repeating: 0, count: 512)
            var next: UInt32 = 0
            while Int(next) < total {
                for i in 0..<chunk.count { chunk[i] = next + UInt32(i) }
                ring.write(chunk)
                next += UInt32(chunk.count)
            }
            done.signal()
        }
        producer.start()
        var out = [UInt32](repeating: 0, count: 300)
        var delivered: UInt64 = 0, dropped: UInt64 = 0
        var lastIndex: Int64 = -1
        var errors = 0
        var finished = false
        while true {
            if !finished, done.wait(timeout: .now()) == .success { finished = true }
            let r = out.withUnsafeMutableBufferPointer { ring.read(into: $0) }
            if r.count == 0 { if finished { break }; continue }
            if Int64(r.firstIndex) <= lastIndex { errors += 1 }
            for i in 0..<r.count where UInt64(out[i]) != r.firstIndex + UInt64(i) { errors += 1 }
            lastIndex = Int64(r.firstIndex) + Int64(r.count) - 1
            delivered += UInt64(r.count)
            dropped += r.dropped
            if delivered % 7 == 0 { usleep(50) }
        }
        XCTAssertEqual(errors, 0)
        XCTAssertEqual(ring.totalWritten, UInt64(total - total % 512 + (total % 512 == 0 ? 0 : 512)))
        XCTAssertEqual(delivered + dropped, ring.totalWritten)
        XCTAssertEqual(dropped, ring.totalDropped)
    }
}
