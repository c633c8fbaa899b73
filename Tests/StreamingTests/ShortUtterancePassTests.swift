import XCTest
import Features
import Models
import TestSupport
@testable import Streaming

/// A final pass on the reduced context (`pass_context_s`) that reads no word or a broken character
/// is decoded again on Whisper's 30 s. The reduced context is mostly padding for a short utterance:
/// with base, the 1-s Mandarin clip "砸自己的脚" between 0.12 s of silence (the pass window of the
/// live keep-up stream) read nothing at 10 s of context, a lone broken byte at 20 s, and "扎自己的脚"
/// at 30 s, as offline (`captionctl simulate --streaming "pass_context_s = N"`). Live, the final then
/// came from whichever window decode ran last ("扎自己的人?", "扎自酒", "杀自球" in 3 of 4 runs).
final class ShortUtterancePassTests: XCTestCase {
    func testAPassThatReadsNothingOnTheReducedContextIsDecodedOnThirtySeconds() throws {
        _ = try TestPaths.requireModel("base")
        let clip = try AudioDecoder.load(try TestPaths.requireSharedFixtures()
            .appendingPathComponent("speech_recognition/chinese.flac").path)
        let pad = [Float](repeating: 0, count: 1_920)   // 0.12 s
        let audio = pad + clip + pad
        var settings = ModelSettings()
        settings.dir = TestPaths.modelsDir.path
        settings.name = "base"
        settings.language = "zh"
        let context = try XCTUnwrap(StreamingConfiguration().passAudioContext, "the default pass_context_s reduces the context")
        let model = try WhisperStreamingModel(settings: settings, passContext: context)
        let h = try model.decodeUtterance(audio[...], startTime: 100, prompt: "")
        XCTAssertEqual(h.text, "扎自己的脚")
        XCTAssertTrue(h.words.allSatisfy { $0.start >= 100 && $0.end <= 100 + Double(audio.count) / 16_000 + 1e-6 }, "\(h.words)")
    }
}
