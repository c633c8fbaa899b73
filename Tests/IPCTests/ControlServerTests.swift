import XCTest
@testable import IPC

final class ControlServerTests: XCTestCase {
    func testMalformedInputGetsErrorRepliesAndTheConnectionStaysUsable() throws {
        let dir = try TempSocketDir()
        let path = dir.socket("ctl.sock")
        let lock = NSLock()
        var paused = false
        let server = ControlServer(listener: try UnixSocket.listen(path: path, mode: 0o600, group: "")) { req in
            lock.lock(); defer { lock.unlock() }
            switch req {
            case .pause: paused = true; return .success("pause")
            case .status:
                return .success("status", status: StatusReport(state: paused ? "paused" : "running", model: "m", language: "en",
                    task: "transcribe", rtf: 0.1, audioSamples: 1, audioDropped: 0, videoFrames: 0, videoDropped: 0, subscribers: 0, uptimeS: 1))
            default: return .failure(ControlFailure(code: .failed, message: "not in this test"), cmd: req.command)
            }
        }
        server.start()
        let client = try ControlClient(path: path)

        XCTAssertEqual(try client.exchange(raw: Data("hello there\n".utf8)).error?.code, .badJSON)
        XCTAssertEqual(try client.exchange(raw: Data([0x7B, 0xFF, 0xFE, 0x7D, 0x0A])).error?.code, .invalidUTF8)
        XCTAssertEqual(try client.exchange(raw: Data("{\"cmd\":\"launch\"}\n".utf8)).error?.code, .unknownCommand)
        // 100 KiB in one line, newline included, then the same without a newline until later.
        let big = Data(repeating: 0x61, count: 100 * 1024)
        XCTAssertEqual(try client.exchange(raw: big + Data([0x0A])).error?.code, .lineTooLong)
        XCTAssertEqual(try client.exchange(raw: big).error?.code, .lineTooLong)
        try UnixSocket.sendAll(fd: try fd(of: client), Data("still the long line\n".utf8))  // its tail is ignored
        XCTAssertEqual(try client.send(.pause), .success("pause"))
        let reply = try client.send(.status)
        XCTAssertTrue(reply.ok)
        XCTAssertEqual(reply.status?.state, "paused")

        // Two requests in one write get two replies, in order.
        XCTAssertEqual(try client.exchange(raw: Data("{\"cmd\":\"status\"}\n{\"cmd\":\"nope\"}\n".utf8)).ok, true)
        XCTAssertEqual(try client.readReply().error?.code, .unknownCommand)

        // A second client is served while the first stays connected.
        XCTAssertTrue(try ControlClient(path: path).send(.status).ok)
        server.stop()
    }

    func testStatusReplyCarriesEveryDocumentedKey() throws {
        let report = StatusReport(state: "running", model: "tiny.en", language: "en", task: "transcribe", rtf: 0.2,
                                  audioSamples: 16000, audioDropped: 0, videoFrames: 30, videoDropped: 1, subscribers: 2, uptimeS: 3.5,
                                  lag: 0.4, maxLag: 1.2, warning: "model base cannot keep up")
        let data = ControlReply.success("status", status: report).encoded()
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let status = obj?["status"] as? [String: Any]
        XCTAssertEqual(Set(status?.keys.map { $0 } ?? []), ["state", "model", "language", "task", "rtf", "audio_samples",
            "audio_dropped", "video_frames", "video_dropped", "subscribers", "uptime_s", "lag", "lag_max", "warning"])
        XCTAssertEqual(try ControlReply.decode(Array(data.dropLast())).status, report)
    }

    private func fd(of client: ControlClient) throws -> Int32 {
        guard let fd = Mirror(reflecting: client).children.first(where: { $0.label == "fd" })?.value as? Int32 else {
            throw IPCError.malformed(what: "client", reason: "no fd")
        }
        return fd
    }
}
