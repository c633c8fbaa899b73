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
    /// The sentences spoken (GRID unless another set is given) and, per split, the indices of the
    /// set's sentences in it (held out by the same seeded hash as GRID's).
    public let sentenceSet: SentenceSet
    let pools: [CorpusSplit: [Int]]

    public init(seed: UInt64, sentences: SentenceSet = .grid) {
        self.seed = seed
        self.sentenceSet = sentences
        var pools: [CorpusSplit: [Int]] = [:]
        for (i, s) in sentences.sentences.enumerated() { pools[Self.split(ofSentence: s.text, seed: seed), default: []].append(i) }
        self.pools = pools
    }

    /// Sentences of the set available to `split` (GRID: the grammar's share).
    public func sentenceCount(_ split: CorpusSplit) -> Int {
        sentenceSet.kind == .grid ? GridGrammar.sentenceCount / 10 : pools[split]?.count ?? 0
    }

    /// Sentence split: 80 % train, 10 % validation, 10 % test of the grammar's sentences.
    public func split(ofSentence text: String) -> CorpusSplit { Self.split(ofSentence: text, seed: seed) }

    static func split(ofSentence text: String, seed: UInt64) -> CorpusSplit {
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
    public static func voices(_ split: CorpusSplit, language: String = "en") -> [String] {
        if language == "zh" { return ["cmn-latn-pinyin"] }  // espeak-ng's one Mandarin voice that reads pinyin
        switch split {
        case .train: return ["en-us", "en-gb", "en-gb-x-rp", "en-029", "en-gb-x-gbclan"]
        case .validation: return ["en-gb-x-gbcwmd"]
        case .test: return ["en-gb-scotland", "en-us-nyc"]
        }
    }

    public static func variants(_ split: CorpusSplit, language: String = "en") -> [String?] {
        if language == "zh" {
            // One Mandarin voice: the variants (speaker characteristics) are what is held out.
            switch split {
            case .train: return [nil, "m1", "m2", "m3", "f1", "f2", "f3"]
            case .validation: return ["m5", "f4"]
            case .test: return ["m6", "m7", "f5"]
            }
        }
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
        var r = SplitMix(seed: seed, stream: (sentenceSet.kind == .grid ? "clip-" : "clip-\(sentenceSet.kind.rawValue)-") + split.rawValue, index: index)
        var sentence: CorpusSentence
        if sentenceSet.kind == .grid {
            sentence = GridGrammar.sentence(r.below(GridGrammar.sentenceCount))
            while self.split(ofSentence: sentence.text) != split {
                sentence = GridGrammar.sentence(r.below(GridGrammar.sentenceCount))
            }
        } else {
            // CorpusGenerator checks that every split asked for has sentences.
            let pool = pools[split] ?? []
            sentence = pool.isEmpty ? CorpusSentence(text: "", spoken: "") : sentenceSet.sentences[pool[r.below(pool.count)]]
        }
        let language = sentenceSet.language
        let style = SpeechStyle(voice: r.pick(Self.voices(split, language: language)), variant: r.pick(Self.variants(split, language: language)),
                                wordsPerMinute: 130 + r.below(81), pitch: 30 + r.below(41), pitchRange: 30 + r.below(51))
        let faces = Self.faces(split)
        let faceID = faces.lowerBound + r.below(faces.count)
        return (sentence, style, faceID, r)
    }
}
