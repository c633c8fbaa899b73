import Foundation
import CaptionCore
#if canImport(Glibc)
import Glibc
#endif

/// Serves caption events to any number of subscribers on a Unix stream socket, from one event
/// loop thread (poll) shared with the control server: an idle subscriber costs a descriptor and a
/// few hundred bytes, not a thread.
/// `publish` encodes an event once and hands it to the loop, which appends it to each subscriber's
/// bounded queue and writes what each socket takes; it never waits for a socket, so a slow
/// subscriber cannot delay the producer or the others.
public final class CaptionServer {
    public struct Options {
        /// Lines a subscriber may have queued before it is disconnected as lagging.
        public var queueCapacity: Int
        /// How long a lagging or closing subscriber gets to take its last lines.
        public var drainTimeout: Double
        /// Subscribers served at once; one more gets an `error` line (`too_many_subscribers`) and is closed.
        public var maxSubscribers: Int
        /// Seconds the listener is left alone after accept fails for lack of descriptors.
        public var acceptBackoff: Double
        /// Where the server reports refused connections and accept failures (default: stderr).
        public var log: ((String) -> Void)?
        public init(queueCapacity: Int = 256, drainTimeout: Double = 10, maxSubscribers: Int = CaptionServer.defaultMaxSubscribers,
                    acceptBackoff: Double = 0.5, log: ((String) -> Void)? = nil) {
            self.queueCapacity = queueCapacity; self.drainTimeout = drainTimeout
            self.maxSubscribers = maxSubscribers; self.acceptBackoff = acceptBackoff; self.log = log
        }
    }

    public static let defaultMaxSubscribers = 4096

    private let listener: Int32
    private let options: Options
    private let hello: () -> CaptionEvent
    private let loop: EventLoop?
    private let log: (String) -> Void
    private let lagLine: Data

    // Loop-thread state.
    private var acceptor: SocketAcceptor?
    private var subscribers: [Int: Subscriber] = [:]
    private var nextID = 0
    private var refusing = false

    // Read from other threads; guarded by `lock`.
    private let lock = NSCondition()
    private var started = false
    private var stopping = false
    private var count = 0
    private var lagged = 0
    private var listenerClosed = false

    /// Takes ownership of a listening socket (bound by `UnixSocket.listen` or passed by systemd).
    /// `hello` builds the first line each new subscriber receives (it runs on the loop thread).
    /// `loop` defaults to `EventLoop.shared`, the one loop of the process.
    public init(listener: Int32, options: Options = Options(), loop: EventLoop? = EventLoop.shared,
                hello: @escaping () -> CaptionEvent) {
        self.listener = listener; self.options = options; self.hello = hello; self.loop = loop
        self.log = options.log ?? { FileHandle.standardError.write(Data("captiond: \($0)\n".utf8)) }
        let e = CaptionEvent.error(CaptionError(code: "lagging",
            message: "subscriber fell more than \(options.queueCapacity) lines behind and was disconnected; read faster and reconnect"))
        lagLine = (try? WireCodec.encode(e)) ?? Data()
    }

    /// Starts accepting subscribers on the event loop.
    public func start() {
        lock.lock()
        guard !started, !stopping else { lock.unlock(); return }
        started = true
        lock.unlock()
        guard let loop else {
            log("caption socket: no event loop (poll unavailable); subscribers cannot be served")
            return
        }
        if let note = UnixSocket.raiseOpenFileLimit(atLeast: options.maxSubscribers + 256) { log(note) }
        loop.start()
        loop.execute { [self] in
            let a = SocketAcceptor(listener: listener, what: "caption socket", loop: loop, backoff: options.acceptBackoff,
                                   log: log) { [weak self] fd in self?.accepted(fd) }
            do { try a.open(); acceptor = a } catch { log("caption socket: cannot watch the listener: \(error)") }
        }
    }

    /// Subscribers currently connected (a lagging one counts until its error line is out).
    public var subscriberCount: Int { lock.lock(); defer { lock.unlock() }; return count }

    /// Waits until `condition` holds for the number of subscribers, or `timeout` seconds pass;
    /// returns whether it holds. Every change of the count wakes it (no polling): for tests and
    /// tools that must know a connection was registered or forgotten.
    func waitForSubscribers(timeout: Double, until condition: (Int) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lock.lock(); defer { lock.unlock() }
        while !condition(count) {
            if !lock.wait(until: deadline) { return condition(count) }
        }
        return true
    }

    /// Subscribers found lagging so far (each is sent an `error` line and disconnected).
    public var laggedCount: Int { lock.lock(); defer { lock.unlock() }; return lagged }

    /// Sends an event to every subscriber (non-blocking: the loop does the writing).
    public func publish(_ event: CaptionEvent) {
        guard let line = try? WireCodec.encode(event), let loop else { return }
        lock.lock(); let live = started && !stopping; lock.unlock()
        guard live else { return }
        loop.execute { [self] in broadcast(line) }
    }

    /// Stops accepting, lets every subscriber take what is queued (up to the drain timeout) and
    /// waits for them to close.
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
            lock.lock(); listenerClosed = true; lock.broadcast(); lock.unlock()
            for s in Array(subscribers.values) { s.finish() }
        }
        let deadline = Date(timeIntervalSinceNow: options.drainTimeout + 2)
        lock.lock()
        while (count > 0 || !listenerClosed) && lock.wait(until: deadline) {}
        lock.unlock()
        // Anything still open after the deadline is closed without further waiting.
        loop.execute { [self] in for s in Array(subscribers.values) { s.close(reason: "server stopped") } }
    }

    // MARK: - loop thread

    /// Accept-error bookkeeping for tests.
    var acceptorForTests: SocketAcceptor? { acceptor }

    private func accepted(_ fd: Int32) {
        guard subscribers.count < options.maxSubscribers else {
            if !refusing {
                refusing = true
                log("caption socket: refusing subscribers: \(subscribers.count) connected, the limit (sockets.max_subscribers) is \(options.maxSubscribers)")
            }
            let e = CaptionEvent.error(CaptionError(code: "too_many_subscribers",
                message: "the daemon already serves \(options.maxSubscribers) subscribers (sockets.max_subscribers); try again later"))
            if let line = try? WireCodec.encode(e) { Self.sendOnce(fd, line) }
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
            return
        }
        refusing = false
        nextID += 1
        guard let loop else { close(fd); return }
        let sub = Subscriber(id: nextID, fd: fd, capacity: options.queueCapacity, drainTimeout: options.drainTimeout, loop: loop) {
            [weak self] s, _ in self?.removed(s)
        }
        do { try sub.open() } catch {
            log("caption socket: cannot watch a new subscriber: \(error)")
            close(fd)
            return
        }
        subscribers[sub.id] = sub
        lock.lock(); count = subscribers.count; lock.broadcast(); lock.unlock()
        // hello goes in before any later broadcast, so it is always first.
        if let line = try? WireCodec.encode(hello()) { sub.enqueue(line, overflowLine: lagLine) }
    }

    private func broadcast(_ line: Data) {
        var overflowed = 0
        for s in Array(subscribers.values) where s.enqueue(line, overflowLine: lagLine) { overflowed += 1 }
        if overflowed > 0 { lock.lock(); lagged += overflowed; lock.unlock() }
    }

    private func removed(_ s: Subscriber) {
        subscribers[s.id] = nil
        lock.lock(); count = subscribers.count; lock.broadcast(); lock.unlock()
    }

    /// One best-effort non-blocking write (a fresh socket's buffer takes a short line whole).
    static func sendOnce(_ fd: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            _ = send(fd, base, raw.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
    }
}
