import ArgumentParser
import Foundation
import Features
import Models
import Streaming

struct Transcribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Caption audio or video files offline (txt, SRT, WebVTT or JSON).")

    @Argument(help: "Audio or video files (WAV natively; other containers through ffmpeg).")
    var files: [String]

    @OptionGroup var whisper: WhisperOptions

    @Option(help: "Output format: txt, srt, vtt or json.")
    var format = "txt"

    @Option(help: "Script of Chinese transcripts: simplified, traditional, as-is (Whisper's own mix) or pinyin. Converted with OpenCC; a Mandarin audio-visual checkpoint's tone-numbered pinyin becomes hanzi with libpinyin unless pinyin.")
    var script = "simplified"

    @Flag(help: "Time every word from the model's alignment heads (as faster-whisper's word_timestamps): JSON segments get \"words\" with start, end and probability; SRT/VTT cues are cut at word boundaries.")
    var wordTimestamps = false

    @Option(help: ArgumentHelp(
        "Write here instead of standard output (a directory when several files are given).",
        discussion: "With several files (or a directory as --output) each input writes DIR/NAME.FORMAT, NAME being its file name without the extension; inputs sharing a name (a/x.wav b/x.wav, x.wav x.flac) get NAME-2, NAME-3, … in command-line order, and a line on stderr says so. The output is checked (created, writable) before any transcription starts."))
    var output: String?

    @Option(help: "Video of the speaker (Y4M: full frames, or 64×64 mouth crops) for the audio-visual model (--model av).")
    var video: String?

    func run() throws {
        let format: SubtitleFormat
        do { format = try SubtitleFormat(name: self.format) } catch {
            throw CleanExit.failure("--format \(self.format): expected txt, srt, vtt or json")
        }
        guard let chineseScript = ModelSettings.Script(rawValue: script) else {
            throw CleanExit.failure("--script \(script): expected simplified, traditional, as-is or pinyin")
        }
        let destinations = try OutputPlan(output: output, files: files, format: format)
        if AVCheckpoint.isAudioVisual(whisper.model) { return try runAudioVisual(format: format, destinations: destinations, script: chineseScript) }
        let converter: ChineseScript
        do { converter = try ChineseScript(chineseScript) } catch { throw CleanExit.failure("--script \(script): \(error)") }
        if video != nil { throw CleanExit.failure("--video is read by the audio-visual model only: add --model av (or a .safetensors checkpoint)") }
        OfflineHeap.keepScratch()
        let loadStarted = Date()
        let pipeline = try whisper.loadPipeline()
        let loadSeconds = Date().timeIntervalSince(loadStarted)
        var options = try whisper.decodingOptions(for: pipeline)
        options.wordTimestamps = wordTimestamps
        var failed = 0
        var outputs: [(file: String, text: String)] = []
        for (index, file) in files.enumerated() {
            do {
                let fileStarted = Date()
                // Decoded chunk by chunk into the log-mel front end: a long file is never one
                // sample array (issue 9 fault 16: memory grew ~9.4 MB per audio minute).
                var mel = LogMelAccumulator(melBins: pipeline.model.dims.nMels)
                let warnings = try AudioDecoder.stream(AudioInput(commandLineArgument: file)) { mel.feed($0) }
                for warning in warnings { printError("captionctl: warning: " + warning) }
                let duration = Double(mel.sampleCount) / Double(AudioDecoder.sampleRate)
                let progress = ProgressLine("transcribe \((file as NSString).lastPathComponent)")
                let started = Date()
                var result = try pipeline.transcriber.transcribe(mel: mel.finish(), duration: duration, options: options) { fraction in
                    progress.update(fraction: fraction, processed: fraction * duration, unit: "audio s")
                }
                progress.finish()
                if result.language == "zh" { result = try Self.written(result, converter) }
                let elapsed = Date().timeIntervalSince(started)
                let timing = TranscriptionJSON.Timing(load_seconds: loadSeconds,
                                                      transcribe_seconds: Date().timeIntervalSince(fileStarted))
                let text = try render(result, file: file, format: format, seconds: elapsed, timing: timing)
                if let url = destinations.url(for: index) {
                    try destinations.write(text, to: url)      // as soon as it is done: nothing is lost to a later failure
                } else {
                    outputs.append((file, text))
                }
            } catch {
                failed += 1
                printError("captionctl: " + Self.message(for: error, file: file))
            }
        }
        printToStandardOutput(outputs, format: format)
        if failed > 0 { throw ExitCode(1) }
    }

    /// A Chinese transcription in the requested script (segment texts and words).
    static func written(_ t: Transcription, _ converter: ChineseScript) throws -> Transcription {
        var copy = t
        for i in copy.segments.indices {
            copy.segments[i].text = try converter.convert(copy.segments[i].text)
            if let words = copy.segments[i].words {
                copy.segments[i].words = try words.map { w in
                    var c = w
                    c.word = try converter.convert(w.word)
                    return c
                }
            }
        }
        return copy
    }

    /// The error text, prefixed with the file name unless it already names it.
    static func message(for error: Error, file: String) -> String {
        let text = "\(error)"
        return text.contains(file) ? text : "\(file): \(text)"
    }

    func render(_ t: Transcription, file: String, format: SubtitleFormat, seconds: Double,
                timing: TranscriptionJSON.Timing) throws -> String {
        switch format {
        case .json:
            return try TranscriptionJSON(file: file, transcription: t, processingSeconds: seconds, timing: timing).encoded()
        default:
            let segments = t.segments.map { s in
                SubtitleSegment(start: s.start, end: s.end, text: s.text, words: s.words.map { words in
                    words.compactMap { w in
                        let text = w.word.trimmingCharacters(in: .whitespaces)
                        return text.isEmpty ? nil : Word(text: text, start: w.start, end: max(w.start, w.end),
                                                         probability: w.probability)
                    }
                })
            }
            return try SubtitleWriter().render(segments, as: format)
        }
    }

    func printToStandardOutput(_ outputs: [(file: String, text: String)], format: SubtitleFormat) {
        for (i, o) in outputs.enumerated() {
            if files.count > 1 && format != .json { print("==> \(o.file) <==") }
            print(o.text, terminator: o.text.hasSuffix("\n") ? "" : "\n")
            if files.count > 1 && format != .json && i < outputs.count - 1 { print("") }
        }
    }
}

