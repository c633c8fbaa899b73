import Foundation
import Glibc

/// A bounded wait for an event ran out: names what was awaited and for how long.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public let what: String
    public let seconds: Double
    public init(_ what: String, _ seconds: Double) { self.what = what; self.seconds = seconds }
    public var description: String { "timed out after \(seconds) s waiting for \(what)" }
}

/// Waits for something to happen in a directory (a socket file bound, a child's log written) on
/// the kernel's inotify events instead of polling: `condition` is checked once at the start and
/// again after each batch of events for the directory (create, write, close, move, attribute,
/// delete), until it holds or the bound passes. Create the watch before starting the process
/// whose files it waits for, so no event is missed.
public final class DirectoryWatch {
    public let directory: String
    private let fd: Int32

    public init(_ directory: String) throws {
        self.directory = directory
        fd = inotify_init1(Int32(IN_CLOEXEC) | Int32(IN_NONBLOCK))
        guard fd >= 0 else { throw SystemCallFailed(function: "inotify_init1", target: directory, errno: errno) }
        let mask = UInt32(IN_CREATE) | UInt32(IN_MODIFY) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO)
            | UInt32(IN_ATTRIB) | UInt32(IN_DELETE)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            let code = errno
            close(fd)
            throw SystemCallFailed(function: "inotify_add_watch", target: directory, errno: code)
        }
    }
    deinit { close(fd) }

    /// Returns once `condition` holds; throws `WaitTimedOut` naming `what` after `timeout` seconds.
    public func wait(for what: String, timeout: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            if try condition() { return }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw WaitTimedOut(what, timeout) }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, Int32(min(left, 3600) * 1000) + 1)
            if n < 0 && errno != EINTR { throw SystemCallFailed(function: "poll", target: directory, errno: errno) }
            // Drain the batch; the condition is re-checked whatever the events were.
            while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
        }
    }

    /// Waits until `path` (in the watched directory) exists.
    public func waitForFile(_ path: String, _ what: String, timeout: Double) throws {
        try wait(for: what, timeout: timeout) { FileManager.default.fileExists(atPath: path) }
    }
}

/// A C call that failed, with the function, what it was called on, and errno.
public struct SystemCallFailed: Error, CustomStringConvertible {
    public let function: String
    public let target: String
    public let errno: Int32
    public var description: String { "\(function)(\(target)) failed: \(String(cString: strerror(errno))) (errno \(errno))" }
}

/// An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET: give its path to a child
/// as NOTIFY_SOCKET and wait for READY=1 (the daemon sends it once its sockets listen and its
/// pipeline runs) instead of retrying connects.
public final class NotifyListener {
    public let path: String
    public let fd: Int32

    public init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SystemCallFailed(function: "socket", target: path, errno: errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw SystemCallFailed(function: "bind", target: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { let code = errno; close(fd); throw SystemCallFailed(function: "bind", target: path, errno: code) }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    deinit { close(fd) }

    /// The next datagram (a blocking receive), or nil after the 1-s receive timeout.
    public func next() -> String? {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }

    /// Receives datagrams until one satisfies `match`, returning everything received on the way;
    /// throws `WaitTimedOut` naming `what` (and what arrived) after `timeout` seconds.
    @discardableResult
    public func until(_ what: String, timeout: Double = 60, _ match: (String) -> Bool) throws -> [String] {
        var seen: [String] = []
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let m = next() { seen.append(m); if match(m) { return seen } }
        }
        throw WaitTimedOut("\(what) (received \(seen))", timeout)
    }

    /// Waits for READY=1.
    public func waitForReady(_ what: String, timeout: Double = 120) throws {
        try until("READY=1 from \(what)", timeout: timeout) { $0.split(separator: "\n").contains("READY=1") }
    }
}
