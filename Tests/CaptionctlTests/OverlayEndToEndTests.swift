import XCTest
import CaptionCore
import Foundation
import Glibc
import IPC
import TestSupport

/// `captionctl overlay` in a real browser: the real captiond (tiny.en, release build) captions a
/// speech fixture; the built `captionctl overlay` bridges its caption socket to the page; headless
/// Chromium (Debian's `chromium`) shows the page for the whole run and logs every final it draws
/// (`?trace=1`: the text read back from the page's DOM and the browser's clock). Then a second
/// Chromium dumps the DOM and a third writes a screenshot. Checked: the page's last final line is
/// the daemon's last final (text and sequence number), live and on a fresh load. Measured (printed,
/// a benchmark, not asserted beyond a generous bound): the delay from the final reaching a direct
/// subscriber of the caption socket to the page drawing it.
final class OverlayEndToEndTests: ChildProcessTestCase {
    override var directoryPrefix: String { "cctl-overlay" }

    static let chromium = "/usr/bin/chromium"

    /// Headless Chromium's arguments (root needs --no-sandbox; no GPU on a server).
    func browserArgs(_ extra: [String]) -> [String] {
        ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
         "--user-data-dir=\(dir.appendingPathComponent("chromium-\(UUID().uuidString)").path)"] + extra
    }

    /// The finals a direct subscriber of the caption socket received, with the wall-clock time
    /// (ms) of receipt, read on a thread of its own.
    final class DirectSubscriber: @unchecked Sendable {
        struct Received { let seq: Int; let text: String; let ms: Double }
        private let lock = NSLock()
        private var items: [Received] = []
        var finals: [Received] { lock.withLock { items } }

        init(path: String) throws {
            let sub = try CaptionSubscription(path: path)
            _ = try sub.awaitHello(timeout: 5)
            Thread {
                while let event = try? sub.next() {
                    if case .final(let f) = event {
                        let text = f.text.trimmingCharacters(in: .whitespaces)
                        let ms = Date().timeIntervalSince1970 * 1000
                        if !text.isEmpty { self.lock.withLock { self.items.append(Received(seq: f.seq, text: text, ms: ms)) } }
                    }
                }
            }.start()
        }
    }

    /// The page's trace lines from Chromium's log: `captiond-overlay {"event":…,"seq":…,"text":…,"t":…}`.
    struct Drawn: Decodable { let event: String; let seq: Int; let text: String; let t: Double }

    func drawn(_ log: URL) -> [Drawn] {
        read(log).split(separator: "\n").compactMap { line in
            guard let start = line.range(of: "\"captiond-overlay ") else { return nil }
            // Chromium quotes the console message: "captiond-overlay {…}", source: …
            var body = String(line[start.upperBound...])
            guard let end = body.range(of: "\", source:", options: .backwards) else { return nil }
            body = String(body[..<end.lowerBound])
            // Chromium prints the message verbatim between its quotes.
            return try? JSONDecoder().decode(Drawn.self, from: Data(body.utf8))
        }
    }

    /// The last final line of a dumped page: (data-seq, text), HTML entities decoded.
    static func lastFinal(inDOM html: String) -> (seq: Int, text: String)? {
        let pattern = #"<div class="line final" data-seq="(-?\d+)">(?:<span class="speaker">[^<]*</span>)?<span class="text">([^<]*)</span></div>"#
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = html as NSString
        guard let m = re.matches(in: html, range: NSRange(location: 0, length: ns.length)).last,
              let seq = Int(ns.substring(with: m.range(at: 1))) else { return nil }
        var text = ns.substring(with: m.range(at: 2))
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", "\u{A0}"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: char)
        }
        return (seq, text)
    }

    func testPageShowsTheDaemonsLastFinalInHeadlessChromium() throws {
        let model = try TestPaths.requireModel("tiny.en")
        let chromium = try TestPaths.requireExecutable(Self.chromium, "install Debian's chromium (scripts/setup-deps does)")
        let captions = dir.appendingPathComponent("c.sock").path, control = dir.appendingPathComponent("ctl.sock").path
        let config = dir.appendingPathComponent("captiond.toml").path
        try """
        [audio]
        source = "file"
        file = "\(try speechWAV())"
        [model]
        name = "\(model.path)"
        [sockets]
        captions = "\(captions)"
        control = "\(control)"
        mode = "0600"
        group = ""
        """.write(toFile: config, atomically: true, encoding: .utf8)

        // The overlay first, before the daemon: it must wait for the socket, then connect.
        let overlayOut = dir.appendingPathComponent("overlay.out"), overlayErr = dir.appendingPathComponent("overlay.err")
        let overlay = try spawn("captionctl", ["overlay", "--port", "0", "--socket", captions], stdout: overlayOut, stderr: overlayErr)
        var url = ""
        try waitFor("the overlay to print its URL", timeout: 30) {
            XCTAssertTrue(overlay.isRunning, "captionctl overlay exited: \(read(overlayErr))")
            guard let m = read(overlayOut).range(of: #"http://127\.0\.0\.1:\d+/"#, options: .regularExpression) else { return false }
            url = String(read(overlayOut)[m])
            return true
        }
        XCTAssertTrue(read(overlayErr).contains("waiting for captiond"), read(overlayErr))

        let notify = try notifySocket("notify.sock")
        _ = try spawn("captiond", ["--config", config], stderr: dir.appendingPathComponent("captiond.log"),
                      environment: ["NOTIFY_SOCKET": notify.path])
        try notify.waitForReady("captiond")   // its sockets listen
        let watcher = try CaptionSubscription(path: captions)   // for the status events
        try watcher.setTimeout(60)
        let direct = try DirectSubscriber(path: captions)
        try waitFor("the overlay to reconnect", timeout: 30) { read(overlayErr).contains("connected to \(captions)") }

        // The page, live, for the whole run.
        let liveLog = dir.appendingPathComponent("chromium-live.log")
        _ = try spawn(chromium, browserArgs(["--enable-logging=stderr", "--v=0", url + "?trace=1&size=40"]), stderr: liveLog)
        // Two "state" draws: the embedded state, then the event stream's first message.
        try waitFor("the page to open its event stream", timeout: 60) { drawn(liveLog).filter { $0.event == "state" }.count >= 2 }

        // The daemon's status events (every 5 s) say when it reached the end of its input.
        var idle = false
        let idleBy = Date(timeIntervalSinceNow: 180)
        while !idle, Date() < idleBy, let e = try watcher.next() { if case .status(let s) = e { idle = s.state == "idle" } }
        guard idle else { throw WaitTimedOut("captiond to reach the end of its input", 180) }
        let finals = direct.finals
        guard let last = finals.last else { return XCTFail("the daemon emitted no final; log: \(read(dir.appendingPathComponent("captiond.log")))") }
        try waitFor("the page to draw the last final", timeout: 10) { drawn(liveLog).contains { $0.event == "final" && $0.seq == last.seq } }
        let pageFinals = drawn(liveLog).filter { $0.event == "final" }
        XCTAssertEqual(pageFinals.last?.seq, last.seq)
        XCTAssertEqual(pageFinals.last?.text, last.text, "the page's last final line is the daemon's last final")

        // Delay from the direct subscriber's receipt to the page's draw, per final that arrived
        // after the page's event stream opened (earlier ones came with the stream's first state).
        let streamOpened = drawn(liveLog).filter { $0.event == "state" }.dropFirst().first?.t ?? 0
        let live = finals.filter { $0.ms > streamOpened }
        var delays: [Double] = []
        for f in live { if let d = pageFinals.first(where: { $0.seq == f.seq }) { delays.append(d.t - f.ms) } }
        XCTAssertFalse(live.isEmpty, "no final after the page connected")
        XCTAssertEqual(delays.count, live.count, "the page drew every final: \(pageFinals.map(\.seq)) vs \(live.map(\.seq))")
        let sorted = delays.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        print("overlay-e2e: \(finals.count) finals; delay final -> page text ms: median \(String(format: "%.1f", median)), max \(String(format: "%.1f", sorted.last ?? 0)), all \(delays.map { String(format: "%.1f", $0) })")
        // A generous bound only (the issue's 1 s is reported by the print above and `make bench`).
        for d in delays { XCTAssertLessThan(d, 5000, "a final took \(d) ms to reach the page") }

        // A fresh load shows the same last final (embedded state), in the dumped DOM.
        let dom = try CommandRunner.run(chromium, browserArgs(["--dump-dom", url]))
        XCTAssertEqual(dom.status, 0, dom.stderr)
        let shown = Self.lastFinal(inDOM: dom.stdout)
        XCTAssertEqual(shown?.seq, last.seq, dom.stdout)
        XCTAssertEqual(shown?.text, last.text, dom.stdout)
        XCTAssertTrue(dom.stdout.contains("data-final-seq=\"\(last.seq)\""), dom.stdout)

        // A screenshot for a person to look at (kept under .build/overlay-e2e/).
        let shots = TestPaths.repoRoot.appendingPathComponent(".build/overlay-e2e")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        let png = shots.appendingPathComponent("overlay.png")
        try? FileManager.default.removeItem(at: png)
        let shot = try CommandRunner.run(chromium, browserArgs(["--screenshot=\(png.path)", "--window-size=1280,720",
                                                                "--default-background-color=3a3a3aff", url + "?size=48&position=bottom&lines=2"]))
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let bytes = (try? Data(contentsOf: png)) ?? Data()
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG at \(png.path)")
        print("overlay-e2e: screenshot \(png.path) (\(bytes.count) bytes); last final #\(last.seq): \(last.text)")
    }

    /// Bad input: a taken port and a non-loopback host are refused with what/where/how; a missing
    /// caption socket is waited for with a message, not a crash.
    func testBadInputGivesClearMessages() throws {
        // A port another program holds.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET); a.sin_port = 0; a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        XCTAssertEqual(withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }, 0)
        XCTAssertEqual(listen(fd, 1), 0)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: a.sin_port))
        let taken = try CommandRunner.run("captionctl", ["overlay", "--port", "\(port)", "--socket", dir.appendingPathComponent("none.sock").path])
        XCTAssertEqual(taken.status, 1, taken.stderr)
        XCTAssertFalse(taken.crashed)
        XCTAssertTrue(taken.stderr.contains("port \(port) on 127.0.0.1 is already in use"), taken.stderr)
        XCTAssertTrue(taken.stderr.contains("--port"), taken.stderr)

        let remote = try CommandRunner.run("captionctl", ["overlay", "--host", "0.0.0.0", "--port", "0"])
        XCTAssertEqual(remote.status, 1, remote.stderr)
        XCTAssertTrue(remote.stderr.contains("not a loopback address") && remote.stderr.contains("--allow-remote"), remote.stderr)

        let badPort = try CommandRunner.run("captionctl", ["overlay", "--port", "70000"])
        XCTAssertEqual(badPort.status, 1, badPort.stderr)
        XCTAssertTrue(badPort.stderr.contains("not a TCP port"), badPort.stderr)

        // No daemon: the overlay serves and says what it waits for.
        let missing = dir.appendingPathComponent("missing.sock").path
        let err = dir.appendingPathComponent("missing.err")
        let overlay = try spawn("captionctl", ["overlay", "--port", "0", "--socket", missing], stderr: err)
        try waitFor("the waiting message", timeout: 30) { read(err).contains("waiting for captiond") }
        XCTAssertTrue(read(err).contains(missing) && read(err).contains("no such socket"), read(err))
        XCTAssertTrue(overlay.isRunning, read(err))
    }

    func testDOMParserReadsTheLastFinalLine() {
        let html = #"<div id="captions" data-final-seq="7"><div class="line final" data-seq="6"><span class="text">a</span></div><div class="line final" data-seq="7"><span class="speaker">[#2]</span><span class="text">And so &amp; &lt;b&gt;</span></div><div class="line partial" data-seq="8"><span class="text">x</span></div></div>"#
        let last = Self.lastFinal(inDOM: html)
        XCTAssertEqual(last?.seq, 7)
        XCTAssertEqual(last?.text, "And so & <b>")
    }
}
