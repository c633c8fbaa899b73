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
