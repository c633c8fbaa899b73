import Foundation
import CaptionCore
import Models

/// Whisper as a `StreamingModel`: `WhisperWindowDecoder` for the windows (reduced audio context,
/// greedy at temperature 0) and `WhisperUtteranceDecoder` for the final pass (the offline
/// settings). With `CAPTIOND_TRACE_DECODES=1` every decode is logged to standard error.
public final class WhisperStreamingModel: StreamingModel {
    public let settings: ModelSettings
    public let sampleRate = AudioRate.model
    public let language: String
    public let incremental = false
    public let hasFinalPass = true
    private let window: WhisperWindowDecoder
    private let utterance: WhisperUtteranceDecoder
    /// The final pass run early (`EarlyFinal`): the same options at the first temperature only.
    private let earlyUtterance: WhisperUtteranceDecoder
    private let trace: DecodeTrace
    /// Engine threads of the final and early passes.
    public let passThreads: Int
    /// The passes' reduced encoder context (nil: 30 s).
    public let passContext: ReducedAudioContext?
    /// Chinese captions in the configured script (model.script).
    private let script: ChineseScript

    /// Loads the model `settings` name and checks the settings against it: an English-only model
    /// refuses another language and the translate task. A non-regular file where the model's files
    /// should be (a FIFO would block the open forever) is refused before anything is opened.
    /// - Parameters:
    ///   - threads: engine threads of the window decodes: every core, at most 4, as the passes.
    ///     Until 5 Dec 2026 one ("a window decode is short, and the capture and pipeline threads
    ///     need the other core"); on 2 cores a tiny.en window decode (5-s encoder context) then
    ///     took ~0.25 s against ~0.17 s on 2 threads, and the opening's decodes came that much
    ///     sparser: first appearance median 1.18 / 0.99 s live against 0.66 / 0.72 s, Mandarin
    ///     (base) end of speech → final 2.01 / 2.06 s against 1.84 / 1.56 s (interleaved live A/B,
    ///     docs/CONFIGURATION.md). The pool's parts are claimed, not assigned (WorkerPool.c), so a
    ///     core busy with capture or the camera's analysis slows a decode but never stalls it.
    ///   - passThreads: engine threads of the final pass, the one decode a reader waits for at the
    ///     end of every utterance (its 30-s encoder is most of its cost): every core, at most 4. On
    ///     2 cores, tiny.en's live passes took 0.51–0.60 s (median per run) on 2 threads against
    ///     0.73–0.76 s on 1 (docs/CONFIGURATION.md, the live A/B of 3 Dec 2026).
    ///   - passContext: the final and early passes' encoder context cut to the utterance plus
    ///     padding (`pass_context_s`); nil: Whisper's 30 s, as offline.
    public init(settings: ModelSettings, threads: Int = min(4, ProcessInfo.processInfo.activeProcessorCount),
                passThreads: Int = min(4, ProcessInfo.processInfo.activeProcessorCount),
                passContext: ReducedAudioContext? = nil,
                trace: Bool = ProcessInfo.processInfo.environment["CAPTIOND_TRACE_DECODES"] == "1") throws {
        self.settings = settings
        self.passThreads = max(1, passThreads)
        self.passContext = passContext
        try Self.checkFiles(directory: settings.path)
        InferenceThreads.set(threads)
        let pipeline: WhisperPipeline
        // The default keeps float products live: on the live Mandarin stream the tiles read the 1-s
        // clip's 脚 as 人 in 2 of 2 runs (float: 3 of 3 right); `model.compute = "bfloat16"` asks for them.
        do {
            pipeline = try WhisperPipeline(model: settings.path, compute: ComputeType(rawValue: settings.compute.rawValue),
                                           defaultTiles: false)
        } catch {
            throw StreamingError.modelUnusable(model: settings.name, reason: "cannot load \(settings.path): \(error)")
        }
        let code: String?
        do { code = try pipeline.decodingLanguage(settings.language) } catch {
            throw StreamingError.modelUnusable(model: settings.name, reason: "model.language: \(error)")
        }
        if settings.task == .translate && !pipeline.isMultilingual {
            throw StreamingError.modelUnusable(model: settings.name,
                reason: "model.task \"translate\" needs a multilingual model; '\(pipeline.name)' is English-only (use base, or task \"transcribe\")")
        }
        var options = DecodingOptions.greedy(language: code)
        options.beamSize = max(1, settings.beam)
        options.task = settings.task == .translate ? .translate : .transcribe
        options.temperatures = [0.0]
        // The window decoder cuts a loop after its first copy: stop generating at the loop.
        options.stopAtRepetition = true
        // Custom vocabulary (model.prompt, model.hotwords) in every window's and final's prompt.
        options.hotwords = settings.hotwords.isEmpty ? nil : settings.hotwords
        options.initialPrompt = settings.prompt.isEmpty ? nil : settings.prompt
        window = WhisperWindowDecoder(transcriber: pipeline.transcriber, options: options)
        // The final pass decodes as `captionctl transcribe` does: same beam, temperature fallback.
        var finalOptions = DecodingOptions.greedy(language: code)
        finalOptions.beamSize = max(1, settings.beam)
        finalOptions.task = options.task
        finalOptions.hotwords = options.hotwords
        finalOptions.initialPrompt = options.initialPrompt
        finalOptions.reducedContext = passContext
        utterance = WhisperUtteranceDecoder(transcriber: pipeline.transcriber, options: finalOptions)
        var earlyOptions = finalOptions
        earlyOptions.temperatures = [finalOptions.temperatures.first ?? 0]
        earlyUtterance = WhisperUtteranceDecoder(transcriber: pipeline.transcriber, options: earlyOptions)
        language = code ?? "auto"
        self.trace = DecodeTrace(enabled: trace)
        script = try ChineseScript(settings.script)
    }

