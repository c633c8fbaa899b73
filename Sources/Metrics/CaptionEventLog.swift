import Foundation

/// One recorded caption event (a JSON line of the benchmark's event log):
/// `{"t": 1.42, "type": "partial", "utterance": 7, "text": "ask not what your", "stable": "ask not what"}`
/// `{"t": 3.05, "type": "final", "utterance": 7, "text": "Ask not what your country can do for you."}`
/// - `t`: receive time in seconds on the monotonic clock, relative to the start of the audio;
/// - `type`, `utterance`, `text`, `stable`: as in the caption socket's wire protocol (other wire fields
///   such as `seq`, `start`, `end` may be present and are ignored; lines of other types — hello,
///   status — are skipped). Without `utterance`, each final closes the current utterance.
public struct CaptionLogEvent: Codable, Equatable {
    public enum Kind: String, Codable { case partial, final }
    public let t: Double
    public let type: Kind
    public let utterance: Int?
    public let text: String
    /// The committed prefix of a partial (a final is entirely committed).
    public let stable: String?

    public init(t: Double, type: Kind, utterance: Int? = nil, text: String, stable: String? = nil) {
        self.t = t; self.type = type; self.utterance = utterance; self.text = text; self.stable = stable
    }
}

/// A reference word with its end time (seconds from the start of the audio), e.g. from faster-whisper
/// word timestamps or forced alignment: `{"word": "country", "end": 2.31}` (optional `"start"`).
public struct ReferenceWord: Codable, Equatable {
    public let word: String
    public let end: Double
    public let start: Double?
    public init(word: String, end: Double, start: Double? = nil) { self.word = word; self.end = end; self.start = start }
}

/// Readers for the JSON-lines files (blank lines skipped; a bad line throws with file and line number).
public enum CaptionEventLog {
    /// Lines of a text file split at LF (a CR before the LF is dropped; a final LF ends the last line).
    public static func lines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s == "\n" {
                if current.last == "\r" { current.removeLast() }
                lines.append(String(current)); current = String.UnicodeScalarView()
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    public static func parseEvents(_ text: String, file: String = "<events>") throws -> [CaptionLogEvent] {
        struct Probe: Decodable { let type: String? }
        var events: [CaptionLogEvent] = []
        let decoder = JSONDecoder()
        for (n, line) in lines(text).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let data = Data(trimmed.utf8)
            let probe: Probe
            do { probe = try decoder.decode(Probe.self, from: data) } catch {
                throw MetricsError.badLogLine(file: file, line: n + 1, reason: "not a JSON object: \(trimmed.prefix(60))")
            }
            guard let type = probe.type else {
                throw MetricsError.badLogLine(file: file, line: n + 1, reason: "missing \"type\"")
            }
            guard type == "partial" || type == "final" else { continue }
            do { events.append(try decoder.decode(CaptionLogEvent.self, from: data)) } catch {
                throw MetricsError.badLogLine(file: file, line: n + 1,
                                              reason: "a \(type) event needs numeric \"t\" and string \"text\" (\(error))")
            }
        }
        return events
    }

    public static func parseReferenceWords(_ text: String, file: String = "<words>") throws -> [ReferenceWord] {
        let decoder = JSONDecoder()
        var words: [ReferenceWord] = []
        for (n, line) in lines(text).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do { words.append(try decoder.decode(ReferenceWord.self, from: Data(trimmed.utf8))) } catch {
                throw MetricsError.badLogLine(file: file, line: n + 1,
                                              reason: "expected {\"word\": string, \"end\": seconds}: \(trimmed.prefix(60))")
            }
        }
        return words
    }
}
