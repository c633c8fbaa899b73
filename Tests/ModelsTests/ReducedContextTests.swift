import XCTest
import Features
@testable import Models

/// `DecodingOptions.reducedContext` (the live final pass's `pass_context_s`): the encoder gets the
/// window's content plus padding instead of 3000 frames, and no timestamp past the content.
final class ReducedContextTests: XCTestCase {
    typealias V = TinyVocabulary

    func features(frames: Int) -> MelSpectrogram { V.features(frames: frames) }

    func options(_ context: ReducedAudioContext?) -> DecodingOptions {
        var o = DecodingOptions.greedy(language: "en")
        o.suppressTokens = []
        o.reducedContext = context
        return o
    }

    func testFramesAreContentPlusPaddingAtLeastTheMinimumEvenAndAtMost3000() {
        let c = ReducedAudioContext(paddingSeconds: 2, minimumSeconds: 5)
        XCTAssertEqual(c.frames(content: 100), 500, "1 s of content: the 5-s minimum")
        XCTAssertEqual(c.frames(content: 600), 800, "6 s: plus 2 s")
        XCTAssertEqual(c.frames(content: 601), 800, "odd counts round down to even")
        XCTAssertEqual(c.frames(content: 2900), 3000)
        XCTAssertEqual(ReducedAudioContext(paddingSeconds: 0, minimumSeconds: 0).frames(content: 0), 2)
        // The zeros after the content in samples (the live window decoder pads with them): 2 s,
        // or up to the 5-s minimum, within 30 s; their frames agree with `frames(content:)`.
        XCTAssertEqual([16_000, 96_000, 470_000, 500_000].map { c.paddingSamples(content: $0) }, [64_000, 32_000, 10_000, 0])
        for samples in [0, 1, 159, 160, 16_010, 16_170, 79_999, 96_001, 447_999, 448_159, 479_999] {
            let padded = samples + c.paddingSamples(content: samples)
            let frames = min(3000, max(2, padded / 160 - (padded / 160) % 2))
            XCTAssertEqual(frames, c.frames(content: samples / 160), "\(samples) samples")
        }
    }

    /// Timestamps past the content are the ones after its end rounded up to 0.02 s, in samples or
    /// frames alike.
    func testTimestampsPastTheContent() throws {
        let t = try Transcriber(model: ScriptedWhisper(vocab: V.count) { _, _ in V.logits([V.eot: 10]) }, tokenizer: try V.tokenizer())
        let begin = V.timestampBegin
        XCTAssertEqual(t.timestamps(afterSamples: 320).first, begin + 2, "0.02 s: <|0.02|> is the last allowed")
        XCTAssertEqual(t.timestamps(afterSamples: 321).first, begin + 3, "a part step rounds up")
        XCTAssertEqual(t.timestamps(afterSamples: 0).first, begin + 1)
        XCTAssertEqual(t.timestamps(afterSamples: 7 * 320).first, begin + 8, "no floating-point step (0.14 / 0.02 > 7)")
    }

    /// A 6-s clip is encoded in 8 s of context; a 35-s one in 30 s, then its last 5 s in 7 s.
    /// Without the option every window is 3000 frames (faster-whisper).
    func testTheEncoderGetsTheContentPlusPadding() throws {
        let full = ScriptedWhisper(vocab: V.count) { _, _ in V.logits([V.eot: 10]) }
        _ = try Transcriber(model: full, tokenizer: try V.tokenizer()).transcribe(mel: features(frames: 601), duration: 6, options: options(nil))
        XCTAssertEqual(full.encodedWindows.map(\.frames), [3000])

        let short = ScriptedWhisper(vocab: V.count) { _, _ in V.logits([V.eot: 10]) }
        _ = try Transcriber(model: short, tokenizer: try V.tokenizer())
            .transcribe(mel: features(frames: 601), duration: 6, options: options(ReducedAudioContext()))
        XCTAssertEqual(short.encodedWindows.map(\.frames), [800])

        // 35 s whose first window's text ends at 30 s: the seek moves on to frame 3000.
        let long = ScriptedWhisper(vocab: V.count) { fed, window in
            window == 0 ? (V.follow(fed, after: V.sot, sequence: [V.ts(0)] + V.text(" a") + [V.ts(30), V.eot]) ?? V.logits([V.eot: 10]))
                        : V.logits([V.eot: 10])
        }
        _ = try Transcriber(model: long, tokenizer: try V.tokenizer())
            .transcribe(mel: features(frames: 3501), duration: 35, options: options(ReducedAudioContext()))
        XCTAssertEqual(long.encodedWindows.map(\.frames), [3000, 700])
        XCTAssertEqual(long.encodedWindows.map(\.marker), [0, 3000])
    }

    /// The padding holds no speech: a timestamp past the content is never chosen (a segment
    /// ending at 10 s of a 6-s window would move the seek past the clip's end).
    func testNoTimestampPastTheContent() throws {
        let script: ScriptedWhisper.Script = { fed, window in
            guard window == 0, let s = fed.lastIndex(of: V.sot) else { return V.logits([V.eot: 10]) }
            let produced = Array(fed[(s + 1)...])
            switch produced.count {
            case 0: return V.logits([V.ts(0): 10])
            case 1: return V.logits([V.text(" a")[0]: 10])
            case 2: return V.logits([V.text(" a")[1]: 10])
            case 3: return V.logits([V.ts(10): 10, V.ts(4): 8])   // the model's favourite is past the content
            case 4: return V.logits([produced[3]: 10])
            default: return V.logits([V.eot: 10])
            }
        }
        let full = try Transcriber(model: ScriptedWhisper(vocab: V.count, script: script), tokenizer: try V.tokenizer())
            .transcribe(mel: features(frames: 601), duration: 6, options: options(nil))
        XCTAssertEqual(full.segments.map(\.end), [10], "30-s context: as faster-whisper, the timestamp stands")
        let reduced = try Transcriber(model: ScriptedWhisper(vocab: V.count, script: script), tokenizer: try V.tokenizer())
            .transcribe(mel: features(frames: 601), duration: 6, options: options(ReducedAudioContext()))
        XCTAssertEqual(reduced.segments.map(\.end), [4])
        XCTAssertEqual(reduced.text, "a")
    }

    /// A window whose segments end at its start ("<|0.00|> a <|0.00|><|0.00|>") would leave the
    /// seek where it was and decode the same window forever; the seek moves past the window.
    func testASeekThatDoesNotMoveSkipsTheWindow() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            V.follow(fed, after: V.sot, sequence: [V.ts(0)] + V.text(" a") + [V.ts(0), V.ts(0), V.eot]) ?? V.logits([V.eot: 10])
        }
        for context in [nil, ReducedAudioContext()] {
            model.encodedWindows = []
            _ = try Transcriber(model: model, tokenizer: try V.tokenizer())
                .transcribe(mel: features(frames: 601), duration: 6, options: options(context))
            XCTAssertEqual(model.encodedWindows.count, 1, "\(String(describing: context))")
        }
    }
}
