import CEspeak
import Foundation

/// One phoneme as espeak-ng reported it: its mnemonic (e.g. `aI`, `tS`, `_:`) and where it starts
/// in the synthesized audio, in milliseconds from the first sample.
public struct PhonemeEvent: Sendable, Equatable, Codable {
    public let phoneme: String
    public let startMs: Int
    public init(phoneme: String, startMs: Int) { self.phoneme = phoneme; self.startMs = startMs }
}

/// Speech and its phoneme timings from one espeak-ng synthesis.
public struct SynthesizedSpeech: Sendable {
    /// Mono samples in [-1, 1] at `sampleRate` (22,050 Hz for espeak-ng's voices).
    public let samples: [Float]
    public let sampleRate: Int
    /// Phonemes in order of their start times.
    public let phonemes: [PhonemeEvent]
    public var durationMs: Int { samples.count * 1000 / max(sampleRate, 1) }
}

/// How to speak: voice name (`en-us`, `en-gb-scotland`, `cmn-latn-pinyin`, …) with an optional
/// variant (`m3`, `f2`, `klatt`), rate in words per minute and pitch / pitch range (0–100).
public struct SpeechStyle: Sendable, Equatable, Codable {
    public var voice: String
    public var variant: String?
    public var wordsPerMinute: Int
    public var pitch: Int
    public var pitchRange: Int

    public init(voice: String, variant: String? = nil, wordsPerMinute: Int = 160, pitch: Int = 50, pitchRange: Int = 50) {
        self.voice = voice; self.variant = variant; self.wordsPerMinute = wordsPerMinute
        self.pitch = pitch; self.pitchRange = pitchRange
    }

    /// The name espeak_SetVoiceByName takes: `voice+variant`. It matches voice *files*
    /// (espeak-ng-data/voices/gmw/en-US → `en-us`); British English's file is `gmw/en`, so the
    /// language name `en-gb` (which only the command-line tool resolves, by properties) becomes `en`.
    /// `voice+variant` as the corpus manifest records it.
    public var label: String { variant.map { "\(voice)+\($0)" } ?? voice }

    public var espeakName: String {
        let file = voice == "en-gb" ? "en" : voice
        return variant.map { "\(file)+\($0)" } ?? file
    }
}

/// espeak-ng through its C API (synchronous output, phoneme events), one utterance per forked
/// child process: espeak-ng keeps state between utterances in function statics that no call
/// resets (pitch flutter phase, AGC), so in one process the samples would depend on what was
/// spoken before. A fresh child makes each utterance a function of its inputs alone, and lets
/// several utterances run in parallel. The child runs only the C shim (Sources/CEspeak/shim.h).
public enum EspeakSynthesizer {
    /// Synthesizes `text` (UTF-8 plain text) in `style`; `randomSeed` seeds the C library's
    /// `rand()`, which espeak-ng's noise sources draw from.
    public static func synthesize(_ text: String, style: SpeechStyle, randomSeed: UInt32 = 1) throws -> SynthesizedSpeech {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw TrainingError.espeak(function: "pipe", code: errno, detail: "starting a synthesis child (\(String(cString: strerror(errno))))")
        }
        let pid = cespeak_spawn_synthesis(text, style.espeakName, Int32(style.wordsPerMinute), Int32(style.pitch),
                                          Int32(style.pitchRange), randomSeed, fds[1], fds[0])
        close(fds[1])
        guard pid > 0 else {
            let e = errno
            close(fds[0])
            throw TrainingError.espeak(function: "fork", code: e, detail: "starting a synthesis child (\(String(cString: strerror(e))))")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) } else if n == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return try parse(bytes, text: text, style: style)
    }

    /// Decodes the child's records (see shim.h).
    static func parse(_ b: [UInt8], text: String, style: SpeechStyle) throws -> SynthesizedSpeech {
        var i = 0, rate = 0, ended = false
        var pcm: [Int16] = []
        var events: [PhonemeEvent] = []
        func int32() -> Int? {
            guard i + 4 <= b.count else { return nil }
            defer { i += 4 }
            return Int(Int32(bitPattern: UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24))
        }
        let truncated = TrainingError.espeak(function: "espeak_Synth", code: -1, detail: "speaking \"\(text)\": the synthesis child ended early (crashed?)")
        while i < b.count && !ended {
            let tag = b[i]
            i += 1
            switch tag {
            case UInt8(ascii: "R"):
                guard let r = int32() else { throw truncated }
                rate = r
            case UInt8(ascii: "A"):
                guard let n = int32(), n >= 0, i + 2 * n <= b.count else { throw truncated }
                for k in 0..<n { pcm.append(Int16(bitPattern: UInt16(b[i + 2 * k]) | UInt16(b[i + 2 * k + 1]) << 8)) }
                i += 2 * n
            case UInt8(ascii: "P"):
                guard let ms = int32(), i + 8 <= b.count else { throw truncated }
                let name = String(decoding: b[i..<i + 8].prefix { $0 != 0 }, as: UTF8.self)
                i += 8
                events.append(PhonemeEvent(phoneme: name, startMs: ms))
            case UInt8(ascii: "X"):
                guard let stage = int32(), let code = int32() else { throw truncated }
                let (function, detail): (String, String) = {
                    switch stage {
                    case 1: return ("espeak_Initialize", "starting the synthesizer")
                    case 2: return ("espeak_SetVoiceByName", "selecting voice '\(style.espeakName)' (list them with `espeak-ng --voices`)")
                    case 3: return ("espeak_SetParameter", "setting rate \(style.wordsPerMinute), pitch \(style.pitch), range \(style.pitchRange)")
                    default: return ("espeak_Synth", "speaking \"\(text)\"")
                    }
                }()
                throw TrainingError.espeak(function: function, code: Int32(code), detail: detail)
            case UInt8(ascii: "E"):
                ended = true
            default:
                throw truncated
            }
        }
        guard ended, rate > 0 else { throw truncated }
        let sorted = events.enumerated().sorted { ($0.element.startMs, $0.offset) < ($1.element.startMs, $1.offset) }.map(\.element)
        return SynthesizedSpeech(samples: pcm.map { Float($0) / 32768 }, sampleRate: rate, phonemes: sorted)
    }
}
