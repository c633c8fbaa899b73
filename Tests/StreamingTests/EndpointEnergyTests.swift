import XCTest
import Foundation
import Features
@testable import Streaming

/// `EndpointEnergy`: the incremental endpoint's energy rule against the lowest floor of the VAD's
/// window, on a synthetic noise-gated stream (zeros, then 1.3 s of speech-like tone with no pause
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
        var vad = try VoiceActivityDetector()
        var energy = EndpointEnergy(vad.configuration)
        var vadLoudEnd = 0.0, endpointLoudEnd = 0.0
        for frame in vad.process(audio[...], startTime: 0) {
            let loud = energy.isLoud(frame)
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
