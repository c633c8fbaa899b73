import XCTest
import Foundation
import CaptionCore
import Models
import TestSupport
@testable import Streaming

/// `pass_context_s`: the live final pass encodes the utterance plus 2 s of silence (at least the
/// key's seconds) instead of Whisper's 30-s context (real tiny.en; release build).
final class PassContextTests: XCTestCase {
    func testTheKeyMakesTheModelsPassContext() throws {
        var config = StreamingConfiguration()
        XCTAssertEqual(config.passAudioContext, ReducedAudioContext(paddingSeconds: 2, minimumSeconds: 10), "the default")
        config.passContextSeconds = 0
        XCTAssertNil(config.passAudioContext, "0: the 30-s context")
        XCTAssertEqual(ReducedAudioContext(paddingSeconds: 2, minimumSeconds: 10).frames(content: 1_100), 1_300)
    }

    /// jfk.wav decoded as final passes with the 10-s context reads the same words as with the 30-s
    /// one (compared without case and punctuation): its second sentence prompted with the first,
    /// and the whole 11-s clip; no word falls in the padding; the schedule predicts the pass from
    /// the shorter context. (The first sentence alone, 3.2 s, is not in the list: the 10-s pass
    /// reads it "And so am I fellow Americans." where the 30-s one reads "my"; on the whole
    /// English keep-up stream the 10-s passes gave 3.57 % WER against 5.36 %, docs/CONFIGURATION.md.)
    func testReducedPassReadsTheUtterancesAsTheFullOne() throws {
        _ = try TestPaths.requireModel("tiny.en")
        let jfk = try WavFixture.read(try TestPaths.requireSharedFixtures().appendingPathComponent("whisper_cpp/jfk.wav"))
        var settings = ModelSettings()
        settings.dir = TestPaths.modelsDir.path
        let full = try WhisperStreamingModel(settings: settings, passThreads: 1)
        let reduced = try WhisperStreamingModel(settings: settings, passThreads: 1, passContext: StreamingConfiguration().passAudioContext)
        XCTAssertEqual(full.passContextSeconds, 30)
        XCTAssertEqual(reduced.passContextSeconds, 10)
        let key = { (w: Word) in String(w.text.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }) }
        for (range, prompt) in [(51_200..<176_000, "And so my fellow Americans,"), (0..<jfk.count, "")] {
            let a = try full.decodeUtterance(jfk[range], startTime: 7, prompt: prompt)
            let b = try reduced.decodeUtterance(jfk[range], startTime: 7, prompt: prompt)
            XCTAssertGreaterThan(a.words.count, 10)
            XCTAssertEqual(b.words.map(key), a.words.map(key), "samples \(range)")
            XCTAssertLessThanOrEqual(b.words.last?.end ?? .infinity, 7 + Double(range.count) / 16_000 + 0.02,
                                     "no word in the padding")
        }
    }
}
