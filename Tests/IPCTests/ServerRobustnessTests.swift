import XCTest
import CaptionCore
@testable import IPC
#if canImport(Glibc)
import Glibc
#endif

/// Faults found by trying to break the servers: a second daemon stealing live sockets, no
/// connection limit, accept spinning on EMFILE, a thread per connection, a half-closed request
/// without its newline, and `subscribe` pointed at the control socket.
final class ServerRobustnessTests: XCTestCase {
    /// Waits on the server's own signal (the subscriber count changing), bounded.
    private func waitForSubscribers(_ server: CaptionServer, _ what: String, timeout: Double = 30, _ cond: (Int) -> Bool) {
        if !server.waitForSubscribers(timeout: timeout, until: cond) {
            XCTFail("timed out waiting for \(what) (\(server.subscriberCount) subscribers)")
        }
    }

    private func helloServer(_ path: String, options: CaptionServer.Options = .init()) throws -> CaptionServer {
        let server = CaptionServer(listener: try UnixSocket.listen(path: path, mode: 0o600, group: ""), options: options) {
            .hello(CaptionHello(model: "first", language: "en", task: "transcribe"))
        }
        server.start()
        return server
    }

    /// All lines a raw connection receives until the server closes it.
    private func readToEnd(_ fd: Int32, timeout: Double = 20) throws -> [String] {
        try UnixSocket.setReceiveTimeout(fd: fd, seconds: timeout)
        var data: [UInt8] = []
        while true {
            let chunk = try UnixSocket.receive(fd: fd)
            if chunk.isEmpty { break }
            data += chunk
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    // Fault 5: a second server must not unlink a socket another process still serves.
    func testSecondServerRefusesALiveSocketAndReplacesOnlyAStaleOne() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("c.sock")
        let first = try helloServer(path)
        XCTAssertThrowsError(try UnixSocket.listen(path: path, mode: 0o600, group: "")) { error in
            XCTAssertEqual(error as? IPCError, .socketInUse(path: path))
            XCTAssertTrue("\(error)".contains("another captiond"), "\(error)")
        }
        // The first server still owns the path and serves new subscribers.
        let sub = try CaptionSubscription(path: path)
        try sub.setTimeout(20)
        XCTAssertEqual(try sub.next(), .hello(CaptionHello(model: "first", language: "en", task: "transcribe")))
        first.stop()

        // A socket file nobody listens on (a crashed daemon's) is replaced.
        let stale = dir.socket("stale.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = try UnixSocket.address(stale)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        XCTAssertEqual(rc, 0)
        close(fd)
        let replaced = try UnixSocket.listen(path: stale, mode: 0o600, group: "")
        close(replaced)
    }

    // Fault 6: connections beyond the limit get one clear error line and are closed.
    func testSubscribersBeyondTheLimitGetAnErrorLineAndAreClosed() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("c.sock")
        var logged: [String] = []
        let logLock = NSLock()
        let server = try helloServer(path, options: .init(maxSubscribers: 3, log: { m in logLock.lock(); logged.append(m); logLock.unlock() }))
        var kept: [CaptionSubscription] = []
        for _ in 0..<3 {
            let s = try CaptionSubscription(path: path)
            try s.setTimeout(20)
            guard case .hello? = try s.next() else { return XCTFail("no hello") }
            kept.append(s)
        }
        XCTAssertEqual(server.subscriberCount, 3)
        for _ in 0..<2 {
            let s = try CaptionSubscription(path: path)
            try s.setTimeout(20)
            guard case .error(let e)? = try s.next() else { return XCTFail("the excess subscriber got no error line") }
            XCTAssertEqual(e.code, "too_many_subscribers")
            XCTAssertTrue(e.message.contains("max_subscribers"), e.message)
            XCTAssertNil(try s.next(), "the connection must close after the error line")
        }
        XCTAssertEqual(server.subscriberCount, 3)
        logLock.lock(); XCTAssertEqual(logged.filter { $0.contains("refusing subscribers") }.count, 1, "\(logged)"); logLock.unlock()
        kept.removeAll()
        waitForSubscribers(server, "the subscribers to go") { $0 == 0 }
        let again = try CaptionSubscription(path: path)
        try again.setTimeout(20)
        guard case .hello? = try again.next() else { return XCTFail("a subscriber under the limit was refused") }
        server.stop()
    }

    func testControlConnectionsBeyondTheLimitGetAnErrorReply() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("ctl.sock")
        let server = ControlServer(listener: try UnixSocket.listen(path: path, mode: 0o600, group: ""), maxConnections: 2,
                                   log: { _ in }) { _ in .success("status") }
        server.start()
        let a = try ControlClient(path: path, timeout: 20), b = try ControlClient(path: path, timeout: 20)
        XCTAssertTrue(try a.send(.status).ok)
        XCTAssertTrue(try b.send(.status).ok)
        let c = try ControlClient(path: path, timeout: 20)
        let reply = try c.readReply()
        XCTAssertEqual(reply.error?.code, .tooManyConnections)
        XCTAssertTrue(reply.error?.message.contains("max_control_connections") ?? false)
        XCTAssertThrowsError(try c.readReply()) { XCTAssertEqual($0 as? IPCError, .connectionClosed(path: path)) }
        XCTAssertTrue(try a.send(.status).ok, "the connections within the limit keep working")
        server.stop()
    }

