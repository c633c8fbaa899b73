import XCTest
import TestSupport
import Features

/// AudioDecoder on good files (WAV of several layouts, ffmpeg containers) and on every kind of bad
/// input: each must give one line naming the file and the problem, never a crash.
final class AudioDecoderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("features-decoder-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        unsetenv("CAPTIOND_FFMPEG")
    }

    override func tearDownWithError() throws {
        unsetenv("CAPTIOND_FFMPEG")
        try? FileManager.default.removeItem(at: dir)
    }

    /// A PCM-16 WAV: header + interleaved samples; `declaredBytes` overrides the data chunk size.
    static func wav(_ samples: [Int16], rate: Int, channels: Int, declaredBytes: UInt32? = nil) -> Data {
        var d = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let bytes = UInt32(samples.count * 2)
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(UInt16(channels)); u32(UInt32(rate))
        u32(UInt32(rate * channels * 2)); u16(UInt16(channels * 2)); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(declaredBytes ?? bytes)
        for s in samples { withUnsafeBytes(of: s.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// Runs `load` expecting an error; returns its one-line description.
    func failure(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let samples = try AudioDecoder.load(path)
            XCTFail("\(path): expected an error, got \(samples.count) samples", file: file, line: line)
            return ""
        } catch {
            let text = String(describing: error)
            XCTAssertFalse(text.contains("\n"), "error must be one line: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains(path), "error must name the file: \(text)", file: file, line: line)
            return text
        }
    }

    static var ffmpegInstalled: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/ffmpeg") }
    }

    func ffmpeg(_ arguments: [String]) throws { try Self.runFFmpeg(arguments) }

    /// Runs ffmpeg (quiet, overwriting) and expects success.
    static func runFFmpeg(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-y"] + arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "ffmpeg \(arguments)", file: file, line: line)
    }

    // MARK: good input

    func testSixteenKilohertzMonoWAVIsExact() throws {
        let pcm: [Int16] = [0, 1, -1, 32767, -32768, 1234, -4321, 0]
        let path = try write("a.wav", Self.wav(pcm, rate: 16_000, channels: 1))
        XCTAssertEqual(try AudioDecoder.load(path), pcm.map { Float($0) / 32768 })
    }

    func testStereoWAVIsDownMixedAndResampled() throws {
        // 1 s stereo 48 kHz: 440 Hz in the left channel, silence in the right → 16000 samples of 0.25-amplitude tone.
        let frames = 48_000
        var pcm: [Int16] = []
        for n in 0..<frames { pcm += [Int16(16_384 * sin(2 * Double.pi * 440 * Double(n) / 48_000)), 0] }
        let path = try write("stereo-named.bin", Self.wav(pcm, rate: 48_000, channels: 2))   // found by magic, not name
        let samples = try AudioDecoder.load(path)
        XCTAssertEqual(samples.count, 16_000)
        let middle = samples[2_000..<14_000]
        let rms = (middle.reduce(0) { $0 + Double($1 * $1) } / Double(middle.count)).squareRoot()
        XCTAssertEqual(rms, 0.25 / 2.0.squareRoot(), accuracy: 0.002)
    }

    func testFLACDecodesNativelyToTheWAVSamples() throws {
        guard Self.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let pcm = (0..<8_000).map { Int16(8_000 * sin(Double($0) / 9)) }
        let wavPath = try write("tone.wav", Self.wav(pcm, rate: 16_000, channels: 1))
        let flacPath = dir.appendingPathComponent("tone.flac").path
        try ffmpeg(["-i", wavPath, flacPath])
        XCTAssertEqual(try AudioDecoder.load(flacPath), try AudioDecoder.load(wavPath))
    }

    func testMuLawWAVFallsBackToFFmpeg() throws {
        guard Self.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let pcm = (0..<1_600).map { Int16(12_000 * sin(Double($0) / 5)) }
        let source = try write("src.wav", Self.wav(pcm, rate: 16_000, channels: 1))
        let mulaw = dir.appendingPathComponent("mulaw.wav").path
        try ffmpeg(["-i", source, "-c:a", "pcm_mulaw", mulaw])
        let decoded = try AudioDecoder.load(mulaw)
        XCTAssertEqual(decoded.count, pcm.count)
        let worst = zip(decoded, pcm).map { abs($0 - Float($1) / 32768) }.max() ?? 1
        XCTAssertLessThan(worst, 0.02, "μ-law is lossy but close")
        // Without ffmpeg the WAV decoder's own reason comes back.
        setenv("CAPTIOND_FFMPEG", dir.appendingPathComponent("absent").path, 1)
        XCTAssertTrue(failure(mulaw).contains("unsupported WAV encoding"))
    }

    // MARK: bad input

    func testMissingFile() {
        let path = dir.appendingPathComponent("nope.wav").path
        XCTAssertTrue(failure(path).contains("no such file"))
    }

    func testDirectory() {
        XCTAssertTrue(failure(dir.path).contains("is a directory"))
    }

    func testEmptyFile() throws {
        let path = try write("empty.mp3", Data())
        XCTAssertTrue(failure(path).contains("empty (0 bytes)"))
    }

    func testZeroSampleWAV() throws {
        let path = try write("silent.wav", Self.wav([], rate: 16_000, channels: 1))
        XCTAssertTrue(failure(path).contains("contains no audio"))
    }

    func testTextFileNamedWAV() throws {
        let path = try write("notes.wav", Data("this is not audio, just text\n".utf8))
        XCTAssertTrue(failure(path).contains("not a WAV file"))
        setenv("CAPTIOND_FFMPEG", dir.appendingPathComponent("no-ffmpeg").path, 1)
        XCTAssertTrue(failure(path).contains("not a WAV file"))
    }

    func testWAVHeaderLongerThanData() throws {
        let path = try write("short.wav", Self.wav([1, 2, 3, 4], rate: 16_000, channels: 1, declaredBytes: 80_000))
        let text = failure(path)
        XCTAssertTrue(text.contains("declares 80000 bytes"), text)
    }

    func testTruncatedHeader() throws {
        let path = try write("cut.wav", Self.wav([1, 2, 3], rate: 16_000, channels: 1).prefix(30))
        XCTAssertTrue(failure(path).contains("truncated"))
    }

    func testFFmpegAbsent() throws {
        let fake = dir.appendingPathComponent("missing-ffmpeg").path
        setenv("CAPTIOND_FFMPEG", fake, 1)
        let path = try write("song.mp3", Data([0xFF, 0xFB, 0x90, 0x00] + [UInt8](repeating: 0, count: 100)))
        let text = failure(path)
        XCTAssertTrue(text.contains("apt-get install ffmpeg") && text.contains("convert the file to WAV"), text)
        // A WAV still decodes natively without ffmpeg.
        let wavPath = try write("fine.wav", Self.wav([5, 6], rate: 16_000, channels: 1))
        XCTAssertEqual(try AudioDecoder.load(wavPath).count, 2)
    }

    func testFFmpegFailureReportsItsFirstLine() throws {
        guard Self.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let path = try write("garbage.ogg", Data(String(repeating: "not an ogg stream at all\n", count: 200).utf8))
        // What ffmpeg itself says about this file (its first stderr line, without the path prefix).
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let said = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let firstLine = String(said.split(separator: "\n").first ?? "").replacingOccurrences(of: path + ": ", with: "")
        XCTAssertFalse(firstLine.isEmpty)
        let text = failure(path)
        XCTAssertTrue(text.contains("ffmpeg failed (exit status \(p.terminationStatus)): \(firstLine)"), "\(text) vs \(firstLine)")
        XCTAssertEqual(text.components(separatedBy: path).count, 2, "the path appears once: \(text)")
    }

    func testVideoWithoutAudioStream() throws {
        guard Self.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let path = dir.appendingPathComponent("silent-film.mp4").path
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-t", "0.4", "-pix_fmt", "yuv420p", "-c:v", "mpeg4", path])
        XCTAssertTrue(failure(path).contains("no audio stream"))
    }

    func testVideoWithAudioDecodes() throws {
        guard Self.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let path = dir.appendingPathComponent("clip.mkv").path
        try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.5:sample_rate=44100", "-f", "lavfi",
                    "-i", "testsrc=size=32x32:rate=5", "-t", "0.5", "-c:v", "mpeg4", "-c:a", "flac", path])
        let samples = try AudioDecoder.load(path)
        XCTAssertEqual(samples.count, 8_000, accuracy: 16)
        XCTAssertGreaterThan(samples.map(abs).max() ?? 0, 0.05)
    }

    func testLargeOutputDoesNotDeadlock() throws {
        // 60 s of audio through the pipe: far more than a pipe buffer, read as it comes.
        guard Self.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        let path = dir.appendingPathComponent("long.flac").path
        try ffmpeg(["-f", "lavfi", "-i", "sine=frequency=300:duration=60:sample_rate=16000", path])
        XCTAssertEqual(try AudioDecoder.load(path).count, 960_000)
    }
}
