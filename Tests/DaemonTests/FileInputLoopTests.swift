import XCTest
import Foundation
import CaptionCore
@testable import Daemon

/// `audio.loop` (used by `make soak`): the file input starts again at end of input, with sample
/// numbers and capture times that keep rising; a FIFO cannot loop and is refused at start.
final class FileInputLoopTests: XCTestCase {
    /// Pace "fast": each pass follows the last one's end exactly, however long the consumer takes
    /// (here 0.25 s of wall clock per 0.1-s pass), so what the captioner hears does not depend on
    /// the machine's speed (before: a slow machine put its delay between passes as a gap).
    func testLoopingAudioFileRepeatsWithRisingSampleNumbers() throws {
        let box = try DaemonSandbox()
        let raw = box.dir + "/ramp.raw"
        // 0.1 s (1,600 samples = 5 chunks of 20 ms) of a ramp, so each pass is recognisable.
        let samples = (0..<1_600).map { Float($0 % 100) / 200 }
        try LiveFixtures.s16le(samples).write(to: URL(fileURLWithPath: raw))
        var config = DaemonConfig.Audio()
        config.source = .file; config.file = raw; config.pace = .fast; config.loop = true
        let input = FileAudioInput(config: config)
        try input.start()
        var chunks: [AudioChunk] = []
        var reads = 0
        while chunks.count < 16, reads < 100 {
            reads += 1
            switch try input.read(timeout: 0.1) {
            case .item(let c):
                chunks.append(c)
                if chunks.count % 5 == 0 { usleep(250_000) }   // a consumer slower than real time
            case .timeout: continue
            case .end: XCTFail("a looping input ended after \(chunks.count) chunks"); return
            }
        }
        XCTAssertEqual(chunks.count, 16)
        XCTAssertEqual(input.passes, 3, "16 chunks of a 5-chunk file start the fourth pass")
        for (i, c) in chunks.enumerated() {
            XCTAssertEqual(c.firstSampleIndex, UInt64(i * 320), "chunk \(i): sample numbers continue across passes")
            XCTAssertEqual(c.samples, chunks[i % 5].samples, "chunk \(i) repeats chunk \(i % 5)")
            if i > 0 {
                XCTAssertEqual(c.startTime, chunks[i - 1].endTime, accuracy: 1e-6,
                               "chunk \(i): capture times continue across passes, with no gap and no overlap")
            }
        }
        XCTAssertEqual(input.counters.captured, 16 * 320)
        input.stop()
    }

    func testWithoutLoopTheInputEnds() throws {
        let box = try DaemonSandbox()
        let raw = box.dir + "/short.raw"
        try LiveFixtures.s16le([Float](repeating: 0.1, count: 640)).write(to: URL(fileURLWithPath: raw))
        var config = DaemonConfig.Audio()
        config.source = .file; config.file = raw; config.pace = .fast
        let input = FileAudioInput(config: config)
        try input.start()
        var items = 0
        loop: for _ in 0..<10 {
            switch try input.read(timeout: 0.1) {
            case .item: items += 1
            case .timeout: continue
            case .end: break loop
            }
        }
        XCTAssertEqual(items, 2)
        XCTAssertEqual(input.passes, 0)
    }

    func testLoopingAFIFOIsRefusedWithTheKey() throws {
        let box = try DaemonSandbox()
        let fifo = box.dir + "/audio.fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        var config = DaemonConfig.Audio()
        config.source = .file; config.file = fifo; config.loop = true
        XCTAssertThrowsError(try FileAudioInput(config: config).start()) { error in
            XCTAssertTrue("\(error)".contains("audio.loop"), "\(error)")
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }

    func testLoopKeysParse() throws {
        let c = try ConfigLoader.parse("[audio]\nsource = \"file\"\nfile = \"/x.wav\"\nloop = true\n[video]\nloop = true\n")
        XCTAssertTrue(c.audio.loop)
        XCTAssertTrue(c.video.loop)
        XCTAssertFalse(try ConfigLoader.parse("").audio.loop)
        XCTAssertThrowsError(try ConfigLoader.parse("[audio]\nloop = 1\n"))
    }
}
