import XCTest
import Foundation
import Models
import TestSupport
@testable import Streaming

/// Live word times with the real tiny.en (release): window hypotheses and the final pass carry
/// times decoded from the alignment heads; the final pass's equal faster-whisper's word timestamps
/// on the same audio (Tests/Fixtures/words).
final class LiveWordTimesTests: XCTestCase {
    func testWindowAndFinalPassWordsAreDecodedAndMatchTheReference() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        let modelDir = try TestPaths.requireModel("tiny.en")
        let samples = try WavFixture.read(try TestPaths.requireSharedFixtures().appendingPathComponent("whisper_cpp/jfk.wav"))
        var settings = ModelSettings()
        settings.name = modelDir.path
        let model = try WhisperStreamingModel(settings: settings)
        let t0 = 100.0
        // A 4-s window: "And so my fellow Americans, ask not …" with times inside it.
        let window = try model.decodeWindow(samples[0..<64_000], startTime: t0, prompt: "")
        XCTAssertEqual(window.timing, .decoded)
        XCTAssertFalse(window.words.isEmpty)
        for w in window.words {
            XCTAssertTrue(w.start >= t0 && w.end <= t0 + 4 + 1e-9 && w.start <= w.end, "\(w)")
        }
        // The final pass over the whole clip: faster-whisper's word times, shifted to the capture clock.
        let final = try model.decodeUtterance(samples[...], startTime: t0, prompt: "")
        XCTAssertEqual(final.timing, .decoded)
        struct Ref: Decodable {
            struct S: Decodable { let words: [W] }
            struct W: Decodable { let word: String; let start: Double; let end: Double }
            let segments: [S]
        }
        let ref = try JSONDecoder().decode(Ref.self, from: Data(contentsOf: TestPaths.fixtures
            .appendingPathComponent("words/tiny.en/whisper_cpp-jfk.json"))).segments.flatMap(\.words)
        XCTAssertEqual(final.words.map(\.text), ref.map { $0.word.trimmingCharacters(in: .whitespaces) })
        var worst = 0.0
        for (a, b) in zip(final.words, ref) {
            worst = max(worst, abs(a.start - t0 - b.start), abs(a.end - t0 - b.end))
        }
        print("live final pass vs faster-whisper word times (jfk): \(ref.count) words, worst difference \(worst) s")
        XCTAssertLessThanOrEqual(worst, 0.1)
        #endif
    }
}
