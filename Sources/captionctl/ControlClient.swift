import ArgumentParser
import Foundation
import CaptionCore
import IPC
import TOMLKit

/// How captionctl finds the daemon: `--socket PATH`, else the sockets named in `--config FILE`,
/// else those of the installed /etc/captiond/captiond.toml, else the default paths.
struct DaemonSocketOptions: ParsableArguments {
    @Option(name: .long, help: "captiond configuration to read the socket paths from (default: /etc/captiond/captiond.toml).")
    var config: String?

    @Option(name: .long, help: "Socket path to use directly (the control socket, or the caption socket for `subscribe`).")
    var socket: String?

    static let installedConfig = "/etc/captiond/captiond.toml"
    static let defaultCaptions = "/run/captiond/captions.sock"
    static let defaultControl = "/run/captiond/control.sock"

    enum Role: String { case captions, control }

    /// The socket path for `role`.
    func path(_ role: Role) throws -> String {
        if let socket { return socket }
        let file = config ?? Self.installedConfig
        guard FileManager.default.fileExists(atPath: file) else {
            if config != nil { throw CaptionctlError("configuration \(file) does not exist") }
            return role == .captions ? Self.defaultCaptions : Self.defaultControl
        }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw CaptionctlError("cannot read \(file): \(error)")
        }
        // toml++ (inside TOMLKit) aborts on some invalid text (table headers, a "}" in an array): refuse it first.
        if let (line, column, reason) = TOMLAbortCheck.firstAbortingShape(text) {
            throw CaptionctlError("\(file):\(line):\(column): invalid TOML: \(reason); or pass --socket PATH")
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch {
            throw CaptionctlError("cannot read \(file): \(error)")
        }
        let value = table["sockets"]?.table?[role.rawValue]
        if let value, value.string == nil { throw CaptionctlError("\(file): sockets.\(role.rawValue): expected a string path") }
        return value?.string ?? (role == .captions ? Self.defaultCaptions : Self.defaultControl)
    }

    /// Sends one request and returns its reply; a refused request exits non-zero with its message.
    func send(_ request: ControlRequest) throws -> ControlReply {
        let reply: ControlReply
        // `set` and `reload` may load a model before the reply; the daemon waits up to 300 s for
        // that, so the client does too (30 s cut a model load on a busy machine short with
        // "recv failed: Resource temporarily unavailable").
        let timeout: Double = request.command == "set" || request.command == "reload" ? 310 : 30
        do { reply = try ControlClient(path: try path(.control), timeout: timeout).send(request) } catch let e as IPCError {
            throw CaptionctlError("\(e)")
        }
        if !reply.ok {
            throw CaptionctlError("\(request.command) failed: \(reply.error?.description ?? "no reason given")")
        }
        return reply
    }
}

/// A message for the user; ArgumentParser prints it and exits with status 1.
struct CaptionctlError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
