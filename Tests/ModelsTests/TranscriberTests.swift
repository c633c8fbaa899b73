import XCTest
import Features
@testable import Models

/// The whole seek loop over a scripted model: windows, segment splitting, seek updates, the
/// previous-text prompt, no-speech skipping and language detection.
final class TranscriberTests: XCTestCase {
    typealias V = TinyVocabulary

    /// Features whose first bin holds the frame index, so each window's first value tells the
    /// scripted model which window it decodes.
    func features(frames: Int) -> MelSpectrogram { V.features(frames: frames) }

    static let window0 = [V.ts(0)] + V.text(" one") + [V.ts(2), V.ts(2)] + V.text(" two") + [V.ts(5), V.ts(5)] + V.text(" thr") + [V.eot]
    static let window500 = [V.ts(0)] + V.text(" three") + [V.ts(1), V.eot]
    static let window3500 = [V.ts(0)] + V.text(" uh") + [V.ts(1), V.eot]

    static func script(_ fed: [Int], _ window: Float) -> [Float] {
        let generatedStart = fed.lastIndex(of: V.sot) ?? 0
        let afterSOT = fed.count - 1 - generatedStart
        switch window {
        case 0: return V.follow(fed, after: V.sot, sequence: window0) ?? V.logits([V.eot: 10])
        case 500: return V.follow(fed, after: V.sot, sequence: window500) ?? V.logits([V.eot: 10])
        case 3500:
            if afterSOT == 0 { return V.logits([V.noSpeech: 12, V.ts(0): 2], base: 0) }
            return V.follow(fed, after: V.sot, sequence: window3500, strength: 2).map { $0.map { max($0, 0) } }
                ?? V.logits([V.eot: 2], base: 0)
        default: return V.logits([V.eot: 10])
        }
    }

    func options() -> DecodingOptions {
        var o = DecodingOptions.greedy(language: "en")
        o.suppressTokens = []
        return o
    }

