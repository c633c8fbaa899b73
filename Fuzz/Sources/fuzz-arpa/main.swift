import Foundation
@testable import Models

/// The audio-visual model's character language model (`Models.CharacterNGramModel(arpa:)`, an ARPA
/// text beside the checkpoint or given with --lm / model.av_lm): the sections and counts, every
/// token against the vocabulary, numbers; a model that reads is queried, written back and read
/// again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArpa(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for symbols in [AVVocabulary.english.symbols, AVVocabulary.pinyin.symbols] {
        guard let model = try? CharacterNGramModel(arpa: text, symbols: symbols, path: "<fuzz>") else { continue }
        let history = [3, 1, 5, 0, 70, 2, 2, 9, 1]
        for n in 0...history.count {
            for next in [0, 1, 2, symbols.count, symbols.count + 1] {
                _ = model.logProbability(of: next, after: history[0..<n])
            }
        }
        _ = try? CharacterNGramModel(arpa: model.arpa(), symbols: symbols, path: "<fuzz round trip>")
    }
    return 0
}