    // Fault 6: accept failing with EMFILE must not spin; it is logged once and retried after a back-off.
    func testAcceptOutOfDescriptorsBacksOffLogsOnceAndRecovers() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("c.sock")
        let logLock = NSLock()
        var logged: [String] = []
        let server = try helloServer(path, options: .init(acceptBackoff: 0.2, log: { m in logLock.lock(); logged.append(m); logLock.unlock() }))
        let loop = try XCTUnwrap(EventLoop.shared)
        let failing = DispatchSemaphore(value: 0)
        var failingSince = 0.0, elapsed = 0.0
        let attempts = DispatchSemaphore(value: 0)
        loop.execute {
            failingSince = MonotonicSeconds.now()
            server.acceptorForTests?.acceptCall = { _ in attempts.signal(); return (-1, EMFILE) }
            failing.signal()
        }
        failing.wait()
        let client = try CaptionSubscription(path: path)   // queued in the backlog; accept keeps failing
        // Observe a few failed accepts (the first at once, then one per back-off): each is an event.
        for k in 1...4 {
            XCTAssertEqual(attempts.wait(timeout: .now() + 30), .success, "failed accept attempt \(k) did not come within 30 s")
        }
        let failures = DispatchSemaphore(value: 0)
        var count = 0
        loop.execute {
            count = server.acceptorForTests?.resourceFailures ?? -1
            elapsed = MonotonicSeconds.now() - failingSince
            server.acceptorForTests?.acceptCall = SocketAcceptor.live
            failures.signal()
        }
        failures.wait()
        // A spinning loop makes a hundred thousand calls a second; a 0.2 s back-off at most one per 0.2 s.
        XCTAssertGreaterThanOrEqual(count, 1)
        XCTAssertLessThanOrEqual(Double(count), elapsed / 0.2 + 2, "accept was retried \(count) times in \(elapsed) s: the loop spins")
        try client.setTimeout(20)
        guard case .hello? = try client.next() else { return XCTFail("the queued client was not served after the back-off") }
        logLock.lock()
        XCTAssertEqual(logged.filter { $0.contains("accept failed") && $0.contains("Too many open files") }.count, 1, "\(logged)")
        XCTAssertEqual(logged.filter { $0.contains("accepting connections again") }.count, 1, "\(logged)")
        logLock.unlock()
        server.stop()
    }

    // Issue 10 item 5: idle subscribers cost no thread each.
    func testTwoHundredIdleSubscribersAddNoThreads() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("c.sock")
        let server = try helloServer(path)
        let warm = try CaptionSubscription(path: path)
        try warm.setTimeout(20)
        _ = try warm.next()
        let before = Self.threadCount()
        var subs: [CaptionSubscription] = []
        for _ in 0..<200 { subs.append(try CaptionSubscription(path: path)) }
        waitForSubscribers(server, "200 subscribers") { $0 == 201 }
        let after = Self.threadCount()
        XCTAssertLessThan(after - before, 20, "threads went from \(before) to \(after) for 200 subscribers")
        server.publish(.partial(CaptionPartial(utterance: 1, seq: 0, text: "x", stable: "", start: 0, end: 1)))
        for s in subs.prefix(3) {
            try s.setTimeout(20)
            guard case .hello? = try s.next(), case .partial? = try s.next() else { return XCTFail("idle subscriber missed a line") }
        }
        subs.removeAll()
        server.stop()
    }

    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    // Fault 14: a request without its newline, then shutdown(SHUT_WR), still gets its reply.
    func testRequestWithoutNewlineBeforeHalfCloseGetsItsReply() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("ctl.sock")
        let server = ControlServer(listener: try UnixSocket.listen(path: path, mode: 0o600, group: "")) { req in
            .success(req.command, message: "done")
        }
        server.start()
        let fd = try UnixSocket.connect(path: path)
        defer { close(fd) }
        try UnixSocket.sendAll(fd: fd, Data("{\"cmd\":\"status\"}\n{\"cmd\":\"pause\"}".utf8))
        XCTAssertEqual(shutdown(fd, Int32(SHUT_WR)), 0)
        let lines = try readToEnd(fd)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertEqual(try lines.map { try ControlReply.decode(Array($0.utf8)).cmd }, ["status", "pause"])
        server.stop()
    }

    // Fault 14: subscribing to the control socket fails fast instead of waiting forever.
    func testSubscribingToTheControlSocketFailsWithinSeconds() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("ctl.sock")
        let server = ControlServer(listener: try UnixSocket.listen(path: path, mode: 0o600, group: "")) { _ in .success("status") }
        server.start()
        let sub = try CaptionSubscription(path: path)
        let started = Date()
        XCTAssertThrowsError(try sub.awaitHello(timeout: 1)) { error in
            guard case .notCaptionSocket? = error as? IPCError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("control socket"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        server.stop()

        let cpath = dir.socket("c.sock")
        let captions = try helloServer(cpath)
        let good = try CaptionSubscription(path: cpath)
        let hello = try good.awaitHello(timeout: 20)
        XCTAssertEqual(try WireCodec.decode(Data(hello)), .hello(CaptionHello(model: "first", language: "en", task: "transcribe")))
        captions.stop()
    }
}