    /// Issue 9 fault 8: a tokenizer of another model (base's on tiny.en weights) printed garbage
    /// with exit 0. The vocabulary must match the embedding rows, special tokens and timestamps
    /// included.
    func testTokenizerOfAnotherVocabularyIsRefused() throws {
        for vocab in [V.count - 1, V.count + 1, V.timestampBegin] {
            let model = ScriptedWhisper(vocab: vocab, script: Self.script)
            XCTAssertThrowsError(try Transcriber(model: model, tokenizer: try V.tokenizer()), "vocab \(vocab)") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("\(vocab) token embeddings") && text.contains("\(V.count) tokens")
                              && text.contains("tiny-vocabulary") && !text.contains("\n"), text)
            }
        }
        XCTAssertNoThrow(try Transcriber(model: ScriptedWhisper(vocab: V.count, script: Self.script), tokenizer: try V.tokenizer()))
    }

    /// Issue 9 fault 16: a 1-s tone sent tiny.en into a repetition loop at every temperature
    /// (26 s for one second of audio): 6 attempts × 5 beams or samples × 224 tokens. The work
    /// per window is bounded by the audio it holds. Counts decoder steps of a model that never
    /// ends its text.
    func testRepetitionLoopOnShortAudioHasBoundedWork() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            fed.last == V.sot || fed.last == V.noTimestamps ? V.logits([V.ts(0): 5]) : V.logits([97: 5])   // "aaaa…" forever
        }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var options = DecodingOptions()            // faster-whisper's defaults: beam 5, best of 5, 6 temperatures
        options.language = "en"
        options.suppressTokens = []
        let result = try transcriber.transcribe(mel: features(frames: 101), duration: 1, options: options)
        let steps = model.fedSequences.count
        // Budget: max(32, 1 s × 12) = 32 tokens per attempt, attempts stop after 4 × 32 tokens:
        // 4 attempts × 5 hypotheses × ~33 steps. Unbounded, this was 6 × 5 × 224 ≈ 6700.
        XCTAssertLessThanOrEqual(steps, 4 * 5 * 40, "decoder steps for one second of audio")
        XCTAssertTrue(result.segments.isEmpty, "a loop the bound cut short is dropped, not printed: \(result.segments)")
        // Without the bound (options.tokensPerSecond = nil) the same audio costs far more.
        let unbounded = ScriptedWhisper(vocab: V.count, script: model.script)
        options.tokensPerSecond = nil
        _ = try Transcriber(model: unbounded, tokenizer: try V.tokenizer()).transcribe(mel: features(frames: 101), duration: 1, options: options)
        XCTAssertGreaterThan(unbounded.fedSequences.count, 10 * steps)
    }

    func testSeeksThroughWindowsSplitsSegmentsAndSkipsSilence() throws {
        let model = ScriptedWhisper(vocab: V.count, script: Self.script)
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var fractions: [Double] = []
        let result = try transcriber.transcribe(mel: features(frames: 5001), duration: 50, options: options()) { fractions.append($0) }

        XCTAssertEqual(model.encodedWindows.map(\.marker), [0, 500, 3500])
        XCTAssertEqual(model.encodedWindows.map(\.frames), [3000, 3000, 3000])
        XCTAssertEqual(result.segments.map(\.text), [" one", " two", " three"])
        XCTAssertEqual(result.segments.map(\.start), [0, 2, 5])
        XCTAssertEqual(result.segments.map(\.end), [2, 5, 6])
        XCTAssertEqual(result.segments.map(\.seek), [0, 0, 500])
        XCTAssertEqual(result.segments.map(\.id), [1, 2, 3])
        XCTAssertEqual(result.text, "one two three")
        XCTAssertEqual(fractions, [0.1, 0.7, 1.0])
        XCTAssertLessThan(result.segments[0].noSpeechProb, 0.01)
        XCTAssertGreaterThan(result.segments[0].avgLogProb, -0.01)

        // The second window is conditioned on the first one's segments.
        let previous = Array(Self.window0[0..<12])
        let promptFeeds = model.fedSequences.filter { $0.first == V.sotPrev && !$0.contains(V.sot) }
        XCTAssertEqual(promptFeeds.first, [V.sotPrev] + previous)
        // The third window's prompt carries all three segments (skipping does not reset it).
        XCTAssertEqual(promptFeeds.last, [V.sotPrev] + previous + Array(Self.window500[0..<8]))
    }

    /// The live final pass (`decodesRestAfterCompleteText = false`): a window whose text ended in
    /// complete segments (only a timestamp after the last) is not followed by a decode of the
    /// clip's rest from that timestamp (an utterance's trailing silence, where the offline rule
    /// spent a second encoder run and decoded "uh"); text cut off at the window's end still is.
    func testTheRestAfterCompleteTextIsNotDecodedWhenAsked() throws {
        let complete = [V.ts(0)] + V.text(" one") + [V.ts(2), V.ts(2)] + V.text(" two") + [V.ts(4), V.ts(4), V.eot]
        let script: ScriptedWhisper.Script = { fed, window in
            switch window {
            case 0: return V.follow(fed, after: V.sot, sequence: complete) ?? V.logits([V.eot: 10])
            case 400: return V.follow(fed, after: V.sot, sequence: Self.window3500) ?? V.logits([V.eot: 10])
            default: return V.logits([V.eot: 10])
            }
        }
        // Offline (faster-whisper's rule): the rest from 4 s is decoded and reads " uh".
        let offline = ScriptedWhisper(vocab: V.count, script: script)
        let all = try Transcriber(model: offline, tokenizer: try V.tokenizer()).transcribe(mel: features(frames: 601), duration: 6, options: options())
        XCTAssertEqual(offline.encodedWindows.map(\.marker), [0, 400])
        XCTAssertEqual(all.windowsDecoded, 2)
        XCTAssertEqual(all.text, "one two uh")

        var o = options()
        o.decodesRestAfterCompleteText = false
        let live = ScriptedWhisper(vocab: V.count, script: script)
        let pass = try Transcriber(model: live, tokenizer: try V.tokenizer()).transcribe(mel: features(frames: 601), duration: 6, options: o)
        XCTAssertEqual(live.encodedWindows.map(\.marker), [0], "one encoder run")
        XCTAssertEqual(pass.windowsDecoded, 1)
        XCTAssertEqual(pass.text, "one two")

        // Text cut off at the window's end (" thr" after the last complete segment) is decoded again.
        let cut = ScriptedWhisper(vocab: V.count, script: Self.script)
        let whole = try Transcriber(model: cut, tokenizer: try V.tokenizer()).transcribe(mel: features(frames: 601), duration: 6, options: o)
        XCTAssertEqual(cut.encodedWindows.map(\.marker), [0, 500])
        XCTAssertEqual(whole.text, "one two three")
    }

    func testWithoutConditioningThePromptIsJustSOT() throws {
        let model = ScriptedWhisper(vocab: V.count, script: Self.script)
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var o = options()
        o.conditionOnPreviousText = false
        _ = try transcriber.transcribe(mel: features(frames: 5001), duration: 50, options: o)
        XCTAssertTrue(model.fedSequences.allSatisfy { $0.first == V.sot })
    }

    func testInitialPromptAndWithoutTimestamps() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            V.follow(fed, after: V.noTimestamps, sequence: V.text("ok") + [V.eot]) ?? V.logits([V.eot: 10])
        }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var o = options()
        o.initialPrompt = "  hi "
        o.withoutTimestamps = true
        let result = try transcriber.transcribe(mel: features(frames: 1001), duration: 10, options: o)
        XCTAssertEqual(model.fedSequences.first, [V.sotPrev] + V.text(" hi") + [V.sot])
        XCTAssertEqual(result.segments.map(\.text), ["ok"])
        XCTAssertEqual(result.segments.first?.end, 10)
    }

    func testLanguageDetectionPicksTheMostProbableLanguageAndPromptsWithIt() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            if fed == [V.sot] { return V.logits([V.zh: 6, V.en: 2, 260: 1], base: 0) }
            return V.follow(fed, after: V.sot, sequence: [V.zh, V.transcribe, V.ts(0)] + V.text(" ni") + [V.ts(1), V.eot])
                .map { row in row } ?? V.logits([V.eot: 10])
        }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer(multilingual: true))
        var o = options()
        o.language = nil
        let result = try transcriber.transcribe(mel: features(frames: 1001), duration: 10, options: o)
        XCTAssertEqual(result.language, "zh")
        let expected = exp(6.0) / (exp(6.0) + exp(2.0) + exp(1.0))
        XCTAssertEqual(result.languageProbability, expected, accuracy: 1e-5)
        XCTAssertTrue(model.fedSequences.contains([V.sot, V.zh]), "SOT and the language token are fed before the task token")
        XCTAssertEqual(result.segments.map(\.text), [" ni"])
        XCTAssertEqual(model.encodedWindows.count, 1, "detection reuses the first window's encoder output")
        let long = try transcriber.transcribe(mel: features(frames: 3101), duration: 31, options: o)
        XCTAssertEqual(long.language, "zh")
        XCTAssertEqual(model.encodedWindows.map(\.marker), [0, 0, 3000], "every window is encoded once")
        let probs = try transcriber.detectLanguage(mel: Transcriber<ScriptedWhisper>.slice(features(frames: 1001), start: 0, count: 3000, padTo: 3000), frames: 3000)
        XCTAssertEqual(probs.map(\.code), ["zh", "en", "de"])
    }

    func testTranslateTaskPromptsWithTheTranslateToken() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            if fed.suffix(3) == [V.sot, V.zh, V.transcribe] { return V.logits([V.eot: 10]) }
            return V.follow(fed, after: V.translate, sequence: [V.ts(0)] + V.text(" hello") + [V.ts(1), V.eot])
                ?? V.logits([V.eot: 10])
        }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer(multilingual: true))
        var o = options()
        o.language = "zh"
        o.task = .translate
        let result = try transcriber.transcribe(mel: features(frames: 501), duration: 5, options: o)
        XCTAssertEqual(result.segments.map(\.text), [" hello"])
        XCTAssertTrue(model.fedSequences.contains { $0.starts(with: [V.sot, V.zh, V.translate]) })
        XCTAssertFalse(model.fedSequences.contains { $0.contains(V.transcribe) })
    }

    func testDecodeWindowWithReducedContextAndPrompt() throws {
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            V.follow(fed, after: V.sot, sequence: [V.ts(0)] + V.text(" go") + [V.ts(0.5), V.eot]) ?? V.logits([V.eot: 10])
        }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        let mel = [Float](repeating: 0, count: 80 * 1000)
        let out = try transcriber.decodeWindow(mel: mel, frames: 1000, options: options(), prompt: V.text(" before"))
        XCTAssertEqual(model.encodedWindows.map(\.frames), [1000])
        XCTAssertEqual(out.tokens, [V.ts(0)] + V.text(" go") + [V.ts(0.5)])
        XCTAssertEqual(out.text, " go")
        XCTAssertEqual(model.fedSequences.first, [V.sotPrev] + V.text(" before"))
        XCTAssertEqual(out.temperature, 0)
    }

    func testBadOptionsGivePreciseErrors() throws {
        let model = ScriptedWhisper(vocab: V.count) { _, _ in V.logits([V.eot: 10]) }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer(multilingual: true))
        var o = options()
        o.language = "xx"
        XCTAssertThrowsError(try transcriber.transcribe(mel: features(frames: 101), duration: 1, options: o)) {
            XCTAssertTrue("\($0)".contains("'xx'"), "\($0)")
        }
        o.language = "en"
        o.temperatures = []
        XCTAssertThrowsError(try transcriber.transcribe(mel: features(frames: 101), duration: 1, options: o)) {
            XCTAssertTrue("\($0)".contains("temperatures"), "\($0)")
        }
        o.temperatures = [0]
        o.beamSize = 0
        XCTAssertThrowsError(try transcriber.transcribe(mel: features(frames: 101), duration: 1, options: o))
    }
}
