import Foundation
import Models

/// How the audio-visual model's CTC output becomes text, live and offline: a CTC prefix beam
/// search (`CTCPrefixBeamSearch`) with the character language model that ships beside the
/// checkpoint (`<checkpoint>.arpa` for `<checkpoint>.safetensors`: assets/av-grid.arpa, installed
/// as av/model.arpa), or the best path (width 1 and no language model: the decoding before it).
public struct AVDecoding: Sendable, Equatable {
    /// Prefixes kept per CTC step (1 with no language model: the best path).
    public var width = 16
    /// The language model: nil = the one beside the checkpoint when there is one; "none" = no LM.
    public var languageModel: String?
    /// α and β of `CTCPrefixBeamSearch`, chosen on the corpus's validation split (docs/CORPUS.md
    /// "Decoding": CER 0.054–0.056 for α 0.8–2, β 3–4 at width 8; 0.052 at width 16).
    public var lmWeight: Float = 1.0
    public var lengthBonus: Float = 3.0
    /// γ: weight of the attention decoder's log-probability in the search (0: CTC and LM only;
    /// `TriggeredAttention`, used when the checkpoint has the decoder).
    public var attentionWeight: Float = 0

    public init() {}
    public static let bestPath: AVDecoding = { var d = AVDecoding(); d.width = 1; d.languageModel = "none"; return d }()

    /// The character language model beside a checkpoint (same path, `.arpa` instead of `.safetensors`).
    public static func sidecar(of checkpoint: String) -> String {
        (checkpoint.hasSuffix(".safetensors") ? String(checkpoint.dropLast(".safetensors".count)) : checkpoint) + ".arpa"
    }

    /// The search for `recognizer` (loaded from `checkpoint`), or nil for the best path.
    /// - Throws: `StreamingError.modelUnusable` when a named language model cannot be read or does
    ///   not fit the checkpoint's vocabulary (a missing sidecar is not an error: no LM).
    public func search(checkpoint: String, recognizer: AVRecognizer) throws -> CTCPrefixBeamSearch? {
        var lm: CharacterNGramModel?
        let path = languageModel ?? Self.sidecar(of: checkpoint)
        if languageModel != "none", languageModel != nil || FileManager.default.fileExists(atPath: path) {
            do { lm = try CharacterNGramModel(contentsOf: path, symbols: recognizer.outputVocabulary.symbols) } catch {
                throw StreamingError.modelUnusable(model: checkpoint, reason: "its character language model: \(error) (make one with `captionctl lm --corpus DIR -o \(path)`, or turn it off: --lm none, or model.av_lm = \"none\" in captiond.toml)")
            }
        }
        guard width > 1 || lm != nil else { return nil }
        return CTCPrefixBeamSearch(width: width, languageModel: lm, lmWeight: lmWeight, lengthBonus: lengthBonus,
                                   attention: TriggeredAttention(recognizer, weight: attentionWeight))
    }
}
