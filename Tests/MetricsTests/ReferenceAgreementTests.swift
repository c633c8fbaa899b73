import XCTest
@testable import Metrics

/// Agreement with jiwer (counts), sacrebleu (BLEU, 1e-4), rouge-score (ROUGE-L, 1e-4) and
/// pycocoevalcap (CIDEr-D, 1e-3) on the committed fixture set.
final class ReferenceAgreementTests: XCTestCase {
    var fixture: ReferenceFixture!
    var zh: ChineseNormalizer!

    override func setUpWithError() throws {
        fixture = try ReferenceFixture.load()
        zh = try ChineseNormalizer()
    }

    func normalize(_ text: String, _ lang: String) throws -> String {
        lang == "en" ? EnglishNormalizer.normalize(text) : try zh.normalize(text)
    }

    func tokens(_ normalized: String, _ lang: String) -> [String] {
        lang == "en" ? EnglishNormalizer.words(normalized) : ChineseNormalizer.tokens(normalized)
    }

    /// The words WER compares (English number words as digits).
    func werTokens(_ normalized: String, _ lang: String) -> [String] {
        lang == "en" ? EnglishNormalizer.wordKeys(normalized) : ChineseNormalizer.tokens(normalized)
    }

    func testFixtureSizeAndEdgeCases() {
        XCTAssertGreaterThanOrEqual(fixture.cases("en").count, 50)
        XCTAssertGreaterThanOrEqual(fixture.cases("zh").count, 20)
        XCTAssertEqual(fixture.pairs.count, fixture.reference.pairs.count)
        let ids = Set(fixture.pairs.map(\.id))
        for id in ["en-empty-hyp", "en-empty-ref", "en-identical", "en-one-word", "en-punct-only-hyp",
                   "en-mixed-scripts", "en-very-long", "zh-empty-hyp", "zh-empty-ref", "zh-very-long", "zh-mixed-latin"] {
            XCTAssertTrue(ids.contains(id), id)
        }
    }

    func testNormalisationMatchesReferenceScript() throws {
        for lang in ["en", "zh"] {
            for (p, e) in fixture.cases(lang) {
                XCTAssertEqual(try normalize(p.hyp, lang), e.norm_hyp, p.id)
                XCTAssertEqual(try p.refs.map { try normalize($0, lang) }, e.norm_refs, p.id)
            }
        }
    }

    func testWERAndCERCountsMatchJiwer() throws {
        for lang in ["en", "zh"] {
            var words = EditCounts(), chars = EditCounts()
            for (p, e) in fixture.cases(lang) {
                let w = EditAlignment(reference: werTokens(e.norm_refs[0], lang), hypothesis: werTokens(e.norm_hyp, lang)).counts
                XCTAssertEqual([w.substitutions, w.deletions, w.insertions, w.hits], [e.wer.S, e.wer.D, e.wer.I, e.wer.H], "WER \(p.id)")
                let c = ErrorRate.characters(reference: e.norm_refs[0], hypothesis: e.norm_hyp).counts
                XCTAssertEqual([c.substitutions, c.deletions, c.insertions, c.hits], [e.cer.S, e.cer.D, e.cer.I, e.cer.H], "CER \(p.id)")
                words = words + w; chars = chars + c
            }
            let corpus = try XCTUnwrap(fixture.reference.corpora[lang])
            XCTAssertEqual(words.rate, corpus.wer_rate, accuracy: 1e-12, lang)
            XCTAssertEqual(chars.rate, corpus.cer_rate, accuracy: 1e-12, lang)
        }
    }

    /// 400 random pairs over a 4-word vocabulary: many equal-cost alignments, so the S/D/I split
    /// only matches jiwer's when the tie-breaking is rapidfuzz's.
    func testTieBreakingMatchesJiwerOnRandomPairs() {
        XCTAssertEqual(fixture.reference.tie_alignments.count, 400)
        for t in fixture.reference.tie_alignments {
            let c = ErrorRate.words(reference: t.ref, hypothesis: t.hyp).counts
            XCTAssertEqual([c.substitutions, c.deletions, c.insertions, c.hits], [t.wer.S, t.wer.D, t.wer.I, t.wer.H], "\(t.ref) | \(t.hyp)")
        }
    }

