import XCTest
import Foundation
import CaptionCore
import TestSupport
import Features
@testable import Capture

final class AudioFileSourceTests: XCTestCase {
    private var tempFiles: [String] = []
    override func tearDown() { for f in tempFiles { unlink(f) } }

    private func collect(_ source: AudioFileSource) throws -> [AudioChunk] {
        var chunks: [AudioChunk] = []
        while let c = try source.next() { chunks.append(c) }
        return chunks
    }

    /// A WAV file is decoded by the audio-file reader (Features) and its samples delivered here.
    func testWAVFileIsDeliveredWholeIn20msChunksOnOneClock() throws {
        let wav = try ALSAFileFixture.wav("pocketsphinx/sense_and_sensibility_01_austen_64kb-0880.wav")
        let path = TestPaths.sharedFixtures!.appendingPathComponent("pocketsphinx/sense_and_sensibility_01_austen_64kb-0880.wav").path
        XCTAssertEqual(wav.sampleRate, 16000)
        let chunks = try collect(AudioFileSource(samples: AudioDecoder.decode(AudioInput(path: path)).samples, pacing: .asFastAsPossible))
        XCTAssertTrue(chunks.flatMap(\.samples) == wav.monoSamples())
        XCTAssertEqual(chunks[0].samples.count, 320)
        for (a, b) in zip(chunks, chunks.dropFirst()) { XCTAssertEqual(b.startTime - a.startTime, 0.02, accuracy: 1e-9) }
    }

    func testRawStereo44kFromAFIFOIsResampledLikeTheWholeSignal() throws {
        let wav = try ALSAFileFixture.wav("speech_recognition/english.wav")
        let x = wav.monoSamples()
        let raw = try ALSAFileFixture.writeRaw([x, x], format: .floatLE, name: "fifo-src")
        tempFiles.append(raw)
        let fifo = NSTemporaryDirectory() + "captiond-audio-fifo-\(getpid())"
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        tempFiles.append(fifo)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset..<min(bytes.count, offset + 7001)].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
            close(fd)
        }
        writer.start()
        let got = try collect(AudioFileSource(path: fifo, format: .raw(.floatLE, rate: 44100, channels: 2), resamplers: Resampler.Factory(), pacing: .asFastAsPossible)).flatMap(\.samples)
        let expected = try Resampler.resample(x, from: 44100, to: 16000)
        XCTAssertEqual(got.count, expected.count)
        XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max() ?? 1, 1e-6)
    }

    func testRawPCMFromStandardInput() throws {
        // Put a pipe on fd 0 for the duration of the test, as `captiond` gets it from a shell.
        let samples: [Int16] = (0..<16000).map { Int16(truncatingIfNeeded: ($0 * 131) % 20000 - 10000) }
        let bytes = samples.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let savedStdin = dup(0)
        XCTAssertGreaterThanOrEqual(savedStdin, 0)
        XCTAssertEqual(dup2(fds[0], 0), 0)
        close(fds[0])
        defer { dup2(savedStdin, 0); close(savedStdin) }
        let writeEnd = fds[1]
        let writer = Thread {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset..<min(bytes.count, offset + 4093)].withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                offset += n
            }
            close(writeEnd)
        }
        writer.start()
        let got = try collect(AudioFileSource(path: "-", format: .raw(.s16LE, rate: 16000, channels: 1), resamplers: Resampler.Factory(), pacing: .asFastAsPossible)).flatMap(\.samples)
        XCTAssertEqual(got, samples.map { Float($0) / 32768 })
    }

    func testStrayBytesAtTheEndOfRawPCMAreAnError() throws {
        let path = NSTemporaryDirectory() + "captiond-stray-\(getpid()).raw"
        try Data([UInt8](repeating: 0, count: 4 * 100 + 3)).write(to: URL(fileURLWithPath: path))
        tempFiles.append(path)
        let source = try AudioFileSource(path: path, format: .raw(.s16LE, rate: 16000, channels: 2), resamplers: Resampler.Factory(), pacing: .asFastAsPossible)
        XCTAssertThrowsError(try collect(source)) { e in
            XCTAssertTrue("\(e)".contains("3 stray bytes at byte 403"), "\(e)")
        }
    }

    /// Issue 9 fault 3: the daemon's file source took a WAV declaring 1 Hz and expanded each sample
    /// 16 000 times; rates outside AudioRate.supportedInput are refused before any allocation.
    func testWAVDeclaringOneHertzIsRefused() throws {
        let path = NSTemporaryDirectory() + "captiond-1hz-\(getpid()).wav"
        var d = Data()
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + 8_000); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(1); u32(2); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(8_000)
        d.append(Data(repeating: 0x10, count: 8_000))
        try d.write(to: URL(fileURLWithPath: path))
        tempFiles.append(path)
        XCTAssertThrowsError(try WAVFile(contentsOf: path)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("1 Hz") && "\(e)".contains("4000"), "\(e)")
        }
    }

    func testBadWAVAndMissingFileAreClearErrors() throws {
        let path = NSTemporaryDirectory() + "captiond-bad-\(getpid()).wav"
        try Data("RIFFnonsense".utf8).write(to: URL(fileURLWithPath: path))
        tempFiles.append(path)
        XCTAssertThrowsError(try WAVFile(contentsOf: path)) { e in
            XCTAssertTrue("\(e)".contains(path), "\(e)")
        }
        // This source parses no WAV: it says where WAV is read instead.
        XCTAssertThrowsError(try AudioFileSource(path: path, format: .wav, resamplers: Resampler.Factory(), pacing: .asFastAsPossible)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("audio-file reader"), "\(e)")
        }
        XCTAssertThrowsError(try AudioFileSource(path: "/nonexistent.wav", format: .wav, resamplers: Resampler.Factory(), pacing: .asFastAsPossible)) { e in
            XCTAssertEqual(e as? CaptureError, .system(call: "open", path: "/nonexistent.wav", errno: ENOENT))
        }
    }

    func testRealTimePacingStampsMediaTimeOnTheMonotonicClock() throws {
        let raw = try ALSAFileFixture.writeRaw([[Float](repeating: 0.5, count: 1600)], format: .s16LE, name: "paced-src")
        tempFiles.append(raw)
        let before = MonotonicClock.now()
        let chunks = try collect(AudioFileSource(path: raw, format: .raw(.s16LE, rate: 16000, channels: 1), resamplers: Resampler.Factory(), pacing: .realTime))
        let after = MonotonicClock.now()
        XCTAssertEqual(chunks.count, 5)
        XCTAssertGreaterThanOrEqual(chunks[0].startTime, before)
        XCTAssertEqual(chunks[4].startTime - chunks[0].startTime, 0.08, accuracy: 1e-9)
        // Real-time pacing means the call cannot return before the media has played.
        XCTAssertGreaterThanOrEqual(after - chunks[0].startTime, 0.1 - 1e-3)
    }
}
