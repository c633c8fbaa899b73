import Foundation

/// Every failure of the IPC module, with enough context to act on it.
public enum IPCError: Error, CustomStringConvertible, Equatable {
    /// A C call failed: the function, what it was applied to, and errno.
    case system(function: String, target: String, errno: Int32)
    /// A socket path longer than sun_path allows.
    case pathTooLong(path: String, limit: Int)
    /// A socket group name that does not exist on this system.
    case unknownGroup(name: String)
    /// A line on a socket that is not a valid message.
    case malformed(what: String, reason: String)
    /// The peer closed the connection before a complete reply arrived.
    case connectionClosed(path: String)
    /// No daemon listens on the socket.
    case daemonNotRunning(path: String, reason: String)
    /// Another process (a running captiond) accepts connections on a socket we were to bind.
    case socketInUse(path: String)
    /// The peer on a caption socket is not a caption server (no `hello`, or a control reply).
    case notCaptionSocket(path: String, reason: String)

    public var description: String {
        switch self {
        case let .system(function, target, code):
            return "\(function)(\(target)) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .pathTooLong(path, limit):
            return "socket path \(path) is \(path.utf8.count) bytes; Unix sockets allow at most \(limit) — choose a shorter path"
        case let .unknownGroup(name):
            return "socket group \"\(name)\" does not exist — create it or set sockets.group to an existing group (or \"\" to keep the default)"
        case let .malformed(what, reason):
            return "malformed \(what): \(reason)"
        case let .connectionClosed(path):
            return "the daemon closed the connection on \(path) before replying"
        case let .daemonNotRunning(path, reason):
            return "captiond is not running (cannot connect to \(path): \(reason)); start it with `systemctl start captiond` or pass --socket/--config"
        case let .socketInUse(path):
            return "\(path) is in use: another captiond (or another program) accepts connections on it; stop that daemon first (`systemctl stop captiond`) or configure other socket paths ([sockets] captions/control)"
        case let .notCaptionSocket(path, reason):
            return "\(path) is not a caption socket: \(reason); subscribe to the caption socket (default /run/captiond/captions.sock), not the control socket"
        }
    }
}
