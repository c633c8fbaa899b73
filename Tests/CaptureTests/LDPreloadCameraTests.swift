import XCTest
import Foundation
import TestSupport

/// End to end: the unmodified capture code (the capture-bench executable) against a fake
/// /dev/video0 injected with LD_PRELOAD; frames come from a memfd through the program's own mmap
/// and poll.
final class LDPreloadCameraTests: XCTestCase {
    func testCaptureBenchReadsThirtyFramesFromThePreloadedCamera() throws {
        let bench = TestPaths.productsDir.appendingPathComponent("capture-bench")
        guard FileManager.default.isExecutableFile(atPath: bench.path) else {
            throw RequiredFixtures.missing("capture-bench not built at \(bench.path); run `swift build` first")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") else { throw RequiredFixtures.missing("no C compiler at /usr/bin/cc") }
        let source = TestPaths.fixtures.appendingPathComponent("fakev4l2/fakev4l2.c").path
        let library = NSTemporaryDirectory() + "fakev4l2-\(getpid()).so"
        defer { unlink(library) }
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        cc.arguments = ["-shared", "-fPIC", "-O2", "-o", library, source, "-ldl"]
        try cc.run()
        cc.waitUntilExit()
        XCTAssertEqual(cc.terminationStatus, 0, "compiling \(source) failed")

        let run = Process()
        run.executableURL = bench
        run.arguments = ["--no-audio", "--frames", "30", "--print-frames"]
        var env = ProcessInfo.processInfo.environment
        env["LD_PRELOAD"] = library
        env["FAKEV4L2_FPS"] = "60"
        run.environment = env
        let out = Pipe(), err = Pipe()
        run.standardOutput = out
        run.standardError = err
        try run.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        XCTAssertEqual(run.terminationStatus, 0, errText)

        let frames = text.split(separator: "\n").filter { $0.hasPrefix("frame ") }
        XCTAssertEqual(frames.count, 30, text + errText)
        var lastTime = 0.0
        for (n, line) in frames.enumerated() {
            let fields = Dictionary(uniqueKeysWithValues: line.split(separator: " ").dropFirst().compactMap { f -> (String, String)? in
                let kv = f.split(separator: "=", maxSplits: 1)
                return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
            })
            XCTAssertEqual(fields["seq"], "\(n)", String(line))
            XCTAssertEqual(fields["size"], "640x480")
            XCTAssertEqual(fields["pixel0"], "\(n & 255)", "luma of pixel 0 encodes the sequence")
            XCTAssertEqual(fields["pixel1"], "1", "YUYV converted to luma, not chroma")
            let t = Double(fields["t"] ?? "") ?? 0
            XCTAssertGreaterThan(t, lastTime)
            lastTime = t
        }
        XCTAssertTrue(text.contains("0 skipped, 0 gaps, 0 dropped"), text)
    }
}
