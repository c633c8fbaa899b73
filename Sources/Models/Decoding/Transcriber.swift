import Foundation
import Features

/// Whisper transcription of a whole recording, mirroring faster-whisper 1.2.1 (no VAD, no word
/// timestamps): log-mel features with 160 samples of padding, 30-s windows (3000 frames, the last
/// padded with zeros) sought through by the timestamps the model emits, temperature fallback,
/// no-speech skipping and conditioning on the previous text.
public final class Transcriber<Model: WhisperInference> {
    public let model: Model
    public let tokenizer: WhisperTokenizer
    /// Tokens suppressed at the first step when suppressBlank is on (config.json suppress_ids_begin).
    public let blankTokens: [Int]
    static var windowFrames: Int { 3000 }

    public init(model: Model, tokenizer: WhisperTokenizer, blankTokens: [Int]? = nil) throws {
        self.model = model
        self.tokenizer = tokenizer
        try Self.checkVocabulary(tokenizer, nVocab: model.dims.nVocab)
        if let blank = blankTokens {
            self.blankTokens = blank
        } else {
            // encode(" ") is the single byte-level token "Ġ"; looked up so decode-only tokenizers work too.
            guard let space = tokenizer.id(of: "\u{0120}") else {
                throw ModelsError.tokenizer(path: tokenizer.path, reason: "no token for a single space (\"\u{0120}\"); pass blankTokens explicitly")
            }
            self.blankTokens = [space, tokenizer.special.endOfText]
        }
    }

    /// A transcriber for a CTranslate2 model directory: tokenizer.json (or vocabulary.txt) and
    /// config.json's suppress_ids_begin.
    public convenience init(model: Model, directory: URL) throws {
        let tokenizer = try WhisperTokenizer(directory: directory)
        var blank: [Int]? = nil
        let config = directory.appendingPathComponent("config.json")
        if let data = try? Data(contentsOf: config) {
            blank = try ModelConfig(data: data, path: config.path).suppressIdsBegin
        }
        try self.init(model: model, tokenizer: tokenizer, blankTokens: blank)
    }

    /// The tokenizer must be the weights' own: as many tokens as embedding rows (51864 English-only,
    /// 51865 multilingual), every special token and the last timestamp inside them. Another model's
    /// tokenizer decodes to fluent garbage, so it is refused here.
    static func checkVocabulary(_ tokenizer: WhisperTokenizer, nVocab: Int) throws {
        let s = tokenizer.special
        let highest = max(s.endOfText, s.startOfTranscript, s.translate, s.transcribe, s.startOfLM, s.startOfPrevious,
                          s.noSpeech, s.noTimestamps, s.languages.map(\.id).max() ?? 0, s.timestampBegin + 1500)
        guard tokenizer.tokenCount == nVocab, highest < nVocab else {
            throw ModelsError.tokenizer(path: tokenizer.path, reason: "the model has \(nVocab) token embeddings but this tokenizer defines \(tokenizer.tokenCount) tokens (special tokens and timestamps up to id \(highest)): it belongs to another model (English-only vs multilingual?); use the tokenizer.json and vocabulary.txt shipped with these weights")
        }
    }

    private var special: WhisperSpecialTokens { tokenizer.special }
    private var generator: WhisperGenerator {
        WhisperGenerator(special: special, timestampEnd: min(tokenizer.tokenCount, model.dims.nVocab) - 1)
    }

    // MARK: Language

    /// Language probabilities (most probable first) for a window of log-mel frames
    /// (nMels × frames, frames ≤ 3000). Multilingual models only.
    public func detectLanguage(mel: [Float], frames: Int) throws -> [(code: String, probability: Double)] {
        guard tokenizer.isMultilingual else {
            throw ModelsError.decoding("language detection needs a multilingual model; this one is English-only")
        }
        let audio = try model.encode(mel: mel, frames: frames)
        return try LanguageDetector(special: special).detect(session: try model.makeSession(audio))
    }

    /// Language probabilities from a session over an encoded window (the same session then decodes
    /// that window: one encoder pass and one cross-attention projection serve both).
    private func detectLanguage(session: Model.Session) throws -> [(code: String, probability: Double)] {
        try LanguageDetector(special: special).detect(session: session)
    }

    // MARK: One window

    /// Decodes one window of log-mel frames (nMels × frames row-major, frames ≤ 3000 and even; the
    /// encoder context is frames / 2) with temperature fallback. `prompt` holds previous text
    /// tokens (without <|startofprev|>); the language must be set for multilingual models or is
    /// detected on this window.
    public func decodeWindow(mel: [Float], frames: Int, options: DecodingOptions, prompt: [Int] = []) throws -> WindowDecoding {
        let session = try model.makeSession(try model.encode(mel: mel, frames: frames))
        var language = options.language
        if language == nil && tokenizer.isMultilingual {
            language = try detectLanguage(session: session).first?.code
        }
        let settings = try generationSettings(options)
        let builder = PromptBuilder(special: special, startSequence: try startSequence(language: language, options: options),
                                    hotwords: try hotwordTokens(options))
        let fullPrompt = builder.prompt(previous: prompt, withoutTimestamps: options.withoutTimestamps)
        return try decode(session: session, prompt: fullPrompt, settings: settings, options: options)
    }

