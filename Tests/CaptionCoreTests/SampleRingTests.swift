import XCTest
@testable import CaptionCore

final class SampleRingTests: XCTestCase {
    func testReadCarriesCaptureTimeOfFirstSample() {
        let ring = SampleRing(capacity: 16000, sampleRate: 16000)
        ring.write([Float](repeating: 0.5, count: 1600), time: 100.0)
        ring.write([Float](repeating: 0.25, count: 1600), time: 100.1)
        let a = ring.read(maxCount: 1000)
        XCTAssertEqual(a?.startTime ?? -1, 100.0, accuracy: 1e-9)
        XCTAssertEqual(a?.samples.count, 1000)
        let b = ring.read(maxCount: 1000)
        XCTAssertEqual(b?.startTime ?? -1, 100.0 + 1000.0 / 16000, accuracy: 1e-9)
        XCTAssertEqual(b?.firstSampleIndex, 1000)
        let c = ring.read(maxCount: 5000)
        XCTAssertEqual(c?.samples.count, 1200)
        XCTAssertEqual(c?.startTime ?? -1, 100.1 + 400.0 / 16000, accuracy: 1e-9)
        XCTAssertNil(ring.read(maxCount: 10))
    }

    func testAudioBetweenTimesFollowsAnchorsAcrossAGap() {
        let ring = SampleRing(capacity: 48000, sampleRate: 16000)
        // 1 s of ramp at t = 10, then (after a 0.5 s gap, e.g. a device reopen) 1 s more at t = 11.5.
        ring.write((0..<16000).map { Float($0) }, time: 10)
        ring.write((16000..<32000).map { Float($0) }, time: 11.5)
        let first = ring.audio(from: 10.25, to: 10.5)
        XCTAssertEqual(first?.samples.first, 4000)
        XCTAssertEqual(first?.samples.count, 4000)
        XCTAssertEqual(first?.startTime ?? 0, 10.25, accuracy: 1e-9)
        let second = ring.audio(from: 11.5, to: 11.75)
        XCTAssertEqual(second?.samples.first, 16000)
        XCTAssertEqual(second?.samples.count, 4000)
        XCTAssertNil(ring.audio(from: 20, to: 21))
        // Reading does not disturb queries.
        _ = ring.read(maxCount: 30000)
        XCTAssertEqual(ring.audio(from: 10.25, to: 10.5)?.samples.first, 4000)
    }

    func testOverflowCountsDroppedSamples() {
        let ring = SampleRing(capacity: 1000, sampleRate: 16000)
        for i in 0..<10 { ring.write([Float](repeating: Float(i), count: 300), time: Double(i)) }
        let chunk = ring.read(maxCount: 2000)
        XCTAssertEqual(ring.totalDropped, 2000)
        XCTAssertEqual(chunk?.firstSampleIndex, 2000)
        XCTAssertEqual(chunk?.samples.first, 6)
        XCTAssertEqual(chunk?.startTime ?? 0, 6 + 200.0 / 16000, accuracy: 1e-9)
        XCTAssertNil(ring.audio(from: 0, to: 1))
    }
}
