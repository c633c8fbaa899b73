import CaptionCore
import Features
import Foundation
import Metrics
import Models
import Streaming
import Training

/// `captionctl eval CORPUS/manifest.jsonl`: scores a model on the clips of a corpus (docs/CORPUS.md)
/// — the audio-visual model with both inputs, audio only or video only, or Whisper on the audio —
/// at the clean audio or one of the corpus's noisy copies (`--noise babble:0`).
struct CorpusEvaluation {
    let manifestPath: String
    let split: String?
    let noise: String?
    let modality: String
    let limit: Int?

    struct Outcome {
        let scores: CorpusScores
        let clips: Int
        let audioSeconds: Double
        let processingSeconds: Double
        let millisecondsPerFrame: Double?
        let model: String
        /// What the references are when they are not the transcripts (a pinyin checkpoint's).
        var note: String? = nil
        /// A pinyin checkpoint's output converted to hanzi and scored against the transcripts.
        var hanzi: HanziScores? = nil
    }

    static func isCorpusManifest(_ path: String) -> Bool {
        path.hasSuffix(".jsonl") || FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("manifest.jsonl"))
    }

    func entries() throws -> (directory: String, entries: [ManifestEntry]) {
        let directory = manifestPath.hasSuffix(".jsonl") ? (manifestPath as NSString).deletingLastPathComponent : manifestPath
        var all: [ManifestEntry]
        do { all = try CorpusReader.manifest(directory.isEmpty ? "." : directory) } catch {
            throw CleanExit.failure("\(error)")
        }
        if let split { all = all.filter { $0.split == split } }
        if let limit { all = Array(all.prefix(limit)) }
        guard !all.isEmpty else {
            throw CleanExit.failure("\(manifestPath): no clips\(split.map { " in split \"\($0)\"" } ?? "") (splits: train, validation, test)")
        }
        if let noise, let missing = all.first(where: { $0.noisy[noise] == nil }) {
            throw CleanExit.failure("\(manifestPath): clip \(missing.id) has no noisy copy \"\(noise)\" (it has: \(missing.noisy.keys.sorted().joined(separator: ", "))); make the corpus with --noise \(noise)")
        }
        return (directory.isEmpty ? "." : directory, all)
    }

    func run(model: String, whisper: WhisperOptions, progressLabel: String) throws -> Outcome {
        let (dir, clips) = try entries()
        guard ["av", "audio", "video"].contains(modality) else {
            throw CleanExit.failure("--modality \(modality): expected av, audio or video")
        }
        var hypotheses: [String] = [], references: [[String]] = [], transcripts: [String] = [], referencePinyin: [String] = []
        var audioSeconds = 0.0, processing = 0.0, frameCost = 0.0, frames = 0
        let progress = ProgressLine(progressLabel)
        let av: AVOffline? = AVCheckpoint.isAudioVisual(model) ? try AVOffline(model: model, decoding: whisper.avDecoding) : nil
        // A pinyin checkpoint (Mandarin) emits tone-numbered pinyin: it is scored against the clips'
        // "pinyin" (the hanzi transcript is not compared), words being syllables.
        let pinyin = av?.recognizer.outputVocabulary.kind == .pinyin
        if pinyin, let bare = clips.first(where: { $0.pinyin == nil }) {
            throw CleanExit.failure("\(manifestPath): clip \(bare.id) has no \"pinyin\", but \(av?.checkpoint ?? model) emits tone-numbered pinyin (a Mandarin model); evaluate it on a corpus made with `captionctl corpus --set mandarin`")
        }
        var pipeline: WhisperPipeline?, options: DecodingOptions?
        if av == nil {
            guard modality == "audio" || modality == "av" else { throw CleanExit.failure("--modality \(modality) needs the audio-visual model (--model av)") }
            let p = try whisper.loadPipeline()
            pipeline = p; options = try whisper.decodingOptions(for: p)
        }
        for (i, e) in clips.enumerated() {
            let audioPath = dir + "/" + (noise.flatMap { e.noisy[$0] } ?? e.audio)
            let samples: [Float]
            do { samples = try AudioDecoder.load(audioPath) } catch { throw CleanExit.failure(Transcribe.message(for: error, file: audioPath)) }
            let started = Date()
            let text: String
            if let av {
                let crops = try av.crops(video: dir + "/" + e.mouth)
                let r = av.run(samples: samples, crops: crops, useAudio: modality != "video", useVideo: modality != "audio")
                text = r.text
                frameCost += r.millisecondsPerFrame * Double(r.frames); frames += r.frames
            } else if let pipeline, let options {
                do { text = try pipeline.transcriber.transcribe(samples: samples, options: options).text } catch {
                    throw CleanExit.failure("\(audioPath): \(error)")
                }
            } else { text = "" }
            processing += Date().timeIntervalSince(started)
            audioSeconds += Double(samples.count) / Double(AudioRate.model)
            hypotheses.append(text)
            references.append([pinyin ? e.pinyin ?? "" : e.text])
            transcripts.append(e.text); referencePinyin.append(e.pinyin ?? "")
            progress.update(fraction: Double(i + 1) / Double(clips.count), processed: audioSeconds, unit: "audio s")
        }
        progress.finish()
        // Pinyin is scored with the English rules (lower case, letters and digits kept, words split at spaces).
        let language = pinyin ? "en" : clips.first?.language ?? "en"
        let scores: CorpusScores
        do { scores = try CorpusScores.compute(hypotheses: hypotheses, references: references, language: language) } catch {
            throw CleanExit.failure("\(manifestPath): cannot score: \(error)")
        }
        let hanzi = pinyin ? HanziScores.compute(hypotheses: hypotheses, referencePinyin: referencePinyin, transcripts: transcripts) : nil
        return Outcome(scores: scores, clips: clips.count, audioSeconds: audioSeconds, processingSeconds: processing,
                       millisecondsPerFrame: frames > 0 ? frameCost / Double(frames) : nil,
                       model: av?.checkpoint ?? pipeline?.name ?? model,
                       note: pinyin ? "references: the clips' tone-numbered pinyin (the model's vocabulary); WER = pinyin syllable error rate (tone included), CER over pinyin letters, tone digits and spaces; hanzi CER below: the output converted by libpinyin vs the hanzi transcripts" : nil,
                       hanzi: hanzi)
    }
}