    // MARK: Whole recording

    /// Transcribes 16-kHz mono samples. `progress` receives the fraction done after each window.
    public func transcribe(samples: [Float], options: DecodingOptions,
                          progress: ((Double) -> Void)? = nil) throws -> Transcription {
        let mel = LogMelSpectrogram(melBins: model.dims.nMels)(samples, padding: 160)
        return try transcribe(mel: mel, duration: Double(samples.count) / Double(AudioDecoder.sampleRate), options: options, progress: progress)
    }

    /// Transcribes precomputed features (faster-whisper's generate_segments).
    public func transcribe(mel: MelSpectrogram, duration: Double, options: DecodingOptions,
                           progress: ((Double) -> Void)? = nil) throws -> Transcription {
        guard mel.bins == model.dims.nMels else {
            throw ModelsError.decoding("features have \(mel.bins) mel bins, the model expects \(model.dims.nMels)")
        }
        let window = Self.windowFrames
        let contentFrames = mel.frames - 1
        var language = "en"
        var languageProbability = 1.0
        var firstWindow: Model.Session? = nil
        if let requested = options.language {
            if tokenizer.isMultilingual {
                guard tokenizer.languageToken(requested) != nil else {
                    throw ModelsError.decoding("unknown language code '\(requested)'; known: \(tokenizer.languageCodes.joined(separator: ", "))")
                }
                language = requested
            }
        } else if tokenizer.isMultilingual {
            // Detected on the first window as it is decoded (content frames, zero-padded to 3000),
            // whose encoder output and cross-attention keys/values the first decode then reuses.
            // faster-whisper encodes features[:, :3000] for detection (the padding frame after the
            // content included) and the first window again; the two differ by that one frame on
            // clips under 30 s, which moves the language probabilities in the 3rd-4th decimal.
            let frames = contextFrames(remaining: contentFrames, options: options)
            let features = Self.slice(mel, start: 0, count: min(frames, contentFrames), padTo: frames)
            let session = try model.makeSession(try model.encode(mel: features, frames: frames))
            let probs = try detectLanguage(session: session)
            language = probs.first?.code ?? "en"
            languageProbability = probs.first?.probability ?? 0
            firstWindow = session
        }
        var windowOptions = options
        windowOptions.language = language
        let settings = try generationSettings(windowOptions)
        let builder = PromptBuilder(special: special, startSequence: try startSequence(language: language, options: windowOptions),
                                    hotwords: try hotwordTokens(options))
        let splitter = SegmentSplitter(timestampBegin: special.timestampBegin)

        var allTokens: [Int] = []
        if let initial = options.initialPrompt {
            allTokens += try tokenizer.encode(" " + initial.trimmingWhitespace())
        }
        var promptResetSince = 0
        var lastSpeech = 0.0
        var segments: [TranscriptionSegment] = []
        var seek = 0
        var windowsDecoded = 0
        while seek < contentFrames {
            windowsDecoded += 1
            let timeOffset = Double(seek) * 0.01
            let segmentSize = min(window, contentFrames - seek)
            let previous = Array(allTokens[promptResetSince...])
            let session: Model.Session
            // 3000 frames, or the rest plus padding when the options reduce the context
            let frames = contextFrames(remaining: contentFrames - seek, options: options)
            if seek == 0, let first = firstWindow {
                session = first
            } else {
                let features = Self.slice(mel, start: seek, count: segmentSize, padTo: frames)   // (nMels, frames)
                session = try model.makeSession(try model.encode(mel: features, frames: frames))
            }
            let prompt = builder.prompt(previous: previous, withoutTimestamps: options.withoutTimestamps)
            var windowSettings = settings
            if frames < window {
                windowSettings.suppressTokens = Array(Set(settings.suppressTokens + timestamps(afterSamples: segmentSize * 160))).sorted()
            }
            var workCap: Int? = nil
            if let budget = options.tokenBudget(seconds: Double(segmentSize) / 100) {
                windowSettings.maxNewTokens = min(settings.maxNewTokens ?? budget, budget)
                workCap = options.fallbackBudgetFactor * budget
            }
            let result = try decode(session: session, prompt: prompt, settings: windowSettings, options: windowOptions, workCap: workCap)

            if let noSpeech = options.noSpeechThreshold {
                var skip = result.noSpeechProb > noSpeech
                if let lp = options.logProbThreshold, result.avgLogProb > lp { skip = false }
                if skip {
                    seek += segmentSize
                    progress?(Double(min(contentFrames, seek)) / Double(max(contentFrames, 1)))
                    continue
                }
            }
            let previousSeek = seek
            let split = splitter.split(tokens: result.tokens, timeOffset: timeOffset, segmentSize: segmentSize, seek: seek)
            // Segments that all end at the window's start leave the seek where it was: the same
            // window would be decoded again forever. It moves past the window instead.
            seek = split.seek > previousSeek ? split.seek : previousSeek + segmentSize
            let timed = options.wordTimestamps
                ? try timeWords(split, session: session, startSequence: builder.startSequence, segmentSize: segmentSize,
                                seek: &seek, timeOffset: timeOffset, language: language, lastSpeech: &lastSpeech)
                : nil
            if !options.decodesRestAfterCompleteText,
               !result.tokens.dropFirst(split.pieces.reduce(0) { $0 + $1.tokens.count }).contains(where: { $0 < special.endOfText }) {
                seek = max(seek, previousSeek + segmentSize)
            }
            for (k, piece) in split.pieces.enumerated() {
                let text = tokenizer.decode(piece.tokens)
                let start = timed?[k].start ?? piece.start, end = timed?[k].end ?? piece.end
                if start == end || text.trimmingWhitespace().isEmpty { continue }
                allTokens += piece.tokens
                var segment = TranscriptionSegment(
                    id: segments.count + 1, seek: previousSeek, start: start, end: end, text: text,
                    tokens: piece.tokens, avgLogProb: result.avgLogProb, noSpeechProb: result.noSpeechProb,
                    compressionRatio: result.compressionRatio, temperature: result.temperature)
                segment.words = timed?[k].words
                segments.append(segment)
            }
            if !options.conditionOnPreviousText || result.temperature > options.promptResetOnTemperature {
                promptResetSince = allTokens.count
            }
            progress?(Double(min(contentFrames, seek)) / Double(max(contentFrames, 1)))
        }
        var transcription = Transcription(language: language, languageProbability: languageProbability,
                                          duration: duration, segments: segments)
        transcription.windowsDecoded = windowsDecoded
        return transcription
    }

