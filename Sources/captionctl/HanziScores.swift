import Foundation
import Metrics
import Streaming

/// `captionctl eval` of a pinyin checkpoint: its output converted to hanzi (`PinyinHanziConverter`,
/// libpinyin) and scored against the clips' hanzi transcripts with the Chinese rules (traditional
/// folded to simplified, characters compared). The reference pinyin converted the same way gives
/// the converter's own ceiling: the hanzi CER of a perfect pinyin output.
struct HanziScores: Encodable {
    /// Hanzi CER of the model's output converted.
    let cer: Double
    /// Hanzi CER of the clips' reference pinyin converted.
    let reference_pinyin_cer: Double
    let converter: String

    /// Nil (with a warning on stderr) when libpinyin's data is missing: pinyin scores still print.
    static func compute(hypotheses: [String], referencePinyin: [String], transcripts: [String]) throws -> HanziScores? {
        let converter: PinyinHanziConverter
        do { converter = try PinyinHanziConverter() } catch {
            FileHandle.standardError.write(Data("captionctl eval: warning: no hanzi CER: \(error)\n".utf8))
            return nil
        }
        func cer(_ pinyin: [String]) throws -> Double {
            let hanzi = try pinyin.map { try converter.convert($0) }
            let scores = try CorpusScores.compute(hypotheses: hanzi, references: transcripts.map { [$0] }, language: "zh", metrics: [.cer])
            return scores.cer?.rate ?? 0
        }
        do {
            return HanziScores(cer: try cer(hypotheses), reference_pinyin_cer: try cer(referencePinyin),
                               converter: "libpinyin (\(converter.dataDirectory))")
        } catch {
            throw CleanExit.failure("hanzi CER: \(error)")
        }
    }

    var textLine: String {
        String(format: "hanzi CER %.2f%%  (output converted by libpinyin; the reference pinyin converted: %.2f%%)", cer * 100, reference_pinyin_cer * 100)
    }
}
