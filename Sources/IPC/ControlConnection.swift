import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One control connection, owned by the event loop thread. Requests are answered one at a time,
/// in order: the handler runs off the loop (it may wait for the pipeline), and its reply comes
/// back through `EventLoop.execute`. A request without its final newline is still answered when
/// the client half-closes (shutdown(SHUT_WR)); the connection closes once every reply is out.
final class ControlConnection {
    let fd: Int32
    private unowned let loop: EventLoop
    private var splitter: LineSplitter
    private var requests: [LineSplitter.Item] = []
    private var inFlight = false
    private var output: [UInt8] = []
    private var readClosed = false
    private(set) var closed = false
    private var watched: Int16 = 0
    /// Runs a parsed request off the loop; calls `reply` exactly once, from any thread.
    private let run: (ControlRequest, _ reply: @escaping (ControlReply) -> Void) -> Void
    private let onClose: (ControlConnection) -> Void

    /// Stop reading while this many requests wait or this many reply bytes are unsent.
    private static let maxQueuedRequests = 16, maxOutputBytes = 256 * 1024

    init(fd: Int32, lineLimit: Int, loop: EventLoop,
         run: @escaping (ControlRequest, @escaping (ControlReply) -> Void) -> Void,
         onClose: @escaping (ControlConnection) -> Void) {
        self.fd = fd; self.loop = loop; self.splitter = LineSplitter(limit: lineLimit)
        self.run = run; self.onClose = onClose
    }

    func open() throws {
        watched = EventLoop.readable
        try loop.register(fd, events: watched) { [weak self] ev in self?.ready(ev) }
    }

    func close() {
        guard !closed else { return }
        closed = true
        loop.unregister(fd)
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        onClose(self)
    }

    private func ready(_ events: Int16) {
        // Hang-up means both directions are gone (a half-close only makes the socket readable):
        // no reply can be delivered any more.
        if events & (EventLoop.failed | EventLoop.hangup) != 0 { close(); return }
        if events & EventLoop.readable != 0, !readClosed { readAvailable() }
        if closed { return }
        if events & EventLoop.writable != 0 { flush() }
        if !closed { next() }
    }

    private func readAvailable() {
        var buf = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<4 {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 {
                requests.append(contentsOf: splitter.feed(Array(buf[0..<n])))
                if requests.count >= Self.maxQueuedRequests { break }
                continue
            }
            if n == 0 {
                // Half-close: a last request without its newline still counts.
                readClosed = true
                requests.append(contentsOf: splitter.finish())
                return
            }
            let code = errno
            if code == EINTR { continue }
            if code != EAGAIN && code != EWOULDBLOCK { close() }
            return
        }
    }

    /// Starts the next request when none is running; closes when a half-closed client has all replies.
    private func next() {
        while !inFlight, !requests.isEmpty, output.count < Self.maxOutputBytes, !closed {
            switch requests.removeFirst() {
            case .tooLong(let n):
                send(.failure(ControlFailure(code: .lineTooLong,
                    message: "request line of \(n)+ bytes exceeds the \(splitter.limit)-byte limit; the rest of that line is ignored")))
            case .line(let line):
                switch ControlRequest.parse(line) {
                case .failure(let f): send(.failure(f))
                case .success(let request):
                    inFlight = true
                    run(request) { [weak self, loop] reply in
                        loop.execute {
                            guard let self, !self.closed else { return }
                            self.inFlight = false
                            self.send(reply)
                            self.next()
                        }
                    }
                }
            }
        }
        if closed { return }
        if readClosed && !inFlight && requests.isEmpty && output.isEmpty { close(); return }
        updateInterest()
    }

    private func send(_ reply: ControlReply) {
        output.append(contentsOf: reply.encoded())
        flush()
    }

    private func flush() {
        while !output.isEmpty && !closed {
            let n = output.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if n > 0 { output.removeFirst(n); continue }
            let code = errno
            if n < 0 && code == EINTR { continue }
            if n < 0 && (code == EAGAIN || code == EWOULDBLOCK) { break }
            close()
            return
        }
        updateInterest()
    }

    private func updateInterest() {
        guard !closed else { return }
        var want: Int16 = 0
        if !readClosed && requests.count < Self.maxQueuedRequests && output.count < Self.maxOutputBytes {
            want |= EventLoop.readable
        }
        if !output.isEmpty { want |= EventLoop.writable }
        if want != watched { watched = want; loop.modify(fd, events: want) }
    }
}
