import XCTest
@testable import Models

final class SearchTests: XCTestCase {
    typealias V = TinyVocabulary

    /// Pseudo-random logits depending on everything fed so far.
    static func noisyScript(_ fed: [Int], _ window: Float) -> [Float] {
        var rng = SeededGenerator(seed: UInt64(fed.reduce(17) { ($0 &* 31 &+ $1) & 0xFFFF_FFFF }))
        var row = (0..<V.count).map { _ in rng.unit() * 8 }
        row[V.eot] = fed.count > 12 ? 20 : -5   // end after a few tokens
        return row
    }

    func testGreedyIsArgmaxOfTheLogits() throws {
        let model = ScriptedWhisper(vocab: V.count, script: Self.noisyScript)
        var settings = SearchSettings(endOfText: V.eot, maxLength: 100)
        settings.filters = []
        var session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        _ = try session.step([V.sot])
        var rng = SeededGenerator(seed: 1)
        let hyp = try GreedyDecoder(settings: settings).decode(session: &session, startToken: V.transcribe, rng: &rng)
        // Naive reference: argmax of the raw logits, summing log-softmax values.
        var fed = [V.sot, V.transcribe]
        var expected: [Int] = []
        var total: Double = 0
        while true {
            let row = Self.noisyScript(fed, 0)
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            let lse = log(row.reduce(0.0) { $0 + exp(Double($1)) })
            total += Double(row[best]) - lse
            if best == V.eot { break }
            expected.append(best)
            fed.append(best)
        }
        XCTAssertEqual(hyp.tokens, expected)
        XCTAssertEqual(Double(hyp.cumulativeLogProb), total, accuracy: 1e-3)
        XCTAssertEqual(Double(hyp.score), total / Double(expected.count), accuracy: 1e-3)
    }

    func testGreedyStopsAtMaxLength() throws {
        let model = ScriptedWhisper(vocab: V.count) { _, _ in V.logits([65: 5]) }
        let settings = SearchSettings(endOfText: V.eot, maxLength: 7)
        var session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        var rng = SeededGenerator(seed: 1)
        let hyp = try GreedyDecoder(settings: settings).decode(session: &session, startToken: V.sot, rng: &rng)
        XCTAssertEqual(hyp.tokens, Array(repeating: 65, count: 7))
    }

    /// Step 1: A (p≈0.6) or B (p≈0.4). After A everything is flat (the sequence is unlikely);
    /// after B, C then EOT are near certain. Greedy takes A; beam search finds B C.
    static func trapScript(_ fed: [Int], _ window: Float) -> [Float] {
        let a = 65, b = 66, c = 67
        let generated = Array(fed.drop { $0 != V.sot }.dropFirst())
        if generated.isEmpty { return V.logits([a: log(0.6) + 20, b: log(0.4) + 20], base: 0) }
        if generated == [a] { return V.logits([:], base: 0) }
        if generated == [b] { return V.logits([c: 30], base: 0) }
        return V.logits([V.eot: 30], base: 0)
    }

    func testBeamSearchFindsAHigherScoringSequenceThanGreedy() throws {
        let model = ScriptedWhisper(vocab: V.count, script: Self.trapScript)
        let session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        var settings = SearchSettings(endOfText: V.eot, maxLength: 20)
        var rng = SeededGenerator(seed: 1)
        var greedySession = session
        let greedy = try GreedyDecoder(settings: settings).decode(session: &greedySession, startToken: V.sot, rng: &rng)
        XCTAssertEqual(greedy.tokens.first, 65)
        settings.beamSize = 3
        let beams = try BeamSearchDecoder(settings: settings).decode(session: session, startToken: V.sot)
        XCTAssertEqual(beams.first?.tokens, [66, 67])
        XCTAssertGreaterThan(beams[0].score, greedy.score)
        XCTAssertEqual(beams.count, 3, "stops once beam × patience hypotheses finished")
        for k in 1..<beams.count { XCTAssertGreaterThanOrEqual(beams[k - 1].score, beams[k].score) }
    }

    func testBeamSizeOneEqualsGreedy() throws {
        let model = ScriptedWhisper(vocab: V.count, script: Self.noisyScript)
        let session = try model.makeSession(AudioFeatures(frames: 1, width: 1, data: [0]))
        var settings = SearchSettings(endOfText: V.eot, maxLength: 50)
        var rng = SeededGenerator(seed: 1)
        var copy = session
        let greedy = try GreedyDecoder(settings: settings).decode(session: &copy, startToken: V.sot, rng: &rng)
        settings.beamSize = 1
        let beam = try BeamSearchDecoder(settings: settings).decode(session: session, startToken: V.sot)
        XCTAssertEqual(beam.first?.tokens, greedy.tokens)
        XCTAssertEqual(beam.first?.cumulativeLogProb ?? 0, greedy.cumulativeLogProb, accuracy: 1e-3)
    }

    func testSamplingIsSeededAndFollowsTheDistribution() throws {
        var row = [Float](repeating: -100, count: 10)
        row[5] = 0
        row[6] = log(3)
        row = LogProbabilities.logSoftmax(row)
        var rng = SeededGenerator(seed: 42)
        var counts = [0, 0]
        for _ in 0..<4000 { counts[GreedyDecoder.sample(row, temperature: 1, rng: &rng) == 6 ? 1 : 0] += 1 }
        XCTAssertEqual(Double(counts[1]) / 4000, 0.75, accuracy: 0.03)
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        XCTAssertEqual((0..<20).map { _ in GreedyDecoder.sample(row, temperature: 0.7, rng: &a) },
                       (0..<20).map { _ in GreedyDecoder.sample(row, temperature: 0.7, rng: &b) })
    }
}
