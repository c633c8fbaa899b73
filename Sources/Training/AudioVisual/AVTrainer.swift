import Foundation
import Models
import Tensor

/// Training settings; stored in checkpoints beside the model configuration.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public var seed: UInt64 = 1
    public var corpusSeed: UInt64 = 1
    public var batchSize = 4
    public var steps = 1000
    public var warmupSteps = 50
    public var peakLearningRate: Float = 3e-3
    public var finalLearningRate: Float = 1e-4
    public var weightDecay: Float = 0.01
    public var maxGradientNorm: Float = 5
    /// Probability of training a clip on its clean audio rather than a noisy copy.
    public var cleanAudioProbability: Float = 0.4
    /// Of the clips modality dropout drops a branch of, the share trained on video alone (the rest
    /// on audio alone); nil: 0.5. Optional, and left out of the JSON when nil, so checkpoints made
    /// before it (Tests/Fixtures/av/av-grid-d64.safetensors, the first committed checkpoint) load and save with the same bytes.
    public var videoOnlyShare: Float? = nil
    /// The video branch's (`video.*` parameters) learning rate as a multiple of the schedule's;
    /// nil: 1 (optional for the same reason).
    public var videoLearningRateScale: Float? = nil
    /// Log-mel augmentation of each training clip (`MelAugmentation`); nil: none (optional for
    /// the same reason).
    public var melAugmentation: MelAugmentation? = nil
    /// Seed of the model's initial weights when it differs from `seed` (which then drives only
    /// the data order, noise draws, dropout and augmentation); nil: `seed` (optional for the same
    /// reason).
    public var initializationSeed: UInt64? = nil
    /// The seed the initial weights were drawn from.
    public var modelSeed: UInt64 { initializationSeed ?? seed }
    public init() {}
}

/// Mini-batch training of `AVModel` with AdamW, gradient clipping, warm-up + cosine and modality
/// dropout; every random choice comes from `settings.seed` and the step number, so a resumed run
/// continues exactly as an uninterrupted one.
public final class AVTrainer {
    public let model: AVModel
    public let settings: TrainingSettings
    public let optimizer: AdamW
    public private(set) var step = 0
    let schedule: WarmupCosineSchedule
    /// Trains every clip on these inputs instead of modality dropout (diagnosis; not in checkpoints).
    public var forcedModality: Modality?
    /// Batch norm of the video CNN over each clip's own frames in training (the default, which the
    /// shipped checkpoint was trained with), or, when false, over all clips of the step
    /// (`VideoBatch`: the statistics evaluation uses, but in the one 1,200-step run measured it
    /// trained worse; see assets/av-grid.md). Not stored in checkpoints.
    public var perClipVideoStatistics = true
    /// Gradient norm per parameter group of the last step, before clipping.
    public private(set) var lastGradientNorms: [(String, Double)] = []
    /// Threads for a step's clips and for evaluation. Results do not depend on it
    /// (`ParallelClipSteps`), so it is not stored in checkpoints.
    public var threads = 1
    let clipSteps = ParallelClipSteps()

    public init(model: AVModel, settings: TrainingSettings) {
        self.model = model
        self.settings = settings
        optimizer = AdamW(weightDecay: settings.weightDecay)
        schedule = WarmupCosineSchedule(peak: settings.peakLearningRate, floor: settings.finalLearningRate,
                                        warmup: settings.warmupSteps, total: settings.steps)
    }

