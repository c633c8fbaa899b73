import Foundation

/// Output formats of `captionctl transcribe`.
public enum SubtitleFormat: String, CaseIterable, Sendable {
    case srt, vtt, txt, json

    /// Parses a format name or file extension ("srt", ".VTT"); the error lists the known ones.
    public init(name: String) throws {
        let key = name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        guard let f = SubtitleFormat(rawValue: key) else {
            throw StreamingError.invalidConfiguration(
                parameter: "format", value: name,
                reason: "expected one of \(SubtitleFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = f
    }
}

/// Renders segments as SRT, WebVTT, plain text or JSON.
public struct SubtitleWriter: Sendable {
    public var cueBuilder: CueBuilder

    public init(cueBuilder: CueBuilder = CueBuilder()) { self.cueBuilder = cueBuilder }

    public func render(_ segments: [SubtitleSegment], as format: SubtitleFormat) throws -> String {
        switch format {
        case .srt: return SubtitleWriter.srt(try cueBuilder.cues(for: segments))
        case .vtt: return SubtitleWriter.vtt(try cueBuilder.cues(for: segments))
        case .txt:
            for (i, s) in segments.enumerated() { try s.validate(index: i) }
            return SubtitleWriter.text(segments)
        case .json:
            for (i, s) in segments.enumerated() { try s.validate(index: i) }
            return SubtitleWriter.json(segments)
        }
    }

    /// SRT: numbered cues from 1, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, blank line after each cue.
    public static func srt(_ cues: [SubtitleCue]) -> String {
        var out = ""
        for (i, cue) in cues.enumerated() {
            out += "\(i + 1)\n\(timestamp(cue.start, ",")) --> \(timestamp(cue.end, ","))\n\(cue.text)\n\n"
        }
        return out
    }

    /// WebVTT: `WEBVTT` header, `HH:MM:SS.mmm --> HH:MM:SS.mmm` cues separated by blank lines.
    public static func vtt(_ cues: [SubtitleCue]) -> String {
        var out = "WEBVTT\n\n"
        for cue in cues {
            // "-->" may not appear in cue text; WebVTT escapes & and <.
            let text = cue.text.replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: "-->", with: "--&gt;")
            out += "\(timestamp(cue.start, ".")) --> \(timestamp(cue.end, "."))\n\(text)\n\n"
        }
        return out
    }

    /// Plain text: one segment per line, whitespace trimmed, empty segments skipped.
    public static func text(_ segments: [SubtitleSegment]) -> String {
        segments.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }.map { $0 + "\n" }.joined()
    }

    /// JSON: `{"segments":[{"start":s,"end":s,"text":…,"words":[{"word":…,"start":s,"end":s}]}]}`
    /// with times in seconds rounded to milliseconds.
    public static func json(_ segments: [SubtitleSegment]) -> String {
        var parts: [String] = []
        for s in segments {
            var fields = ["\"start\":\(number(s.start))", "\"end\":\(number(s.end))",
                          "\"text\":\(quote(s.text.trimmingCharacters(in: .whitespaces)))"]
            if let words = s.words {
                let ws = words.map { "{\"word\":\(quote($0.text)),\"start\":\(number($0.start)),\"end\":\(number($0.end))}" }
                fields.append("\"words\":[\(ws.joined(separator: ","))]")
            }
            parts.append("{\(fields.joined(separator: ","))}")
        }
        return "{\"segments\":[\(parts.joined(separator: ","))]}\n"
    }

    /// `HH:MM:SS<sep>mmm`, rounded to the millisecond (hours grow past 99 when needed).
    public static func timestamp(_ seconds: Double, _ separator: String) -> String {
        let ms = Int((max(0, seconds) * 1000).rounded())
        let h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, f = ms % 1000
        func pad(_ v: Int, _ n: Int) -> String { let t = String(v); return String(repeating: "0", count: max(0, n - t.count)) + t }
        return "\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2))\(separator)\(pad(f, 3))"
    }

    static func number(_ x: Double) -> String {
        let ms = Int((x * 1000).rounded())
        let sign = ms < 0 ? "-" : ""
        let a = abs(ms)
        let frac = String(a % 1000)
        return "\(sign)\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
