import Foundation

/// Byte encoders for the corpus's files: 16-bit PCM WAV, mono Y4M and sorted-key JSON, all
/// deterministic (same input, same bytes).
public enum CorpusFiles {
    /// Mono 16-bit little-endian PCM WAV; samples are clamped to [-1, 1] and rounded.
    public static func wav(_ samples: [Float], sampleRate: Int) -> Data {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let bytes = UInt32(samples.count * 2)
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(UInt32(sampleRate)); u32(UInt32(sampleRate * 2)); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(bytes)
        var pcm = [Int16](repeating: 0, count: samples.count)
        for (i, s) in samples.enumerated() { pcm[i] = Int16((min(max(s, -1), 1) * 32767).rounded()) }
        pcm.withUnsafeBytes { raw in
            if 1.littleEndian == 1 { d.append(contentsOf: raw) } else { pcm.forEach { u16(UInt16(bitPattern: $0)) } }
        }
        return d
    }

    /// YUV4MPEG2 with only a luma plane (`Cmono`), progressive, square pixels.
    public static func y4mMono(_ frames: [[UInt8]], width: Int, height: Int, fps: Int) -> Data {
        var d = Data("YUV4MPEG2 W\(width) H\(height) F\(fps):1 Ip A1:1 Cmono\n".utf8)
        for f in frames {
            d.append(contentsOf: Array("FRAME\n".utf8))
            d.append(contentsOf: f)
        }
        return d
    }

    static func json<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(value)
    }
}

/// One line of `manifest.jsonl` (docs/CORPUS.md).
public struct ManifestEntry: Codable, Sendable, Equatable {
    public let id: String
    public let split: String
    public let language: String
    public let text: String
    /// Paths relative to the corpus folder.
    public let audio: String
    public let mouth: String
    public let frames: String?
    public let alignment: String
    public let noisy: [String: String]
    public let voice: String
    public let wordsPerMinute: Int
    public let pitch: Int
    public let face: Int
    public let videoFrames: Int
    public let audioSamples: Int
    /// "open" or "mandarin" (absent for GRID), and the tone-numbered pinyin espeak-ng read (Mandarin).
    public var sentenceSet: String? = nil
    public var pinyin: String? = nil
}

/// `alignment.json` of one clip: phonemes and viseme segments with times in ms, and the viseme
/// each video frame shows at its centre.
public struct ClipAlignment: Codable, Sendable, Equatable {
    public struct Phoneme: Codable, Sendable, Equatable {
        public let phoneme: String
        public let startMs: Int
        public let endMs: Int
    }
    public struct Segment: Codable, Sendable, Equatable {
        public let viseme: String
        public let phoneme: String
        public let startMs: Double
        public let endMs: Double
    }
    public let sampleRate: Int
    public let framesPerSecond: Int
    public let phonemes: [Phoneme]
    public let visemes: [Segment]
    public let frameVisemes: [String]
    /// Mouth opening per frame (fraction of the rest half-width), after co-articulation.
    public let frameOpening: [Float]

    public init(clip: CorpusClip) {
        sampleRate = CorpusClip.sampleRate
        framesPerSecond = 25
        let endMs = Int((clip.track.durationMs).rounded())
        phonemes = clip.phonemes.enumerated().map { i, p in
            Phoneme(phoneme: p.phoneme, startMs: p.startMs,
                    endMs: i + 1 < clip.phonemes.count ? clip.phonemes[i + 1].startMs : max(endMs, p.startMs))
        }
        visemes = clip.track.segments.map { Segment(viseme: $0.viseme.name, phoneme: $0.phoneme, startMs: $0.startMs, endMs: $0.endMs) }
        frameVisemes = clip.track.frameVisemes().map(\.name)
        frameOpening = clip.track.frameShapes().map(\.opening)
    }
}
