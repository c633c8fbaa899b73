import ArgumentParser
import CaptionCore
import Foundation
import IPC
import Streaming

struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subscribe", abstract: "Print live captions.",
        discussion: "On a terminal the partial caption is rewritten in place and each final stays on its own line; otherwise one line per final caption. --json prints the protocol lines as received.")
    @OptionGroup var daemon: DaemonSocketOptions
    @Flag(name: .long, help: "Print every protocol line (hello, partial, final, status, error) as JSON.")
    var json = false
    @Option(name: .long, help: "Append each final to this transcript file as it arrives (\"-\": standard output); reconnects across daemon restarts and continues an existing file.")
    var output: String?
    @Option(name: .long, help: "Transcript format: txt, srt, vtt or jsonl (default: the --output file's extension, else txt).")
    var format: String?

    func run() throws {
        if output != nil || format != nil {
            guard !json else { throw ValidationError("--json prints protocol lines; use --format jsonl --output FILE for a transcript") }
            let path = output ?? "-"
            let resolved: TranscriptFormat
            do { resolved = try TranscriptFormat.resolve(format ?? (path == "-" ? "txt" : nil), path: path) } catch {
                throw ValidationError("\(error)")
            }
            try TranscriptRecorder(output: path, format: resolved, socketPath: try daemon.path(.captions)).run()
            return
        }
        let sub: CaptionSubscription
        var first: [UInt8]?
        do {
            sub = try CaptionSubscription(path: try daemon.path(.captions))
            // The caption server greets at once; fail fast on the control socket or a stranger.
            first = try sub.awaitHello(timeout: 2)
        } catch let e as IPCError { throw CaptionctlError("\(e)") }
        let tty = isatty(STDOUT_FILENO) == 1
        var partialShown = false
        setvbuf(stdout, nil, _IOLBF, 0)
        while let line = try first ?? sub.nextLine() {
            first = nil
            if json { print(String(decoding: line, as: UTF8.self)); continue }
            let event: CaptionEvent
            do { event = try WireCodec.decode(Data(line)) } catch {
                FileHandle.standardError.write(Data("captionctl: skipping a line: \(error)\n".utf8)); continue
            }
            switch event {
            case .hello(let h):
                FileHandle.standardError.write(Data("captionctl: connected (model \(h.model), language \(h.language), task \(h.task))\n".utf8))
            case .partial(let p) where tty:
                print("\r\u{1B}[2K\(Subscribe.label(p.speaker))\(p.text)", terminator: ""); fflush(stdout); partialShown = true
            case .partial: break
            case .final(let f) where f.text.isEmpty:
                // The utterance's shown words fell away (docs/PROTOCOL.md): clear its partial.
                if tty && partialShown { print("\r\u{1B}[2K", terminator: ""); fflush(stdout) }
                partialShown = false
            case .final(let f):
                let line = Subscribe.label(f.speaker) + f.text
                print(tty && partialShown ? "\r\u{1B}[2K\(line)" : line); partialShown = false
            case .status: break
            case .error(let e):
                if partialShown { print("") }
                throw CaptionctlError("the daemon ended the subscription: \(e.code): \(e.message)")
            }
        }
        if partialShown { print("") }
        FileHandle.standardError.write(Data("captionctl: the daemon closed the caption stream\n".utf8))
    }

    /// The speaker in front of a caption: `[#3] `, `[off camera] `, or nothing without video.
    static func label(_ speaker: CaptionSpeaker?) -> String { speaker.map { "[\($0.label)] " } ?? "" }
}
