import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Thin throwing wrappers over the POSIX calls the socket servers and clients use.
/// Each failure names the C function, its target and errno.
public enum UnixSocket {
    /// The longest path `sockaddr_un.sun_path` holds (excluding the NUL).
    public static let maxPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    static func address(_ path: String) throws -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathLength else { throw IPCError.pathTooLong(path: path, limit: maxPathLength) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return addr
    }

    enum ProbeResult: Equatable { case answers, refused, failed(Int32) }

    /// Whether a listener serves the socket file at `path`: `refused` (ECONNREFUSED/ENOENT) means a
    /// stale file left by a process that is gone.
    static func probe(path: String) -> ProbeResult {
        guard var addr = try? address(path) else { return .failed(ENAMETOOLONG) }
        // Non-blocking, so a listener with a full backlog (EAGAIN) counts as alive instead of blocking us.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failed(errno) }
        defer { close(fd) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc == 0 { return .answers }
        switch errno {
        case EAGAIN, EINPROGRESS: return .answers
        case ECONNREFUSED, ENOENT: return .refused
        case let code: return .failed(code)
        }
    }

    /// Raises the soft RLIMIT_NOFILE to at least `needed` descriptors (up to the hard limit) so the
    /// configured connection limits can be reached. Returns a note to log when it cannot.
    public static func raiseOpenFileLimit(atLeast needed: Int) -> String? {
        var lim = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return nil }
        let want = rlim_t(max(needed, 0))
        guard lim.rlim_cur < want else { return nil }
        let target = min(want, lim.rlim_max)
        var raised = lim
        raised.rlim_cur = target
        if target > lim.rlim_cur { _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) }
        guard target < want else { return nil }
        return "the open-file limit (\(target), hard limit \(lim.rlim_max)) is below the \(needed) descriptors the connection limits may need; raise LimitNOFILE= or lower sockets.max_subscribers"
    }

    /// Creates a listening stream socket at `path` (replacing a stale socket file), with the given
    /// file mode and, when `group` is non-empty, that group as owner. An existing socket file is
    /// probed first: when a process accepts on it (another captiond), this throws
    /// `IPCError.socketInUse` and leaves it alone; only a stale file is unlinked.
    public static func listen(path: String, mode: mode_t, group: String) throws -> Int32 {
        var addr = try address(path)
        var st = stat()
        if lstat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFSOCK else {
                throw IPCError.system(function: "bind", target: path + " (exists and is not a socket)", errno: EEXIST)
            }
            // Unlink only a stale socket: if something accepts a connection, another daemon serves it.
            switch probe(path: path) {
            case .answers:
                throw IPCError.socketInUse(path: path)
            case .refused:
                if unlink(path) != 0 { throw IPCError.system(function: "unlink", target: path, errno: errno) }
            case .failed(let code):
                throw IPCError.system(function: "connect", target: path + " (probing an existing socket file)", errno: code)
            }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IPCError.system(function: "socket", target: path, errno: errno) }
        do {
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else { throw IPCError.system(function: "bind", target: path, errno: errno) }
            guard chmod(path, mode) == 0 else { throw IPCError.system(function: "chmod", target: path, errno: errno) }
            if !group.isEmpty {
                guard let gr = getgrnam(group) else { throw IPCError.unknownGroup(name: group) }
                guard chown(path, uid_t.max, gr.pointee.gr_gid) == 0 else {
                    throw IPCError.system(function: "chown", target: "\(path), group \(group)", errno: errno)
                }
            }
            guard Glibc.listen(fd, 128) == 0 else { throw IPCError.system(function: "listen", target: path, errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Connects to the stream socket at `path`; a missing or refusing socket means no daemon.
    public static func connect(path: String) throws -> Int32 {
        var addr = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw IPCError.system(function: "socket", target: path, errno: errno) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let code = errno
            close(fd)
            if code == ENOENT || code == ECONNREFUSED {
                throw IPCError.daemonNotRunning(path: path, reason: String(cString: strerror(code)))
            }
            throw IPCError.system(function: "connect", target: path, errno: code)
        }
        return fd
    }

    /// Waits up to `timeoutMs` for a connection; nil on timeout or EINTR.
    public static func accept(listener: Int32, timeoutMs: Int32) throws -> Int32? {
        var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        let n = poll(&pfd, 1, timeoutMs)
        if n < 0 {
            if errno == EINTR { return nil }
            throw IPCError.system(function: "poll", target: "listener fd \(listener)", errno: errno)
        }
        if n == 0 { return nil }
        let fd = Glibc.accept(listener, nil, nil)
        if fd < 0 {
            let code = errno
            if code == EINTR || code == EAGAIN || code == ECONNABORTED { return nil }
            throw IPCError.system(function: "accept", target: "listener fd \(listener)", errno: code)
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    /// Writes all bytes, blocking; never raises SIGPIPE.
    public static func sendAll(fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            var off = 0
            while off < raw.count {
                let n = send(fd, base + off, raw.count - off, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IPCError.system(function: "send", target: "fd \(fd)", errno: errno)
                }
                off += n
            }
        }
    }

    /// Reads what is available (blocking until something is); empty on end of stream.
    public static func receive(fd: Int32, max: Int = 65536) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw IPCError.system(function: "recv", target: "fd \(fd)", errno: errno)
            }
            return Array(buf[0..<n])
        }
    }

    /// Sets a receive timeout so a blocking read returns EAGAIN after `seconds`.
    public static func setReceiveTimeout(fd: Int32, seconds: Double) throws {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw IPCError.system(function: "setsockopt(SO_RCVTIMEO)", target: "fd \(fd)", errno: errno)
        }
    }

    /// True when `fd` is a listening AF_UNIX stream socket (checked on socket-activated fds).
    public static func isListeningStream(fd: Int32) -> Bool {
        var type: Int32 = 0, listening: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 else { return false }
        len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 else { return false }
        return type == Int32(SOCK_STREAM.rawValue) && listening == 1
    }
}
