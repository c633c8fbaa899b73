import XCTest
import Foundation
import Features
@testable import Streaming

/// The incremental endpoint's energy rule (`VoiceActivityDetector.Frame.isLoudOverLowestFloor`,
/// what `LiveCaptioner` hands the blank endpoint): against the lowest floor of the VAD's window, on a synthetic noise-gated stream (zeros, then 1.3 s of speech-like tone with no pause
/// to the background, then zeros), as the bench's padded clips reach the daemon.
final class EndpointEnergyTests: XCTestCase {
    func testFloorLearntFromTheSpeechItselfDoesNotMakeItsSoftEndQuiet() throws {
        let rate = 16_000
        func tone(_ seconds: Double, db: Float) -> [Float] {
            let amplitude = powf(10, db / 20) * Float(2).squareRoot()
            return (0..<Int(seconds * Double(rate))).map { amplitude * sinf(2 * .pi * 220 * Float($0) / Float(rate)) }
        }
        // 1 s of zeros; "speech" at −18 dBFS with a 100-ms dip to −33 dBFS; a soft ending (−30 dBFS)
        // from 1.2 to 1.3 s of signal; zeros.
        let signal = tone(0.6, db: -18) + tone(0.1, db: -33) + tone(0.5, db: -18) + tone(0.1, db: -30)
        let audio = [Float](repeating: 0, count: rate) + signal + [Float](repeating: 0, count: rate)
        var vad = try VoiceActivityDetector(reportsLowestFloor: true)
        var plain = try VoiceActivityDetector()
        let plainFrames = plain.process(audio[...], startTime: 0)
        let frames = vad.process(audio[...], startTime: 0)
        XCTAssertEqual(frames.count, plainFrames.count)
        XCTAssertTrue(plainFrames.allSatisfy { $0.lowestFloorDb == nil && $0.isLoudOverLowestFloor == nil })
        var vadLoudEnd = 0.0, endpointLoudEnd = 0.0
        for (i, frame) in zip(frames.indices, frames) where i < plainFrames.count {
            let loud = try XCTUnwrap(frame.isLoudOverLowestFloor)
            XCTAssertLessThanOrEqual(try XCTUnwrap(frame.lowestFloorDb), frame.floorDb)
            // Reporting the lowest floor changes none of the VAD's own decisions, and is off by default.
            var reported = frame
            reported.lowestFloorDb = nil
            reported.isLoudOverLowestFloor = nil
            XCTAssertEqual(reported, plainFrames[i])
            if frame.isLoud { vadLoudEnd = frame.end }
            if loud { endpointLoudEnd = frame.end }
            XCTAssertTrue(!frame.isLoud || loud, "a frame loud for the VAD is loud for the endpoint (\(frame.start) s)")
        }
        // The VAD learnt its floor (the dip, −33 dBFS) 1.08 s into the signal and called the soft
        // ending quiet (its last loud frame ends with the −18 dBFS tone, 2.2 s); the endpoint hears
        // it to the end of the signal (2.3 s).
        XCTAssertEqual(vadLoudEnd, 2.2, accuracy: 1e-9)
        XCTAssertEqual(endpointLoudEnd, 2.3, accuracy: 1e-9)
    }
}
