/// Every failure the Metrics module reports, with enough context to fix the input.
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    /// A libopencc call failed: the function, the config or input involved, and opencc_error().
    case openCC(function: String, detail: String, message: String)
    /// Hypotheses and references differ in count.
    case countMismatch(hypotheses: Int, references: Int)
    /// A pair has no reference at all (an empty string is a valid reference; a missing one is not).
    case missingReference(index: Int)
    /// The language is not one the module normalises.
    case unsupportedLanguage(String)
    /// A line of an event log or reference word file could not be read.
    case badLogLine(file: String, line: Int, reason: String)
    /// A metric name that `MetricKind` does not know.
    case unknownMetric(String)

    public var description: String {
        switch self {
        case let .openCC(function, detail, message):
            return "\(function)(\(detail)) failed: \(message) (is libopencc installed with its data under /usr/share/opencc?)"
        case let .countMismatch(h, r):
            return "\(h) hypotheses but \(r) references: they must be line-aligned, one reference set per hypothesis"
        case let .missingReference(index):
            return "pair \(index + 1) has no reference: give at least one (an empty string is allowed)"
        case let .unsupportedLanguage(lang):
            return "language '\(lang)' is not supported: use 'en' or 'zh'"
        case let .badLogLine(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .unknownMetric(name):
            return "unknown metric '\(name)': choose from \(MetricKind.allCases.map(\.rawValue).joined(separator: ","))"
        }
    }
}
