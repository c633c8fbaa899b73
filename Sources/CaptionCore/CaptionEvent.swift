import Foundation

/// One word of a final caption, with its times on the monotonic capture clock (seconds).
public struct CaptionWord: Codable, Equatable, Sendable {
    public var word: String
    public var start: Double
    public var end: Double
    public var probability: Double?

    public init(word: String, start: Double, end: Double, probability: Double? = nil) {
        self.word = word; self.start = start; self.end = end; self.probability = probability
    }
}

/// Sent once to every subscriber right after it connects (and again after a reload that
/// changed model, language or task).
public struct CaptionHello: Codable, Equatable, Sendable {
    public var protocolVersion: Int
    public var model: String
    public var language: String
    public var task: String

    public init(protocolVersion: Int = CaptionEvent.protocolVersion, model: String, language: String, task: String) {
        self.protocolVersion = protocolVersion; self.model = model; self.language = language; self.task = task
    }
    enum CodingKeys: String, CodingKey { case protocolVersion = "protocol", model, language, task }
}

/// The current hypothesis of an utterance still being spoken: `stable` is the committed prefix
/// (it never changes within the utterance), `text` is committed plus tentative text.
public struct CaptionPartial: Codable, Equatable, Sendable {
    public var utterance: Int
    public var seq: Int
    public var text: String
    public var stable: String
    public var start: Double
    public var end: Double
    public var lang: String?
    /// Who is speaking (video only; absent without video).
    public var speaker: CaptionSpeaker?
    /// The shown words with the times of the window decode, as in a final (absent when the
    /// recognizer gives no words); `timing` says how the times were obtained.
    public var words: [CaptionWord]?
    public var timing: String?

    public init(utterance: Int, seq: Int = 0, text: String, stable: String, start: Double, end: Double, lang: String? = nil,
                speaker: CaptionSpeaker? = nil, words: [CaptionWord]? = nil, timing: String? = nil) {
        self.utterance = utterance; self.seq = seq; self.text = text; self.stable = stable
        self.start = start; self.end = end; self.lang = lang; self.speaker = speaker
        self.words = words; self.timing = timing
    }
}

/// The finished text of an utterance. `wall` is the wall-clock time (Unix seconds) of `end`.
public struct CaptionFinal: Codable, Equatable, Sendable {
    public var utterance: Int
    public var seq: Int
    public var text: String
    public var start: Double
    public var end: Double
    public var lang: String
    public var words: [CaptionWord]
    public var wall: Double?
    /// Who spoke the utterance (video only; absent without video).
    public var speaker: CaptionSpeaker?
    /// How the words' times were obtained: "decoded" (from the model) or "segment_spread" (a
    /// segment's span spread over its words by character count); absent without words.
    public var timing: String?

    public init(utterance: Int, seq: Int = 0, text: String, start: Double, end: Double, lang: String,
                words: [CaptionWord] = [], wall: Double? = nil, speaker: CaptionSpeaker? = nil, timing: String? = nil) {
        self.utterance = utterance; self.seq = seq; self.text = text; self.start = start; self.end = end
        self.lang = lang; self.words = words; self.wall = wall; self.speaker = speaker; self.timing = timing
    }
}

/// Periodic service status on the caption socket.
public struct CaptionStatus: Codable, Equatable, Sendable {
    public var state: String
    public var rtf: Double
    public var droppedSamples: Int
    public var droppedFrames: Int
    public var subscribers: Int

    public init(state: String, rtf: Double, droppedSamples: Int, droppedFrames: Int, subscribers: Int) {
        self.state = state; self.rtf = rtf; self.droppedSamples = droppedSamples
        self.droppedFrames = droppedFrames; self.subscribers = subscribers
    }
    enum CodingKeys: String, CodingKey {
        case state, rtf, subscribers
        case droppedSamples = "dropped_samples", droppedFrames = "dropped_frames"
    }
}

/// The last line a subscriber receives before the server closes its connection.
public struct CaptionError: Codable, Equatable, Sendable {
    public var code: String
    public var message: String

    public init(code: String, message: String) { self.code = code; self.message = message }
}

/// Everything that travels on the caption socket, one JSON object per line with a `type` key.
public enum CaptionEvent: Equatable, Sendable {
    public static let protocolVersion = 1

    case hello(CaptionHello)
    case partial(CaptionPartial)
    case final(CaptionFinal)
    case status(CaptionStatus)
    case error(CaptionError)

    /// The wire name carried in the `type` key.
    public var typeName: String {
        switch self {
        case .hello: return "hello"
        case .partial: return "partial"
        case .final: return "final"
        case .status: return "status"
        case .error: return "error"
        }
    }

    /// The event with its sequence number replaced (partials and finals only).
    public func withSeq(_ seq: Int) -> CaptionEvent {
        switch self {
        case .partial(var p): p.seq = seq; return .partial(p)
        case .final(var f): f.seq = seq; return .final(f)
        default: return self
        }
    }
}
