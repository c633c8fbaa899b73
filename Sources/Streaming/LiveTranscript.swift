import CaptionCore
import Foundation

/// Formats of `captionctl subscribe --output FILE`.
public enum TranscriptFormat: String, CaseIterable, Sendable {
    case txt, srt, vtt, jsonl

    /// The format named by `name`, or by the extension of `path` when `name` is nil (txt when the
    /// extension names no format).
    public static func resolve(_ name: String?, path: String) throws -> TranscriptFormat {
        if name == nil {
            let ext = (path as NSString).pathExtension.lowercased()
            return TranscriptFormat(rawValue: ext == "json" ? "jsonl" : ext) ?? .txt
        }
        let key = (name ?? "").lowercased()
        guard let f = TranscriptFormat(rawValue: key == "json" ? "jsonl" : key) else {
            throw StreamingError.invalidConfiguration(
                parameter: "format", value: name ?? path,
                reason: "expected one of \(allCases.map(\.rawValue).joined(separator: ", ")) (or a file ending in one of them)")
        }
        return f
    }
}

/// A transcript of a live session, appended one final at a time (`captionctl subscribe --output`).
///
/// Times: finals carry capture-clock times (CLOCK_MONOTONIC seconds, the same clock on the whole
/// machine, across daemon restarts). Session time is capture time minus `origin` (the moment the
/// transcript was opened) plus `base`; a transcript continued from an existing file starts its
/// `base` at that file's last cue end plus the wall-clock time since the file was last written,
/// so cue times keep rising. Cues never go back: a final that starts before the last cue's end is
/// moved after it. SRT numbering continues from the file's last cue number.
public struct LiveTranscript {
    public let format: TranscriptFormat
    /// The number the next SRT cue gets.
    public private(set) var nextCue: Int
    /// Session time of the end of the last cue written.
    public private(set) var lastEnd: Double
    let origin: Double
    let base: Double
    var needsHeader: Bool
    var needsSeparator: Bool
    public var cueBuilder = CueBuilder()

    /// Starts a transcript. `existing` is the current content of the output file (empty for a
    /// new one), `modified` its modification time (Unix seconds), `wallNow` the current Unix time
    /// and `origin` the current capture-clock time. An existing file that is not a transcript of
    /// this format is refused (appending to it would damage it).
    public init(format: TranscriptFormat, existing: String, modified: Double?, wallNow: Double, origin: Double,
                file: String = "transcript") throws {
        self.format = format
        self.origin = origin
        var lastCue = 0, end = 0.0
        do {
            switch format {
            case .srt:
                let cues = try SubtitleReader.srt(existing)
                lastCue = cues.compactMap(\.number).max() ?? cues.count
                end = cues.map(\.end).max() ?? 0
            case .vtt:
                if !existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    end = try SubtitleReader.vtt(existing).map(\.end).max() ?? 0
                }
            case .jsonl:
                for (n, line) in existing.split(separator: "\n").enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                        throw SubtitleReader.Failure(line: n + 1, reason: "not a JSON object")
                    }
                    if let e = object["end"] as? Double { end = max(end, e) }
                }
            case .txt:
                break
            }
        } catch let f as SubtitleReader.Failure {
            throw StreamingError.invalidConfiguration(
                parameter: "output", value: file,
                reason: "the file exists but is not a \(format.rawValue) transcript (\(f)); append to a \(format.rawValue) file or choose a new one")
        }
        // A session appends at most a few thousand cues; a number near Int.max would overflow.
        guard lastCue < Int.max / 2 else {
            throw StreamingError.invalidConfiguration(
                parameter: "output", value: file,
                reason: "its last cue number \(lastCue) is too large to continue; choose a new file")
        }
        nextCue = lastCue + 1
        lastEnd = end
        let isEmpty = existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        base = isEmpty ? 0 : end + max(0, wallNow - (modified ?? wallNow))
        needsHeader = format == .vtt && isEmpty
        // A file cut off mid-line (or a cue without its blank line) gets the line ends it lacks.
        let wanted = (format == .srt || format == .vtt) ? "\n\n" : "\n"
        needsSeparator = !isEmpty && !existing.hasSuffix(wanted)
        if needsSeparator && existing.hasSuffix("\n") && wanted == "\n\n" { separator = "\n" } else { separator = wanted }
    }

    private var separator: String

    /// Session time of capture time `t`.
    public func sessionTime(_ t: Double) -> Double { base + (t - origin) }

    /// The text to append for `final` (empty for a final without text).
    public mutating func append(_ final: CaptionFinal) -> String {
        let text = final.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        var start = max(0, sessionTime(final.start))
        var end = max(start, sessionTime(final.end))
        if start < lastEnd { let shift = lastEnd - start; start += shift; end += shift }
        let shift = start - final.start
        var out = ""
        if needsHeader { out += "WEBVTT\n\n"; needsHeader = false }
        if needsSeparator { out += separator; needsSeparator = false }
        switch format {
        case .txt:
            out += text + "\n"
        case .jsonl:
            var object: [String: Any] = ["start": round3(start), "end": round3(end), "text": text,
                                         "utterance": final.utterance, "lang": final.lang,
                                         "capture_start": final.start, "capture_end": final.end]
            if let wall = final.wall { object["wall"] = wall }
            if !final.words.isEmpty {
                object["words"] = final.words.map { ["word": $0.word, "start": round3($0.start + shift), "end": round3($0.end + shift)] }
            }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            out += String(decoding: data, as: UTF8.self) + "\n"
        case .srt, .vtt:
            let words = final.words.map { Word(text: $0.word, start: max(start, $0.start + shift), end: min(end, max($0.start, $0.end) + shift)) }
            let segment = SubtitleSegment(start: start, end: end, text: text, words: words.isEmpty ? nil : words)
            let cues = (try? cueBuilder.cues(for: [segment])).flatMap { $0.isEmpty ? nil : $0 }
                ?? [SubtitleCue(start: start, end: end, lines: [text])]
            if format == .srt {
                for cue in cues {
                    out += "\(nextCue)\n\(SubtitleWriter.timestamp(cue.start, ",")) --> \(SubtitleWriter.timestamp(cue.end, ","))\n\(cue.text)\n\n"
                    nextCue += 1
                }
            } else {
                out += String(SubtitleWriter.vtt(cues).dropFirst("WEBVTT\n\n".count))
            }
            end = max(end, cues.last?.end ?? end)
        }
        lastEnd = max(lastEnd, end)
        return out
    }

    private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
