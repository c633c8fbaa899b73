import XCTest
import CaptionCore
import IPC
import TestSupport
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

    /// Waits (generously; `TestTime.scale` under a sanitizer) for run() to return; nil if it did not.
    func wait(timeout: Double = 60) -> Int32? {
        if finished { return exitCode }
        guard done.wait(timeout: .now() + TestTime.wait(timeout)) == .success else { return nil }
        finished = true
        return exitCode
    }
    private var finished = false
}

extension NotifyListener {
    /// Reads datagrams until one satisfies `match`, returning everything read on the way; fails
    /// the test after `timeout` seconds.
    func until(timeout: Double = 60, _ match: (String) -> Bool) -> [String] {
        do { return try until("a notify message", timeout: timeout, match) } catch {
            XCTFail("\(error)")
            return []
        }
    }
}

extension XCTestCase {
    /// Reads events until one satisfies `match`; fails on end of stream, or when `limit` seconds
    /// (times `TestTime.scale`) pass without one (status events keep arriving, so the socket's own
    /// timeout never fires).
    @discardableResult
    func readUntil(_ sub: CaptionSubscription, _ what: String, limit: Double = 180,
                   _ match: (CaptionEvent) -> Bool) throws -> [CaptionEvent] {
        var seen: [CaptionEvent] = []
        let limit = TestTime.wait(limit)
        let deadline = Date(timeIntervalSinceNow: limit)
        while let e = try sub.next() {
            seen.append(e)
            if match(e) { return seen }
            if Date() > deadline {
                XCTFail("no \(what) within \(Int(limit)) s; \(Self.summary(seen))")
                return seen
            }
        }
        XCTFail("stream ended before \(what); \(Self.summary(seen))")
        return seen
    }

    /// Every final's text read on the way (they say why none matched), then the last 5 events.
    static func summary(_ seen: [CaptionEvent]) -> String {
        let finals = seen.compactMap { e -> String? in
            if case .final(let f) = e { return "\(f.utterance): \"\(f.text)\"" }
            return nil
        }
        return "finals [\(finals.joined(separator: ", "))]; last events \(seen.suffix(5))"
    }
}
