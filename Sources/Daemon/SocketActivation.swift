import Foundation
import CSystemd
import IPC

/// Listening sockets handed over by systemd (captiond.socket): identified by distinct
/// FileDescriptorName values "captions" / "control", else by ListenStream order (captions first).
public struct ActivatedSockets: Equatable, Sendable {
    public var captions: Int32?
    public var control: Int32?
    public init(captions: Int32?, control: Int32?) { self.captions = captions; self.control = control }
}

public enum SocketActivation {
    /// The sockets passed through LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES, or nil when none were
    /// passed to this process. The variables are unset so children do not inherit them.
    public static func fromEnvironment() throws -> ActivatedSockets? {
        var namesPtr: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let n = sd_listen_fds_with_names(1, &namesPtr)
        if n < 0 { throw DaemonError.system(function: "sd_listen_fds_with_names", target: "LISTEN_FDS", errno: -n) }
        if n == 0 { return nil }
        var names: [String] = []
        if let list = namesPtr {
            for i in 0..<Int(n) {
                if let p = list[i] { names.append(String(cString: p)); free(p) }
            }
            free(list)
        }
        let fds = (0..<n).map { SD_LISTEN_FDS_START + $0 }
        return try assign(fds: fds, names: names)
    }

    /// Maps descriptors to roles by name, else by position, and checks each is a listening stream socket.
    public static func assign(fds: [Int32], names: [String]) throws -> ActivatedSockets {
        guard !fds.isEmpty, fds.count <= 2 else {
            throw DaemonError.socketActivation(reason: "expected 1 or 2 listening sockets (captions, control), got \(fds.count); check captiond.socket")
        }
        for fd in fds where !UnixSocket.isListeningStream(fd: fd) {
            throw DaemonError.socketActivation(reason: "fd \(fd) is not a listening stream socket; use ListenStream= in captiond.socket")
        }
        var result = ActivatedSockets(captions: nil, control: nil)
        // Names decide only when each descriptor carries a distinct role name; otherwise order does.
        let named = names.count == fds.count && Set(names).count == names.count
            && names.allSatisfy { $0 == "captions" || $0 == "control" }
        if named {
            for (fd, name) in zip(fds, names) {
                if name == "captions" { result.captions = fd } else { result.control = fd }
            }
        } else {
            result.captions = fds[0]
            result.control = fds.count > 1 ? fds[1] : nil
        }
        return result
    }
}
