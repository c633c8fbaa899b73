import ArgumentParser
import Foundation
import Features
import Metrics
import Models

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Transcribe the clips of a manifest and score them: WER, CER, BLEU, ROUGE-L, CIDEr-D, real-time factor.",
        discussion: "MANIFEST is a TSV file of `path<TAB>reference` lines, or with a header line naming its columns (`path`, `reference` or `text`, optional `lang`); relative paths are taken from the manifest's folder. Lines starting with # are skipped. Clips with an empty reference are left out with a warning.")

    @Argument(help: "TSV manifest: path<TAB>reference per line.")
    var manifest: String

    @OptionGroup var whisper: WhisperOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Corpus manifests (manifest.jsonl): only clips of this split (train, validation, test).")
    var split: String?

    @Option(help: "Corpus manifests: score a noisy copy, e.g. babble:0 or white:10 (the corpus's --noise list).")
    var noise: String?

    @Option(help: "Corpus manifests with --model av: av (both inputs), audio (video gated off) or video (audio off).")
    var modality = "av"

    @Option(help: "Corpus manifests: at most this many clips.")
    var limit: Int?

    typealias Item = EvalManifest.Item

    func run() throws {
        OfflineHeap.keepScratch()
        if CorpusEvaluation.isCorpusManifest(manifest) { return try runCorpus() }
        let items = try Self.readManifest(manifest)
        let pipeline = try whisper.loadPipeline()
        let options = try whisper.decodingOptions(for: pipeline)
        var hypotheses: [String] = [], references: [[String]] = [], languages: [String] = []
        var audioSeconds = 0.0, processing = 0.0
        let progress = ProgressLine("eval \(items.count) clips")
        for (i, item) in items.enumerated() {
            let samples: [Float]
            do { samples = try AudioDecoder.load(item.path) } catch {
                throw CleanExit.failure(Transcribe.message(for: error, file: item.path))
            }
            let started = Date()
            let result: Transcription
            do { result = try pipeline.transcriber.transcribe(samples: samples, options: options) } catch {
                throw CleanExit.failure("\(item.path): \(error)")
            }
            processing += Date().timeIntervalSince(started)
            audioSeconds += Double(samples.count) / Double(AudioDecoder.sampleRate)
            hypotheses.append(result.text)
            references.append([item.reference])
            languages.append(result.language)
            progress.update(fraction: Double(i + 1) / Double(items.count), processed: audioSeconds, unit: "audio s")
        }
        progress.finish()
        // Score in the requested language, else the one detected most often.
        let manifestLanguages = Set(items.compactMap { $0.lang })
        let everyClipHasLanguage = items.allSatisfy { $0.lang != nil }
        let manifestLanguage: String? = everyClipHasLanguage && manifestLanguages.count == 1 ? manifestLanguages.first : nil
        let detected = Dictionary(grouping: languages, by: { $0 }).max { $0.value.count < $1.value.count }?.key
        let scoring: String = options.language ?? manifestLanguage ?? detected ?? "en"
        let scores: CorpusScores
        do {
            scores = try CorpusScores.compute(hypotheses: hypotheses, references: references, language: scoring)
        } catch {
            throw CleanExit.failure("\(manifest): cannot score: \(error)")
        }
        let rtf = audioSeconds > 0 ? processing / audioSeconds : 0
        if json {
            print(try EvalReport(scores: scores, rtf: rtf, audioSeconds: audioSeconds, utterances: items.count,
                                 model: pipeline.name).encoded())
        } else {
            print("model \(pipeline.name), \(items.count) utterances, \(String(format: "%.1f", audioSeconds)) s of audio")
            scores.textLines().forEach { print($0) }
            print(String(format: "RTF %.3f  (%.1f s processing)", rtf, processing))
        }
    }

    /// A corpus manifest (docs/CORPUS.md): the audio-visual model or Whisper on its clips.
    func runCorpus() throws {
        let evaluation = CorpusEvaluation(manifestPath: manifest, split: split, noise: noise, modality: modality, limit: limit)
        let o = try evaluation.run(model: whisper.model, whisper: whisper, progressLabel: "eval corpus")
        let rtf = o.audioSeconds > 0 ? o.processingSeconds / o.audioSeconds : 0
        if json {
            print(try EvalReport(scores: o.scores, rtf: rtf, audioSeconds: o.audioSeconds, utterances: o.clips, model: o.model,
                                 millisecondsPerFrame: o.millisecondsPerFrame, condition: "\(modality) \(noise ?? "clean")", hanzi: o.hanzi).encoded())
        } else {
            print("model \(o.model), \(o.clips) clips\(split.map { " (\($0))" } ?? ""), \(noise ?? "clean") audio, modality \(modality), \(String(format: "%.1f", o.audioSeconds)) s of audio")
            if let note = o.note { print(note) }
            o.scores.textLines().forEach { print($0) }
            if let hanzi = o.hanzi { print(hanzi.textLine) }
            if let ms = o.millisecondsPerFrame { print(String(format: "%.2f ms CPU per 40-ms frame (video + audio + fusion + head, one thread)", ms)) }
            print(String(format: "RTF %.3f  (%.1f s processing)", rtf, o.processingSeconds))
        }
    }

    static func readManifest(_ path: String) throws -> [Item] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CleanExit.failure("\(path): cannot read the manifest (missing or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CleanExit.failure("\(path): the manifest is not UTF-8 text")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let manifest: EvalManifest
        do { manifest = try EvalManifest.parse(text, path: path, base: base) } catch let f as EvalManifest.Failure {
            throw CleanExit.failure(f.message)
        }
        for w in manifest.warnings { FileHandle.standardError.write(Data("captionctl eval: warning: \(w)\n".utf8)) }
        return manifest.items
    }
}

/// `captionctl eval --json`: the keys wer, cer, rtf, audio_seconds, utterances, plus BLEU,
/// ROUGE-L, CIDEr-D and the error counts; a pinyin checkpoint's adds hanzi_cer and hanzi (`HanziScores`).
struct EvalReport: Encodable {
    let model: String
    let language: String
    let wer: Double?
    let cer: Double?
    let bleu: Double?
    let rouge_l: Double?
    let cider_d: Double?
    let rtf: Double
    let audio_seconds: Double
    let utterances: Int
    let scores: CorpusScores
    let ms_per_frame: Double?
    let condition: String?
    let hanzi_cer: Double?
    let hanzi: HanziScores?

    init(scores: CorpusScores, rtf: Double, audioSeconds: Double, utterances: Int, model: String,
         millisecondsPerFrame: Double? = nil, condition: String? = nil, hanzi: HanziScores? = nil) {
        self.hanzi = hanzi
        hanzi_cer = hanzi?.cer
        ms_per_frame = millisecondsPerFrame
        self.condition = condition
        self.model = model
        language = scores.language
        wer = scores.wer?.rate
        cer = scores.cer?.rate
        bleu = scores.bleu
        rouge_l = scores.rougeL
        cider_d = scores.ciderD
        self.rtf = rtf
        audio_seconds = audioSeconds
        self.utterances = utterances
        self.scores = scores
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
