import Features
import Foundation

/// What `captionctl corpus` makes.
public struct CorpusConfiguration: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var trainClips: Int
    public var validationClips: Int
    public var testClips: Int
    /// Also write full frames (`face.y4m`) for the demo.
    public var fullFrames: Bool
    public var frameWidth: Int
    public var frameHeight: Int
    /// Noisy copies of each clip's audio: kind and SNR in dB.
    public var noise: [NoiseSpec]
    /// The sentence set (`SentenceSet.Kind`); nil means GRID (corpora written before the sets).
    public var sentenceSet: String? = nil

    public struct NoiseSpec: Sendable, Codable, Equatable {
        public let kind: NoiseKind
        public let snrDB: Float
        public init(kind: NoiseKind, snrDB: Float) { self.kind = kind; self.snrDB = snrDB }
        public var fileName: String { "\(kind.rawValue)_\(Self.format(snrDB))dB.wav" }
        static func format(_ v: Float) -> String { v == v.rounded() ? String(Int(v)) : String(v) }

        /// Parses `white:10` or `babble:-5`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let kind = NoiseKind(rawValue: String(parts[0])), let snr = Float(parts[1]), snr.isFinite else {
                throw TrainingError.invalidArgument(name: "noise '\(text)'", reason: "expected KIND:SNR with KIND white or babble and SNR in dB, e.g. babble:0")
            }
            self.init(kind: kind, snrDB: snr)
        }
    }

    public init(seed: UInt64, trainClips: Int, validationClips: Int, testClips: Int, fullFrames: Bool = false,
                frameWidth: Int = 192, frameHeight: Int = 144, noise: [NoiseSpec] = []) {
        self.seed = seed; self.trainClips = trainClips; self.validationClips = validationClips; self.testClips = testClips
        self.fullFrames = fullFrames; self.frameWidth = frameWidth; self.frameHeight = frameHeight; self.noise = noise
    }

    func count(_ split: CorpusSplit) -> Int {
        switch split { case .train: return trainClips; case .validation: return validationClips; case .test: return testClips }
    }
}

/// Writes a corpus folder (layout in docs/CORPUS.md): `corpus.json`, `manifest.jsonl` and per clip
/// `clips/ID/{audio.wav, mouth.y4m, transcript.txt, alignment.json}` (+ `face.y4m`, noisy WAVs).
public struct CorpusGenerator {
    public let configuration: CorpusConfiguration
    public let babble: NoiseMixer?
    public let sentences: SentenceSet

    public init(configuration: CorpusConfiguration, babble: NoiseMixer?, sentences: SentenceSet = .grid) throws {
        let plan = CorpusPlan(seed: configuration.seed, sentences: sentences)
        for split in CorpusSplit.allCases where configuration.count(split) > 0 && plan.sentenceCount(split) == 0 {
            throw TrainingError.invalidArgument(name: "\(split.rawValue) clips", reason: "the \(sentences.kind.rawValue) set has no \(split.rawValue) sentences under seed \(configuration.seed) (\(sentences.sentences.count) sentences); use a larger set or another seed")
        }
        self.sentences = sentences
        for (name, v) in [("train clips", configuration.trainClips), ("validation clips", configuration.validationClips), ("test clips", configuration.testClips)] where v < 0 {
            throw TrainingError.invalidArgument(name: name, reason: "\(v) is negative")
        }
        guard configuration.frameWidth >= 64, configuration.frameHeight >= 64 else {
            throw TrainingError.invalidArgument(name: "frame size", reason: "\(configuration.frameWidth)×\(configuration.frameHeight) is smaller than 64×64")
        }
        if configuration.noise.contains(where: { $0.kind == .babble }) && babble == nil {
            throw TrainingError.invalidArgument(name: "noise", reason: "babble noise needs real speech (give --babble DIR)")
        }
        self.configuration = configuration
        self.babble = babble
    }

    /// Generates everything into `directory` (created if missing); `progress(done, total)` after each clip.
    public func write(to directory: String, progress: (Int, Int) -> Void = { _, _ in }) throws {
        var c = configuration
        if sentences.kind != .grid { c.sentenceSet = sentences.kind.rawValue }
        let synth = ClipSynthesizer(plan: CorpusPlan(seed: c.seed, sentences: sentences), frameWidth: c.frameWidth, frameHeight: c.frameHeight)
        try make(directory)
        try put(try CorpusFiles.json(c), directory + "/corpus.json")
        var manifest = Data()
        let total = CorpusSplit.allCases.reduce(0) { $0 + c.count($1) }
        var done = 0
        for split in CorpusSplit.allCases {
            for index in 0..<c.count(split) {
                let clip = try synth.clip(split: split, index: index, fullFrames: c.fullFrames)
                let rel = "clips/" + clip.id
                let dir = directory + "/" + rel
                try make(dir)
                try put(CorpusFiles.wav(clip.audio, sampleRate: CorpusClip.sampleRate), dir + "/audio.wav")
                try put(CorpusFiles.y4mMono(clip.mouthCrops, width: MouthCropSpec.size, height: MouthCropSpec.size,
                                            fps: MouthCropSpec.framesPerSecond), dir + "/mouth.y4m")
                if let frames = clip.frames {
                    try put(CorpusFiles.y4mMono(frames, width: c.frameWidth, height: c.frameHeight,
                                                fps: MouthCropSpec.framesPerSecond), dir + "/face.y4m")
                }
                try put(Data((clip.sentence.text + "\n").utf8), dir + "/transcript.txt")
                try put(try CorpusFiles.json(ClipAlignment(clip: clip)), dir + "/alignment.json")
                var noisy: [String: String] = [:]
                for spec in c.noise {
                    var r = SplitMix(seed: c.seed, stream: "noise-\(spec.kind.rawValue)-\(spec.snrDB)-" + clip.id)
                    let mixer = babble ?? NoiseMixer(babbleSources: [])
                    let mixed = try mixer.mix(clip.audio, kind: spec.kind, snrDB: spec.snrDB, random: &r)
                    try put(CorpusFiles.wav(mixed, sampleRate: CorpusClip.sampleRate), dir + "/" + spec.fileName)
                    noisy["\(spec.kind.rawValue):\(NoiseSpec.format(spec.snrDB))"] = rel + "/" + spec.fileName
                }
                var entry = ManifestEntry(id: clip.id, split: split.rawValue, language: sentences.language, text: clip.sentence.text,
                                          audio: rel + "/audio.wav", mouth: rel + "/mouth.y4m",
                                          frames: c.fullFrames ? rel + "/face.y4m" : nil, alignment: rel + "/alignment.json",
                                          noisy: noisy, voice: clip.style.label, wordsPerMinute: clip.style.wordsPerMinute,
                                          pitch: clip.style.pitch, face: clip.face.id, videoFrames: clip.mouthCrops.count,
                                          audioSamples: clip.audio.count)
                if sentences.kind != .grid { entry.sentenceSet = sentences.kind.rawValue }
                if sentences.kind == .mandarin { entry.pinyin = clip.sentence.spoken }
                manifest.append(try CorpusFiles.json(entry))
                manifest.append(0x0A)
                done += 1
                progress(done, total)
            }
        }
        try put(manifest, directory + "/manifest.jsonl")
    }

    private typealias NoiseSpec = CorpusConfiguration.NoiseSpec

    private func make(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw TrainingError.io(path: path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private func put(_ data: Data, _ path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw TrainingError.io(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
