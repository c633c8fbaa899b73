import XCTest
@testable import Models

final class FallbackAndSplitTests: XCTestCase {
    typealias V = TinyVocabulary

    func result(_ text: String, avg: Double, noSpeech: Float = 0.01) -> WhisperGenerator.Result {
        let tokens = V.text(text)
        // score such that the recovered average log-prob is `avg`: score·len/(len+1) = avg.
        return WhisperGenerator.Result(tokens: tokens, score: Float(avg * Double(tokens.count + 1) / Double(tokens.count)),
                                       noSpeechProb: noSpeech)
    }

    func run(_ attempts: [Float: WhisperGenerator.Result], options: DecodingOptions = DecodingOptions()) throws
        -> (WindowDecoding, [Float]) {
        var tried: [Float] = []
        let tok = try V.tokenizer()
        let out = try TemperatureFallback(options: options).run(attempt: { t in
            tried.append(t)
            return attempts[t] ?? self.result(" fine words here", avg: -0.2)
        }, text: { tok.decode($0) })
        return (out, tried)
    }

    func testRepetitionLoopTriggersFallback() throws {
        let loop = String(repeating: " the the the", count: 20)
        XCTAssertGreaterThan(try CompressionRatio.of(loop.trimmingWhitespace()), 2.4)
        let (out, tried) = try run([0: result(loop, avg: -0.1)])
        XCTAssertEqual(tried, [0, 0.2])
        XCTAssertEqual(out.temperature, 0.2)
        XCTAssertEqual(out.text, " fine words here")
    }

    func testLowLogProbTriggersFallbackAndBestIsKeptWhenAllFail() throws {
        let (out, tried) = try run([0: result(" a", avg: -1.5), 0.2: result(" b", avg: -1.2), 0.4: result(" c", avg: -1.1),
                                    0.6: result(" d", avg: -1.9), 0.8: result(" e", avg: -3), 1.0: result(" f", avg: -2)])
        XCTAssertEqual(tried, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(out.text, " c", "the best average log-probability wins")
        XCTAssertEqual(out.temperature, 1.0, "reported with the last temperature")
    }

    func testSilenceStopsTheFallback() throws {
        let (out, tried) = try run([0: result(" um", avg: -2, noSpeech: 0.9)])
        XCTAssertEqual(tried, [0])
        XCTAssertEqual(out.noSpeechProb, Double(Float(0.9)))
    }

    func testCompressionRatioMatchesPythonZlib() throws {
        // python3 -c 'import zlib;t=b"And so my fellow Americans";print(len(t)/len(zlib.compress(t)))'
        XCTAssertEqual(try CompressionRatio.of("And so my fellow Americans"), 26.0 / 34.0, accuracy: 1e-12)
    }

    func testAverageLogProbRecoveredFromScore() {
        XCTAssertEqual(TemperatureFallback.averageLogProb(score: -0.5, length: 9, lengthPenalty: 1), -0.45, accuracy: 1e-7)
    }

    func testSplitAtConsecutiveTimestamps() {
        let s = SegmentSplitter(timestampBegin: V.timestampBegin)
        let tokens = [V.ts(0)] + V.text(" a") + [V.ts(2.0), V.ts(2.0)] + V.text(" b") + [V.ts(4.5), V.ts(4.5)] + V.text(" c")
        // Ends with text: the last segment is unfinished; seek goes to the last pair's timestamp.
        let out = s.split(tokens: tokens, timeOffset: 30, segmentSize: 3000, seek: 3000)
        XCTAssertEqual(out.pieces.map(\.start), [30, 32])
        XCTAssertEqual(out.pieces.map(\.end), [32, 34.5])
        XCTAssertEqual(out.pieces[1].tokens, [V.ts(2.0)] + V.text(" b") + [V.ts(4.5)])
        XCTAssertEqual(out.seek, 3000 + 225 * 2)
        XCTAssertFalse(out.singleTimestampEnding)
    }

    func testSingleTimestampEndingConsumesTheWindow() {
        let s = SegmentSplitter(timestampBegin: V.timestampBegin)
        let tokens = [V.ts(0)] + V.text(" a") + [V.ts(2.0), V.ts(2.0)] + V.text(" b") + [V.ts(4.5)]
        let out = s.split(tokens: tokens, timeOffset: 0, segmentSize: 1200, seek: 0)
        XCTAssertTrue(out.singleTimestampEnding)
        XCTAssertEqual(out.pieces.count, 2)
        XCTAssertEqual(out.pieces[1].end, 4.5)
        XCTAssertEqual(out.seek, 1200)
    }

    func testNoConsecutiveTimestampsMakesOneSegment() {
        let s = SegmentSplitter(timestampBegin: V.timestampBegin)
        let out = s.split(tokens: [V.ts(0)] + V.text(" hi") + [V.ts(3.0)], timeOffset: 10, segmentSize: 500, seek: 1000)
        XCTAssertEqual(out.pieces, [SegmentSplitter.Piece(start: 10, end: 13, tokens: [V.ts(0)] + V.text(" hi") + [V.ts(3.0)])])
        XCTAssertEqual(out.seek, 1500)
        let plain = s.split(tokens: V.text(" hi"), timeOffset: 10, segmentSize: 500, seek: 1000)
        XCTAssertEqual(plain.pieces.first?.end, 15)
    }
}
