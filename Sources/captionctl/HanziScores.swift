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
    let referencePinyinCER: Double
    let converter: String

    enum CodingKeys: String, CodingKey {
        case cer, converter
        case referencePinyinCER = "reference_pinyin_cer"
    }

    /// Nil (with a warning on stderr) when libpinyin's data is missing or the hanzi cannot be
    /// scored: the pinyin scores still print.
    static func compute(hypotheses: [String], referencePinyin: [String], transcripts: [String]) -> HanziScores? {
        let converter: PinyinHanziConverter
        do { converter = try PinyinHanziConverter() } catch {
            FileHandle.standardError.write(Data("captionctl eval: warning: no hanzi CER: \(error)\n".utf8))
            return nil
        }
        func cer(_ pinyin: [String]) throws -> Double {
            let hanzi = pinyin.map { converter.convert($0) }
            let scores = try CorpusScores.compute(hypotheses: hanzi, references: transcripts.map { [$0] }, language: "zh", metrics: [.cer])
            guard let rate = scores.cer?.rate else { throw CleanExit.failure("the Chinese scoring rules gave no CER (no reference characters?)") }
            return rate
        }
        do {
            return HanziScores(cer: try cer(hypotheses), referencePinyinCER: try cer(referencePinyin),
                               converter: "libpinyin (\(converter.dataDirectory))")
        } catch {
            FileHandle.standardError.write(Data("captionctl eval: warning: no hanzi CER: \(error)\n".utf8))
            return nil
        }
    }

    var textLine: String {
        String(format: "hanzi CER %.2f%%  (output converted by libpinyin; the reference pinyin converted: %.2f%%)", cer * 100, referencePinyinCER * 100)
    }
}
