import ArgumentParser
import Foundation
import Models
import Training

/// `captionctl train`: trains the audio-visual model on a corpus folder.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the audio-visual model on a corpus made by `captionctl corpus`.",
        discussion: """
        Trains with AdamW, gradient clipping, warm-up + cosine and modality dropout; prints loss, \
        frames/s and ETA; after each epoch prints the validation CER (audio-visual, audio-only, \
        video-only; by joint decoding, and by the CTC prefix search with a character LM of the \
        training transcripts as eval and captiond decode) and writes the checkpoint (safetensors \
        with the configuration and seeds). \
        --resume continues a checkpoint exactly.
        """)

    @Option(name: .long, help: "Corpus folder (manifest.jsonl).")
    var corpus: String

    @Option(name: .shortAndLong, help: "Checkpoint to write (safetensors).")
    var output: String

    @Option(name: .long, help: "Checkpoint to continue from.")
    var resume: String?

    @Option(name: .long, help: "Training seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Seed of the initial weights (default: --seed); --seed then drives the data order, noise, dropout and augmentation only (diagnosis: is a bad run the initialisation or the order?).")
    var initSeed: UInt64?

    @Option(name: .long, help: "New run only: try this many initial draws (weight seeds --init-seed or --seed, +1, +2, …), each for --trial-steps steps, and continue the one with the lowest mean training loss over its last --trial-window steps (the result is the run with --init-seed of that draw; default 1: no trials).")
    var initTrials: Int = 1

    @Option(name: .long, help: "Steps each initial draw trains before the choice (--init-trials).")
    var trialSteps: Int = 420

    @Option(name: .long, help: "The last steps of a trial whose mean training loss ranks it (--init-trials).")
    var trialWindow: Int = 40

    @Option(name: .long, help: "Optimisation steps.")
    var steps: Int = 2000

    @Option(name: .long, help: "Clips per step.")
    var batch: Int = 8

    @Option(name: .long, help: "Peak learning rate.")
    var learningRate: Float = 3e-3

    @Option(name: .long, help: "Steps between validations and checkpoints.")
    var epochSteps: Int = 200

    @Option(name: .long, help: "Noisy copies to train on besides the clean audio, comma-separated (e.g. babble:0,white:10); default: every copy the corpus has.")
    var trainNoise: String?

    @Option(name: .long, help: "Noisy copies reported beside clean audio in validation and test, comma-separated (e.g. babble:20,babble:0).")
    var reportNoise: String = "babble:0"

    @Option(name: .long, help: "Validation and test lines also give the CER of the CTC prefix beam search with a character n-gram language model of this order estimated from the training transcripts (what `captionctl eval` and captiond decode with: width, α and β as their defaults); 0: joint decoding only.")
    var reportLmOrder = 6

    @Flag(name: .long, help: "Only evaluate the --resume checkpoint on the validation and test splits (no training).")
    var evaluateOnly = false

    @Option(name: .long, help: "Train on these inputs only: both (with modality dropout), audio or video (diagnosis: can one branch learn alone?).")
    var trainModality: String = "both"

    @Option(name: .long, help: "Use only the first N training clips (diagnosis: can the model overfit a few clips?).")
    var trainClips: Int?

    @Flag(name: .long, help: "Evaluate with each clip's own batch-norm statistics instead of the running ones (diagnosis; not causal).")
    var clipStatistics = false

    @Flag(name: .long, help: "Also report AV CER with each clip's mouth crops replaced by the next clip's (diagnosis: does the video carry information the model uses?).")
    var shuffledVideo = false

    @Flag(name: .long, help: "Train the video CNN's batch norm over all clips of a step (the statistics evaluation uses) instead of each clip alone (experimental: trained worse in the one run measured).")
    var batchVideoStatistics = false

    @Flag(name: .long, help: "Print the gradient norm of each parameter group (video, audio, fusion, ctc, decoder) on the progress lines.")
    var gradientNorms = false

    @Option(name: .long, help: "New model only: dilations of the video branch's causal temporal conv layers over the per-frame features, comma-separated (e.g. 1,2,4; default none: the per-frame CNN alone).")
    var videoTemporal: String?

    @Option(name: .long, help: "New model only: kernel of those layers.")
    var videoTemporalKernel: Int = 3

    @Option(name: .long, help: "New model only: output vocabulary, english (space, apostrophe, a–z) or pinyin (space, a–z, tone digits 1–5: Mandarin clips' \"pinyin\" labels); default: pinyin for a Mandarin corpus (language zh), else english. A resumed checkpoint keeps its own.")
    var vocabulary: String?

    @Option(name: .long, help: "New run only: warm-up steps of the learning rate (default: 5 % of --steps).")
    var warmupSteps: Int?

    @Option(name: .long, help: "New run only: learning rate at the end of the cosine decay.")
    var finalLearningRate: Float = 1e-4

    @Option(name: .long, help: "New run only: clip the gradient to this global L2 norm.")
    var maxGradientNorm: Float = 5

    @Option(name: .long, help: "New run only: probability of training a clip on its clean audio rather than a noisy copy.")
    var cleanAudioProbability: Float = 0.4

    @Option(name: .long, help: "New run only: of the clips modality dropout drops a branch of, the share trained on video alone (default 0.5).")
    var videoOnlyShare: Float?

    @Option(name: .long, help: "New run only: the video branch's learning rate as a multiple of --learning-rate (default 1).")
    var videoLearningRateScale: Float?

    @Option(name: .long, help: "New run only: vocal tract length perturbation, each clip's frequency axis scaled by a factor within 1 ± this (e.g. 0.1; default 0: off).")
    var frequencyWarp: Float = 0

    @Option(name: .long, help: "New run only: SpecAugment frequency masks per clip, each up to 8 mel bins (default 0).")
    var frequencyMasks: Int = 0

    @Option(name: .long, help: "New run only: SpecAugment time masks per clip, each up to 100 ms (default 0).")
    var timeMasks: Int = 0

    @Option(name: .long, help: "New model only: width d of both encoders, the fusion and the CTC head's input.")
    var modelWidth: Int = 64

    @Option(name: .long, help: "New model only: probability of dropping the audio or the video of a training clip.")
    var modalityDropout: Float = 0.3

    @Option(name: .long, help: "New model only: λ of the joint loss λ·CTC + (1 − λ)·attention cross-entropy.")
    var ctcWeight: Float = 0.5

    @Option(name: .long, help: "New model only: μ of joint decoding (1 − μ)·log p_att + μ·log p_ctc.")
    var decodingCtcWeight: Float = 0.5

    @Option(name: .long, help: "New model only: label smoothing of the decoder's cross-entropy.")
    var labelSmoothing: Float = 0.1

    @Option(name: .long, help: "Validate on the first N validation clips only (cheaper comparisons; the test split is always whole).")
    var validationClips: Int?

    @Option(name: .long, help: "Threads for a step's clips and for evaluation (the result does not depend on it).")
    var threads: Int = 2

    var reportCopies: [String] { reportNoise.split(separator: ",").map(String.init) }

    func run() throws {
        do {
            let entries = try CorpusReader.manifest(corpus)
            if evaluateOnly {
                guard let resume else { throw TrainingError.invalidArgument(name: "--evaluate-only", reason: "needs --resume CHECKPOINT") }
                let trainer = try AVTrainer.load(from: resume)
                trainer.threads = try checkedThreads()
                let vocabulary = try checkedVocabulary(entries, checkpoint: trainer)
                let search = try reportSearch(entries, vocabulary: vocabulary)
                for split in ["validation", "test"] {
                    let examples = try entries.filter { $0.split == split }.map { entry in
                        try CorpusReader.example(entry, in: corpus, noisyCopies: reportCopies.allSatisfy { entry.noisy[$0] != nil } ? reportCopies : [],
                                                 vocabulary: vocabulary)
                    }
                    if !examples.isEmpty { report("\(resume) step \(trainer.step): \(split)", trainer, examples, search: search) }
                }
                return
            }
            let allTrain = entries.filter { $0.split == "train" }
            let trainEntries = trainClips.map { Array(allTrain.prefix(max(0, $0))) } ?? allTrain
            guard let forced = ["both": Modality?.none, "audio": .audioOnly, "video": .videoOnly][trainModality] else {
                throw TrainingError.invalidArgument(name: "--train-modality", reason: "'\(trainModality)' is not both, audio or video")
            }
            guard !trainEntries.isEmpty else { throw TrainingError.invalidArgument(name: "--corpus", reason: "\(corpus) has no training clips") }
            let copies = trainNoise.map { $0.split(separator: ",").map(String.init) } ?? trainEntries[0].noisy.keys.sorted()
            let resumed = try resume.map { try AVTrainer.load(from: $0) }
            let vocabulary = try checkedVocabulary(entries, checkpoint: resumed)
            if resumed != nil && initTrials != 1 {
                throw TrainingError.invalidArgument(name: "--init-trials", reason: "applies to a new run; leave it out with --resume (the checkpoint has its initial weights)")
            }
            let trials = try InitializationTrials(count: initTrials, steps: trialSteps, window: trialWindow, totalSteps: steps)
            if resumed == nil { _ = try newTrainer(vocabulary: vocabulary) }   // bad options fail before the clips load
            let loading = ProgressLine("load")
            var train: [AVExample] = []
            for (i, entry) in trainEntries.enumerated() {
                train.append(try CorpusReader.example(entry, in: corpus, noisyCopies: copies, vocabulary: vocabulary))
                loading.update(fraction: Double(i + 1) / Double(trainEntries.count), processed: Double(i + 1), unit: "clips")
            }
            loading.finish()
            func held(_ split: String) throws -> [AVExample] {
                try entries.filter { $0.split == split }.map { entry in
                    try CorpusReader.example(entry, in: corpus, noisyCopies: reportCopies.allSatisfy { entry.noisy[$0] != nil } ? reportCopies : [],
                                             vocabulary: vocabulary)
                }
            }
            let validation = Array(try held("validation").prefix(validationClips ?? Int.max))
            let search = try reportSearch(entries, vocabulary: vocabulary)
            print("training on \(train.count) clips, clean audio and \(copies.isEmpty ? "no noisy copies" : copies.joined(separator: ", ")); \(validation.count) validation clips")
            let progress = TrainingProgress(examples: train, batchSize: resumed?.settings.batchSize ?? batch, gradientNorms: gradientNorms)
            func configured(_ t: AVTrainer) throws -> AVTrainer {
                t.threads = try checkedThreads()
                t.forcedModality = forced
                t.perClipVideoStatistics = !batchVideoStatistics
                return t
            }
            let trainer = try resumed.map(configured) ?? chosenDraw(trials, train, vocabulary: vocabulary, progress: progress, configured: configured)
            print("parameters: \(trainer.model.parameters.reduce(0) { $0 + $1.value.count }); configuration \(trainer.model.configuration.json)")
            let total = trainer.settings.steps
            progress.begin(); progress.stepsAfterPhase = 0
            while trainer.step < total {
                progress.stepped(trainer, loss: trainer.trainStep(train), total: total)
                if trainer.step % epochSteps == 0 || trainer.step == total {
                    progress.endLine()
                    if !validation.isEmpty { report("step \(trainer.step): validation", trainer, validation, search: search) }
                    try trainer.save(to: output)
                }
            }
            let test = try held("test")
            if !test.isEmpty { report("step \(trainer.step): test", trainer, test, search: search) }
            print("wrote \(output) (step \(trainer.step), seed \(trainer.settings.seed), corpus seed \(trainer.settings.corpusSeed))")
        } catch let error as TrainingError {
            throw CleanExit.failure(error.description)
        }
    }

    /// A new run's trainer: with `--init-trials` above 1 the best of the initial draws after its
    /// trial (`InitializationTrials`, one result line per draw), else `newTrainer` at step 0.
    func chosenDraw(_ trials: InitializationTrials, _ train: [AVExample], vocabulary: AVVocabulary, progress: TrainingProgress,
                    configured: (AVTrainer) throws -> AVTrainer) throws -> AVTrainer {
        guard trials.count > 1 else { return try configured(newTrainer(vocabulary: vocabulary)) }
        let first = initSeed ?? seed
        print("trying \(trials.count) initial draws (init seeds \(first)–\(first &+ UInt64(trials.count - 1))) for \(trials.steps) steps each; ranked by the mean training loss over steps \(trials.steps - trials.window + 1)–\(trials.steps)")
        let chosen = try trials.run(first: first, make: { index, draw in
            progress.begin()
            progress.stepsAfterPhase = (trials.count - 1 - index) * trials.steps + (steps - trials.steps)
            return try configured(newTrainer(vocabulary: vocabulary, initializationSeed: draw))
        }, step: { index, t in
            let loss = t.trainStep(train)
            progress.stepped(t, loss: loss, total: trials.steps, label: "trial \(index + 1)/\(trials.count) (init seed \(t.settings.modelSeed))")
            return loss
        }, finished: { i, trial in
            progress.endLine()
            print(String(format: "trial %d/%d: init seed %llu, mean loss over steps %d–%d %.4f", i + 1, trials.count, trial.seed,
                         trials.steps - trials.window + 1, trials.steps, trial.score))
            fflush(stdout)
        })
        print("continuing init seed \(chosen.trainer.settings.modelSeed) (the run is `--init-seed \(chosen.trainer.settings.modelSeed)`)")
        return chosen.trainer
    }

    /// A new run's trainer from the options (checked); `initializationSeed` overrides `--init-seed`
    /// (kept out of the settings when it is the run's `--seed`, so such a run has the bytes of a run without it).
    func newTrainer(vocabulary: AVVocabulary, initializationSeed: UInt64? = nil) throws -> AVTrainer {
        var s = TrainingSettings()
        s.seed = seed; s.corpusSeed = Self.corpusSeed(corpus); s.steps = steps; s.batchSize = batch
        s.initializationSeed = initializationSeed ?? initSeed
        if s.initializationSeed == seed { s.initializationSeed = nil }
        s.peakLearningRate = learningRate; s.warmupSteps = warmupSteps ?? max(1, steps / 20)
        s.finalLearningRate = finalLearningRate; s.maxGradientNorm = maxGradientNorm
        s.cleanAudioProbability = cleanAudioProbability
        s.videoOnlyShare = videoOnlyShare; s.videoLearningRateScale = videoLearningRateScale
        let augmentation = MelAugmentation(frequencyWarp: frequencyWarp, frequencyMasks: frequencyMasks, timeMasks: timeMasks)
        if !augmentation.isOff { s.melAugmentation = augmentation }   // absent when off (same bytes as before)
        try checkRecipe(s)
        var c = try modelConfiguration()
        if vocabulary.kind != .english { c.vocabulary = vocabulary.kind }   // English stays absent (same bytes as before)
        return AVTrainer(model: AVModel(c, seed: s.modelSeed), settings: s)
    }

    /// The settings options, checked.
    func checkRecipe(_ s: TrainingSettings) throws {
        func unit(_ name: String, _ x: Float?) throws {
            if let x, !(x >= 0 && x <= 1) { throw TrainingError.invalidArgument(name: name, reason: "\(x) is not between 0 and 1") }
        }
        guard s.warmupSteps >= 0 && s.warmupSteps <= s.steps else {
            throw TrainingError.invalidArgument(name: "--warmup-steps", reason: "\(s.warmupSteps) is not between 0 and --steps (\(s.steps))")
        }
        guard s.finalLearningRate >= 0 && s.finalLearningRate <= s.peakLearningRate else {
            throw TrainingError.invalidArgument(name: "--final-learning-rate", reason: "\(s.finalLearningRate) is not between 0 and --learning-rate (\(s.peakLearningRate))")
        }
        guard s.maxGradientNorm > 0 && s.maxGradientNorm.isFinite else {
            throw TrainingError.invalidArgument(name: "--max-gradient-norm", reason: "\(s.maxGradientNorm) is not a positive number")
        }
        try unit("--clean-audio-probability", s.cleanAudioProbability)
        try unit("--video-only-share", s.videoOnlyShare)
        if let x = s.videoLearningRateScale, !(x >= 0 && x <= 100) {
            throw TrainingError.invalidArgument(name: "--video-learning-rate-scale", reason: "\(x) is not between 0 and 100")
        }
        if let problem = s.melAugmentation?.problem {
            throw TrainingError.invalidArgument(name: problem.option, reason: problem.reason)
        }
    }

    /// The default configuration with the new-model options (`--model-width`, `--ctc-weight`, …,
    /// `--video-temporal` / `--video-temporal-kernel`).
    func modelConfiguration() throws -> AVConfiguration {
        var c = AVConfiguration()
        guard (8...512).contains(modelWidth) else {
            throw TrainingError.invalidArgument(name: "--model-width", reason: "\(modelWidth) is not between 8 and 512")
        }
        for (name, x) in [("--modality-dropout", modalityDropout), ("--ctc-weight", ctcWeight),
                          ("--decoding-ctc-weight", decodingCtcWeight), ("--label-smoothing", labelSmoothing)] where !(x >= 0 && x <= 1) {
            throw TrainingError.invalidArgument(name: name, reason: "\(x) is not between 0 and 1")
        }
        c.modelWidth = modelWidth; c.modalityDropout = modalityDropout; c.ctcWeight = ctcWeight
        c.decodingCTCWeight = decodingCtcWeight; c.labelSmoothing = labelSmoothing
        guard let videoTemporal else { return c }
        let dilations = videoTemporal.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !dilations.isEmpty, dilations.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 64 }) else {
            throw TrainingError.invalidArgument(name: "--video-temporal", reason: "'\(videoTemporal)' is not a comma-separated list of dilations from 1 to 64 (e.g. 1,2,4)")
        }
        guard (1...9).contains(videoTemporalKernel) else {
            throw TrainingError.invalidArgument(name: "--video-temporal-kernel", reason: "\(videoTemporalKernel) is not between 1 and 9")
        }
        c.videoTemporalDilations = dilations.compactMap { $0 }
        c.videoTemporalKernel = videoTemporalKernel
        return c
    }

    /// The vocabulary the examples are labelled with: the checkpoint's when resuming (a different
    /// `--vocabulary` is an error), else `--vocabulary`, else pinyin for a Mandarin corpus and
    /// English otherwise.
    func checkedVocabulary(_ entries: [ManifestEntry], checkpoint: AVTrainer?) throws -> AVVocabulary {
        var asked: AVVocabulary?
        if let vocabulary {
            guard let v = AVVocabulary.named(vocabulary) else {
                throw TrainingError.invalidArgument(name: "--vocabulary", reason: "'\(vocabulary)' is not one of \(AVVocabulary.knownNames)")
            }
            asked = v
        }
        if let checkpoint {
            let own = checkpoint.model.configuration.outputVocabulary
            if let asked, asked != own {
                throw TrainingError.invalidArgument(name: "--vocabulary", reason: "\(asked.kind.rawValue), but the checkpoint's vocabulary is \(own.kind.rawValue); leave --vocabulary out when resuming")
            }
            return own
        }
        return asked ?? (entries.contains { $0.language == "zh" } ? .pinyin : .english)
    }

    func checkedThreads() throws -> Int {
        guard (1...64).contains(threads) else {
            throw TrainingError.invalidArgument(name: "--threads", reason: "\(threads) is not between 1 and 64")
        }
        return threads
    }

    /// `e` with `other`'s mouth crops (its last frame repeated, or cut, to `e`'s length).
    static func withVideo(of other: AVExample, _ e: AVExample) -> AVExample {
        let crops = other.crops, n = other.frames
        var out: [Float] = []
        out.reserveCapacity(e.frames * 4096)
        for f in 0..<e.frames { let k = min(f, n - 1); out += crops[k * 4096..<(k + 1) * 4096] }
        return AVExample(crops: out, mel: e.mel, frames: e.frames, labels: e.labels, text: e.text, noisyMels: e.noisyMels)
    }

    /// The seed recorded in the corpus's corpus.json (0 when absent).
    static func corpusSeed(_ directory: String) -> UInt64 {
        guard let data = FileManager.default.contents(atPath: directory + "/corpus.json"),
              let config = try? JSONDecoder().decode(CorpusConfiguration.self, from: data) else { return 0 }
        return config.seed
    }
}
