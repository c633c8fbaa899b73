import Foundation
import XCTest
import TestSupport
@testable import Features

/// The native FLAC decoder against ffmpeg's decoding of the same files (encoded by ffmpeg at every
/// compression level, mono and stereo, 16- and 24-bit, and the FLAC fixtures), and on corrupt and
/// truncated files.
final class FLACDecoderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard AudioDecoderTests.ffmpegInstalled else { throw RequiredFixtures.missing("ffmpeg not installed: apt-get install ffmpeg") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("flac-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        unsetenv("CAPTIOND_FFMPEG")
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    private func run(_ arguments: [String]) throws { try AudioDecoderTests.runFFmpeg(arguments) }

    /// A few seconds of speech-like signal: chirps and noise bursts, louder and quieter parts.
    private func source(rate: Int, channels: Int) throws -> String {
        var rng = SeededRandom(state: 77)
        var pcm: [Int16] = []
        for n in 0..<(rate * 3) {
            let t = Double(n) / Double(rate)
            let envelope = 0.5 + 0.5 * sin(2 * Double.pi * 1.3 * t)
            let tone = sin(2 * Double.pi * (200 + 300 * t) * t) * 9_000 * envelope
            for c in 0..<channels {
                let noise = Double(rng.floats(1)[0]) * (c == 0 ? 1_500 : 4_000)
                pcm.append(Int16(max(-32_768, min(32_767, tone * (c == 0 ? 1 : 0.6) + noise))))
            }
        }
        let url = dir.appendingPathComponent("src-\(rate)-\(channels).wav")
        try AudioDecoderTests.wav(pcm, rate: rate, channels: channels).write(to: url)
        return url.path
    }

    private func assertMatchesFFmpeg(_ flac: String, tolerance: Float, file: StaticString = #filePath, line: UInt = #line) throws {
        let native = try AudioDecoder.load(flac)
        let reference = try FFmpegAudioReader(path: flac).read()
        XCTAssertEqual(native.count, reference.count, "\(flac) sample count", file: file, line: line)
        let worst = zip(native, reference).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(flac): max |native − ffmpeg| \(worst)", file: file, line: line)
    }

    func testEveryCompressionLevelMonoAndStereoMatchesFFmpeg() throws {
        let mono = try source(rate: 16_000, channels: 1), stereo = try source(rate: 16_000, channels: 2)
        for level in [0, 2, 5, 8, 12] {
            for (name, input) in [("mono", mono), ("stereo", stereo)] {
                let out = dir.appendingPathComponent("\(name)-\(level).flac").path
                try run(["-i", input, "-compression_level", "\(level)", out])
                if name == "mono" {
                    try assertMatchesFFmpeg(out, tolerance: 0)
                } else {
                    // ffmpeg's -ac 1 mixes stereo as 0.707·(L + R); the project averages the
                    // channels, for FLAC as for WAV: the same samples as the source WAV.
                    XCTAssertEqual(try AudioDecoder.load(out), try AudioDecoder.load(input), "stereo level \(level)")
                }
            }
        }
    }

    func testTwentyFourBitAndOtherRatesMatchFFmpeg() throws {
        let input = try source(rate: 16_000, channels: 1)
        let deep = dir.appendingPathComponent("s24.flac").path
        try run(["-i", input, "-af", "volume=0.9", "-sample_fmt", "s32", "-bits_per_raw_sample", "24", deep])
        try assertMatchesFFmpeg(deep, tolerance: 0)
        // 44.1 kHz: resampled by ffmpeg when it is installed (as faster-whisper resamples), else
        // by the project's band-limited resampler, as WAV input is.
        let high = try source(rate: 44_100, channels: 1)
        let resampled = dir.appendingPathComponent("44k.flac").path
        try run(["-i", high, resampled])
        try assertMatchesFFmpeg(resampled, tolerance: 0)
        setenv("CAPTIOND_FFMPEG", dir.appendingPathComponent("absent").path, 1)
        defer { unsetenv("CAPTIOND_FFMPEG") }
        XCTAssertEqual(try AudioDecoder.load(resampled), try AudioDecoder.load(high))
    }

    func testFixtureFLACFilesMatchFFmpeg() throws {
        for name in ["spkanon_eval/1988-24833-0000.flac", "spkanon_eval/1988-24833-0001.flac"] {
            guard let root = TestPaths.sharedFixtures else { throw RequiredFixtures.missing("../shared/fixtures not present") }
            try assertMatchesFFmpeg(root.appendingPathComponent(name).path, tolerance: 0)
        }
    }

    func testCorruptAndTruncatedFilesGiveOneLineNamingTheFile() throws {
        let input = try source(rate: 16_000, channels: 1)
        let good = dir.appendingPathComponent("good.flac").path
        try run(["-i", input, good])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        func failure(_ name: String, _ data: Data) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: path))
            do {
                let samples = try AudioDecoder.load(path)
                XCTFail("\(name): expected an error, got \(samples.count) samples")
                return ""
            } catch {
                let text = String(describing: error)
                XCTAssertFalse(text.contains("\n"), text)
                XCTAssertTrue(text.contains(path), text)
                return text
            }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x5A
        XCTAssertTrue(try failure("flipped.flac", flipped).contains("CRC mismatch"))
        // Cut inside a frame: the intact frames before the cut decode exactly, with a warning.
        let cut = dir.appendingPathComponent("cut.flac").path
        try bytes.prefix(bytes.count * 2 / 3).write(to: URL(fileURLWithPath: cut))
        let whole = try AudioDecoder.load(good), kept = try AudioDecoder.decode(cut)
        XCTAssertGreaterThan(kept.samples.count, whole.count / 2)
        XCTAssertEqual(kept.samples, Array(whole.prefix(kept.samples.count)))
        XCTAssertTrue(kept.warnings.first?.contains("cut inside the frame") ?? false, "\(kept.warnings)")
        XCTAssertTrue(try failure("header.flac", bytes.prefix(20)).contains("not a valid FLAC file"))
        let marker = Array("fLaC".utf8)
        let streamInfoEnd = 4 + 4 + 34
        var garbage = Data(marker)
        garbage.append(bytes[4..<streamInfoEnd])
        garbage.append(Data(repeating: 0x11, count: 100))
        // The last-block flag may be unset in the copied STREAMINFO: either way an error, one line.
        XCTAssertTrue(try failure("garbage.flac", garbage).contains("not a valid FLAC file"))
    }
}
