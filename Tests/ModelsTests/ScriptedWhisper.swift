import Foundation
import Features
@testable import Models

/// A scripted WhisperInference: the logits after each fed token come from a closure over the
/// tokens fed so far and a marker of the encoded window (the window's first mel value). It tests
/// decoding logic, not the network.
final class ScriptedWhisper: WhisperInference {
    typealias Script = (_ fed: [Int], _ window: Float) -> [Float]

    struct Session: WhisperDecoderSession {
        let script: Script
        let window: Float
        let log: ScriptedWhisper
        var fed: [Int] = []
        var length: Int { fed.count }
        mutating func step(_ tokens: [Int]) throws -> [Float] {
            fed += tokens
            log.fedSequences.append(fed)
            return script(fed, window)
        }
        mutating func stepAll(_ tokens: [Int]) throws -> [[Float]] {
            var rows: [[Float]] = []
            for t in tokens { fed.append(t); rows.append(script(fed, window)) }
            log.fedSequences.append(fed)
            return rows
        }
        mutating func truncate(to n: Int) { fed = Array(fed.prefix(n)) }
    }

    let dims: WhisperDimensions
    let script: Script
    var encodedWindows: [(marker: Float, frames: Int)] = []
    var fedSequences: [[Int]] = []

    init(vocab: Int, script: @escaping Script) {
        dims = WhisperDimensions(nMels: 80, nAudioCtx: 1500, nAudioState: 4, nAudioHead: 1, nAudioLayer: 1,
                                 nVocab: vocab, nTextCtx: 448, nTextState: 4, nTextHead: 1, nTextLayer: 1)
        self.script = script
    }

    func encode(mel: [Float], frames: Int) throws -> AudioFeatures {
        encodedWindows.append((mel.first ?? 0, frames))
        return AudioFeatures(frames: frames / 2, width: 1, data: [mel.first ?? 0])
    }

    func makeSession(_ audio: AudioFeatures) throws -> Session {
        Session(script: script, window: audio.data.first ?? 0, log: self)
    }
}

/// A small byte-level tokenizer with Whisper's special tokens: ids 0–255 are the bytes,
/// 256 <|endoftext|>, 257 <|startoftranscript|>, 258–260 <|en|> <|zh|> <|de|>, 261 <|translate|>,
/// 262 <|transcribe|>, 263 <|startoflm|>, 264 <|startofprev|>, 265 <|nospeech|>,
/// 266 <|notimestamps|>, timestamps 267 (<|0.00|>) … 1767 (<|30.00|>).
enum TinyVocabulary {
    static let eot = 256, sot = 257, en = 258, zh = 259, translate = 261, transcribe = 262
    static let sotPrev = 264, noSpeech = 265, noTimestamps = 266, timestampBegin = 267
    static let count = 1768

    static func tokenizer(multilingual: Bool = false) throws -> WhisperTokenizer {
        var vocab: [String: Int] = [:]
        for b in 0..<256 { vocab[String(ByteLevelAlphabet.byteToScalar[b])] = b }
        let added = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|zh|>", "<|de|>", "<|translate|>",
                     "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
        let json: [String: Any] = [
            "model": ["type": "BPE", "vocab": vocab, "merges": [String]()],
            "added_tokens": added.enumerated().map { ["id": 256 + $0.offset, "content": $0.element] },
        ]
        let data = try JSONSerialization.data(withJSONObject: json)
        return try WhisperTokenizer(tokenizerJSON: data, path: "tiny-vocabulary", tokenCount: count, multilingual: multilingual)
    }

    static func ts(_ seconds: Double) -> Int { timestampBegin + Int((seconds / 0.02).rounded()) }
    static func text(_ s: String) -> [Int] { s.utf8.map(Int.init) }

    /// Logits (count) of -10 everywhere except the given tokens.
    static func logits(_ favoured: [Int: Float], base: Float = -10) -> [Float] {
        var row = [Float](repeating: base, count: count)
        for (id, v) in favoured { row[id] = v }
        return row
    }

    /// Logits that make `sequence` the argmax continuation: after fed tokens ending with
    /// `after` + sequence[0..<k], token sequence[k] gets `strength`.
    static func follow(_ fed: [Int], after start: Int, sequence: [Int], strength: Float = 10) -> [Float]? {
        guard let s = fed.lastIndex(of: start) else { return nil }
        let produced = Array(fed[(s + 1)...])
        guard produced.count < sequence.count, Array(sequence.prefix(produced.count)) == produced else { return nil }
        return logits([sequence[produced.count]: strength])
    }
}

extension TinyVocabulary {
    /// Features whose first bin holds the frame index, so each window's first value tells the
    /// scripted model which window it decodes.
    static func features(frames: Int) -> MelSpectrogram {
        var data = [Float](repeating: 0, count: 80 * frames)
        for f in 0..<frames { data[f] = Float(f) }
        return MelSpectrogram(bins: 80, frames: frames, data: data)
    }
}
