import Foundation

/// An audio file named by the user: the bytes of its path exactly as the OS has them (a name that
/// is not valid UTF-8 still opens) and a printable name for messages.
public struct AudioInput: Sendable, Equatable {
    /// The path for messages (invalid UTF-8 shown as U+FFFD).
    public let name: String
    /// The path's bytes, NUL-terminated, for open(2).
    let cPath: [CChar]

    public init(path: String) { self.init(name: path, cPath: path.utf8CString.map { $0 }) }

    init(name: String, cPath: [CChar]) { self.name = name; self.cPath = cPath }

    /// The command-line argument `argument` with its original bytes: Swift's `CommandLine.arguments`
    /// (and so every argument parser) repairs invalid UTF-8, so the file would be "not found";
    /// this finds the raw argv entry that decodes to `argument`.
    public init(commandLineArgument argument: String) {
        let argv = CommandLine.unsafeArgv
        for i in 0..<Int(CommandLine.argc) {
            guard let raw = argv[i] else { continue }
            if String(cString: raw) == argument {
                self.init(name: argument, cPath: Array(UnsafeBufferPointer(start: raw, count: strlen(raw) + 1)))
                return
            }
        }
        self.init(path: argument)
    }
}

/// Decoded audio: 16-kHz mono samples in [-1, 1] and what the decoder had to repair, one line each
/// (a cut FLAC frame, clipped samples) for the caller to print.
public struct DecodedAudio: Sendable {
    public var samples: [Float]
    public var warnings: [String]

    public init(samples: [Float], warnings: [String] = []) { self.samples = samples; self.warnings = warnings }
}

/// Float input can hold anything, and one sample of 1e30 makes Whisper hallucinate ("that, that,
/// that"): non-finite samples become 0 and the rest are clipped to [-1, 1], counted over every
/// chunk of a file for one warning.
struct SampleRangeCheck {
    private(set) var nonFinite = 0
    private(set) var outOfRange = 0

    mutating func clip(_ samples: inout [Float]) {
        var bad = 0, big = 0
        samples.withUnsafeMutableBufferPointer { s in
            for i in s.indices {
                let v = s[i]
                if !v.isFinite { s[i] = 0; bad += 1 } else if v > 1 { s[i] = 1; big += 1 } else if v < -1 { s[i] = -1; big += 1 }
            }
        }
        nonFinite += bad
        outOfRange += big
    }

    /// One line naming the file, or nil when every sample was in range.
    func warning(name: String) -> String? {
        guard nonFinite + outOfRange > 0 else { return nil }
        return "\(name): \(nonFinite + outOfRange) samples outside [-1, 1] (\(nonFinite) NaN or infinite, set to 0; \(outOfRange) clipped to ±1); check the recording's gain or float encoding"
    }
}
