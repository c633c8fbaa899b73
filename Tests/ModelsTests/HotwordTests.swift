import XCTest
import Foundation
import Features
@testable import Models
import TestSupport

/// Custom vocabulary (issue 14 item 2): faster-whisper's prompt layout, and a real clip whose rare
/// name tiny.en misspells without the hotword and spells right with it.
final class HotwordTests: XCTestCase {
    typealias V = TinyVocabulary

    func testPromptPutsHotwordsBeforeThePreviousTextWithinTheBudget() throws {
        let special = try V.tokenizer().special
        var builder = PromptBuilder(special: special, startSequence: [V.sot])
        builder.hotwords = [1, 2, 3]
        XCTAssertEqual(builder.prompt(previous: [], withoutTimestamps: false), [V.sotPrev, 1, 2, 3, V.sot])
        XCTAssertEqual(builder.prompt(previous: [7, 8], withoutTimestamps: true), [V.sotPrev, 1, 2, 3, 7, 8, V.sot, V.noTimestamps])
        // 223 tokens after <|startofprev|>: the previous text's tail fills what the hotwords leave.
        let long = Array(0..<300)
        let p = builder.prompt(previous: long, withoutTimestamps: false)
        XCTAssertEqual(p.count, 1 + 223 + 1)
        XCTAssertEqual(Array(p[1...3]), [1, 2, 3])
        XCTAssertEqual(p[4], 300 - 220)
        builder.hotwords = Array(repeating: 5, count: 400)
        XCTAssertEqual(builder.prompt(previous: long, withoutTimestamps: false).count, 1 + 223 + 1)
    }

    func testHotwordsReachTheDecoder() throws {
        // A scripted model that only speaks when it was prompted with the hotword text "zq".
        let model = ScriptedWhisper(vocab: V.count) { fed, _ in
            let prompted = fed.count >= 4 && fed[0] == V.sotPrev && Array(fed[1...3]) == V.text(" zq")
            if fed.last == V.sot { return V.logits([V.ts(0): 5]) }
            if fed.last == V.ts(0) { return V.logits([prompted ? Int(UInt8(ascii: "Z")) : V.eot: 5]) }
            if fed.last == V.ts(1) { return V.logits([V.eot: 5]) }
            return V.logits([V.ts(1): 5])
        }
        let transcriber = try Transcriber(model: model, tokenizer: try V.tokenizer())
        var options = DecodingOptions.greedy(language: "en")
        options.suppressTokens = []
        options.temperatures = [0]
        options.hotwords = "zq"
        let result = try transcriber.decodeWindow(mel: [Float](repeating: 0, count: 80 * 200), frames: 200, options: options)
        XCTAssertEqual(result.text, "Z")
        options.hotwords = nil
        let plain = try transcriber.decodeWindow(mel: [Float](repeating: 0, count: 80 * 200), frames: 200, options: options)
        XCTAssertEqual(plain.text, "")
    }

    /// spkanon_eval/1988-24833-0001.flac (LibriSpeech): the cat is called "Cat". tiny.en writes
    /// "Kat has taught them"; with the hotword "Cat" it writes "Cat has taught them" (faster-whisper
    /// 1.2.1 with hotwords="Cat" does the same).
    func testHotwordFixesARareNameOnARealClip() throws {
        #if DEBUG
        throw XCTSkip("runs the real model: use swift test -c release")
        #else
        let shared = try TestPaths.requireSharedFixtures()
        let modelDir = try TestPaths.requireModel("tiny.en")
        let model = try WhisperModel.load(directory: modelDir)
        let transcriber = try Transcriber(model: model, directory: modelDir)
        let samples = try AudioDecoder.load(shared.appendingPathComponent("spkanon_eval/1988-24833-0001.flac").path)
        var options = DecodingOptions.greedy(language: "en")
        let plain = try transcriber.transcribe(samples: samples, options: options).text
        options.hotwords = "Cat"
        let hot = try transcriber.transcribe(samples: samples, options: options).text
        print("without hotwords: \(plain)\nwith hotwords \"Cat\": \(hot)")
        XCTAssertTrue(plain.contains("Kat has taught"), plain)
        XCTAssertFalse(plain.contains("Cat has taught"), plain)
        XCTAssertTrue(hot.contains("Cat has taught"), hot)
        XCTAssertFalse(hot.contains("Kat"), hot)
        #endif
    }
}
