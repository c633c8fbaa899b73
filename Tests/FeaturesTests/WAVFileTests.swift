import XCTest
@testable import Features
import TestSupport

final class WAVFileTests: XCTestCase {
    /// Builds a WAV file: `tag` 1 PCM, 3 float, 0xFFFE extensible (wrapping `subTag`).
    func wav(tag: UInt16 = 1, subTag: UInt16 = 1, channels: UInt16, rate: UInt32, bits: UInt16,
             payload: [UInt8], declaredDataSize: UInt32? = nil) -> Data {
        var d = Data()
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let fmtSize: UInt32 = tag == 0xFFFE ? 40 : 16
        d.append(contentsOf: Array("RIFF".utf8)); u32(4 + 8 + fmtSize + 8 + UInt32(payload.count))
        d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("LIST".utf8)); u32(4); d.append(contentsOf: Array("INFO".utf8))  // a chunk to skip
        d.append(contentsOf: Array("fmt ".utf8)); u32(fmtSize)
        u16(tag); u16(channels); u32(rate)
        let align = channels * bits / 8
        u32(rate * UInt32(align)); u16(align); u16(bits)
        if tag == 0xFFFE {
            u16(22); u16(bits); u32(3)
            u16(subTag); d.append(contentsOf: [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71])
        }
        d.append(contentsOf: Array("data".utf8)); u32(declaredDataSize ?? UInt32(payload.count))
        d.append(contentsOf: payload)
        return d
    }

    func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    func testDecodesEveryPCMAndFloatEncoding() throws {
        let s16 = try WAVFile(data: wav(channels: 1, rate: 16000, bits: 16, payload: le([Int16(0), 16384, -32768, 32767])))
        XCTAssertEqual(s16.samples, [0, 0.5, -1, Float(32767) / 32768])
        XCTAssertEqual(s16.sampleRate, 16000)

        let u8 = try WAVFile(data: wav(channels: 1, rate: 8000, bits: 8, payload: [128, 192, 0, 255]))
        XCTAssertEqual(u8.samples, [0, 0.5, -1, Float(127) / 128])

        let s24 = try WAVFile(data: wav(channels: 1, rate: 48000, bits: 24, payload: [0x00, 0x00, 0x40, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0xFF]))
        XCTAssertEqual(s24.samples, [0.5, -1, -1 / 8_388_608])

        let s32 = try WAVFile(data: wav(channels: 1, rate: 44100, bits: 32, payload: le([Int32(1 << 30), Int32.min])))
        XCTAssertEqual(s32.samples, [0.5, -1])

        let f32 = try WAVFile(data: wav(tag: 3, channels: 1, rate: 22050, bits: 32, payload: le([Float(0.25).bitPattern, Float(-0.75).bitPattern])))
        XCTAssertEqual(f32.samples, [0.25, -0.75])
        XCTAssertEqual(f32.format, .float(bits: 32))

        let f64 = try WAVFile(data: wav(tag: 3, channels: 1, rate: 16000, bits: 64, payload: le([Double(0.125).bitPattern])))
        XCTAssertEqual(f64.samples, [0.125])

        let ext = try WAVFile(data: wav(tag: 0xFFFE, subTag: 1, channels: 2, rate: 16000, bits: 16, payload: le([Int16(16384), Int16(0)])))
        XCTAssertEqual(ext.channels, 2)
        XCTAssertEqual(ext.monoSamples(), [0.25])
    }

    func testUnknownLengthMarkerReadsToTheEnd() throws {
        let w = try WAVFile(data: wav(channels: 1, rate: 16000, bits: 16, payload: le([Int16(100), 200, 300]), declaredDataSize: 0xFFFF_FFFF))
        XCTAssertEqual(w.frameCount, 3)
    }

    func testBadFilesGiveOneClearError() {
        let cases: [(Data, String)] = [
            (Data(), "empty"),
            (Data("hello, this is a text file\n".utf8), "not a WAV file"),
            (wav(channels: 1, rate: 16000, bits: 16, payload: le([Int16(1), 2]), declaredDataSize: 352_000), "declares 352000 bytes but only 4 follow"),
            (wav(channels: 1, rate: 16000, bits: 12, payload: [0, 0]), "unsupported WAV encoding"),
            (wav(channels: 0, rate: 16000, bits: 16, payload: []), "0 channels"),
            (wav(channels: 1, rate: 16000, bits: 16, payload: []).prefix(30), "truncated"),
            (wav(channels: 1, rate: 16000, bits: 16, payload: []).prefix(40), "fmt chunk is truncated"),
        ]
        for (data, expected) in cases {
            XCTAssertThrowsError(try WAVFile(data: data, path: "clip.wav")) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("clip.wav: "), message)
                XCTAssertTrue(message.contains(expected), "\(message) should mention \(expected)")
                XCTAssertFalse(message.contains("\n"))
            }
        }
    }

    func testZeroSampleFileDecodesToNothing() throws {
        let w = try WAVFile(data: wav(channels: 1, rate: 16000, bits: 16, payload: []))
        XCTAssertEqual(w.frameCount, 0)
    }

    func testRealFixtureClip() throws {
        guard let dir = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("../shared/fixtures is absent") }
        let w = try WAVFile(contentsOf: dir.appendingPathComponent("whisper_cpp/jfk.wav").path)
        XCTAssertEqual(w.sampleRate, 16000)
        XCTAssertEqual(w.channels, 1)
        XCTAssertEqual(w.duration, 11.0, accuracy: 0.01)
        XCTAssertGreaterThan(w.samples.map(abs).max() ?? 0, 0.1)
    }
}
