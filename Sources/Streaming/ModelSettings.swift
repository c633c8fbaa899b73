import Foundation

/// Which model the live captioner runs and how it decodes (configuration section `model`).
public struct ModelSettings: Equatable, Sendable {
    public enum Task: String, CaseIterable, Sendable { case transcribe, translate }
    /// An installed model name (looked up in `dir`) or an absolute path to a model directory.
    public var name = "tiny.en"
    public var dir = "/var/lib/captiond/models"
    /// A language code ("en", "zh", …) or "auto" to detect it.
    public var language = "en"
    public var task: Task = .transcribe
    public var beam = 1
    /// Weight precision (`model.compute`): the checkpoint's own, or int8 / float16 / float32 /
    /// bfloat16 (the encoder's products on AMX tiles where the CPU has them).
    public enum Compute: String, CaseIterable, Sendable { case `default`, int8, float16, float32, bfloat16 }
    public var compute: Compute = .default
    /// Text that precedes the audio (faster-whisper's initial_prompt), before the committed text.
    public var prompt = ""
    /// Words to expect, comma-separated (faster-whisper's hotwords).
    public var hotwords = ""
    /// Chinese script of the captions: OpenCC converts Whisper's output (zh only); a Mandarin
    /// audio-visual checkpoint's pinyin becomes hanzi (libpinyin) unless `pinyin` (Whisper: as is).
    public enum Script: String, CaseIterable, Sendable { case simplified, traditional, asIs = "as-is", pinyin }
    public var script: Script = .simplified
    /// The audio-visual model's text search (`model.av_beam`, `model.av_lm`): width and language model.
    public var avDecoding = AVDecoding()
    public init() {}

    /// The model directory these settings name.
    public var path: String { name.hasPrefix("/") ? name : (dir as NSString).appendingPathComponent(name) }
}
