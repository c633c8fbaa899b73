import ArgumentParser
import Foundation
import Models
import Training

/// `captionctl lm`: the audio-visual model's character language model (ARPA) from a corpus's
/// training transcripts, for the CTC prefix beam search (`AVDecoding`; docs/CORPUS.md).
struct LanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Estimate the audio-visual model's character n-gram language model (ARPA) from a corpus's transcripts.",
        discussion: """
        Witten-Bell interpolated character n-grams over the transcripts of one split (default: \
        train, so the held-out sentences stay unseen), in the vocabulary of --checkpoint (English \
        letters, or tone-numbered pinyin for a Mandarin corpus). Write it beside the checkpoint \
        (av.arpa for av.safetensors) and `--model av` and captiond use it; `--lm none` turns it off.
        """)

    @Option(help: "Corpus folder (holding manifest.jsonl).")
    var corpus: String

    @Option(name: .shortAndLong, help: "Output ARPA file.")
    var output: String

    @Option(help: "n-gram order (2 to 9).")
    var order = 6

    @Option(help: "Split whose transcripts are counted.")
    var split = "train"

    @Option(help: "english or pinyin (default: pinyin for a Mandarin corpus, else english).")
    var vocabulary: String?

    func run() throws {
        guard (2...9).contains(order) else { throw CleanExit.failure("--order \(order): expected 2 to 9") }
        let entries: [ManifestEntry]
        do { entries = try CorpusReader.manifest(corpus) } catch { throw CleanExit.failure("\(error)") }
        let chosen = entries.filter { $0.split == split }
        guard !chosen.isEmpty else { throw CleanExit.failure("\(corpus): no clips in split '\(split)' (splits: train, validation, test)") }
        let vocab: AVVocabulary
        if let vocabulary {
            guard let v = AVVocabulary.named(vocabulary) else { throw CleanExit.failure("--vocabulary \(vocabulary): expected \(AVVocabulary.knownNames)") }
            vocab = v
        } else {
            vocab = entries.contains { $0.language == "zh" } ? .pinyin : .english
        }
        let sentences = try Self.sentences(chosen, corpus: corpus, vocabulary: vocab)
        do {
            let model = try CharacterNGramModel.estimate(sentences: sentences, symbols: vocab.symbols, order: order)
            try model.arpa().write(toFile: output, atomically: true, encoding: .utf8)
        } catch { throw CleanExit.failure("\(output): \(error)") }
        print("wrote \(output): order \(order), \(sentences.count) \(split) transcripts, \(vocab.kind.rawValue) vocabulary")
    }

    /// The clips' label texts as class ids of `vocabulary` (what the model is trained to write).
    static func sentences(_ clips: [ManifestEntry], corpus: String, vocabulary vocab: AVVocabulary) throws -> [[Int]] {
        try clips.map { e in
            let text: String
            do { text = try CorpusReader.labelText(e, vocabulary: vocab, in: corpus) } catch { throw CleanExit.failure("\(error)") }
            let (ids, unknown) = vocab.ids(text)
            if let unknown { throw CleanExit.failure("\(corpus): clip \(e.id): '\(unknown)' is not in the \(vocab.kind.rawValue) vocabulary") }
            return ids
        }
    }
}