    func testSentenceAndCorpusBLEUMatchSacrebleu() throws {
        for lang in ["en", "zh"] {
            let bleu = BLEU(tokenizer: lang == "en" ? .thirteenA : .zh)
            let cases = fixture.cases(lang)
            for (p, e) in cases {
                XCTAssertEqual(bleu.sentence(hypothesis: e.norm_hyp, references: e.norm_refs).score, e.bleu_norm, accuracy: 1e-4, p.id)
                XCTAssertEqual(bleu.sentence(hypothesis: p.hyp, references: p.refs).score, e.bleu_raw, accuracy: 1e-4, "raw \(p.id)")
            }
            let corpus = try XCTUnwrap(fixture.reference.corpora[lang])
            XCTAssertEqual(try bleu.corpus(hypotheses: cases.map { $0.1.norm_hyp }, references: cases.map { $0.1.norm_refs }).score,
                           corpus.bleu_norm, accuracy: 1e-4, lang)
            XCTAssertEqual(try bleu.corpus(hypotheses: cases.map { $0.0.hyp }, references: cases.map { $0.0.refs }).score,
                           corpus.bleu_raw, accuracy: 1e-4, "raw \(lang)")
        }
    }

    func testRougeLMatchesRougeScore() throws {
        for lang in ["en", "zh"] {
            let rouge = RougeL(tokenization: lang == "en" ? .whitespace : .zh)
            let cases = fixture.cases(lang)
            for (p, e) in cases {
                let s = rouge.score(hypothesis: e.norm_hyp, references: e.norm_refs)
                XCTAssertEqual(s.fmeasure, e.rougeL_norm.f, accuracy: 1e-4, p.id)
                XCTAssertEqual(s.precision, e.rougeL_norm.p, accuracy: 1e-4, p.id)
                XCTAssertEqual(s.recall, e.rougeL_norm.r, accuracy: 1e-4, p.id)
                if let raw = e.rougeL_raw_default {
                    let d = RougeL(tokenization: .rougeDefault).score(hypothesis: p.hyp, references: p.refs)
                    XCTAssertEqual(d.fmeasure, raw.f, accuracy: 1e-4, "default tokenizer \(p.id)")
                    XCTAssertEqual(d.precision, raw.p, accuracy: 1e-4, "default tokenizer \(p.id)")
                }
            }
            let corpus = try XCTUnwrap(fixture.reference.corpora[lang])
            let mean = try rouge.corpus(hypotheses: cases.map { $0.1.norm_hyp }, references: cases.map { $0.1.norm_refs }).mean
            XCTAssertEqual(mean.fmeasure, corpus.rougeL_norm_mean_f, accuracy: 1e-4, lang)
            if let rawMean = corpus.rougeL_raw_default_mean_f {
                let m = try RougeL(tokenization: .rougeDefault).corpus(hypotheses: cases.map { $0.0.hyp }, references: cases.map { $0.0.refs }).mean
                XCTAssertEqual(m.fmeasure, rawMean, accuracy: 1e-4, lang)
            }
        }
    }

    func testCIDErDMatchesPycocoevalcap() throws {
        for lang in ["en", "zh"] {
            let cases = fixture.cases(lang)
            let result = try CIDErD().corpus(hypotheses: cases.map { tokens($0.1.norm_hyp, lang) },
                                             references: cases.map { $0.1.norm_refs.map { tokens($0, lang) } })
            for ((p, e), got) in zip(cases, result.perPair) { XCTAssertEqual(got, e.ciderD, accuracy: 1e-3, p.id) }
            XCTAssertEqual(result.score, try XCTUnwrap(fixture.reference.corpora[lang]).ciderD, accuracy: 1e-3, lang)
        }
    }

    /// The API `captionctl eval` and `captionctl score` use, from raw text to every corpus figure.
    func testCorpusScoresAPIAgreesWithReferenceValues() throws {
        for lang in ["en", "zh"] {
            let cases = fixture.cases(lang)
            let s = try CorpusScores.compute(hypotheses: cases.map { $0.0.hyp }, references: cases.map { $0.0.refs }, language: lang)
            let c = try XCTUnwrap(fixture.reference.corpora[lang])
            let wer = try XCTUnwrap(s.wer), cer = try XCTUnwrap(s.cer)
            XCTAssertEqual([wer.substitutions, wer.deletions, wer.insertions, wer.hits], [c.wer.S, c.wer.D, c.wer.I, c.wer.H], lang)
            XCTAssertEqual([cer.substitutions, cer.deletions, cer.insertions, cer.hits], [c.cer.S, c.cer.D, c.cer.I, c.cer.H], lang)
            XCTAssertEqual(try XCTUnwrap(s.bleu), c.bleu_norm, accuracy: 1e-4, lang)
            XCTAssertEqual(s.bleuTokenizer, c.tokenize)
            XCTAssertEqual(try XCTUnwrap(s.rougeL), c.rougeL_norm_mean_f, accuracy: 1e-4, lang)
            XCTAssertEqual(try XCTUnwrap(s.ciderD), c.ciderD, accuracy: 1e-3, lang)
            let json = try s.jsonString()
            let decoded = try JSONDecoder().decode(CorpusScores.self, from: Data(json.utf8))
            XCTAssertEqual(decoded, s)
        }
    }
}