    // MARK: Helpers

    /// Encoder frames for a window whose recording has `remaining` content frames left: Whisper's
    /// 3000, or with `options.reducedContext` the rest plus its padding when that fits.
    func contextFrames(remaining: Int, options: DecodingOptions) -> Int {
        guard let reduced = options.reducedContext, remaining < Self.windowFrames else { return Self.windowFrames }
        return max(reduced.frames(content: remaining), min(Self.windowFrames, remaining + remaining % 2))
    }

    /// Timestamp tokens (0.02-s steps) past `contentSamples` samples (16 kHz) of content: a reduced
    /// context holds only padding there, and a model let run past its audio repeats the window's
    /// text in segments stamped beyond its end until the length limit. The offline seek loop and
    /// the live window decoder (`WhisperWindowDecoder`) both suppress them.
    public func timestamps(afterSamples contentSamples: Int) -> [Int] {
        let first = special.timestampBegin + (max(0, contentSamples) + 319) / 320 + 1
        let end = min(tokenizer.tokenCount, model.dims.nVocab)
        return first < end ? Array(first..<end) : []
    }

    /// Frames [start, start + count) of `mel`, zero-padded to `padTo` frames: (bins, padTo).
    static func slice(_ mel: MelSpectrogram, start: Int, count: Int, padTo: Int) -> [Float] {
        var out = [Float](repeating: 0, count: mel.bins * padTo)
        let n = max(0, min(count, padTo, mel.frames - start))
        for b in 0..<mel.bins where n > 0 {
            for i in 0..<n { out[b * padTo + i] = mel.data[b * mel.frames + start + i] }
        }
        return out
    }

    func startSequence(language: String?, options: DecodingOptions) throws -> [Int] {
        try tokenizer.startSequence(language: language, task: options.task)
    }

    func generationSettings(_ options: DecodingOptions) throws -> WhisperGenerator.Settings {
        guard options.beamSize >= 1, options.bestOf >= 1, options.patience > 0 else {
            throw ModelsError.decoding("beamSize (\(options.beamSize)) and bestOf (\(options.bestOf)) must be ≥ 1 and patience (\(options.patience)) > 0")
        }
        var s = WhisperGenerator.Settings()
        s.beamSize = options.beamSize
        s.bestOf = options.bestOf
        s.patience = options.patience
        s.lengthPenalty = options.lengthPenalty
        s.suppressTokens = try NonSpeechTokens.resolve(options.suppressTokens, tokenizer: tokenizer)
        s.suppressBlankTokens = options.suppressBlank ? blankTokens : []
        s.maxInitialTimestampIndex = Int((options.maxInitialTimestamp / 0.02).rounded(.toNearestOrEven))
        s.maxNewTokens = options.maxNewTokens.map { max(1, $0) }
        s.stopAtRepetition = options.stopAtRepetition
        s.batchedBeamSearch = options.batchedBeamSearch
        return s
    }

    /// Decodes one window from a fresh session over its encoder output (with fallback).
    func decode(session: Model.Session, prompt: [Int], settings: WhisperGenerator.Settings,
                        options: DecodingOptions, workCap: Int? = nil) throws -> WindowDecoding {
        let generator = self.generator
        var rng = SeededGenerator(seed: options.seed)
        return try TemperatureFallback(options: options, workCap: workCap).run(attempt: { temperature in
            var s = settings
            s.temperature = temperature
            return try generator.generate(session: session, prompt: prompt, settings: s, rng: &rng)
        }, text: { tokenizer.decode($0) })
    }
}
