import ArgumentParser
import Foundation
import Models
import Streaming

/// Model and decoding options shared by `transcribe` and `eval`.
struct WhisperOptions: ParsableArguments {
    @Option(help: "A model name in the models directory (see scripts/fetch-models) or a model directory.")
    var model = "tiny.en"

    @Option(help: "Spoken language: auto, en, zh, … (auto detects; English-only models imply en).")
    var language = "auto"

    @Option(help: "transcribe, or translate (English text for speech in another language).")
    var task = "transcribe"

    @Option(help: "Beam size (1 = greedy; default 5, and 16 for the audio-visual model's CTC prefix search).")
    var beam: Int?

    @Option(help: "--model av: character language model (ARPA) for the beam search; default the .arpa beside the checkpoint, none for no language model.")
    var lm: String?

    @Option(help: "--model av: weight of the language model's log-probability (default 1.0).")
    var lmWeight: Float?

    @Option(help: "--model av: score added per character (default 3.0).")
    var lengthBonus: Float?

    @Option(help: "--model av: weight of the attention decoder's log-probability in the search (default 0: CTC and LM).")
    var attentionWeight: Float?

    @Option(help: "Tokens a 30-s window may generate per second of audio it holds (at least 32), bounding the work on tones and noise; 0: unbounded, as faster-whisper.")
    var tokensPerSecond = 12.0

    @Option(help: "Weight precision: int8 (8-bit weights, a float checkpoint quantised on load), float16, float32, bfloat16 (the encoder on AMX tiles where the CPU has them), or default (the checkpoint's own).")
    var compute = "default"
    @Option(help: "Text that precedes the audio (faster-whisper's initial_prompt): names and spellings the decoder should expect, and the style.")
    var prompt: String?

    @Option(help: "Words to expect, comma-separated (faster-whisper's hotwords): put in every window's prompt before the previous text.")
    var hotwords: String?

    @Option(help: "Threads for the tensor engine.")
    var threads = min(4, ProcessInfo.processInfo.activeProcessorCount)

    /// The audio-visual model's decoding from --beam, --lm, --lm-weight and --length-bonus.
    var avDecoding: AVDecoding {
        var d = AVDecoding()
        if let beam { d.width = beam }
        d.languageModel = lm
        if let lmWeight { d.lmWeight = lmWeight }
        if let lengthBonus { d.lengthBonus = lengthBonus }
        if let attentionWeight { d.attentionWeight = attentionWeight }
        return d
    }

    func validate() throws {
        if let beam { guard beam >= 1 && beam <= 32 else { throw ValidationError("--beam \(beam): expected 1 to 32") } }
        if let lmWeight { guard lmWeight.isFinite && lmWeight >= 0 && lmWeight <= 10 else { throw ValidationError("--lm-weight \(lmWeight): expected 0 to 10") } }
        if let lengthBonus { guard lengthBonus.isFinite && abs(lengthBonus) <= 20 else { throw ValidationError("--length-bonus \(lengthBonus): expected -20 to 20") } }
        if let attentionWeight { guard attentionWeight.isFinite && attentionWeight >= 0 && attentionWeight <= 10 else { throw ValidationError("--attention-weight \(attentionWeight): expected 0 to 10") } }
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads \(threads): expected 1 to 256") }
        guard tokensPerSecond >= 0 && tokensPerSecond <= 1_000 else { throw ValidationError("--tokens-per-second \(tokensPerSecond): expected 0 to 1000") }
        do { _ = try ComputeType.parse(compute) } catch { throw ValidationError("--compute: \(error)") }
        guard WhisperTask(rawValue: task) != nil else {
            throw ValidationError("--task \(task): expected transcribe or translate")
        }
    }

    /// Loads the model, reporting a clean one-line error on failure.
    func loadPipeline() throws -> WhisperPipeline {
        InferenceThreads.set(threads)
        do {
            return try WhisperPipeline(model: model, compute: try ComputeType.parse(compute))
        } catch {
            throw CleanExit.failure("\(error)")
        }
    }

    func decodingOptions(for pipeline: WhisperPipeline) throws -> DecodingOptions {
        var options = DecodingOptions()
        options.beamSize = beam ?? 5
        options.tokensPerSecond = tokensPerSecond > 0 ? tokensPerSecond : nil
        options.task = WhisperTask(rawValue: task) ?? .transcribe
        if let prompt, !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { options.initialPrompt = prompt }
        if let hotwords, !hotwords.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { options.hotwords = hotwords }
        do {
            options.language = try pipeline.decodingLanguage(language)
        } catch {
            throw CleanExit.failure("\(error)")
        }
        if options.task == .translate && !pipeline.isMultilingual {
            throw CleanExit.failure("--task translate needs a multilingual model; '\(pipeline.name)' is English-only")
        }
        return options
    }
}
