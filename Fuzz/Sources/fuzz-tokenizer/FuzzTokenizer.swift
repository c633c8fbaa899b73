import Foundation
import Models

/// Whisper `tokenizer.json`: the BPE model (vocab, merges as "a b" or [a, b]), added tokens, the
/// special-token layout (Models.WhisperTokenizer), then encoding (the merge subset against the full
/// tables) and decoding with what parsed.
private let texts = ["Hello, world!", " and so my fellow Americans", "<|endoftext|>x<|0.00|>", "你好 ça va? 123", ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let t = try? WhisperTokenizer(tokenizerJSON: Data(bytes: data, count: size), path: "<fuzz>") else { return 0 }
    // Differential: each text through `encodeEach` first (the merge subset, read before the full
    // tables exist), then `encode` (the full tables): the same ids, or both refuse.
    let subset = texts.map { try? t.encodeEach([$0]).first }
    for (text, early) in zip(texts, subset) {
        let ids = try? t.encode(text)
        if ids != early { fatalError("encodeEach \(String(describing: early)) != encode \(String(describing: ids)) for \(text.debugDescription)") }
        if let ids { _ = t.decode(ids) }
    }
    let probe = [0, 1, 255, t.special.endOfText, t.timestampBegin, t.tokenCount - 1, t.tokenCount, -1]
    for id in probe { _ = t.token(of: id); _ = t.bytes(of: id); _ = t.time(of: id); _ = t.languageCode(of: id) }
    _ = t.decode(probe)
    for task in WhisperTask.allCases { _ = try? t.startSequence(language: nil, task: task) }
    _ = try? t.startSequence(language: "zh", task: .transcribe)
    return 0
}
