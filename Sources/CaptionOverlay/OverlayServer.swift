import CaptionCore
import Foundation
import Glibc
import Hummingbird
import Logging

/// `captionctl overlay`: the caption page and its event stream over HTTP, bridging the daemon's
/// caption socket. GET / is the page (OverlayPage, self-contained), GET /events the server-sent
/// events (OverlayMessage JSON, one per `data:` line). Runs as the user, outside the daemon.
public struct OverlayServer {
    public var host: String
    public var port: Int
    public var socketPath: String
    public var allowRemote: Bool
    /// Seconds between keep-alive comments on each event stream (a closed browser is noticed).
    public var keepAlive: Double = 15

    public init(host: String, port: Int, socketPath: String, allowRemote: Bool) {
        self.host = host; self.port = port; self.socketPath = socketPath; self.allowRemote = allowRemote
    }

    /// True for 127.0.0.0/8, ::1 and localhost.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    /// Checks the options and that the port is free (binding it once, then closing it), so a
    /// taken port is a clear message instead of a NIO error.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw OverlayError.badPort(port) }
        guard allowRemote || Self.isLoopback(host) else { throw OverlayError.notLoopback(host: host) }
        try Self.probe(host: host == "localhost" ? "127.0.0.1" : host, port: port)
    }

    static func probe(host: String, port: Int) throws {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw OverlayError.cannotListen(host: host, port: port, reason: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var result: Int32
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6); a.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), &a.sin6_addr) == 1 else {
                throw OverlayError.cannotListen(host: host, port: port, reason: "not an IP address")
            }
            result = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET); a.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &a.sin_addr) == 1 else {
                throw OverlayError.cannotListen(host: host, port: port, reason: "not an IPv4 or IPv6 address")
            }
            result = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        if result != 0 {
            let code = errno
            if code == EADDRINUSE { throw OverlayError.portInUse(host: host, port: port) }
            throw OverlayError.cannotListen(host: host, port: port, reason: "bind: \(String(cString: strerror(code)))")
        }
    }

    /// Validates, connects the bridge (a wrong --socket fails here; a missing daemon is waited
    /// for), then serves until the process ends. `listening` gets the bound port (the real one
    /// for --port 0). `log` gets one plain line per event worth telling.
    public func run(log: @escaping @Sendable (String) -> Void, listening: @escaping @Sendable (Int) -> Void) async throws {
        try validate()
        let hub = CaptionHub()
        let bridge = CaptionBridge(socketPath: socketPath, hub: hub, log: log)
        let first = try bridge.firstAttempt()
        let thread = Thread { bridge.run(first: first) }
        thread.name = "caption-bridge"
        thread.start()

        let router = Router()
        router.get("/") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OverlayPage.html(state: hub.state()))))
        }
        router.get("/events") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-store"
            let stream = hub.subscribe()
            return Response(status: .ok, headers: headers, body: .init { writer in
                // The browser's EventSource reconnects 1 s after the stream breaks.
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                for await line in stream {
                    try await writer.write(ByteBuffer(string: line.hasPrefix(":") ? "\(line)\n\n" : "data: \(line)\n\n"))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/health") { _, _ -> String in
            let s = hub.state()
            return "{\"connected\":\(s.connected ?? false),\"pages\":\(hub.pageCount)}\n"
        }

        var logger = Logger(label: "captionctl-overlay")
        logger.logLevel = .error
        let bindHost = host == "localhost" ? "127.0.0.1" : host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(bindHost, port: port), serverName: nil),
            onServerRunning: { channel in listening(channel.localAddress?.port ?? port) },
            logger: logger
        )
        let keepAlive = self.keepAlive
        let pinger = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(keepAlive * 1e9))
                hub.broadcast(": keep-alive")
            }
        }
        defer { pinger.cancel() }
        do { try await app.run() } catch {
            let text = "\(error)"
            if text.contains("Address already in use") { throw OverlayError.portInUse(host: host, port: port) }
            throw OverlayError.cannotListen(host: host, port: port, reason: text)
        }
    }
}