/// A transcription as one JSON object.
struct TranscriptionJSON: Encodable {
    struct Segment: Encodable {
        let id: Int, seek: Int, start: Double, end: Double, text: String, tokens: [Int]
        let avg_logprob: Double, no_speech_prob: Double, compression_ratio: Double, temperature: Double
        /// With --word-timestamps: the words, times from the alignment heads.
        let words: [WordJSON]?
    }
    struct WordJSON: Encodable {
        let word: String, start: Double, end: Double, probability: Double
    }
    /// Wall-clock seconds, for benchmarks: `load_seconds` is the process's one-time model load
    /// (the same value in every file's object); `transcribe_seconds` is this file alone, audio
    /// decoding + features + transcription (what faster-whisper's transcribe() call covers).
    struct Timing: Encodable {
        let load_seconds: Double
        let transcribe_seconds: Double
    }
    let file: String
    let language: String
    let language_probability: Double
    let duration: Double
    let processing_seconds: Double
    let rtf: Double
    let text: String
    let segments: [Segment]
    let timing: Timing

    init(file: String, transcription t: Transcription, processingSeconds: Double, timing: Timing) {
        self.timing = timing
        self.file = file
        language = t.language
        language_probability = t.languageProbability
        duration = t.duration
        processing_seconds = processingSeconds
        rtf = t.duration > 0 ? processingSeconds / t.duration : 0
        text = t.text
        segments = t.segments.map {
            Segment(id: $0.id, seek: $0.seek, start: $0.start, end: $0.end, text: $0.text, tokens: $0.tokens,
                    avg_logprob: $0.avgLogProb, no_speech_prob: $0.noSpeechProb,
                    compression_ratio: $0.compressionRatio, temperature: Double($0.temperature),
                    words: $0.words?.map { WordJSON(word: $0.word, start: $0.start, end: $0.end, probability: $0.probability) })
        }
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
