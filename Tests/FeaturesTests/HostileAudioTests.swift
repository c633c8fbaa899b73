import Foundation
import Glibc
import XCTest
import TestSupport
@testable import Features

/// Files made to break the decoder (issue 9's adversarial list): each must decode what it honestly
/// holds, or be refused in one line naming the file, without a crash or an allocation the input
/// cannot justify.
final class HostileAudioTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "hostile" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        unsetenv("CAPTIOND_FFMPEG")
    }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// A one-second 16-kHz mono FLAC made by ffmpeg from a tone.
    func toneFLAC(seconds: Double = 1) throws -> (path: String, bytes: Data, samples: [Float]) {
        guard AudioDecoderTests.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let pcm = (0..<Int(seconds * 16_000)).map { Int16(8_000 * sin(Double($0) / 9)) }
        let wav = try write("tone.wav", AudioDecoderTests.wav(pcm, rate: 16_000, channels: 1))
        let flac = dir.appendingPathComponent("tone.flac").path
        try AudioDecoderTests.runFFmpeg(["-i", wav, flac])
        return (flac, try Data(contentsOf: URL(fileURLWithPath: flac)), try AudioDecoder.load(wav))
    }

    /// Fault 1: STREAMINFO claiming 2^36 − 1 samples made the decoder reserve 275 GB and abort.
    func testFLACClaimingHugeTotalSamplesDecodesItsFrames() throws {
        let (_, bytes, expected) = try toneFLAC()
        var doctored = [UInt8](bytes)
        // STREAMINFO body at byte 8: 10 bytes of block/frame sizes, then 20 bits rate, 3 channels,
        // 5 bits per sample, 36 bits total_samples (low nibble of byte 21, bytes 22…25).
        doctored[21] |= 0x0F
        for i in 22...25 { doctored[i] = 0xFF }
        let path = try write("huge-total.flac", Data(doctored))
        XCTAssertEqual(try AudioDecoder.load(path), expected)
    }

    /// Fault 14: a FLAC one byte short was refused whole; its intact frames decode, with a warning.
    func testFLACOneByteShortKeepsItsIntactFrames() throws {
        let (_, bytes, expected) = try toneFLAC()
        let path = try write("short.flac", bytes.dropLast())
        let samples = try AudioDecoder.load(path)
        XCTAssertGreaterThan(samples.count, 0)
        XCTAssertLessThan(samples.count, expected.count, "the cut last frame is dropped")
        XCTAssertEqual(samples, Array(expected.prefix(samples.count)), "the intact frames are exact")
        let decoded = try AudioDecoder.decode(path)
        XCTAssertEqual(decoded.samples, samples)
        XCTAssertEqual(decoded.warnings.count, 1)
        XCTAssertTrue(decoded.warnings[0].contains(path) && decoded.warnings[0].contains("cut"), "\(decoded.warnings)")
    }

    /// Fault 4: an MP3 with an ID3v2 tag was taken for FLAC and refused; it goes to ffmpeg.
    func testMP3WithID3v2TagGoesToFFmpeg() throws {
        guard AudioDecoderTests.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let mp3 = dir.appendingPathComponent("tagged.mp3").path
        try AudioDecoderTests.runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "1",
                                         "-metadata", "title=A tagged tone", "-id3v2_version", "3", mp3])
        let head = [UInt8](try Data(contentsOf: URL(fileURLWithPath: mp3)).prefix(3))
        XCTAssertEqual(head, Array("ID3".utf8), "ffmpeg wrote an ID3v2 tag")
        let samples = try AudioDecoder.load(mp3)
        XCTAssertEqual(Double(samples.count), 16_000, accuracy: 2_000)
        // A FLAC behind an ID3v2 tag is still FLAC (decoded natively).
        let (_, flac, expected) = try toneFLAC()
        var tagged = Data(Array("ID3".utf8) + [3, 0, 0, 0, 0, 0, 5])
        tagged.append(Data(repeating: 0, count: 5))
        tagged.append(flac)
        XCTAssertEqual(try AudioDecoder.load(try write("tagged.flac", tagged)), expected)
    }

    /// A float WAV of `samples` at `rate`.
    func floatWAV(_ samples: [Float], rate: Int) -> Data {
        var d = Data()
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + 4 * samples.count)); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(3); u16(1); u32(UInt32(rate)); u32(UInt32(4 * rate)); u16(4); u16(32)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(4 * samples.count))
        for s in samples { u32(s.bitPattern) }
        return d
    }

    /// Fault 3: a WAV declaring 1 Hz expanded each sample 16 000 times (a decompression bomb).
    func testWAVDeclaringOneHertzIsRefused() throws {
        let path = try write("one-hertz.wav", AudioDecoderTests.wav([Int16](repeating: 100, count: 4_000), rate: 1, channels: 1))
        do {
            let samples = try AudioDecoder.load(path)
            XCTFail("expected a refusal, got \(samples.count) samples")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains(path) && text.contains("1 Hz") && text.contains("4000"), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
    }

    /// Fault 16: one sample of 1e30 (or a NaN) in float input made Whisper hallucinate; such
    /// samples are clipped to [-1, 1] (non-finite ones zeroed) with a warning.
    func testOutOfRangeAndNonFiniteFloatSamplesAreClipped() throws {
        var signal = (0..<1_600).map { Float(0.3 * sin(Double($0) / 7)) }
        signal[100] = 1e30
        signal[200] = -.infinity
        signal[300] = .nan
        let path = try write("spike.wav", floatWAV(signal, rate: 16_000))
        let samples = try AudioDecoder.load(path)
        XCTAssertEqual(samples.count, signal.count)
        XCTAssertTrue(samples.allSatisfy { $0.isFinite && abs($0) <= 1 }, "max \(samples.map(abs).max() ?? 0)")
        XCTAssertEqual(samples[100], 1)
        XCTAssertEqual(samples[200], 0)
        XCTAssertEqual(samples[300], 0)
        XCTAssertEqual(samples[400], signal[400])
        let warnings = try AudioDecoder.decode(path).warnings
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("3 samples") ?? false, "\(warnings)")
    }

    /// Fault 13: a FIFO's head was read and the stream closed before the real read. A stream is
    /// read once, to its end, and decoded from memory (FLAC natively, others through ffmpeg).
    func testFIFOWithAWriterIsReadOnce() throws {
        let (_, flac, expected) = try toneFLAC()
        let mp3 = dir.appendingPathComponent("tone.mp3").path
        try AudioDecoderTests.runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "1", mp3])
        let viaFile = try AudioDecoder.load(mp3)
        for (name, bytes, want) in [("flac", flac, expected), ("mp3", try Data(contentsOf: URL(fileURLWithPath: mp3)), viaFile)] {
            let fifo = dir.appendingPathComponent("fifo-\(name)").path
            XCTAssertEqual(mkfifo(fifo, 0o600), 0)
            let writer = Thread { if let h = FileHandle(forWritingAtPath: fifo) { h.write(bytes); try? h.close() } }
            writer.start()
            XCTAssertEqual(try AudioDecoder.load(fifo), want, name)
        }
    }

    /// Fault 13: a name that is not UTF-8 opens (its raw bytes are kept), natively and through ffmpeg.
    func testNameThatIsNotUTF8Opens() throws {
        let (_, flac, expected) = try toneFLAC()
        for (ext, bytes) in [("flac", flac), ("wav", AudioDecoderTests.wav([1, 2, 3], rate: 16_000, channels: 1))] {
            let raw = Array(dir.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".\(ext)".utf8)
            let fd = (raw + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o644) } }
            XCTAssertGreaterThanOrEqual(fd, 0)
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
            close(fd)
            let input = AudioInput(name: String(decoding: raw, as: UTF8.self), cPath: (raw + [0]).map { CChar(bitPattern: $0) })
            let samples = try AudioDecoder.decode(input).samples
            XCTAssertEqual(samples.count, ext == "flac" ? expected.count : 3)
        }
        // Through ffmpeg (an MP3 under a Latin-1 name).
        let mp3 = dir.appendingPathComponent("t.mp3").path
        try AudioDecoderTests.runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "1", mp3])
        let raw = Array(dir.path.utf8) + Array("/t".utf8) + [0xE9] + Array(".mp3".utf8)
        XCTAssertEqual((raw + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { rename(mp3, $0.baseAddress!) } }, 0)
        let input = AudioInput(name: String(decoding: raw, as: UTF8.self), cPath: (raw + [0]).map { CChar(bitPattern: $0) })
        XCTAssertEqual(Double(try AudioDecoder.decode(input).samples.count), 16_000, accuracy: 2_000)
    }

    /// Fault 13: ffmpeg took `talk:1.m4a` for a URL of protocol "talk"; it gets `file:talk:1.m4a`.
    func testColonInARelativeNameIsAFileForFFmpeg() throws {
        guard AudioDecoderTests.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        try AudioDecoderTests.runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000", "-t", "1",
                                         dir.appendingPathComponent("talk:1.m4a").path])
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir.path))
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        XCTAssertEqual(Double(try AudioDecoder.load("talk:1.m4a").count), 16_000, accuracy: 2_000)
    }

    /// Fault 16 (memory): a long file is decoded chunk by chunk into the log-mel front end; the
    /// chunks are the whole-file samples and the accumulated mel is the one-shot mel.
    func testStreamedDecodingEqualsWholeFileDecoding() throws {
        let (flac, _, _) = try toneFLAC(seconds: 2.5)
        let mp3 = dir.appendingPathComponent("long.mp3").path
        try AudioDecoderTests.runFFmpeg(["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=44100", "-t", "3.3", mp3])
        for path in [flac, mp3] {
            let whole = try AudioDecoder.load(path)
            var chunks: [[Float]] = []
            var mel = LogMelAccumulator(melBins: 80)
            let warnings = try AudioDecoder.stream(AudioInput(path: path), chunkSamples: 7_000) { chunks.append($0); mel.feed($0) }
            XCTAssertEqual(warnings, [])
            XCTAssertGreaterThan(chunks.count, 2, path)
            XCTAssertEqual(chunks.flatMap { $0 }, whole, path)
            let streamed = mel.finish(), oneShot = LogMelSpectrogram(melBins: 80)(whole, padding: 160)
            XCTAssertEqual(streamed.frames, oneShot.frames)
            XCTAssertEqual(streamed.data, oneShot.data, path)
        }
    }
}
