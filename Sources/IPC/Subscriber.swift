import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One connected caption subscriber: a bounded queue of encoded lines and a writer thread that
/// sends them with non-blocking writes. The producer only ever appends under a short lock; when
/// the queue is full the subscriber is marked lagging, its queue is replaced by one `error` line,
/// and the writer closes the connection once that line is out (or `drainTimeout` has passed).
final class Subscriber {
    let id: Int
    let fd: Int32
    private let capacity: Int
    private let drainTimeout: Double
    private let cond = NSCondition()
    private var queue: [Data] = []
    private var head = 0
    private var lagging = false
    private var closing = false
    private var lagDeadline = Double.infinity
    private let onClose: (Subscriber, String) -> Void

    init(id: Int, fd: Int32, capacity: Int, drainTimeout: Double, onClose: @escaping (Subscriber, String) -> Void) {
        self.id = id; self.fd = fd; self.capacity = capacity; self.drainTimeout = drainTimeout; self.onClose = onClose
    }

    func start() {
        let t = Thread { [self] in self.writerLoop() }
        t.name = "captiond-subscriber-\(id)"
        t.start()
    }

    /// Queues a line; never blocks on the socket. `overflowLine` replaces the queue when full.
    /// Returns true when this call found the queue full (the subscriber is now lagging).
    @discardableResult
    func enqueue(_ line: Data, overflowLine: @autoclosure () -> Data) -> Bool {
        cond.lock(); defer { cond.unlock() }
        guard !lagging, !closing else { return false }
        var overflowed = false
        if queue.count - head >= capacity {
            lagging = true
            overflowed = true
            queue = [overflowLine()]; head = 0
            lagDeadline = MonotonicSeconds.now() + drainTimeout
        } else {
            queue.append(line)
        }
        cond.signal()
        return overflowed
    }

    /// Asks the writer to send what is queued, then close.
    func finish() {
        cond.lock(); closing = true
        if lagDeadline == .infinity { lagDeadline = MonotonicSeconds.now() + drainTimeout }
        cond.signal(); cond.unlock()
    }

    private func nextLine() -> Data? {
        cond.lock(); defer { cond.unlock() }
        while head == queue.count {
            if closing || (lagging && head > 0) { return nil }
            _ = cond.wait(until: Date(timeIntervalSinceNow: 0.5))
            if head == queue.count && peerHungUp() { return nil }
        }
        let line = queue[head]
        head += 1
        if head > 1024 { queue.removeFirst(head); head = 0 }
        return line
    }

    /// True when the peer closed its end (read returns 0) or the socket errored.
    private func peerHungUp() -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 0) > 0 else { return false }
        if pfd.revents & Int16(POLLERR | POLLHUP) != 0 { return true }
        var scratch = [UInt8](repeating: 0, count: 4096)
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, Int32(MSG_DONTWAIT)) }
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)
    }

    private func currentDeadline() -> Double {
        cond.lock(); defer { cond.unlock() }
        return lagDeadline
    }

    private func writerLoop() {
        var reason = "closed"
        outer: while let line = nextLine() {
            var off = 0
            while off < line.count {
                let n = line.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return send(fd, base + off, line.count - off, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if n >= 0 { off += n; continue }
                let code = errno
                if code == EINTR { continue }
                guard code == EAGAIN || code == EWOULDBLOCK else { reason = "write failed: errno \(code)"; break outer }
                if MonotonicSeconds.now() > currentDeadline() { reason = "gave up after \(drainTimeout) s"; break outer }
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, 200)
            }
        }
        cond.lock()
        if lagging { reason = "lagging" }
        closing = true
        cond.unlock()
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        onClose(self, reason)
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
