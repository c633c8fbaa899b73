import Foundation

/// The metrics `captionctl score` and `captionctl eval` report.
public enum MetricKind: String, CaseIterable, Codable {
    case wer, cer, bleu, rouge, cider

    /// Parses "wer,cer,bleu" (throws on an unknown name).
    public static func parseList(_ list: String) throws -> [MetricKind] {
        try list.split(separator: ",").map { raw in
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard let kind = MetricKind(rawValue: name) else { throw MetricsError.unknownMetric(name) }
            return kind
        }
    }
}

/// The caption language a corpus is scored in, with its normalisation and tokenisation.
public enum ScoringLanguage: String, Codable {
    case english = "en", chinese = "zh"

    /// Accepts "en", "zh" and regional forms ("en-US", "zh-TW", "zh_CN").
    public init(code: String) throws {
        let base = code.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        switch base {
        case "en": self = .english
        case "zh", "cmn", "yue": self = .chinese
        default: throw MetricsError.unsupportedLanguage(code)
        }
    }
}

/// WER or CER of a corpus with its counts (first reference of each pair).
public struct ErrorSummary: Codable, Equatable {
    public let rate: Double
    public let substitutions: Int, deletions: Int, insertions: Int, hits: Int
    public let referenceLength: Int
    init(_ c: EditCounts) {
        rate = c.rate; substitutions = c.substitutions; deletions = c.deletions
        insertions = c.insertions; hits = c.hits; referenceLength = c.referenceLength
    }
}

/// Corpus scores of line-aligned hypotheses and references, computed on normalised text:
/// - English: `EnglishNormalizer`; WER over words, CER over characters (spaces included, as jiwer),
///   BLEU with sacrebleu's 13a tokeniser, ROUGE-L and CIDEr-D over the words.
/// - Chinese: `ChineseNormalizer` (t2s, punctuation removed); WER over `zh` tokens (characters, Latin
///   words whole), CER over characters, BLEU with sacrebleu's zh tokeniser, ROUGE-L and CIDEr-D over zh tokens.
/// WER/CER use each pair's first reference; BLEU, ROUGE-L (best F) and CIDEr-D use all of them.
/// BLEU is on sacrebleu's 0–100 scale, ROUGE-L F on 0–1, CIDEr-D on pycocoevalcap's ×10 scale.
public struct CorpusScores: Codable, Equatable {
    public let language: String
    public let pairs: Int
    public var wer: ErrorSummary?
    public var cer: ErrorSummary?
    public var bleu: Double?
    public var bleuTokenizer: String?
    public var rougeL: Double?
    public var ciderD: Double?

    public static func compute(hypotheses: [String], references: [[String]], language: String,
                               metrics: [MetricKind] = MetricKind.allCases) throws -> CorpusScores {
        let lang = try ScoringLanguage(code: language)
        guard hypotheses.count == references.count else {
            throw MetricsError.countMismatch(hypotheses: hypotheses.count, references: references.count)
        }
        for (i, r) in references.enumerated() where r.isEmpty { throw MetricsError.missingReference(index: i) }
        let normalize: (String) throws -> String
        let tokens: (String) -> [String]
        let werTokens: (String) -> [String]
        switch lang {
        case .english:
            normalize = EnglishNormalizer.normalize
            tokens = EnglishNormalizer.words
            werTokens = EnglishNormalizer.wordKeys
        case .chinese:
            let zh = try ChineseNormalizer()
            normalize = zh.normalize
            tokens = ChineseNormalizer.tokens
            werTokens = ChineseNormalizer.tokens
        }
        let hyps = try hypotheses.map(normalize)
        let refs = try references.map { try $0.map(normalize) }
        var out = CorpusScores(language: lang.rawValue, pairs: hyps.count)
        let wanted = Set(metrics)
        if wanted.contains(.wer) {
            let counts = zip(hyps, refs).reduce(EditCounts()) { acc, pair in
                acc + EditAlignment(reference: werTokens(pair.1[0]), hypothesis: werTokens(pair.0)).counts
            }
            out.wer = ErrorSummary(counts)
        }
        if wanted.contains(.cer) {
            let counts = zip(hyps, refs).reduce(EditCounts()) { acc, pair in
                acc + ErrorRate.characters(reference: pair.1[0], hypothesis: pair.0).counts
            }
            out.cer = ErrorSummary(counts)
        }
        if wanted.contains(.bleu) {
            let tokenizer: BLEUTokenizer = lang == .english ? .thirteenA : .zh
            out.bleu = try BLEU(tokenizer: tokenizer).corpus(hypotheses: hyps, references: refs).score
            out.bleuTokenizer = tokenizer.rawValue
        }
        if wanted.contains(.rouge) {
            let rouge = RougeL(tokenization: lang == .english ? .whitespace : .zh)
            out.rougeL = try rouge.corpus(hypotheses: hyps, references: refs).mean.fmeasure
        }
        if wanted.contains(.cider) {
            out.ciderD = try CIDErD().corpus(hypotheses: hyps.map(tokens), references: refs.map { $0.map(tokens) }).score
        }
        return out
    }

    /// One JSON object (sorted keys), absent metrics omitted.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Human-readable lines ("WER  12.34%  (S=3 D=1 I=0 N=40)").
    public func textLines() -> [String] {
        var lines = ["language \(language), \(pairs) pairs"]
        func err(_ name: String, _ e: ErrorSummary) -> String {
            String(format: "%@ %.2f%%  (S=%d D=%d I=%d H=%d N=%d)", name, e.rate * 100, e.substitutions,
                   e.deletions, e.insertions, e.hits, e.referenceLength)
        }
        if let wer { lines.append(err("WER    ", wer)) }
        if let cer { lines.append(err("CER    ", cer)) }
        if let bleu { lines.append(String(format: "BLEU    %.2f  (tokenize=%@)", bleu, bleuTokenizer ?? "")) }
        if let rougeL { lines.append(String(format: "ROUGE-L %.4f", rougeL)) }
        if let ciderD { lines.append(String(format: "CIDEr-D %.4f", ciderD)) }
        return lines
    }

    init(language: String, pairs: Int) { self.language = language; self.pairs = pairs }
}
