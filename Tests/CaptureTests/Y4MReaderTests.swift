import XCTest
import Foundation
import TestSupport
@testable import Capture

final class Y4MReaderTests: XCTestCase {
    private var tempFiles: [String] = []
    override func tearDown() { for f in tempFiles { unlink(f) } }

    private func fixture(_ name: String) -> String {
        TestPaths.fixtures.appendingPathComponent("capture/\(name)").path
    }

    private func temp(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "captiond-y4m-\(getpid())-\(tempFiles.count).y4m"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        tempFiles.append(path)
        return path
    }

    private func reader(_ text: String, payload: [UInt8] = []) throws -> Y4MReader {
        try Y4MReader(stream: ByteStream(path: try temp(Array(text.utf8) + payload)))
    }

    func testFfmpegStreamsMatchFfmpegLumaForEveryChromaLayout() throws {
        for (name, chroma) in [("yuv420p", Y4MReader.Chroma.c420), ("yuv422p", .c422), ("yuv444p", .c444), ("gray", .mono)] {
            let source = try VideoFileSource(path: fixture("testsrc-\(name).y4m"), pacing: .asFastAsPossible)
            XCTAssertEqual(source.reader.chroma, chroma)
            XCTAssertEqual(source.reader.width, 34)
            XCTAssertEqual(source.reader.height, 22)
            XCTAssertEqual(source.reader.framesPerSecond, 15)
            let reference = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture("testsrc-\(name).luma"))))
            var frames: [[UInt8]] = []
            var times: [Double] = []
            while let f = try source.next() { frames.append(f.luma); times.append(f.timestamp) }
            XCTAssertEqual(frames.count, 3, name)
            XCTAssertEqual(frames.flatMap { $0 }, reference, name)
            XCTAssertEqual(times[2] - times[0], 2.0 / 15, accuracy: 1e-9)
        }
    }

    func testTenBitColourSpaceIsRefusedClearly() {
        XCTAssertThrowsError(try VideoFileSource(path: fixture("testsrc-yuv420p10.y4m"), pacing: .asFastAsPossible)) { e in
            XCTAssertTrue("\(e)".contains("colour space C420p10 is not supported"), "\(e)")
        }
    }

    func testMalformedHeadersGiveClearErrors() throws {
        let cases: [(String, String)] = [
            ("", "empty input"),
            ("RIFF1234\n", "not a Y4M stream"),
            ("YUV4MPEG2 H10 F25:1\n", "lacks W (width)"),
            ("YUV4MPEG2 W10 F25:1\n", "lacks H (height)"),
            ("YUV4MPEG2 Wabc H10\n", "width 'Wabc' is not a number"),
            ("YUV4MPEG2 W10 H10 F25:0\n", "frame rate 'F25:0'"),
            ("YUV4MPEG2 W0 H10\n", "outside 1…16384"),
            ("YUV4MPEG2 W10 H10 It\n", "interlaced"),
            ("YUV4MPEG2 W10 H10 C411\n", "colour space C411 is not supported"),
        ]
        for (header, expected) in cases {
            XCTAssertThrowsError(try reader(header), header) { e in
                XCTAssertTrue("\(e)".contains(expected), "\(header): \(e)")
            }
        }
        XCTAssertThrowsError(try reader("YUV4MPEG2 " + String(repeating: "X", count: 3000))) { e in
            XCTAssertTrue("\(e)".contains("no line end"), "\(e)")
        }
    }

    func testTruncatedFrameAndBadMarkerAreReportedWithTheirFrameNumber() throws {
        let frame = [UInt8](repeating: 7, count: 4 * 2 * 3)  // 4×2, 4:4:4
        let truncated = try reader("YUV4MPEG2 W4 H2 C444\n", payload: Array("FRAME\n".utf8) + frame + Array("FRAME\n".utf8) + frame.prefix(10))
        XCTAssertEqual(try truncated.nextLuma(), [UInt8](repeating: 7, count: 8))
        XCTAssertThrowsError(try truncated.nextLuma()) { e in
            XCTAssertTrue("\(e)".contains("frame 1 is truncated: 10 of 24 bytes"), "\(e)")
        }
        let marker = try reader("YUV4MPEG2 W4 H2 Cmono\n", payload: Array("FRAME Ixyz\n".utf8) + frame.prefix(8) + Array("FRAMX\n".utf8))
        XCTAssertNotNil(try marker.nextLuma())
        XCTAssertThrowsError(try marker.nextLuma()) { e in
            XCTAssertTrue("\(e)".contains("frame 1: expected 'FRAME' at byte 41"), "\(e)")
        }
        let empty = try reader("YUV4MPEG2 W4 H2\n")
        XCTAssertNil(try empty.nextLuma())
    }

    /// Issue 9 (parse9): the reader sized its frame buffer from the header alone, so a 43-byte
    /// header declaring 16384×16384 4:4:4 allocated (and zeroed) an 805 MB buffer before a single
    /// frame byte was read. What it holds now grows only with the bytes that really arrive.
    func testHugeHeaderAllocatesOnlyWhatItsFramesHold() throws {
        let header = "YUV4MPEG2 W16384 H16384 F25:1 Ip A1:1 C444\n"
        let residentBefore = ResidentMemory.bytes()
        let r = try reader(header, payload: Array("FRAME\n".utf8) + [UInt8](repeating: 9, count: 1000))
        XCTAssertEqual(r.width * r.height * 3, 805_306_368, "the frame the header declares")
        XCTAssertLessThanOrEqual(r.frameBufferCapacity, 1 << 20, "buffer before any frame")
        XCTAssertThrowsError(try r.nextLuma()) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("frame 0 is truncated: 1000 of 805306368 bytes"), text)
            XCTAssertTrue(text.contains("at byte 49"), text)    // where its data starts
            XCTAssertTrue(text.contains("ffmpeg"), text)        // how to fix
        }
        XCTAssertLessThanOrEqual(r.frameBufferCapacity, 1 << 20, "buffer after a 1000-byte frame")
        let grown = ResidentMemory.bytes() - residentBefore
        XCTAssertLessThan(grown, 32 << 20, "resident memory grew by \(grown) bytes for a 1,049-byte file")
        withExtendedLifetime(r) {}
    }

    /// The buffer still reaches a whole frame when the bytes are there: a 1200×900 4:2:0 frame
    /// (1.08 MB of luma, read in growing pieces) twice, exactly.
    func testLargeFramesReadExactlyAcrossGrowingReads() throws {
        let (w, h) = (1200, 900)
        let luma1 = (0..<(w * h)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / w) }
        let luma2 = luma1.map { 255 - $0 }
        let chroma = [UInt8](repeating: 128, count: 2 * (w / 2) * (h / 2))
        let frame = { (l: [UInt8]) in Array("FRAME\n".utf8) + l + chroma }
        let r = try reader("YUV4MPEG2 W\(w) H\(h) F30:1 C420jpeg\n", payload: frame(luma1) + frame(luma2))
        XCTAssertEqual(try r.nextLuma(), luma1)
        XCTAssertEqual(try r.nextLuma(), luma2)
        XCTAssertNil(try r.nextLuma())
        XCTAssertEqual(r.framesRead, 2)
    }

    func testReadsFromAFIFO() throws {
        let path = NSTemporaryDirectory() + "captiond-y4m-fifo-\(getpid())"
        unlink(path)
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        tempFiles.append(path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixture("testsrc-gray.y4m"))))
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            var offset = 0
            while offset < bytes.count {   // dribble it in small writes
                let n = bytes[offset..<min(bytes.count, offset + 100)].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
            close(fd)
        }
        writer.start()
        let source = try VideoFileSource(path: path, pacing: .asFastAsPossible)
        var count = 0
        while try source.next() != nil { count += 1 }
        XCTAssertEqual(count, 3)
    }
}