    public func decodeWindow(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try trace.timed("decode", samples: samples, startTime: startTime, prompt: prompt) {
            try written(window.decode(samples: samples, startTime: startTime, prompt: prompt))
        }
    }

    /// The final pass (and the early pass) on `passThreads` engine threads, then back to the
    /// window decodes' count.
    private func withPassThreads<T>(_ body: () throws -> T) rethrows -> T {
        let before = InferenceThreads.count
        guard passThreads != before else { return try body() }
        InferenceThreads.set(passThreads)
        defer { InferenceThreads.set(before) }
        return try body()
    }

    /// A pass encodes Whisper's 30-s context whatever the utterance's length, or with
    /// `passContext` the utterance plus padding, at least its minimum.
    public var passContextSeconds: Double { passContext.map { min(30, $0.minimumSeconds) } ?? 30 }

    public func decodeUtterance(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis {
        try withPassThreads { try trace.timed("final pass", samples: samples, startTime: startTime, prompt: prompt) {
            try written(utterance.decode(samples: samples, startTime: startTime, prompt: prompt))
        } }
    }

    /// The early pass at the first temperature only; a result the temperature fallback would have
    /// retried (too repetitive, or too unlikely and not silence) is declined: nil.
    public func decodeEarlyPass(_ samples: ArraySlice<Float>, startTime: Double, prompt: String) throws -> Hypothesis? {
        let h = try withPassThreads { try trace.timed("early pass", samples: samples, startTime: startTime, prompt: prompt) {
            try written(earlyUtterance.decode(samples: samples, startTime: startTime, prompt: prompt))
        } }
        return earlyUtterance.needsFallback(h) ? nil : h
    }

    public var name: String { settings.name }

    /// The next smaller Whisper size (tiny < base < small < medium < large), English-only
    /// (".en") when the captions are English; nil for tiny.
    public var fasterModel: String? { Self.smaller(than: settings.name, english: language == "en") }

    static func smaller(than name: String, english: Bool) -> String? {
        let sizes = ["tiny", "base", "small", "medium", "large"]
        let base = (name as NSString).lastPathComponent.lowercased()
        guard let i = sizes.lastIndex(where: { base.hasPrefix($0) }), i > 0 else { return nil }
        return sizes[i - 1] + (english ? ".en" : "")
    }

    /// A Chinese hypothesis in the configured script.
    private func written(_ h: Hypothesis) throws -> Hypothesis {
        guard (h.language ?? language) == "zh" else { return h }
        var copy = h
        copy.words = try script.convert(words: h.words)
        return copy
    }

    /// The files a Whisper directory may hold must be regular files (or absent): opening a FIFO
    /// with no writer would block the loading thread forever.
    static func checkFiles(directory: String) throws {
        var st = stat()
        guard stat(directory, &st) == 0 else { return } // the loader reports a missing model
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StreamingError.modelUnusable(model: directory, reason: "\(directory) is not a directory; give a model directory or an installed model name")
        }
        for name in ["model.bin", "config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json",
                     "model.safetensors", "preprocessor_config.json"] {
            let path = (directory as NSString).appendingPathComponent(name)
            guard stat(path, &st) == 0 else { continue }
            guard (st.st_mode & S_IFMT) == S_IFREG else {
                throw StreamingError.modelUnusable(model: directory, reason: "\(path) is not a regular file (a FIFO, device or directory); replace it with the model's file")
            }
        }
    }
}

/// Times every decode; with tracing on, logs each one (span, compute time, guard figures, and each
/// word with its probability) to standard error.
final class DecodeTrace {
    let enabled: Bool
    private(set) var decodes = 0
    private(set) var computeSeconds = 0.0

    init(enabled: Bool) { self.enabled = enabled }

    /// `prompt`: logged as its last 24 characters ("…can do for"), or "-" when empty.
    func timed(_ what: String, samples: ArraySlice<Float>, startTime: Double, prompt: String,
               _ body: () throws -> Hypothesis) throws -> Hypothesis {
        let began = MonotonicClock.now()
        let h = try body()
        let took = MonotonicClock.now() - began
        decodes += 1
        computeSeconds += took
        if enabled {
            let span = Double(samples.count) / Double(AudioRate.model)
            let line = "\(what) " + String(format: "%d: %.2f s window at %.2f took %.3f s; lp %.2f nsp %.2f cr %.2f: ",
                              decodes, span, startTime, took, h.avgLogProb, h.noSpeechProb, h.compressionRatio)
                + Self.describe(h) + " [prompt " + (prompt.isEmpty ? "-" : "…" + String(prompt.suffix(24))) + "]\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        return h
    }

    /// The hypothesis's words, each with its probability when the decoder gave one ("ask(0.97)").
    static func describe(_ h: Hypothesis) -> String {
        h.words.map { w in w.probability.map { w.text + String(format: "(%.2f)", $0) } ?? w.text }.joined(separator: " ")
    }
}

extension StreamingConfiguration {
    /// The final pass's reduced context (`pass_context_s`; the window decodes' 2 s of padding), or
    /// nil for Whisper's 30 s.
    public var passAudioContext: ReducedAudioContext? {
        passContextSeconds > 0 ? ReducedAudioContext(paddingSeconds: 2, minimumSeconds: passContextSeconds) : nil
    }
}
