import CaptionCore
import Foundation
import Glibc
import IPC

/// Reads the daemon's caption socket (the client `captionctl subscribe` uses) and feeds the hub.
/// When the socket is missing or the daemon ends the stream (a restart), it retries with backoff
/// (0.25 s doubling to 2 s) for as long as the overlay runs; the page keeps its captions meanwhile.
public final class CaptionBridge: @unchecked Sendable {
    public let socketPath: String
    private let hub: CaptionHub
    private let log: @Sendable (String) -> Void

    public init(socketPath: String, hub: CaptionHub, log: @escaping @Sendable (String) -> Void) {
        self.socketPath = socketPath; self.hub = hub; self.log = log
    }

    /// Connects once and waits for the daemon's hello. Throws `OverlayError.notCaptionSocket`
    /// when something else answers (the control socket, say): retrying cannot fix that.
    /// Returns the open subscription, or nil when no daemon listens (yet).
    func connect() throws -> CaptionSubscription? {
        do {
            let subscription = try CaptionSubscription(path: socketPath)
            _ = try subscription.awaitHello(timeout: 2)
            return subscription
        } catch let e as IPCError {
            if case .notCaptionSocket = e { throw OverlayError.notCaptionSocket("\(e)") }
            hub.setBridge(connected: false, message: Self.waiting(socketPath, e))
            return nil
        }
    }

    /// The first attempt, made before the server starts so a wrong --socket fails at once.
    /// Returns the subscription when captiond answered.
    public func firstAttempt() throws -> CaptionSubscription? {
        let subscription = try connect()
        if subscription == nil { log("\(hub.state().message ?? Self.waiting(socketPath, nil)); serving the page anyway and retrying every 2 s") }
        return subscription
    }

    /// Runs forever on the calling thread (start it on its own Thread).
    public func run(first: CaptionSubscription?) {
        var subscription = first
        var delay = 0.25
        var outage = first == nil
        while true {
            if subscription == nil {
                do { subscription = try connect() } catch {
                    log("\(error); retrying")
                }
            }
            if let active = subscription {
                hub.setBridge(connected: true, message: "connected to captiond at \(socketPath)")
                log(outage ? "reconnected to \(socketPath)" : "connected to \(socketPath)")
                outage = false
                delay = 0.25
                do {
                    while let line = try active.nextLine() {
                        if let event = try? WireCodec.decode(Data(line)) { hub.publish(event) }
                    }
                    hub.setBridge(connected: false, message: "captiond closed the caption stream on \(socketPath); reconnecting")
                    log("captiond closed the caption stream; reconnecting")
                } catch {
                    hub.setBridge(connected: false, message: "reading \(socketPath) failed: \(error); reconnecting")
                    log("reading \(socketPath) failed: \(error); reconnecting")
                }
                subscription = nil
                outage = true
            }
            usleep(useconds_t(delay * 1_000_000))
            delay = min(delay * 2, 2)
        }
    }

    /// Why the bridge is waiting, said so a person can act on it.
    static func waiting(_ path: String, _ error: IPCError?) -> String {
        let reason: String
        switch error {
        case .daemonNotRunning(_, let why)?:
            reason = FileManager.default.fileExists(atPath: path) ? why : "no such socket"
        case let e?: reason = "\(e)"
        case nil: reason = FileManager.default.fileExists(atPath: path) ? "nothing accepts connections on it" : "no such socket"
        }
        return "waiting for captiond: cannot connect to the caption socket \(path) (\(reason)); start captiond (`systemctl start captiond`, or `captiond --config FILE`) or pass --socket/--config with the caption socket's path"
    }
}
