import Foundation

/// Every failure of `captionctl overlay` a person must act on: what, where, how to fix.
public enum OverlayError: Error, CustomStringConvertible, Equatable {
    /// --host names an address other computers could reach, without --allow-remote.
    case notLoopback(host: String)
    /// The port is taken (another overlay, or another program).
    case portInUse(host: String, port: Int)
    /// Binding failed for another reason (a privileged port, an address not on this machine).
    case cannotListen(host: String, port: Int, reason: String)
    /// --port outside 0…65535.
    case badPort(Int)
    /// The --socket path answers, but not as the caption socket.
    case notCaptionSocket(String)

    public var description: String {
        switch self {
        case let .notLoopback(host):
            return "--host \(host) is not a loopback address: the caption page would be reachable from other computers; use 127.0.0.1 (the default), or pass --allow-remote to serve \(host) on purpose"
        case let .portInUse(host, port):
            return "port \(port) on \(host) is already in use (another `captionctl overlay`, or another program); choose another with --port N (e.g. --port \(port == 65535 ? 8766 : port + 1)), or stop the program holding it (`ss -ltnp 'sport = :\(port)'` names it)"
        case let .cannotListen(host, port, reason):
            return "cannot listen on \(host):\(port): \(reason); choose another --port (ports below 1024 need root) or --host (an address of this machine)"
        case let .badPort(port):
            return "--port \(port) is not a TCP port; give 1…65535 (or 0 for any free port)"
        case let .notCaptionSocket(message):
            return message
        }
    }
}
