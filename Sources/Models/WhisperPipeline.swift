import Foundation

/// A Whisper model ready to transcribe: the network, its tokenizer and the transcriber, loaded from
/// a model name (in the models directory) or a directory path.
public final class WhisperPipeline {
    public let directory: URL
    public let model: WhisperModel
    public let transcriber: Transcriber<WhisperModel>

    /// The name users see: the directory's last component ("tiny.en", "base").
    public var name: String { directory.lastPathComponent }
    public var isMultilingual: Bool { transcriber.tokenizer.isMultilingual }

    /// `defaultTiles`: whether the default compute (nil) uses the AMX bfloat16 tiles where the CPU
    /// has them (`ComputeType`); the live captioner's default does not.
    public init(model nameOrPath: String, compute: ComputeType? = nil, defaultTiles: Bool = true) throws {
        var trace = LoadTrace()
        directory = try ModelLocator.resolve(nameOrPath)
        model = try WhisperModel.load(directory: directory, compute: compute, defaultTiles: defaultTiles)
        trace.mark("model")
        transcriber = try Transcriber(model: model, directory: directory)
        trace.mark("tokenizer")
    }

    /// Checks a requested language ("auto" or nil detects) against the model; returns the code to
    /// decode with (nil = detect).
    public func decodingLanguage(_ requested: String?) throws -> String? {
        guard let requested, requested != "auto" else { return isMultilingual ? nil : "en" }
        if !isMultilingual {
            guard requested == "en" else {
                throw ModelsError.decoding("model '\(name)' is English-only and cannot transcribe '\(requested)': use a multilingual model such as base")
            }
            return "en"
        }
        guard transcriber.tokenizer.languageToken(requested) != nil else {
            throw ModelsError.decoding("unknown language code '\(requested)': use a Whisper language code such as en, zh, de, or auto")
        }
        return requested
    }
}
