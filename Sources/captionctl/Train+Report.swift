import Foundation
import Models
import Streaming
import Training

/// The validation and test lines of `captionctl train`.
extension Train {
    /// The search the validation and test lines report (`--report-lm-order`): `AVDecoding`'s
    /// defaults with a character n-gram of the training transcripts; nil for 0.
    func reportSearch(_ entries: [ManifestEntry], vocabulary: AVVocabulary) throws -> CTCPrefixBeamSearch? {
        guard reportLmOrder != 0 else { return nil }
        guard (2...9).contains(reportLmOrder) else {
            throw TrainingError.invalidArgument(name: "--report-lm-order", reason: "\(reportLmOrder) is not 0 or between 2 and 9")
        }
        let sentences = try LanguageModelCommand.sentences(entries.filter { $0.split == "train" }, corpus: corpus, vocabulary: vocabulary)
        guard !sentences.isEmpty else { return nil }
        let lm: CharacterNGramModel
        do { lm = try CharacterNGramModel.estimate(sentences: sentences, symbols: vocabulary.symbols, order: reportLmOrder) } catch {
            throw TrainingError.invalidArgument(name: "--report-lm-order", reason: "the language model of \(corpus)'s training transcripts: \(error)")
        }
        let d = AVDecoding()
        return CTCPrefixBeamSearch(width: d.width, languageModel: lm, lmWeight: d.lmWeight, lengthBonus: d.lengthBonus)
    }

    /// CER with both inputs, audio only and video only, on clean audio and on the `reportNoise`
    /// copy: by joint decoding, and with `search` by the CTC prefix search and its language model.
    func report(_ label: String, _ trainer: AVTrainer, _ examples: [AVExample], search: CTCPrefixBeamSearch? = nil) {
        var line = label + " CER (\(examples.count) clips)"
        let conditions: [(String, Int?)] = [("clean", nil)] + reportCopies.enumerated().map { ($0.element, $0.offset) }
        let pinyin = trainer.model.configuration.outputVocabulary.kind == .pinyin
        if pinyin { line += "; pinyin: CER over its letters, digits and spaces, SER = syllable error rate (tone included / ignored)" }
        if let search { line += "; \"search\": CTC prefix search, width \(search.width), with an order-\(reportLmOrder) character LM of the training transcripts" }
        func rates(_ name: String, _ rates: [PinyinRates]) -> String {
            var s = String(format: "\n  %@: av %.4f audio-only %.4f video-only %.4f", name, rates[0].cer, rates[1].cer, rates[2].cer)
            if pinyin {
                s += String(format: "  SER av %.4f/%.4f audio-only %.4f/%.4f video-only %.4f/%.4f", rates[0].ser, rates[0].tonelessSER,
                            rates[1].ser, rates[1].tonelessSER, rates[2].ser, rates[2].tonelessSER)
            }
            return s
        }
        for (name, noisy) in conditions {
            if noisy != nil && examples.contains(where: { $0.noisyMels.isEmpty }) { continue }
            let decoded = [Modality.both, .audioOnly, .videoOnly].map { modality in
                trainer.decodings(examples, modality: modality, noisy: noisy, clipStatistics: clipStatistics, search: search)
            }
            line += rates(name, decoded.map { PinyinRates($0.map(\.joint), examples) })
            if shuffledVideo && examples.count > 1 {
                let mismatched = examples.indices.map { Self.withVideo(of: examples[($0 + 1) % examples.count], examples[$0]) }
                line += String(format: " av-with-another-clip's-video %.4f",
                               trainer.characterErrorRate(mismatched, noisy: noisy, clipStatistics: clipStatistics))
            }
            if search != nil { line += rates(name + " search", decoded.map { PinyinRates($0.map { $0.searched ?? "" }, examples) }) }
        }
        print(line)
        fflush(stdout)
    }

    /// CER, and over space-separated syllables (tone-numbered pinyin) the error rate with and without tones.
    struct PinyinRates {
        let cer: Double, ser: Double, tonelessSER: Double
        init(_ hypotheses: [String], _ examples: [AVExample]) {
            let pairs = Array(zip(hypotheses, examples.map(\.text)))
            cer = CharacterErrorRate.rate(pairs)
            ser = CharacterErrorRate.tokenRate(pairs)
            tonelessSER = CharacterErrorRate.tokenRate(pairs, ignoringTones: true)
        }
    }
}
