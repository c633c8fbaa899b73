import ArgumentParser
import CaptionOverlay
import Foundation

/// `captionctl overlay`: serves the live caption page on loopback for a browser or OBS's browser
/// source, bridging the daemon's caption socket (see docs/OVERLAY.md).
struct Overlay: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "overlay", abstract: "Serve live captions as a web page (for OBS or a browser).",
        discussion: """
        Serves http://127.0.0.1:PORT/ : large caption text on a transparent background, the partial line updated in place, \
        finals rolling up. Query string: ?size=48&position=bottom|middle|top&lines=2&align=center|left&color=ffffff&box=1. \
        In OBS add a Browser source with that URL. Keeps running across daemon restarts (reconnects). Runs as you, outside the daemon.
        """)
    @OptionGroup var daemon: DaemonSocketOptions
    @Option(name: .long, help: "TCP port (0: any free port; the URL is printed).")
    var port = 8765
    @Option(name: .long, help: "Address to listen on (loopback only unless --allow-remote).")
    var host = "127.0.0.1"
    @Flag(name: .long, help: "Allow a --host other computers can reach (the page has no authentication).")
    var allowRemote = false

    func run() throws {
        let server = OverlayServer(host: host, port: port, socketPath: try daemon.path(.captions), allowRemote: allowRemote)
        do { try server.validate() } catch { throw CaptionctlError("\(error)") }
        setvbuf(stdout, nil, _IOLBF, 0)
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let host = self.host
        Task.detached {
            do {
                try await server.run(log: { message in
                    FileHandle.standardError.write(Data("captionctl: \(message)\n".utf8))
                }, listening: { bound in
                    let shown = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
                    print("captionctl: serving captions at http://\(shown):\(bound)/ (e.g. http://\(shown):\(bound)/?size=48&position=bottom&lines=2); Ctrl-C stops")
                })
            } catch { outcome.error = error }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw CaptionctlError("\(error)") }
    }
}
