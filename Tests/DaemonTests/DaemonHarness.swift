import XCTest
import CaptionCore
import IPC
@testable import Daemon

/// Runs a daemon on its own thread and collects its exit code.
final class RunningDaemon {
    let daemon: Daemon
    private let done = DispatchSemaphore(value: 0)
    private(set) var exitCode: Int32?

    init(_ daemon: Daemon) {
        self.daemon = daemon
        let t = Thread { [self] in
            self.exitCode = daemon.run()
            self.done.signal()
        }
        t.start()
    }

    /// Waits (generously) for run() to return; nil if it did not.
    func wait(timeout: Double = 60) -> Int32? {
        if finished { return exitCode }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        finished = true
        return exitCode
    }
    private var finished = false
}

/// An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifyListener {
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system(function: "socket", target: path, errno: errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw DaemonError.system(function: "bind", target: path, errno: errno) }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
    deinit { close(fd) }

    /// The next datagram, or nil after the 1-s receive timeout.
    func next() -> String? {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
        return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
    }

    /// Reads datagrams until one satisfies `match`, returning everything read on the way.
    func until(timeout: Double = 60, _ match: (String) -> Bool) -> [String] {
        var seen: [String] = []
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let m = next() { seen.append(m); if match(m) { return seen } }
        }
        XCTFail("notify message not received; got \(seen)")
        return seen
    }
}

extension XCTestCase {
    func waitFor(_ what: String, timeout: Double = 60, _ cond: () throws -> Bool) rethrows {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while try !cond() {
            if Date() > deadline { XCTFail("timed out waiting for \(what)"); return }
            usleep(5000)
        }
    }

    /// Reads events until one satisfies `match`; fails on end of stream, or when `limit` seconds
    /// pass without one (status events keep arriving, so the socket's own timeout never fires).
    @discardableResult
    func readUntil(_ sub: CaptionSubscription, _ what: String, limit: Double = 180,
                   _ match: (CaptionEvent) -> Bool) throws -> [CaptionEvent] {
        var seen: [CaptionEvent] = []
        let deadline = Date(timeIntervalSinceNow: limit)
        while let e = try sub.next() {
            seen.append(e)
            if match(e) { return seen }
            if Date() > deadline {
                XCTFail("no \(what) within \(Int(limit)) s; got \(seen.suffix(5))")
                return seen
            }
        }
        XCTFail("stream ended before \(what); got \(seen.suffix(5))")
        return seen
    }
}
