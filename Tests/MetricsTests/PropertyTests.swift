import XCTest
@testable import Metrics
import TestSupport

/// Properties the issue promises, on deterministic pseudo-random text.
final class PropertyTests: XCTestCase {
    static let vocab = ["the", "cat", "sat", "on", "a", "mat", "don't", "we'll", "go", "home", "3.5", "now", "blue", "sky"]

    func sentence(_ rng: inout SeededRandom, _ n: Int) -> [String] { (0..<n).map { _ in Self.vocab[rng.int(Self.vocab.count)] } }

    func testWEROfAStringWithItselfIsZero() {
        var rng = SeededRandom(state: 1)
        for n in 0..<40 {
            let s = sentence(&rng, n).joined(separator: " ")
            let e = ErrorRate.words(reference: s, hypothesis: s)
            XCTAssertEqual(e.rate, 0); XCTAssertEqual(e.counts.hits, n)
            XCTAssertEqual(ErrorRate.characters(reference: s, hypothesis: s).rate, 0)
        }
    }

    func testInsertingKWordsIntoNWordsGivesKOverN() {
        var rng = SeededRandom(state: 2)
        for _ in 0..<200 {
            let n = 1 + rng.int(20), k = rng.int(8)
            let ref = sentence(&rng, n)
            var hyp = ref
            for _ in 0..<k { hyp.insert("inserted", at: rng.int(hyp.count + 1)) }
            let e = ErrorRate.words(reference: ref.joined(separator: " "), hypothesis: hyp.joined(separator: " "))
            XCTAssertEqual(e.counts, EditCounts(insertions: k, hits: n))
            XCTAssertEqual(e.rate, Double(k) / Double(n), accuracy: 1e-15)
        }
    }

    /// The alignment (full matrix, rapidfuzz tie-breaking) against the naive two-row distance, and the
    /// ops must walk both sequences in order.
    func testAlignmentAgreesWithNaiveDistanceAndIsConsistent() {
        var rng = SeededRandom(state: 3)
        for _ in 0..<300 {
            let a = (0..<rng.int(15)).map { _ in rng.int(4) }, b = (0..<rng.int(15)).map { _ in rng.int(4) }
            let al = EditAlignment(reference: a, hypothesis: b)
            XCTAssertEqual(al.counts.errors, EditAlignment.distance(a, b))
            XCTAssertEqual(al.counts.referenceLength, a.count); XCTAssertEqual(al.counts.hypothesisLength, b.count)
            var i = 0, j = 0
            for op in al.ops {
                switch op {
                case let .equal(r, h): XCTAssertEqual([r, h], [i, j]); XCTAssertEqual(a[r], b[h]); i += 1; j += 1
                case let .substitute(r, h): XCTAssertEqual([r, h], [i, j]); XCTAssertNotEqual(a[r], b[h]); i += 1; j += 1
                case let .delete(r): XCTAssertEqual(r, i); i += 1
                case let .insert(h): XCTAssertEqual(h, j); j += 1
                }
            }
            XCTAssertEqual([i, j], [a.count, b.count])
            XCTAssertEqual(RougeL.lcsLength(a, b), RougeL.lcsLengthFullTable(a, b))
        }
    }

    /// The checkpointed (O(m·√n) memory) walk must give exactly the full matrix's ops, hence the
    /// same substitution/deletion/insertion split, on every shape: empty, one block, many blocks,
    /// tall, wide, small alphabets (many ties) and real words.
    func testCheckpointedAlignmentEqualsTheFullMatrixWalk() {
        var rng = SeededRandom(state: 11)
        for trial in 0..<400 {
            let maxLen = trial < 300 ? 30 : 400
            let alphabet = 2 + rng.int(5)
            let a = (0..<rng.int(maxLen)).map { _ in rng.int(alphabet) }
            var b = a
            for _ in 0..<rng.int(maxLen / 2 + 1) where !b.isEmpty {
                switch rng.int(3) {
                case 0: b.remove(at: rng.int(b.count))
                case 1: b.insert(rng.int(alphabet), at: rng.int(b.count + 1))
                default: b[rng.int(b.count)] = rng.int(alphabet)
                }
            }
            if trial % 7 == 0 { b = (0..<rng.int(maxLen)).map { _ in rng.int(alphabet) } }
            let fast = EditAlignment(reference: a, hypothesis: b), full = EditAlignment.quadratic(reference: a, hypothesis: b)
            XCTAssertEqual(fast.ops, full.ops, "trial \(trial): \(a.count)×\(b.count)")
            XCTAssertEqual(fast.counts, full.counts)
        }
        for n in 0..<60 {
            let ref = sentence(&rng, n), hyp = sentence(&rng, rng.int(70))
            XCTAssertEqual(EditAlignment(reference: ref, hypothesis: hyp), EditAlignment.quadratic(reference: ref, hypothesis: hyp))
        }
    }

    func testJiwerTieBreakingExample() {
        // jiwer/rapidfuzz align "a b" → "b c" as two substitutions, not delete + insert.
        XCTAssertEqual(ErrorRate.words(reference: "a b", hypothesis: "b c").counts, EditCounts(substitutions: 2))
    }

