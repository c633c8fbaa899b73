import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Serves the control socket: one JSON request per line, one JSON reply per line, one thread per
/// connection. Garbage, invalid UTF-8 and lines over `lineLimit` bytes get an error reply; the
/// connection stays open for the next request.
public final class ControlServer {
    public static let defaultLineLimit = 64 * 1024

    private let listener: Int32
    private let lineLimit: Int
    private let handler: (ControlRequest) -> ControlReply
    private let lock = NSCondition()
    private var stopping = false
    private var acceptDone = false
    private var connections: Set<Int32> = []

    /// `handler` runs on the connection's thread; it must be thread-safe.
    public init(listener: Int32, lineLimit: Int = ControlServer.defaultLineLimit,
                handler: @escaping (ControlRequest) -> ControlReply) {
        self.listener = listener; self.lineLimit = lineLimit; self.handler = handler
    }

    public func start() {
        let t = Thread { [self] in self.acceptLoop() }
        t.name = "captiond-control-accept"
        t.start()
    }

    /// Stops accepting and closes open connections.
    public func stop() {
        lock.lock()
        stopping = true
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        let deadline = Date(timeIntervalSinceNow: 5)
        while (!acceptDone || !connections.isEmpty) && lock.wait(until: deadline) {}
        lock.unlock()
    }

    /// The reply for one raw line (exposed for tests of the request handling).
    public func reply(to line: [UInt8]) -> ControlReply {
        switch ControlRequest.parse(line) {
        case .success(let request): return handler(request)
        case .failure(let failure): return .failure(failure)
        }
    }

    private func acceptLoop() {
        while true {
            lock.lock(); let stop = stopping; lock.unlock()
            if stop { break }
            guard let fd = try? UnixSocket.accept(listener: listener, timeoutMs: 200) else { continue }
            lock.lock()
            if stopping { lock.unlock(); close(fd); break }
            connections.insert(fd)
            lock.unlock()
            let t = Thread { [self] in self.serve(fd) }
            t.name = "captiond-control-\(fd)"
            t.start()
        }
        close(listener)
        lock.lock(); acceptDone = true; lock.broadcast(); lock.unlock()
    }

    private func serve(_ fd: Int32) {
        var splitter = LineSplitter(limit: lineLimit)
        connection: while true {
            guard let bytes = try? UnixSocket.receive(fd: fd), !bytes.isEmpty else { break }
            for item in splitter.feed(bytes) {
                let reply: ControlReply
                switch item {
                case .line(let line):
                    reply = self.reply(to: line)
                case .tooLong(let n):
                    reply = .failure(ControlFailure(code: .lineTooLong,
                        message: "request line of \(n)+ bytes exceeds the \(lineLimit)-byte limit; the rest of that line is ignored"))
                }
                do { try UnixSocket.sendAll(fd: fd, reply.encoded()) } catch { break connection }
            }
        }
        close(fd)
        lock.lock(); connections.remove(fd); lock.broadcast(); lock.unlock()
    }
}