    /// One optimisation step on a batch drawn from `examples`; returns the mean joint loss per label.
    /// Each clip's audio is its clean log-mel with probability `cleanAudioProbability`, else one of
    /// its noisy copies (when it has any); then modality dropout; then `melAugmentation` of the
    /// clips that hear audio.
    @discardableResult
    public func trainStep(_ examples: [AVExample]) -> Double {
        var r = SplitMix(seed: settings.seed, stream: "train-step", index: step)
        let parameters = model.parameters
        for p in parameters { p.zeroGrad() }
        var total: Double = 0, counted = 0
        let n = min(settings.batchSize, examples.count)
        var drawn: [(AVExample, [Float]?, Modality)] = []
        for _ in 0..<n {
            let e = examples[r.below(examples.count)]
            var mel: [Float]? = nil
            if !e.noisyMels.isEmpty && r.unit() >= settings.cleanAudioProbability { mel = e.noisyMels[r.below(e.noisyMels.count)] }
            var modality = Modality.both
            if r.unit() < model.configuration.modalityDropout { modality = r.unit() < 1 - (settings.videoOnlyShare ?? 0.5) ? .audioOnly : .videoOnly }
            drawn.append((e, mel, forcedModality ?? modality))
        }
        if let augmentation = settings.melAugmentation, !augmentation.isOff {
            // Its own stream per step and clip: the draws above are the same with or without it.
            for i in drawn.indices where drawn[i].2 != .videoOnly {
                var a = SplitMix(seed: settings.seed, stream: "mel-augmentation", index: step &* 1024 &+ i)
                drawn[i].1 = augmentation.apply(drawn[i].1 ?? drawn[i].0.mel, melBins: model.configuration.melBins, random: &a)
            }
        }
        // Unless each clip is its own batch-norm batch (the default), the video CNN runs once over
        // the whole batch (batch norm over every clip's frames: the statistics evaluation uses),
        // then each clip's step, then the CNN's backward once.
        // Each clip's forward and backward on its own gradient replica, `threads` at a time; the
        // gradients are summed in clip order (`ParallelClipSteps`), so any thread count gives the same bits.
        let video = perClipVideoStatistics ? nil : model.encodeVideo(drawn.map(\.0))
        let losses = clipSteps.run(drawn.map { (example: $0.0, mel: $0.1, modality: $0.2) }, model: model, video: video,
                                   gradientScale: 1 / Float(n), threads: threads)
        for loss in losses where loss.isFinite { total += loss; counted += 1 }
        if let video { model.backwardVideo(video) }
        lastGradientNorms = Self.groupNorms(parameters)
        clipGradientNorm(parameters, maxNorm: settings.maxGradientNorm)
        let videoScale = settings.videoLearningRateScale ?? 1
        optimizer.update(parameters, learningRate: schedule.rate(at: step),
                         scale: videoScale == 1 ? nil : { $0.name.hasPrefix("video.") ? videoScale : 1 })
        step += 1
        return counted == 0 ? .infinity : total / Double(counted)
    }

    /// The last step's gradient norms by parameter group (the name's first component: video, audio,
    /// fusion, ctc, decoder), before clipping.
    public func gradientNormsByGroup() -> [(String, Double)] { lastGradientNorms }

    static func groupNorms(_ parameters: [Parameter]) -> [(String, Double)] {
        var order: [String] = [], sums: [String: Double] = [:]
        for p in parameters {
            let group = String(p.name.split(separator: ".").first ?? "")
            if sums[group] == nil { order.append(group); sums[group] = 0 }
            sums[group, default: 0] += p.grad.reduce(0) { $0 + Double($1) * Double($1) }
        }
        return order.map { ($0, (sums[$0] ?? 0).squareRoot()) }
    }

    /// Character error rate over `examples` (joint CTC/attention decoding) with the given inputs;
    /// `noisy` picks each example's noisy copy of that index instead of the clean audio.
    /// Clips are decoded on `threads` threads (the model is only read; with `clipStatistics`, whose
    /// batch norm updates the running statistics, one thread).
    public func characterErrorRate(_ examples: [AVExample], modality: Modality = .both, noisy: Int? = nil, clipStatistics: Bool = false) -> Double {
        CharacterErrorRate.rate(Array(zip(transcripts(examples, modality: modality, noisy: noisy, clipStatistics: clipStatistics),
                                          examples.map(\.text))))
    }

    /// The decoded text of each example (as `characterErrorRate` decodes it), in order.
    public func transcripts(_ examples: [AVExample], modality: Modality = .both, noisy: Int? = nil, clipStatistics: Bool = false) -> [String] {
        decodings(examples, modality: modality, noisy: noisy, clipStatistics: clipStatistics).map(\.joint)
    }

    /// Each example's text by joint decoding and, with `search`, by the CTC prefix search (one
    /// encoder run per clip; `AVModel.decode`), in order.
    public func decodings(_ examples: [AVExample], modality: Modality = .both, noisy: Int? = nil, clipStatistics: Bool = false,
                          search: CTCPrefixBeamSearch? = nil) -> [(joint: String, searched: String?)] {
        let texts = (0..<examples.count).map { _ in TextSlot() }
        let queue = ClipQueue(count: examples.count)
        WorkerPool.run(workers: clipStatistics ? 1 : max(1, min(threads, examples.count))) { _, _ in
            while let i = queue.next() {
                let e = examples[i]
                let mel = noisy.flatMap { $0 < e.noisyMels.count ? e.noisyMels[$0] : nil }
                (texts[i].text, texts[i].searched) = model.decode(e, mel: mel, modality: modality, clipStatistics: clipStatistics, search: search)
            }
        }
        return texts.map { ($0.text, $0.searched) }
    }

