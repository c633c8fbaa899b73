import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Accepts connections on a listening socket from the event loop, and backs off when the process
/// or system runs out of descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM): the listener is left out
/// of the poll set for `backoff` seconds, and the burst is logged once when it starts and once
/// when accepting works again, instead of spinning on a listener that stays readable.
final class SocketAcceptor {
    /// accept(2), then O_NONBLOCK and FD_CLOEXEC on the new fd: the fd, or -1 and the errno.
    typealias AcceptCall = (Int32) -> (fd: Int32, errno: Int32)

    static let live: AcceptCall = { listener in
        let fd = accept(listener, nil, nil)
        if fd < 0 { return (fd, errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, (flags < 0 ? 0 : flags) | O_NONBLOCK)
        return (fd, 0)
    }

    let listener: Int32
    let what: String
    let backoff: Double
    private unowned let loop: EventLoop
    private let log: (String) -> Void
    private let onConnection: (Int32) -> Void
    var acceptCall: AcceptCall = SocketAcceptor.live
    private var registered = false
    private var pausedUntilTimer: Int?
    private var burstFailures = 0
    private var burstErrno: Int32 = 0
    /// accept calls that failed for lack of resources (tests read this to see there is no spin).
    private(set) var resourceFailures = 0

    init(listener: Int32, what: String, loop: EventLoop, backoff: Double = 0.5,
         log: @escaping (String) -> Void, onConnection: @escaping (Int32) -> Void) {
        self.listener = listener; self.what = what; self.loop = loop; self.backoff = backoff
        self.log = log; self.onConnection = onConnection
    }

    /// Starts watching the listener (loop thread). Makes it non-blocking so a connection that
    /// vanishes between poll and accept cannot block the loop.
    func open() throws {
        let flags = fcntl(listener, F_GETFL)
        if flags >= 0 { _ = fcntl(listener, F_SETFL, flags | O_NONBLOCK) }
        try loop.register(listener, events: EventLoop.readable) { [weak self] _ in self?.acceptReady() }
        registered = true
    }

    /// Stops watching and closes the listener (loop thread).
    func close() {
        if let t = pausedUntilTimer { loop.cancelTimer(t); pausedUntilTimer = nil }
        if registered { loop.unregister(listener); registered = false }
        Glibc.close(listener)
    }

    private func acceptReady() {
        // Bounded per wake-up so one busy listener cannot starve the other connections.
        for _ in 0..<64 {
            let (fd, code) = acceptCall(listener)
            if fd >= 0 {
                if burstFailures > 0 {
                    log("\(what): accepting connections again after \(burstFailures) failed accept(s) (\(Self.errnoText(burstErrno)))")
                    burstFailures = 0
                }
                onConnection(fd)
                continue
            }
            switch code {
            case EAGAIN, EWOULDBLOCK: return
            case EINTR, ECONNABORTED, EPROTO: continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                resourceFailures += 1
                if burstFailures == 0 {
                    log("\(what): accept failed: \(Self.errnoText(code)); not accepting for \(backoff) s — raise LimitNOFILE or lower the connection limits (sockets.max_subscribers, sockets.max_control_connections)")
                }
                burstFailures += 1
                burstErrno = code
                pause()
                return
            default:
                resourceFailures += 1
                if burstFailures == 0 { log("\(what): accept failed: \(Self.errnoText(code)); retrying in \(backoff) s") }
                burstFailures += 1
                burstErrno = code
                pause()
                return
            }
        }
    }

    /// Leaves the listener out of the poll set until the back-off timer fires.
    private func pause() {
        guard registered, pausedUntilTimer == nil else { return }
        loop.modify(listener, events: 0)
        pausedUntilTimer = loop.schedule(after: backoff) { [weak self] in
            guard let self else { return }
            self.pausedUntilTimer = nil
            if self.registered { self.loop.modify(self.listener, events: EventLoop.readable) }
        }
    }

    static func errnoText(_ code: Int32) -> String { "\(String(cString: strerror(code))) (errno \(code))" }
}
