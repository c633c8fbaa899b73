import Foundation
import CaptionCore
#if canImport(Glibc)
import Glibc
#endif

/// A connection to the control socket: send a request, read its one-line reply.
public final class ControlClient {
    public let path: String
    private let fd: Int32
    private var splitter = LineSplitter(limit: 1 << 20)
    private var pending: [LineSplitter.Item] = []

    /// Connects; throws `IPCError.daemonNotRunning` when nothing listens on `path`.
    public init(path: String, timeout: Double = 30) throws {
        self.path = path
        fd = try UnixSocket.connect(path: path)
        try UnixSocket.setReceiveTimeout(fd: fd, seconds: timeout)
    }

    deinit { close(fd) }

    /// Sends raw bytes (tests use this for malformed input) and reads one reply line.
    public func exchange(raw: Data) throws -> ControlReply {
        try UnixSocket.sendAll(fd: fd, raw)
        return try readReply()
    }

    public func send(_ request: ControlRequest) throws -> ControlReply {
        try exchange(raw: request.encoded())
    }

    public func readReply() throws -> ControlReply {
        while pending.isEmpty {
            let bytes = try UnixSocket.receive(fd: fd)
            if bytes.isEmpty { throw IPCError.connectionClosed(path: path) }
            pending = splitter.feed(bytes)
        }
        let item = pending.removeFirst()
        guard case .line(let line) = item else {
            throw IPCError.malformed(what: "control reply", reason: "longer than 1 MiB")
        }
        return try ControlReply.decode(line)
    }
}

/// A subscription to the caption socket, yielding decoded events line by line.
public final class CaptionSubscription {
    public let path: String
    private let fd: Int32
    private var splitter = LineSplitter(limit: 1 << 20)
    private var pending: [LineSplitter.Item] = []

    public init(path: String) throws {
        self.path = path
        fd = try UnixSocket.connect(path: path)
    }

    deinit { close(fd) }

    /// Sets a receive timeout (`nextLine` then throws EAGAIN as `IPCError.system`).
    public func setTimeout(_ seconds: Double) throws { try UnixSocket.setReceiveTimeout(fd: fd, seconds: seconds) }

    /// Reads the first line and checks it is the caption server's `hello`; returns that raw line.
    /// The caption server sends it at once, so silence for `timeout` seconds (the control socket
    /// waits for a request) or a control-style reply means `path` is not a caption socket.
    public func awaitHello(timeout: Double = 2) throws -> [UInt8] {
        try setTimeout(timeout)
        let line: [UInt8]?
        do { line = try nextLine() } catch IPCError.system(_, _, let code) where code == EAGAIN || code == EWOULDBLOCK {
            throw IPCError.notCaptionSocket(path: path, reason: "no hello line within \(timeout) s (a control socket waits silently for requests)")
        }
        try setTimeout(0)
        guard let line else {
            throw IPCError.notCaptionSocket(path: path, reason: "the server closed the connection without sending hello")
        }
        if case .hello? = try? WireCodec.decode(Data(line)) { return line }
        if (try? ControlReply.decode(line)) != nil {
            throw IPCError.notCaptionSocket(path: path, reason: "it answered with a control reply")
        }
        if case .error(let e)? = try? WireCodec.decode(Data(line)) {
            throw IPCError.malformed(what: "subscription", reason: "the daemon refused it: \(e.code): \(e.message)")
        }
        throw IPCError.notCaptionSocket(path: path, reason: "its first line is not a hello: \(String(decoding: line.prefix(80), as: UTF8.self))")
    }

    /// The next raw line (without "\n"), or nil when the server closed the connection.
    public func nextLine() throws -> [UInt8]? {
        while pending.isEmpty {
            let bytes = try UnixSocket.receive(fd: fd)
            if bytes.isEmpty { return nil }
            pending = splitter.feed(bytes)
        }
        switch pending.removeFirst() {
        case .line(let line): return line
        case .tooLong(let n): throw IPCError.malformed(what: "caption line", reason: "\(n) bytes exceeds 1 MiB")
        }
    }

    /// The next event, or nil at end of stream.
    public func next() throws -> CaptionEvent? {
        guard let line = try nextLine() else { return nil }
        return try WireCodec.decode(Data(line))
    }
}
