import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One connected caption subscriber, owned by the event loop thread: a bounded queue of encoded
/// lines written with non-blocking sends as the socket takes them. When the queue is full the
/// subscriber is marked lagging: its pending lines are replaced by one `error` line (after any line
/// already partly written), and the connection closes once that line is out or `drainTimeout`
/// has passed. Nothing here ever blocks, so a stalled reader costs only its own queue.
final class Subscriber {
    let id: Int
    let fd: Int32
    private let capacity: Int
    private let drainTimeout: Double
    private unowned let loop: EventLoop
    private var queue: [Data] = []
    private var head = 0
    /// Bytes of `queue[head]` already written.
    private var offset = 0
    private(set) var lagging = false
    private var closing = false
    private(set) var closed = false
    private var watchingOutput = false
    private var deadlineTimer: Int?
    private let onClose: (Subscriber, String) -> Void

    init(id: Int, fd: Int32, capacity: Int, drainTimeout: Double, loop: EventLoop,
         onClose: @escaping (Subscriber, String) -> Void) {
        self.id = id; self.fd = fd; self.capacity = capacity; self.drainTimeout = drainTimeout
        self.loop = loop; self.onClose = onClose
    }

    /// Starts watching the socket for hang-up and writability.
    func open() throws {
        try loop.register(fd, events: Self.baseEvents) { [weak self] ev in self?.ready(ev) }
    }

    private static let baseEvents = EventLoop.readable

    /// Queued lines not yet fully written.
    var pendingLines: Int { queue.count - head }

    /// Queues a line and writes what the socket takes now. `overflowLine` replaces the queue when
    /// full. Returns true when this call found the queue full (the subscriber is now lagging).
    @discardableResult
    func enqueue(_ line: Data, overflowLine: @autoclosure () -> Data) -> Bool {
        guard !lagging, !closing, !closed else { return false }
        var overflowed = false
        if pendingLines >= capacity {
            lagging = true
            overflowed = true
            // Keep a partly written line whole, then the error line; drop the rest.
            var kept: [Data] = []
            if offset > 0 { kept.append(queue[head]) }
            kept.append(overflowLine())
            queue = kept; head = 0
            armDeadline()
        } else {
            queue.append(line)
        }
        flush()
        return overflowed
    }

    /// Sends what is queued, then closes (server stop).
    func finish() {
        guard !closed else { return }
        closing = true
        armDeadline()
        flush()
    }

    /// Closes now (idempotent).
    func close(reason: String) {
        guard !closed else { return }
        closed = true
        if let t = deadlineTimer { loop.cancelTimer(t); deadlineTimer = nil }
        loop.unregister(fd)
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        queue.removeAll()
        onClose(self, reason)
    }

    private func armDeadline() {
        guard deadlineTimer == nil else { return }
        deadlineTimer = loop.schedule(after: drainTimeout) { [weak self] in
            guard let self else { return }
            self.deadlineTimer = nil
            self.close(reason: self.lagging ? "lagging (gave up after \(self.drainTimeout) s)" : "gave up draining after \(self.drainTimeout) s")
        }
    }

    private func ready(_ events: Int16) {
        if events & (EventLoop.readable | EventLoop.hangup | EventLoop.failed) != 0 {
            // Subscribers never write; discard what they send, notice when they leave.
            var scratch = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<16 {
                let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, Int32(MSG_DONTWAIT)) }
                if n > 0 { continue }
                if n == 0 { close(reason: "closed by the subscriber"); return }
                let code = errno
                if code == EINTR { continue }
                if code != EAGAIN && code != EWOULDBLOCK { close(reason: "read failed: errno \(code)"); return }
                break
            }
            if events & (EventLoop.hangup | EventLoop.failed) != 0 { close(reason: "hung up"); return }
        }
        if events & EventLoop.writable != 0 { flush() }
    }

    /// Writes queued lines until the socket would block; closes when a lagging or closing
    /// subscriber has taken everything.
    private func flush() {
        guard !closed else { return }
        while head < queue.count {
            let line = queue[head]
            let n = line.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n >= 0 {
                offset += n
                if offset == line.count { head += 1; offset = 0 }
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                if head >= 256 { queue.removeFirst(head); head = 0 }
                watchOutput(true)
                return
            }
            close(reason: "write failed: errno \(code)")
            return
        }
        queue.removeAll(keepingCapacity: queue.count < 64)
        head = 0
        watchOutput(false)
        if lagging { close(reason: "lagging") } else if closing { close(reason: "closed by the server") }
    }

    private func watchOutput(_ on: Bool) {
        guard on != watchingOutput, !closed else { return }
        watchingOutput = on
        loop.modify(fd, events: Self.baseEvents | (on ? EventLoop.writable : 0))
    }
}

/// CLOCK_MONOTONIC seconds (IPC does not depend on the capture clock type).
enum MonotonicSeconds {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
