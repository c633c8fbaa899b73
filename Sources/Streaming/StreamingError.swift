/// Errors of the Streaming module. Each case names what was wrong, where, and how to fix it.
public enum StreamingError: Error, CustomStringConvertible, Equatable {
    /// A configuration value is out of range (`parameter` is the configuration key).
    case invalidConfiguration(parameter: String, value: String, reason: String)
    /// An internal tunable (not a configuration key) is out of range: a programming error.
    case invalidTunable(property: String, value: String, reason: String)
    /// A model cannot be used with the requested settings (what, and how to fix it).
    case modelUnusable(model: String, reason: String)
    /// Audio arrived with a timestamp earlier than audio already accepted.
    case timeWentBackwards(expected: Double, got: Double)
    /// A chunk of audio holds NaN or infinite samples.
    case nonFiniteSample(time: Double, index: Int)
    /// The window decoder failed on the window [start, end).
    case decoderFailed(start: Double, end: Double, reason: String)
    /// A subtitle segment cannot be formatted (index in the input list).
    case invalidSegment(index: Int, start: Double, end: Double, reason: String)
    /// A libpinyin call of the pinyin-to-hanzi conversion failed (the C function, what to do).
    case pinyinConversion(function: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(parameter, value, reason):
            return "streaming.\(parameter): \(reason), got \(value)"
        case let .invalidTunable(property, value, reason):
            return "StreamingConfiguration.\(property): \(reason), got \(value)"
        case let .modelUnusable(model, reason):
            return "model \(model): \(reason)"
        case let .timeWentBackwards(expected, got):
            return "audio chunk starts at \(got) s but audio up to \(expected) s was already accepted; "
                + "timestamps must come from one monotonic clock and never go back"
        case let .nonFiniteSample(time, index):
            return "audio chunk starting at \(time) s holds a NaN or infinite sample at index \(index); "
                + "convert the capture to finite Float32 in [-1, 1]"
        case let .decoderFailed(start, end, reason):
            return "decoding the window \(start)–\(end) s failed: \(reason)"
        case let .invalidSegment(index, start, end, reason):
            return "segment \(index) (\(start)–\(end) s): \(reason)"
        case let .pinyinConversion(function, reason):
            return "pinyin to hanzi (libpinyin \(function)): \(reason)"
        }
    }
}
