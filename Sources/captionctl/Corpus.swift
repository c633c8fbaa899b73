import ArgumentParser
import Foundation
import Training

/// `captionctl corpus`: writes the synthetic audio-visual corpus (docs/CORPUS.md).
struct Corpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Synthesize the audio-visual training corpus (espeak-ng speech + a rendered talking face).",
        discussion: """
        Each clip is a GRID-style sentence spoken by espeak-ng (voice, variant, rate and pitch drawn \
        from the seed) with a 2-D face whose lips follow the phonemes' visemes; the folder gets 16-kHz \
        WAVs, 64×64 mouth crops as mono Y4M at 25 fps, transcripts, alignments and manifest.jsonl. \
        The same seed gives the same bytes. Validation and test clips use held-out sentences, voices \
        and faces.
        """)

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String

    @Option(name: .long, help: "Seed of every random choice.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Training clips.")
    var train: Int = 1000

    @Option(name: .long, help: "Validation clips.")
    var validation: Int = 100

    @Option(name: .long, help: "Test clips.")
    var test: Int = 200

    @Flag(name: .long, help: "Also write the full rendered frames (face.y4m) for the demo.")
    var fullFrames = false

    @Option(name: .long, help: "Comma-separated noisy copies of each clip's audio, KIND:SNR (white or babble, dB), e.g. babble:0,white:10.")
    var noise: String = ""

    @Option(name: .long, help: "Folder of real speech (WAV/FLAC) for babble noise.")
    var babble: String = "../shared/fixtures"

    @Option(name: .long, help: "Sentences: grid (the GRID grammar), open (real English sentences from Debian's fortunes-min) or mandarin (Tang poem lines, read from tone-numbered pinyin).")
    var set: String = "grid"

    @Option(name: .long, help: "Folder of the BSD fortune files for --set open.")
    var fortunes: String = "/usr/share/games/fortunes"

    @Option(name: .long, help: "hanzi<TAB>pinyin file for --set mandarin, written by scripts/mandarin-pinyin.")
    var pinyin: String = ".build/av/mandarin-pinyin.tsv"

    func run() throws {
        do {
            let specs = try noise.split(separator: ",").map { try CorpusConfiguration.NoiseSpec(parsing: String($0)) }
            let config = CorpusConfiguration(seed: seed, trainClips: train, validationClips: validation, testClips: test,
                                             fullFrames: fullFrames, noise: specs)
            let mixer = specs.contains { $0.kind == .babble } ? try NoiseMixer.loadingBabble(from: babble) : nil
            let sentences: SentenceSet
            switch SentenceSet.Kind(rawValue: set) {
            case .grid?: sentences = .grid
            case .open?: sentences = try .openEnglish(fortunes: fortunes)
            case .mandarin?: sentences = try .mandarin(pinyinFile: pinyin)
            case nil: throw CleanExit.failure("--set \(set): expected grid, open or mandarin")
            }
            let generator = try CorpusGenerator(configuration: config, babble: mixer, sentences: sentences)
            let progress = ProgressLine("corpus")
            try generator.write(to: output) { done, total in
                progress.update(fraction: Double(done) / Double(max(total, 1)), processed: Double(done), unit: "clips")
            }
            progress.finish()
            let pool = sentences.kind == .grid ? "" : " (\(sentences.sentences.count) sentences)"
            print("wrote \(train + validation + test) clips of the \(set) set\(pool) to \(output) (seed \(seed))")
        } catch let error as TrainingError {
            throw CleanExit.failure(error.description)
        }
    }
}
