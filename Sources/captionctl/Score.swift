import ArgumentParser
import Foundation
import Metrics

/// `captionctl score`: WER/CER, BLEU, ROUGE-L and CIDEr-D of line-aligned hypothesis and reference files.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score line-aligned hypotheses against references (WER, CER, BLEU, ROUGE-L, CIDEr-D).",
        discussion: """
        --hyp has one hypothesis per line; --ref has the reference on the same line, or several \
        references separated by tabs (TSV). Text is normalised per language before scoring (English: \
        case, punctuation, whitespace, contractions kept; Chinese: traditional → simplified, punctuation \
        removed). BLEU is sacrebleu-compatible (13a for English, zh for Chinese; 0–100), ROUGE-L is the \
        mean F (0–1), CIDEr-D is pycocoevalcap's (×10).
        """)

    @Option(name: .long, help: "Hypothesis file, one line per segment.")
    var hyp: String

    @Option(name: .long, help: "Reference file, line-aligned with --hyp; tab-separated for several references.")
    var ref: String

    @Option(name: .long, help: "Comma-separated metrics: wer,cer,bleu,rouge,cider.")
    var metrics: String = "wer,cer,bleu,rouge,cider"

    @Option(name: .long, help: "Language of the text: en or zh.")
    var language: String = "en"

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        do {
            let kinds = try MetricKind.parseList(metrics)
            let hyps = try Score.readLines(hyp, option: "--hyp")
            let refLines = try Score.readLines(ref, option: "--ref")
            guard !hyps.isEmpty || !refLines.isEmpty else {
                throw ScoreFailure("\(hyp) and \(ref) are both empty: nothing to score (one hypothesis and one reference per line)")
            }
            guard hyps.count == refLines.count else {
                throw ScoreFailure("\(hyp) has \(hyps.count) lines but \(ref) has \(refLines.count): the files must be line-aligned")
            }
            let refs = refLines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let scores = try CorpusScores.compute(hypotheses: hyps, references: refs, language: language, metrics: kinds)
            let empty = refs.indices.filter { refs[$0][0].trimmingCharacters(in: .whitespaces).isEmpty }
            if !empty.isEmpty {
                let lines = empty.prefix(10).map { String($0 + 1) }.joined(separator: ", ") + (empty.count > 10 ? ", …" : "")
                FileHandle.standardError.write(Data("captionctl score: warning: \(empty.count) of \(refs.count) references are empty (\(ref) line \(lines)); their hypothesis words count as insertions, as jiwer does, so WER/CER can exceed 100%\n".utf8))
            }
            if json {
                print(try scores.jsonString())
            } else {
                scores.textLines().forEach { print($0) }
            }
        } catch let failure as ScoreFailure {
            throw Score.fail(failure.message)
        } catch let error as MetricsError {
            throw Score.fail(error.description)
        }
    }

    /// Lines of a UTF-8 file (a final newline does not start another line; CR before LF is dropped).
    static func readLines(_ path: String, option: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ScoreFailure("\(option) \(path): no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScoreFailure("\(option) \(path): cannot be read (check permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScoreFailure("\(option) \(path): not valid UTF-8")
        }
        return CaptionEventLog.lines(text)
    }

    /// Prints the one-line error and returns the exit code to throw (status 2).
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("captionctl score: \(message)\n".utf8))
        return ExitCode(2)
    }
}

struct ScoreFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
