import Foundation

/// A cue read back from an SRT or WebVTT file: its number (SRT) or identifier line (WebVTT, when
/// it is a number), its times in seconds and its text lines.
public struct ParsedCue: Equatable, Sendable {
    public var number: Int?
    public var start: Double
    public var end: Double
    public var lines: [String]
    public var text: String { lines.joined(separator: "\n") }

    public init(number: Int?, start: Double, end: Double, lines: [String]) {
        self.number = number; self.start = start; self.end = end; self.lines = lines
    }
}

/// Reads SRT and WebVTT as SubtitleWriter and other tools write them: cues separated by blank
/// lines, `HH:MM:SS,mmm --> HH:MM:SS,mmm` (SRT) or `[HH:]MM:SS.mmm --> …` plus cue settings
/// (WebVTT), CRLF or LF line ends, a UTF-8 byte-order mark. A malformed cue fails with its line.
public enum SubtitleReader {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static func srt(_ text: String) throws -> [ParsedCue] {
        var cues: [ParsedCue] = []
        for block in blocks(text) {
            var rows = block.rows
            var number: Int?
            if let first = rows.first, !first.text.contains("-->") {
                guard let n = Int(first.text.trimmingCharacters(in: .whitespaces)) else {
                    throw Failure(line: first.line, reason: "expected a cue number or a time line, got \"\(first.text.prefix(40))\"")
                }
                number = n
                rows.removeFirst()
            }
            guard let timing = rows.first else {
                throw Failure(line: block.rows[0].line, reason: "cue \(number.map(String.init) ?? "?") has no time line")
            }
            let (start, end) = try times(timing.text, line: timing.line, separator: ",")
            cues.append(ParsedCue(number: number, start: start, end: end, lines: rows.dropFirst().map { $0.text }))
        }
        return cues
    }

    public static func vtt(_ text: String) throws -> [ParsedCue] {
        var all = blocks(text)
        guard let header = all.first, header.rows[0].text.hasPrefix("WEBVTT") else {
            throw Failure(line: all.first?.rows[0].line ?? 1, reason: "a WebVTT file starts with \"WEBVTT\"")
        }
        all.removeFirst()
        var cues: [ParsedCue] = []
        for block in all {
            let head = block.rows[0].text
            if head.hasPrefix("NOTE") || head == "STYLE" || head == "REGION" { continue }
            var rows = block.rows
            var number: Int?
            if !head.contains("-->") {
                number = Int(head.trimmingCharacters(in: .whitespaces))
                rows.removeFirst()
            }
            guard let timing = rows.first else {
                throw Failure(line: block.rows[0].line, reason: "cue \"\(head.prefix(40))\" has no time line")
            }
            let (start, end) = try times(timing.text, line: timing.line, separator: ".")
            let lines = rows.dropFirst().map {
                $0.text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&amp;", with: "&")
            }
            cues.append(ParsedCue(number: number, start: start, end: end, lines: lines))
        }
        return cues
    }

    struct Block { var rows: [(line: Int, text: String)] }

    /// Non-empty runs of lines, with 1-based line numbers.
    static func blocks(_ text: String) -> [Block] {
        var body = Substring(text)
        if body.unicodeScalars.first == "\u{FEFF}" { body = Substring(body.unicodeScalars.dropFirst()) }
        var out: [Block] = []
        var current: [(line: Int, text: String)] = []
        // "\r\n" is one Character in Swift: split on it as well as on "\n".
        for (i, raw) in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { out.append(Block(rows: current)); current = [] }
            } else {
                current.append((i + 1, line))
            }
        }
        if !current.isEmpty { out.append(Block(rows: current)) }
        return out
    }

    /// `start --> end [settings]`.
    static func times(_ text: String, line: Int, separator: Character) throws -> (Double, Double) {
        let parts = text.components(separatedBy: "-->")
        guard parts.count == 2 else { throw Failure(line: line, reason: "expected \"START --> END\", got \"\(text.prefix(60))\"") }
        let endField = parts[1].split(separator: " ", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        guard let start = timestamp(parts[0].trimmingCharacters(in: .whitespaces), separator),
              let end = timestamp(endField, separator) else {
            throw Failure(line: line, reason: "a time is not HH:MM:SS\(separator)mmm in \"\(text.prefix(60))\"")
        }
        guard end >= start else { throw Failure(line: line, reason: "the cue ends before it starts") }
        return (start, end)
    }

    /// `HH:MM:SS<sep>mmm` or `MM:SS<sep>mmm` in seconds (hours may exceed 99).
    static func timestamp(_ s: String, _ separator: Character) -> Double? {
        let halves = s.split(separator: separator, omittingEmptySubsequences: false)
        guard halves.count == 2, halves[1].count == 3, let ms = Int(halves[1]), halves[1].allSatisfy(\.isASCII) else { return nil }
        let fields = halves[0].split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count), fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        let numbers = fields.compactMap { Int($0) }
        guard numbers.count == fields.count, numbers.dropFirst().allSatisfy({ $0 < 60 }), numbers[0] < 1_000_000 else { return nil }
        let seconds = numbers.reduce(0) { $0 * 60 + $1 }
        return Double(seconds) + Double(ms) / 1000
    }
}