    // MARK: checkpoints

    /// Writes parameters, batch-norm statistics and the optimizer state as float32 safetensors, with
    /// the model configuration, the training settings (seeds included) and the step in the metadata.
    public func save(to path: String) throws {
        var tensors: [String: Tensor] = [:]
        for p in model.parameters { tensors[p.name] = try Tensor(shape: p.shape, data: p.value) }
        for (name, values) in model.video.buffers { tensors[name] = try Tensor(shape: [values.count], data: values) }
        for (name, values) in optimizer.state { tensors["optimizer." + name] = try Tensor(shape: [values.count], data: values) }
        var metadata = ["format": "captiond-av-1", "configuration": model.configuration.json,
                        "settings": String(decoding: try AVConfiguration.encoder.encode(settings), as: UTF8.self),
                        "step": String(step), "corpus_seed": String(settings.corpusSeed)]
        // The symbols of a non-English vocabulary, checked on loading (English checkpoints keep their bytes).
        if model.configuration.vocabulary != nil { metadata["vocabulary"] = model.configuration.outputVocabulary.symbolString }
        do { try SafetensorsWriter.write(tensors, metadata: metadata, to: path) } catch {
            throw TrainingError.io(path: path, reason: "cannot write the checkpoint: \(error)")
        }
    }

    /// Loads a checkpoint written by `save`; fails on a missing, unused or mis-shaped tensor.
    public static func load(from path: String) throws -> AVTrainer {
        let (metadata, store): ([String: String], WeightStore)
        do { (metadata, store) = try SafetensorsReader.read(path: path) } catch {
            throw TrainingError.checkpoint(path: path, reason: "\(error)")
        }
        guard metadata["format"] == "captiond-av-1", let c = metadata["configuration"], let s = metadata["settings"],
              let stepText = metadata["step"], let step = Int(stepText) else {
            throw TrainingError.checkpoint(path: path, reason: "not a captiond audio-visual checkpoint (metadata format, configuration, settings, step missing)")
        }
        let configuration: AVConfiguration, settings: TrainingSettings
        do {
            configuration = try JSONDecoder().decode(AVConfiguration.self, from: Data(c.utf8))
            settings = try JSONDecoder().decode(TrainingSettings.self, from: Data(s.utf8))
        } catch DecodingError.dataCorrupted(let context) {
            throw TrainingError.checkpoint(path: path, reason: "unreadable configuration: \(context.debugDescription)")
        } catch {
            throw TrainingError.checkpoint(path: path, reason: "unreadable configuration or settings: \(error)")
        }
        if let problem = settings.melAugmentation?.problem {
            throw TrainingError.checkpoint(path: path, reason: "its stored log-mel augmentation is out of range (\(problem.option): \(problem.reason)); retrain or use the captionctl that trained it")
        }
        let vocabulary = configuration.outputVocabulary
        if let stored = metadata["vocabulary"], stored != vocabulary.symbolString {
            throw TrainingError.checkpoint(path: path, reason: "its \(vocabulary.kind.rawValue) vocabulary was stored as \"\(stored)\", but this version's is \"\(vocabulary.symbolString)\"; use the captionctl that trained it or retrain")
        }
        let trainer = AVTrainer(model: AVModel(configuration, seed: settings.modelSeed), settings: settings)
        do {
            for p in trainer.model.parameters {
                do { p.value = try store.take(p.name, shape: p.shape).data } catch {
                    let vocabularySized = ["ctc.head", "decoder.embedding", "decoder.output"].contains { p.name.hasPrefix($0) }
                    guard vocabularySized else { throw error }
                    throw TrainingError.checkpoint(path: path, reason: "\(p.name) does not fit the configuration's vocabulary \(vocabulary) (\(error)): the configuration names the wrong vocabulary for these weights")
                }
            }
            for (name, values) in trainer.model.video.buffers {
                _ = trainer.model.video.setBuffer(name, try store.take(name, shape: [values.count]).data)
            }
            var state: [String: [Float]] = [:]
            for name in store.names where name.hasPrefix("optimizer.") {
                state[String(name.dropFirst("optimizer.".count))] = try store.take(name).data
            }
            trainer.optimizer.restore(state)
            try store.checkAllUsed()
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.checkpoint(path: path, reason: "\(error)")
        }
        trainer.step = step
        return trainer
    }
}

/// One clip's decoded text (each slot written by one thread only).
private final class TextSlot { var text = "", searched: String? }
