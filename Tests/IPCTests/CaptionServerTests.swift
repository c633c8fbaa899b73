import XCTest
import CaptionCore
@testable import IPC

final class CaptionServerTests: XCTestCase {
    /// Waits on the server's own signal (the subscriber count changing), bounded.
    private func waitForSubscribers(_ server: CaptionServer, _ what: String, timeout: Double = 60, _ cond: (Int) -> Bool) {
        if !server.waitForSubscribers(timeout: timeout, until: cond) {
            XCTFail("timed out waiting for \(what) (\(server.subscriberCount) subscribers)")
        }
    }

    /// 49 subscribers read everything; one never reads. The producer is never blocked, the readers
    /// get every event in order, and the stalled one ends with an `error` line and is disconnected.
    func testFiftySubscribersWithOneThatNeverReads() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("c.sock")
        let listener = try UnixSocket.listen(path: path, mode: 0o600, group: "")
        let capacity = 128
        // The drain timeout outlasts the whole test even under ThreadSanitizer (~130 s), so the stalled
        // subscriber's error line is still waiting for it when it finally reads.
        let server = CaptionServer(listener: listener, options: .init(queueCapacity: capacity, drainTimeout: 600)) {
            .hello(CaptionHello(model: "test", language: "en", task: "transcribe"))
        }
        server.start()

        let readers = 49, events = 3000
        let padding = String(repeating: "word ", count: 200) // ~1 KB lines: the stalled socket fills fast
        let lock = NSCondition()   // readers signal it after each event; the producer waits on it
        var received = [Int](repeating: 0, count: readers)
        var problems: [String] = []
        let done = DispatchGroup()
        let slow = try CaptionSubscription(path: path)
        var clients: [CaptionSubscription] = []
        for _ in 0..<readers { clients.append(try CaptionSubscription(path: path)) }
        waitForSubscribers(server, "50 subscribers") { $0 == 50 }

        for (i, client) in clients.enumerated() {
            done.enter()
            let t = Thread {
                defer { done.leave() }
                do {
                    guard case .hello? = try client.next() else { throw IPCError.malformed(what: "first line", reason: "not hello") }
                    var expected = 0
                    while let e = try client.next() {
                        guard case .partial(let p) = e, p.seq == expected else {
                            throw IPCError.malformed(what: "event", reason: "expected partial seq \(expected), got \(e)")
                        }
                        expected += 1
                        lock.lock(); received[i] = expected; lock.broadcast(); lock.unlock()
                    }
                } catch {
                    lock.lock(); problems.append("reader \(i): \(error)"); lock.broadcast(); lock.unlock()
                }
            }
            t.start()
        }

        /// Waits (on the readers' signal, bounded) until `cond` holds for the counts or a reader failed.
        func waitForReaders(_ what: String, timeout: Double = 60, _ cond: ([Int]) -> Bool) {
            let deadline = Date(timeIntervalSinceNow: timeout)
            lock.lock(); defer { lock.unlock() }
            while !cond(received) && problems.isEmpty {
                if !lock.wait(until: deadline) {
                    if !cond(received) && problems.isEmpty { XCTFail("timed out waiting for \(what)") }
                    return
                }
            }
        }
        for seq in 0..<events {
            // Test-side flow control keeps the readers near the producer on a loaded machine;
            // the server itself never waits (publish only appends to queues).
            waitForReaders("readers to approach seq \(seq)") { $0.min()! >= seq - capacity / 2 }
            server.publish(.partial(CaptionPartial(utterance: 1, seq: seq, text: padding, stable: "", start: 0, end: 1)))
        }
        waitForReaders("all readers to get every event") { $0.allSatisfy { $0 == events } }
        XCTAssertEqual(problems, [])
        XCTAssertEqual(server.laggedCount, 1)

        // The stalled subscriber now reads: a prefix of the events, then the error line, then EOF.
        try slow.setTimeout(30)
        guard case .hello? = try slow.next() else { return XCTFail("slow subscriber did not get hello first") }
        var seen = 0
        var last: CaptionEvent?
        while let e = try slow.next() {
            if case .partial(let p) = e { XCTAssertEqual(p.seq, seen); seen += 1 }
            last = e
        }
        XCTAssertLessThan(seen, events)
        guard case .error(let err)? = last else { return XCTFail("last line was \(String(describing: last)), not error") }
        XCTAssertEqual(err.code, "lagging")
        waitForSubscribers(server, "the lagging subscriber to be removed") { $0 == readers }

        server.stop()
        done.wait()
        XCTAssertEqual(server.subscriberCount, 0)
    }

    func testHelloFirstAndDisconnectedSubscribersAreForgotten() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("c.sock")
        let server = CaptionServer(listener: try UnixSocket.listen(path: path, mode: 0o660, group: "")) {
            .hello(CaptionHello(model: "m", language: "zh", task: "translate"))
        }
        server.start()
        var a: CaptionSubscription? = try CaptionSubscription(path: path)
        XCTAssertEqual(try a?.next(), .hello(CaptionHello(model: "m", language: "zh", task: "translate")))
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o660)
        a = nil
        waitForSubscribers(server, "the closed subscriber to be removed") { $0 == 0 }
        server.stop()
        XCTAssertThrowsError(try CaptionSubscription(path: path)) { XCTAssertTrue("\($0)".contains("not running")) }
    }

    func testListenRefusesUnknownGroupAndLongPath() throws {
        let dir = try TempSocketDir()
        XCTAssertThrowsError(try UnixSocket.listen(path: dir.socket("g.sock"), mode: 0o660, group: "no-such-group-xyz")) {
            XCTAssertEqual($0 as? IPCError, .unknownGroup(name: "no-such-group-xyz"))
        }
        let long = "/tmp/" + String(repeating: "x", count: 200)
        XCTAssertThrowsError(try UnixSocket.listen(path: long, mode: 0o660, group: "")) {
            guard case .pathTooLong? = $0 as? IPCError else { return XCTFail("\($0)") }
        }
    }
}
