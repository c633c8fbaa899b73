import Foundation
import XCTest
import TestSupport

/// The committed fixture pairs (pairs.jsonl) and the values scripts/metrics-reference.py computed for
/// them with jiwer, sacrebleu, rouge-score and pycocoevalcap (reference.json). See the README there.
struct ReferenceFixture {
    struct Pair: Decodable { let id: String; let lang: String; let hyp: String; let refs: [String] }
    struct Counts: Decodable { let S: Int; let D: Int; let I: Int; let H: Int }
    struct PRF: Decodable { let p: Double; let r: Double; let f: Double }
    struct Expected: Decodable {
        let id: String; let lang: String
        let norm_hyp: String; let norm_refs: [String]
        let wer: Counts; let cer: Counts
        let bleu_norm: Double; let bleu_raw: Double
        let rougeL_norm: PRF; let rougeL_raw_default: PRF?
        let ciderD: Double
    }
    struct Corpus: Decodable {
        let tokenize: String
        let wer: Counts; let wer_rate: Double; let cer: Counts; let cer_rate: Double
        let bleu_norm: Double; let bleu_raw: Double
        let rougeL_norm_mean_f: Double; let rougeL_raw_default_mean_f: Double?
        let ciderD: Double
    }
    struct Tie: Decodable { let ref: String; let hyp: String; let wer: Counts }
    struct Reference: Decodable { let pairs: [Expected]; let corpora: [String: Corpus]; let tie_alignments: [Tie] }

    let pairs: [Pair]
    let reference: Reference

    static func load() throws -> ReferenceFixture {
        let dir = TestPaths.fixtures.appendingPathComponent("metrics")
        let text = try String(contentsOf: dir.appendingPathComponent("pairs.jsonl"), encoding: .utf8)
        let decoder = JSONDecoder()
        let pairs = try text.split(separator: "\n").map { try decoder.decode(Pair.self, from: Data($0.utf8)) }
        let reference = try decoder.decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("reference.json")))
        return ReferenceFixture(pairs: pairs, reference: reference)
    }

    /// (pair, expected) for one language, in file order.
    func cases(_ lang: String) -> [(Pair, Expected)] {
        let expected = Dictionary(uniqueKeysWithValues: reference.pairs.map { ($0.id, $0) })
        return pairs.filter { $0.lang == lang }.compactMap { p in expected[p.id].map { (p, $0) } }
    }
}
