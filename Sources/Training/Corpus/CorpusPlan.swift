import Foundation

/// Which part of the corpus a clip belongs to. Validation and test use sentences, voices and faces
/// that training never sees.
public enum CorpusSplit: String, Sendable, Codable, CaseIterable {
    case train, validation, test
}

/// How the corpus varies and what it holds out: sentences by a seeded hash of their text, voices
/// and faces by disjoint pools per split.
public struct CorpusPlan: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    /// Sentence split: 80 % train, 10 % validation, 10 % test of the grammar's sentences.
    public func split(ofSentence text: String) -> CorpusSplit {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        var r = SplitMix(seed: h)
        switch r.next() % 10 {
        case 0: return .validation
        case 1: return .test
        default: return .train
        }
    }

    /// English voices (espeak-ng 1.51) and variants per split; no (voice) or (variant) is shared
    /// between training and the held-out splits.
    public static func voices(_ split: CorpusSplit) -> [String] {
        switch split {
        case .train: return ["en-us", "en-gb", "en-gb-x-rp", "en-029", "en-gb-x-gbclan"]
        case .validation: return ["en-gb-x-gbcwmd"]
        case .test: return ["en-gb-scotland", "en-us-nyc"]
        }
    }

    public static func variants(_ split: CorpusSplit) -> [String?] {
        switch split {
        case .train: return [nil, "m1", "m2", "m3", "m4", "f1", "f2", "f3"]
        case .validation: return ["m5", "f4"]
        case .test: return ["m6", "m7", "f5"]
        }
    }

    /// Face identities per split (disjoint id ranges; each id is a different random face).
    public static func faces(_ split: CorpusSplit) -> Range<Int> {
        switch split {
        case .train: return 0..<1000
        case .validation: return 1000..<1100
        case .test: return 1100..<1300
        }
    }

    /// The sentence, voice and face of clip `index` in `split`, drawn from their own sub-stream.
    public func draw(split: CorpusSplit, index: Int) -> (sentence: CorpusSentence, style: SpeechStyle, faceID: Int, random: SplitMix) {
        var r = SplitMix(seed: seed, stream: "clip-" + split.rawValue, index: index)
        var sentence = GridGrammar.sentence(r.below(GridGrammar.sentenceCount))
        while self.split(ofSentence: sentence.text) != split {
            sentence = GridGrammar.sentence(r.below(GridGrammar.sentenceCount))
        }
        let style = SpeechStyle(voice: r.pick(Self.voices(split)), variant: r.pick(Self.variants(split)),
                                wordsPerMinute: 130 + r.below(81), pitch: 30 + r.below(41), pitchRange: 30 + r.below(51))
        let faces = Self.faces(split)
        let faceID = faces.lowerBound + r.below(faces.count)
        return (sentence, style, faceID, r)
    }
}
