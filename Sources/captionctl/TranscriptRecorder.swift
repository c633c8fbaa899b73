import CaptionCore
import Foundation
import Glibc
import IPC
import Streaming

/// `captionctl subscribe --output FILE [--format txt|srt|vtt|jsonl]`: appends each final to FILE
/// as it arrives (one write per final, so a reader of the file sees every final at once) and keeps
/// going across daemon restarts: when the caption stream ends or cannot be reached it reconnects
/// with backoff (0.25 s doubling to 2 s). A FILE that already holds cues is continued: SRT
/// numbering goes on from its last cue, times from its last cue end (LiveTranscript). FILE "-"
/// writes to standard output. Ends on SIGINT/SIGTERM; what was written stays complete.
struct TranscriptRecorder {
    let output: String
    let format: TranscriptFormat
    let socketPath: String

    func run() throws {
        let toStdout = output == "-"
        var existing = "", modified: Double?
        if !toStdout {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: output, isDirectory: &isDir) {
                guard !isDir.boolValue else { throw CaptionctlError("--output \(output) is a directory; give a file path") }
                guard let data = FileManager.default.contents(atPath: output) else {
                    throw CaptionctlError("--output \(output) exists but cannot be read (permissions?)")
                }
                existing = String(decoding: data, as: UTF8.self)
                modified = (try? FileManager.default.attributesOfItem(atPath: output)[.modificationDate] as? Date)?.timeIntervalSince1970
            }
        }
        var transcript: LiveTranscript
        do {
            transcript = try LiveTranscript(format: format, existing: existing, modified: modified,
                                            wallNow: Date().timeIntervalSince1970, origin: MonotonicClock.now(), file: output)
        } catch { throw CaptionctlError("\(error)") }
        let fd = toStdout ? STDOUT_FILENO : open(output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CaptionctlError("cannot open --output \(output): \(String(cString: strerror(errno)))") }
        defer { if !toStdout { close(fd) } }
        if !existing.isEmpty {
            note("continuing \(output): \(format == .srt ? "next cue \(transcript.nextCue), " : "")last cue ends at \(SubtitleWriter.timestamp(transcript.lastEnd, "."))")
        }

        var delay = 0.25
        var outage = false
        while true {
            do {
                let subscription = try CaptionSubscription(path: socketPath)
                _ = try subscription.awaitHello(timeout: 2)
                note(outage ? "reconnected to \(socketPath)" : "connected to \(socketPath); writing \(format.rawValue) to \(output)")
                outage = false
                delay = 0.25
                while let line = try subscription.nextLine() {
                    switch try? WireCodec.decode(Data(line)) {
                    case .final(let final)?:
                        let text = transcript.append(final)
                        if !text.isEmpty { try write(fd, text) }
                    case .error(let e)?:
                        note("the daemon ended the subscription: \(e.code): \(e.message)")
                    default:
                        break
                    }
                }
                note("the daemon closed the caption stream; reconnecting")
                outage = true
            } catch let e as IPCError {
                if case .notCaptionSocket = e { throw CaptionctlError("\(e)") }
                if !outage { note("\(e); retrying (the transcript continues when the daemon is back)") }
                outage = true
            }
            usleep(useconds_t(delay * 1_000_000))
            delay = min(delay * 2, 2)
        }
    }

    /// Writes all of `text` (one write per final; retried on short writes and EINTR).
    private func write(_ fd: Int32, _ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CaptionctlError("writing \(output) failed: \(String(cString: strerror(errno))); the finals before it are in the file")
            }
            bytes = bytes.dropFirst(n)
        }
    }

    private func note(_ message: String) {
        FileHandle.standardError.write(Data("captionctl: \(message)\n".utf8))
    }
}
