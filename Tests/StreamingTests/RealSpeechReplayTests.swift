import XCTest
import Streaming
import TestSupport

/// Serves recorded real-Whisper hypotheses as the captioner's model, checking each request is the
/// recorded window (no final pass: the recording holds window decodes only).
final class ReplayDecoder: StreamingModel {
    let sampleRate = 16_000
    let language = "en"
    let incremental = false
    let hasFinalPass = false
    let windows: [RecordedWindow]
    private(set) var next = 0
    private(set) var mismatch: String?

    init(_ windows: [RecordedWindow]) { self.windows = windows }

    func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try decodeWindow(samples, startTime: startTime, prompt: prompt)
    }

    func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        struct OutOfRecording: Error, CustomStringConvertible { var description: String }
        let end = startTime + Double(samples.count) / 16_000
        guard next < windows.count else {
            throw OutOfRecording(description: "window \(startTime)–\(end) was not recorded; re-record JFKWindowRecording")
        }
        let w = windows[next]
        next += 1
        if abs(w.start - startTime) > 1e-3 || abs(w.end - end) > 1e-3 || w.prompt != prompt {
            mismatch = mismatch ?? "request \(next): got \(startTime)–\(end) \"\(prompt)\", recorded \(w.start)–\(w.end) \"\(w.prompt)\""
        }
        return Hypothesis(words: w.words, avgLogProb: w.avgLogProb, noSpeechProb: w.noSpeechProb,
                          compressionRatio: w.compressionRatio, language: "en")
    }
}

final class RealSpeechReplayTests: XCTestCase {
    /// Words for scoring: lower case, punctuation removed.
    func normalised(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { $0 == " " }).map { String($0.filter { $0.isLetter || $0.isNumber || $0 == "'" }) }
            .filter { !$0.isEmpty }
    }

    /// Word error rate by edit distance (substitutions + deletions + insertions) / reference words.
    func wordErrorRate(_ hyp: [String], _ ref: [String]) -> Double {
        var row = Array(0...hyp.count)
        for (i, r) in ref.enumerated() {
            var prev = row
            prev[0] = i + 1
            for j in 1...max(1, hyp.count) where j <= hyp.count {
                prev[j] = min(row[j] + 1, prev[j - 1] + 1, row[j - 1] + (hyp[j - 1] == r ? 0 : 1))
            }
            row = prev
        }
        return Double(row[hyp.count]) / Double(max(1, ref.count))
    }

    func testStreamingJFKWithRecordedWhisperHypotheses() throws {
        guard let dir = TestPaths.sharedFixtures else {
            throw RequiredFixtures.missing("shared fixtures not found (set CAPTIOND_SHARED_FIXTURES)")
        }
        let samples = try WavFixture.read(dir.appendingPathComponent("whisper_cpp/jfk.wav"))
        let decoder = ReplayDecoder(JFKWindowRecording.windows)
        // Recorded with plain LocalAgreement-2 (the windows asked for depend on when words commit).
        let r = try LiveCaptioner(model: decoder, configuration: JFKWindowRecording.configuration)
        let events = try r.streamed(samples, from: 0) + r.finish()
        XCTAssertNil(decoder.mismatch, "the recognizer asked for other windows than recorded")
        XCTAssertEqual(decoder.next, JFKWindowRecording.windows.count, "every recorded window was used")

        let finals = events.filter { $0.kind == .final }
        XCTAssertGreaterThanOrEqual(finals.count, 2, "the pauses split the speech into utterances")
        let reference = "And so my fellow Americans, ask not what your country can do for you, "
            + "ask what you can do for your country."
        let streamed = normalised(finals.map(\.text).joined(separator: " "))
        let wer = wordErrorRate(streamed, normalised(reference))
        XCTAssertLessThanOrEqual(wer, 0.10, "streamed: \(streamed.joined(separator: " "))")
        // Overlapping windows never duplicate words at the joins.
        XCTAssertEqual(streamed.filter { $0 == "americans" }.count, 1)
        XCTAssertEqual(streamed.filter { $0 == "not" }.count, 1)
        XCTAssertEqual(streamed.filter { $0 == "country" }.count, 2)
        // Finals are in order and do not overlap; committed text is never revised.
        for (a, b) in zip(finals, finals.dropFirst()) { XCTAssertLessThanOrEqual(a.end, b.start + 1e-9) }
        for u in Set(events.map(\.utterance)) {
            let stables = events.filter { $0.utterance == u }.map(\.stable)
            for (a, b) in zip(stables, stables.dropFirst()) { XCTAssertTrue(b.hasPrefix(a), "\(a) → \(b)") }
        }
        // Latency on the capture clock (no wall time): from a word's end in the audio to the audio
        // time of the event that first shows it, and of the event that first commits it.
        var shown: [Double] = [], committed: [Double] = []
        for word in finals.flatMap(\.words) {
            func same(_ w: Word) -> Bool { w.text == word.text && abs(w.start - word.start) < 0.5 }
            if let e = events.first(where: { $0.words.contains(where: same) }) { shown.append(e.end - word.end) }
            if let e = events.first(where: { e in
                let stableCount = CaptionText.words(e.stable).count
                return e.words.prefix(stableCount).contains(where: same)
            }) { committed.append(max(0, e.end - word.end)) }
        }
        let median = { (x: [Double]) -> Double in x.sorted()[x.count / 2] }
        print("jfk replay: WER \(wer), median first-shown latency \(median(shown)) s, median commit latency \(median(committed)) s")
        XCTAssertLessThanOrEqual(median(shown), 1.0)
        XCTAssertLessThanOrEqual(median(committed), 2.0)
    }
}
