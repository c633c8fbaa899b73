import CaptionCore
import Features
import Foundation
import TestSupport
import XCTest
@testable import Training

final class CorpusTests: XCTestCase {
    private func tempDir(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "captiond-corpus-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    private func files(under root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let walker = FileManager.default.enumerator(atPath: root)
        while let rel = walker?.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + rel))
            }
        }
        return out
    }

    /// Same seed, same bytes (every file of the corpus); another seed, other bytes.
    func testSameSeedGivesSameBytes() throws {
        let config = CorpusConfiguration(seed: 7, trainClips: 1, validationClips: 0, testClips: 1,
                                         noise: [.init(kind: .white, snrDB: 5)])
        let a = tempDir("a"), b = tempDir("b"), c = tempDir("c")
        defer { for d in [a, b, c] { try? FileManager.default.removeItem(atPath: d) } }
        try CorpusGenerator(configuration: config, babble: nil).write(to: a)
        try CorpusGenerator(configuration: config, babble: nil).write(to: b)
        var other = config
        other.seed = 8
        try CorpusGenerator(configuration: other, babble: nil).write(to: c)
        let fa = try files(under: a), fb = try files(under: b), fc = try files(under: c)
        XCTAssertEqual(Set(fa.keys), ["corpus.json", "manifest.jsonl",
                                      "clips/train-000000/audio.wav", "clips/train-000000/mouth.y4m",
                                      "clips/train-000000/transcript.txt", "clips/train-000000/alignment.json",
                                      "clips/train-000000/white_5dB.wav",
                                      "clips/test-000000/audio.wav", "clips/test-000000/mouth.y4m",
                                      "clips/test-000000/transcript.txt", "clips/test-000000/alignment.json",
                                      "clips/test-000000/white_5dB.wav"])
        for (name, data) in fa {
            XCTAssertTrue(data == fb[name], "\(name) differs between two runs with the same seed")
        }
        XCTAssertFalse(fa["clips/train-000000/mouth.y4m"] == fc["clips/train-000000/mouth.y4m"])
        XCTAssertFalse(fa["clips/train-000000/audio.wav"] == fc["clips/train-000000/audio.wav"])

        // The files decode: a 16-kHz mono WAV and one 64×64 crop per video frame.
        let wav = try WAVFile(data: try XCTUnwrap(fa["clips/train-000000/audio.wav"]))
        XCTAssertEqual(wav.sampleRate, 16_000)
        XCTAssertEqual(wav.channels, 1)
        let line = try XCTUnwrap(String(data: try XCTUnwrap(fa["manifest.jsonl"]), encoding: .utf8)?.split(separator: "\n").first)
        let entry = try JSONDecoder().decode(ManifestEntry.self, from: Data(line.utf8))
        XCTAssertEqual(entry.audioSamples, wav.frameCount)
        let y4m = try XCTUnwrap(fa["clips/train-000000/mouth.y4m"])
        let header = "YUV4MPEG2 W64 H64 F25:1 Ip A1:1 Cmono\n"
        XCTAssertEqual(y4m.count, header.utf8.count + entry.videoFrames * (6 + 64 * 64))
        XCTAssertEqual(entry.videoFrames, Int((Double(entry.audioSamples) / 640).rounded(.up)))
        XCTAssertEqual(String(data: try XCTUnwrap(fa["clips/train-000000/transcript.txt"]), encoding: .utf8), entry.text + "\n")
    }

    /// A crop rendered on its own (only the region it reads) equals the crop of the full frame.
    func testCropOnlyRenderingMatchesFullFrame() throws {
        let synth = ClipSynthesizer(plan: CorpusPlan(seed: 3))
        let partial = try synth.clip(split: .validation, index: 2, fullFrames: false)
        let full = try synth.clip(split: .validation, index: 2, fullFrames: true)
        XCTAssertTrue(partial.mouthCrops == full.mouthCrops, "crop-only rendering differs from the full frame's crop")
        XCTAssertEqual(full.frames?.count, full.mouthCrops.count)
        // The mouth moves: crops are not all the same.
        XCTAssertGreaterThan(Set(partial.mouthCrops).count, partial.mouthCrops.count / 2)
    }

    /// An utterance does not depend on what was spoken before it in the process.
    func testSynthesisIsIndependentOfHistory() throws {
        let style = SpeechStyle(voice: "en-us", variant: "m3", wordsPerMinute: 150)
        let first = try EspeakSynthesizer.synthesize("bin blue at f two now", style: style, randomSeed: 9)
        _ = try EspeakSynthesizer.synthesize("lay green by eh two please", style: SpeechStyle(voice: "en-gb-x-rp", variant: "f2"))
        let again = try EspeakSynthesizer.synthesize("bin blue at f two now", style: style, randomSeed: 9)
        XCTAssertTrue(first.samples == again.samples)
        XCTAssertEqual(first.phonemes, again.phonemes)
        XCTAssertThrowsError(try EspeakSynthesizer.synthesize("x", style: SpeechStyle(voice: "no-such-voice"))) { error in
            XCTAssertTrue(String(describing: error).contains("espeak_SetVoiceByName"), "\(error)")
        }
    }

    /// Every voice and variant the plan uses exists in the installed espeak-ng.
    func testAllPlannedVoicesSynthesize() throws {
        for split in CorpusSplit.allCases {
            for voice in CorpusPlan.voices(split) {
                for variant in CorpusPlan.variants(split) {
                    let s = try EspeakSynthesizer.synthesize("bin", style: SpeechStyle(voice: voice, variant: variant))
                    XCTAssertGreaterThan(s.samples.count, 1000, "\(voice)+\(variant ?? "")")
                    XCTAssertFalse(s.phonemes.isEmpty)
                }
            }
        }
    }

    /// Held-out splits share no sentence, voice, variant or face with training.
    func testSplitsHoldOutSentencesVoicesAndFaces() {
        let plan = CorpusPlan(seed: 11)
        func draws(_ s: CorpusSplit, _ n: Int) -> [(CorpusSentence, SpeechStyle, Int)] {
            (0..<n).map { let d = plan.draw(split: s, index: $0); return (d.sentence, d.style, d.faceID) }
        }
        let train = draws(.train, 300), test = draws(.test, 100), val = draws(.validation, 100)
        for held in [test, val] {
            XCTAssertTrue(Set(train.map(\.0.text)).isDisjoint(with: held.map(\.0.text)))
            XCTAssertTrue(Set(train.map(\.1.voice)).isDisjoint(with: held.map(\.1.voice)))
            XCTAssertTrue(Set(train.compactMap(\.1.variant)).isDisjoint(with: held.compactMap(\.1.variant)))
            XCTAssertTrue(Set(train.map(\.2)).isDisjoint(with: held.map(\.2)))
        }
        XCTAssertEqual(GridGrammar.vocabulary.count, 51)
        XCTAssertEqual(GridGrammar.sentenceCount, 64_000)
    }

    /// Mixed noise has the requested SNR: white, and babble from the real speech fixtures.
    func testNoiseMixingHitsTheRequestedSNR() throws {
        var r = SplitMix(seed: 5)
        let speech = (0..<16_000).map { i in 0.3 * sin(Float(i) * 0.05) }
        var kinds: [NoiseKind] = [.white]
        var mixer = NoiseMixer(babbleSources: [])
        if let fixtures = TestPaths.sharedFixtures {
            mixer = try NoiseMixer.loadingBabble(from: fixtures.path)
            XCTAssertGreaterThanOrEqual(mixer.babbleSources.count, 10)
            kinds.append(.babble)
        }
        for kind in kinds {
            for snr: Float in [20, 5, 0, -5] {
                let (mixed, scale) = try mixer.mixWithScale(speech, kind: kind, snrDB: snr, random: &r)
                XCTAssertLessThanOrEqual(mixed.map(abs).max() ?? 0, 1)
                let noise = zip(mixed, speech).map { $0 / scale - $1 }
                let measured = 10 * log10(NoiseMixer.power(speech) / NoiseMixer.power(noise))
                XCTAssertEqual(measured, snr, accuracy: 0.01, "\(kind) at \(snr) dB")
            }
        }
        XCTAssertThrowsError(try CorpusConfiguration.NoiseSpec(parsing: "pink:3"))
        XCTAssertEqual(try CorpusConfiguration.NoiseSpec(parsing: "babble:-5").fileName, "babble_-5dB.wav")
    }
}