    func testEnglishNormalisationRules() {
        XCTAssertEqual(EnglishNormalizer.normalize("  Don’t STOP—it's 3.5%, ok?! "), "don't stop it's 3.5 ok")
        XCTAssertEqual(EnglishNormalizer.normalize("'quoted' rock-'n'-roll 1,000."), "quoted rock n roll 1,000")
        XCTAssertEqual(EnglishNormalizer.normalize("?!..."), "")
    }

    /// WER compares number words zero to twenty as digits, so a caption that writes "1, 2, 3" for
    /// "One, two, three." (Whisper writes either, depending on its audio context) has no word
    /// error; a word with an apostrophe keeps its letters, and CER keeps the words as written.
    func testEnglishNumberWordsScoreAsDigitsInWER() throws {
        XCTAssertEqual(EnglishNormalizer.wordKeys(EnglishNormalizer.normalize("One, two, THREE... twenty!")), ["1", "2", "3", "20"])
        XCTAssertEqual(EnglishNormalizer.wordKeys(EnglishNormalizer.normalize("No one's here; someone, twentyish.")),
                       ["no", "one's", "here", "someone", "twentyish"])
        let s = try CorpusScores.compute(hypotheses: ["1, 2, 3"], references: [["One, two, three."]], language: "en",
                                         metrics: [.wer, .cer])
        XCTAssertEqual(s.wer?.rate, 0)
        XCTAssertGreaterThan(try XCTUnwrap(s.cer?.rate), 0)
    }

    func testChineseNormalisationRules() throws {
        let zh = try ChineseNormalizer()
        XCTAssertEqual(try zh.normalize("「這是測試」，ＯＫ！ Hello  World"), "这是测试ok hello world")
        XCTAssertEqual(ChineseNormalizer.tokens("这是iphone 15"), ["这", "是", "iphone", "15"])
    }

    /// Every metric is unchanged by what the normalisers remove: case, punctuation, spacing, apostrophe
    /// style (English); script variant, full-width forms and punctuation (Chinese).
    func testMetricsAreInvariantToPromisedNormalisations() throws {
        let hyps = ["the cat sat on the mat", "we don't go home now", "it's 3.5 degrees"]
        let refs = [["the cat sat on a mat"], ["we do not go home"], ["it's 3.5 degrees today"]]
        let base = try CorpusScores.compute(hypotheses: hyps, references: refs, language: "en")
        let noisy = try CorpusScores.compute(
            hypotheses: ["The CAT sat, on the mat!", "  We DON’T go   home... now", "“It’s” 3.5 degrees."],
            references: [["The cat sat on a mat."], ["We do not go home!"], ["It's 3.5 degrees, today."]], language: "en-US")
        XCTAssertEqual(base, noisy)
        XCTAssertGreaterThan(base.wer!.rate, 0)

        let zhBase = try CorpusScores.compute(hypotheses: ["今天天气很好我们去公园"], references: [["今天天气不错我们去公园吧"]], language: "zh")
        let zhNoisy = try CorpusScores.compute(hypotheses: ["今天天氣很好，我們去公園！"], references: [["今天天氣不錯，我們去公園吧。"]], language: "zh-TW")
        XCTAssertEqual(zhBase, zhNoisy)
        XCTAssertGreaterThan(zhBase.cer!.rate, 0)
    }

    func testIdenticalCorpusScoresPerfectly() throws {
        let s = try CorpusScores.compute(hypotheses: ["a man rides a horse", "two dogs play"],
                                         references: [["A man rides a horse."], ["Two dogs play."]], language: "en")
        XCTAssertEqual(s.wer!.rate, 0); XCTAssertEqual(s.bleu!, 100, accuracy: 1e-9); XCTAssertEqual(s.rougeL!, 1, accuracy: 1e-12)
    }

    func testBadInputsThrowPreciseErrors() {
        XCTAssertThrowsError(try CorpusScores.compute(hypotheses: ["a"], references: [], language: "en")) {
            XCTAssertEqual($0 as? MetricsError, .countMismatch(hypotheses: 1, references: 0))
        }
        XCTAssertThrowsError(try CorpusScores.compute(hypotheses: ["a", "b"], references: [["a"], []], language: "en")) {
            XCTAssertEqual($0 as? MetricsError, .missingReference(index: 1))
        }
        XCTAssertThrowsError(try CorpusScores.compute(hypotheses: [], references: [], language: "fr")) {
            XCTAssertEqual($0 as? MetricsError, .unsupportedLanguage("fr"))
        }
        XCTAssertThrowsError(try MetricKind.parseList("wer,meteor")) {
            XCTAssertEqual($0 as? MetricsError, .unknownMetric("meteor"))
        }
    }

    func testOpenCCConvertsAndReportsFailures() throws {
        let cc = try OpenCCConverter(config: "t2s.json")
        XCTAssertEqual(try cc.convert("漢語詞典與電腦軟體"), "汉语词典与电脑软体")
        XCTAssertEqual(try cc.convert(""), "")
        XCTAssertThrowsError(try OpenCCConverter(config: "/nonexistent/no-such-config.json")) { error in
            guard case let .openCC(function, detail, _)? = error as? MetricsError else { return XCTFail("\(error)") }
            XCTAssertEqual(function, "opencc_open"); XCTAssertEqual(detail, "/nonexistent/no-such-config.json")
        }
    }
}
