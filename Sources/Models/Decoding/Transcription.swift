/// One segment of a transcription (faster-whisper's Segment).
public struct TranscriptionSegment: Sendable, Equatable {
    /// 1-based index in the transcription.
    public var id: Int
    /// Mel frame (10 ms) where the window that produced it started.
    public var seek: Int
    public var start: Double
    public var end: Double
    public var text: String
    /// Text and timestamp tokens of the segment.
    public var tokens: [Int]
    public var avgLogProb: Double
    public var noSpeechProb: Double
    public var compressionRatio: Double
    public var temperature: Float
    /// The segment's words timed from the alignment heads (nil unless word timestamps were asked for).
    public var words: [TranscriptionWord]? = nil

    public init(id: Int, seek: Int, start: Double, end: Double, text: String, tokens: [Int], avgLogProb: Double,
                noSpeechProb: Double, compressionRatio: Double, temperature: Float) {
        self.id = id; self.seek = seek; self.start = start; self.end = end; self.text = text; self.tokens = tokens
        self.avgLogProb = avgLogProb; self.noSpeechProb = noSpeechProb; self.compressionRatio = compressionRatio
        self.temperature = temperature
    }
}

/// The result of transcribing one recording.
public struct Transcription: Sendable, Equatable {
    public var language: String
    public var languageProbability: Double
    /// Seconds of audio.
    public var duration: Double
    public var segments: [TranscriptionSegment]
    /// Windows the transcriber encoded and decoded (skipped silent windows included).
    public var windowsDecoded = 0
    /// Segment texts joined, leading and trailing spaces removed.
    public var text: String { segments.map(\.text).joined().trimmingWhitespace() }

    public init(language: String, languageProbability: Double, duration: Double, segments: [TranscriptionSegment]) {
        self.language = language; self.languageProbability = languageProbability
        self.duration = duration; self.segments = segments
    }
}

/// The decoding of one window (the streaming path calls this directly).
public struct WindowDecoding: Sendable, Equatable {
    /// Generated tokens (text and timestamps, no EOT).
    public var tokens: [Int]
    public var text: String
    public var avgLogProb: Double
    public var noSpeechProb: Double
    public var compressionRatio: Double
    /// Temperature of the kept attempt (the last one tried when all failed).
    public var temperature: Float
    /// Log-probability of each of `tokens` (greedy and beam search; empty when the search did not
    /// record them).
    public var tokenLogProbs: [Float] = []
}

extension String {
    /// Python's str.strip(): leading and trailing Unicode whitespace removed.
    func trimmingWhitespace() -> String {
        let scalars = Array(unicodeScalars)
        var a = 0, b = scalars.count
        while a < b && scalars[a].properties.isWhitespace { a += 1 }
        while b > a && scalars[b - 1].properties.isWhitespace { b -= 1 }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[a..<b])
        return String(view)
    }
}
