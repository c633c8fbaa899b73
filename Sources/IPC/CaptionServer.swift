import Foundation
import CaptionCore
#if canImport(Glibc)
import Glibc
#endif

/// Serves caption events to any number of subscribers on a Unix stream socket.
/// `publish` encodes an event once and appends it to each subscriber's bounded queue; it never
/// waits for a socket, so a slow subscriber cannot delay the producer or the others.
public final class CaptionServer {
    public struct Options {
        /// Lines a subscriber may have queued before it is disconnected as lagging.
        public var queueCapacity: Int
        /// How long a lagging or closing subscriber gets to take its last lines.
        public var drainTimeout: Double
        public init(queueCapacity: Int = 256, drainTimeout: Double = 10) {
            self.queueCapacity = queueCapacity; self.drainTimeout = drainTimeout
        }
    }

    private let listener: Int32
    private let options: Options
    private let hello: () -> CaptionEvent
    private let lock = NSCondition()
    private var subscribers: [Int: Subscriber] = [:]
    private var nextID = 0
    private var stopping = false
    private var acceptDone = false
    private var lagged = 0

    /// Takes ownership of a listening socket (bound by `UnixSocket.listen` or passed by systemd).
    /// `hello` builds the first line each new subscriber receives.
    public init(listener: Int32, options: Options = Options(), hello: @escaping () -> CaptionEvent) {
        self.listener = listener; self.options = options; self.hello = hello
    }

    public func start() {
        let t = Thread { [self] in self.acceptLoop() }
        t.name = "captiond-caption-accept"
        t.start()
    }

    /// Subscribers currently connected (a lagging one counts until its error line is out).
    public var subscriberCount: Int { lock.lock(); defer { lock.unlock() }; return subscribers.count }

    /// Subscribers found lagging so far (each is sent an `error` line and disconnected).
    public var laggedCount: Int { lock.lock(); defer { lock.unlock() }; return lagged }

    /// Sends an event to every subscriber (non-blocking).
    public func publish(_ event: CaptionEvent) {
        guard let line = try? WireCodec.encode(event) else { return }
        lock.lock(); let current = Array(subscribers.values); lock.unlock()
        var overflowed = 0
        for s in current where s.enqueue(line, overflowLine: Self.lagLine(capacity: self.options.queueCapacity)) {
            overflowed += 1
        }
        if overflowed > 0 { lock.lock(); lagged += overflowed; lock.unlock() }
    }

    static func lagLine(capacity: Int) -> Data {
        let e = CaptionEvent.error(CaptionError(code: "lagging",
            message: "subscriber fell more than \(capacity) lines behind and was disconnected; read faster and reconnect"))
        return (try? WireCodec.encode(e)) ?? Data()
    }

    /// Stops accepting, lets every subscriber take what is queued (up to the drain timeout) and
    /// waits for them to close.
    public func stop() {
        lock.lock()
        stopping = true
        let current = Array(subscribers.values)
        lock.unlock()
        for s in current { s.finish() }
        let deadline = Date(timeIntervalSinceNow: options.drainTimeout + 2)
        lock.lock()
        while (!subscribers.isEmpty || !acceptDone) && lock.wait(until: deadline) {}
        lock.unlock()
    }

    private func acceptLoop() {
        while true {
            lock.lock(); let stop = stopping; lock.unlock()
            if stop { break }
            guard let fd = try? UnixSocket.accept(listener: listener, timeoutMs: 200) else { continue }
            lock.lock(); nextID += 1; let id = nextID; lock.unlock()
            let sub = Subscriber(id: id, fd: fd, capacity: options.queueCapacity, drainTimeout: options.drainTimeout) { [weak self] s, reason in
                self?.remove(s, reason: reason)
            }
            // hello goes in before the subscriber is visible to publish, so it is always first.
            if let line = try? WireCodec.encode(hello()) {
                sub.enqueue(line, overflowLine: Self.lagLine(capacity: options.queueCapacity))
            }
            lock.lock()
            if stopping { lock.unlock(); close(fd); break }
            subscribers[sub.id] = sub
            lock.unlock()
            sub.start()
        }
        close(listener)
        lock.lock(); acceptDone = true; lock.broadcast(); lock.unlock()
    }

    private func remove(_ s: Subscriber, reason: String) {
        lock.lock()
        subscribers[s.id] = nil
        lock.broadcast()
        lock.unlock()
    }
}
