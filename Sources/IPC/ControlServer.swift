import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Serves the control socket on the event loop (poll; one thread for every connection): one JSON
/// request per line, one JSON reply per line, in order. Garbage, invalid UTF-8 and lines over
/// `lineLimit` bytes get an error reply; the connection stays open for the next request. A last
/// request without its newline is answered when the client half-closes. Connections beyond
/// `maxConnections` get one `too_many_connections` reply and are closed.
public final class ControlServer {
    public static let defaultLineLimit = 64 * 1024
    public static let defaultMaxConnections = 64

    private let listener: Int32
    private let lineLimit: Int
    private let maxConnections: Int
    private let acceptBackoff: Double
    private let handler: (ControlRequest) -> ControlReply
    private let loop: EventLoop?
    private let log: (String) -> Void

    // Loop-thread state.
    private var acceptor: SocketAcceptor?
    private var connections: [Int32: ControlConnection] = [:]
    private var refusing = false

    private let lock = NSCondition()
    private var started = false
    private var stopping = false
    private var listenerClosed = false

    /// `handler` runs off the event loop (a thread per request in progress, at most one per
    /// connection), so it may block; it must be thread-safe. `loop` defaults to the process's one loop.
    public init(listener: Int32, lineLimit: Int = ControlServer.defaultLineLimit,
                maxConnections: Int = ControlServer.defaultMaxConnections, acceptBackoff: Double = 0.5,
                loop: EventLoop? = EventLoop.shared, log: ((String) -> Void)? = nil,
                handler: @escaping (ControlRequest) -> ControlReply) {
        self.listener = listener; self.lineLimit = lineLimit; self.maxConnections = maxConnections
        self.acceptBackoff = acceptBackoff; self.loop = loop; self.handler = handler
        self.log = log ?? { FileHandle.standardError.write(Data("captiond: \($0)\n".utf8)) }
    }

    public func start() {
        lock.lock()
        guard !started, !stopping else { lock.unlock(); return }
        started = true
        lock.unlock()
        guard let loop else { log("control socket: no event loop (poll unavailable); requests cannot be served"); return }
        loop.start()
        loop.execute { [self] in
            let a = SocketAcceptor(listener: listener, what: "control socket", loop: loop, backoff: acceptBackoff,
                                   log: log) { [weak self] fd in self?.accepted(fd) }
            do { try a.open(); acceptor = a } catch { log("control socket: cannot watch the listener: \(error)") }
        }
    }

    /// Stops accepting and closes open connections (a request in progress gets no reply).
    public func stop() {
        lock.lock()
        let wasStarted = started
        stopping = true
        lock.unlock()
        guard wasStarted, let loop else {
            lock.lock()
            if !listenerClosed { close(listener); listenerClosed = true }
            lock.unlock()
            return
        }
        loop.execute { [self] in
            acceptor?.close(); acceptor = nil
            for c in Array(connections.values) { c.close() }
            lock.lock(); listenerClosed = true; lock.broadcast(); lock.unlock()
        }
        let deadline = Date(timeIntervalSinceNow: 5)
        lock.lock()
        while !listenerClosed && lock.wait(until: deadline) {}
        lock.unlock()
    }

    /// The reply for one raw line (exposed for tests of the request handling).
    public func reply(to line: [UInt8]) -> ControlReply {
        switch ControlRequest.parse(line) {
        case .success(let request): return handler(request)
        case .failure(let failure): return .failure(failure)
        }
    }

    /// Accept-error bookkeeping for tests.
    var acceptorForTests: SocketAcceptor? { acceptor }

    // MARK: - loop thread

    private func accepted(_ fd: Int32) {
        guard let loop else { close(fd); return }
        guard connections.count < maxConnections else {
            if !refusing {
                refusing = true
                log("control socket: refusing connections: \(connections.count) open, the limit (sockets.max_control_connections) is \(maxConnections)")
            }
            let reply = ControlReply.failure(ControlFailure(code: .tooManyConnections,
                message: "the daemon already has \(maxConnections) control connections open (sockets.max_control_connections); try again later"))
            CaptionServer.sendOnce(fd, reply.encoded())
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
            return
        }
        refusing = false
        let handler = self.handler
        let conn = ControlConnection(fd: fd, lineLimit: lineLimit, loop: loop, run: { request, reply in
            let t = Thread { reply(handler(request)) }
            t.name = "captiond-control-request"
            t.start()
        }, onClose: { [weak self] c in
            guard let self else { return }
            self.connections[c.fd] = nil
        })
        do { try conn.open() } catch {
            log("control socket: cannot watch a new connection: \(error)")
            close(fd)
            return
        }
        connections[fd] = conn
    }
}
