import XCTest
import Foundation
import Glibc
import TestSupport

/// Every bad input to `captionctl transcribe` gives one line naming the file and the problem, a
/// non-zero exit, and no crash.
final class BadInputTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("captionctl-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tmp)
    }

    func requireTinyEn() throws -> URL {
        guard let model = TestPaths.model("tiny.en") else {
            throw RequiredFixtures.missing("tiny.en is not installed: run scripts/fetch-models tiny.en (make test does)")
        }
        return model
    }

    /// A small valid WAV: 16-bit mono 16 kHz, `payload` declared as `declared` bytes.
    func wavBytes(samples: Int, declared: Int? = nil) -> Data {
        var d = Data()
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let bytes = samples * 2
        d.append(contentsOf: Array("RIFF".utf8)); u32(UInt32(36 + bytes)); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(1); u32(16000); u32(32000); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(UInt32(declared ?? bytes))
        for i in 0..<samples { u16(UInt16(bitPattern: Int16(truncatingIfNeeded: (i * 37) % 2000 - 1000))) }
        return d
    }

    func write(_ name: String, _ data: Data) throws -> String {
        let url = tmp.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// Asserts a clean failure: non-zero exit, no crash, exactly one stderr line containing `mentions`.
    func assertCleanFailure(_ args: [String], environment: [String: String?] = [:], mentions: [String],
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CommandRunner.run("captionctl", args, environment: environment)
        XCTAssertFalse(r.crashed, "crashed: \(r.stderr)", file: file, line: line)
        XCTAssertNotEqual(r.status, 0, "exit status 0 for \(args)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(r.stderr)", file: file, line: line)
        for m in mentions {
            XCTAssertTrue(r.stderr.contains(m), "\(r.stderr.trimmingCharacters(in: .newlines)) should mention \(m)", file: file, line: line)
        }
    }

    func testMissingModel() throws {
        let wav = try write("ok.wav", wavBytes(samples: 16000))
        try assertCleanFailure(["transcribe", wav, "--model", "no-such-model"],
                               environment: ["CAPTIOND_MODELS": tmp.path], mentions: ["no-such-model", "fetch-models"])
    }

    func testTruncatedModelBin() throws {
        let model = try requireTinyEn()
        let dir = tmp.appendingPathComponent("truncated")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["config.json", "tokenizer.json", "vocabulary.txt"] {
            try FileManager.default.copyItem(at: model.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let handle = try FileHandle(forReadingFrom: model.appendingPathComponent("model.bin"))
        let prefix = try handle.read(upToCount: 3_000_000) ?? Data()
        try handle.close()
        try prefix.write(to: dir.appendingPathComponent("model.bin"))
        let wav = try write("ok.wav", wavBytes(samples: 16000))
        try assertCleanFailure(["transcribe", wav, "--model", dir.path], mentions: ["model.bin", "truncated"])
    }

    /// Issue 9 fault 8: tiny.en's weights with base's tokenizer printed garbage with exit 0.
    func testTokenizerOfAnotherModelIsRefused() throws {
        let tiny = try requireTinyEn()
        guard let base = TestPaths.model("base") else { throw RequiredFixtures.missing("base is not installed: run scripts/fetch-models base") }
        let dir = tmp.appendingPathComponent("mixed")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.bin"),
                                                   withDestinationURL: tiny.appendingPathComponent("model.bin"))
        try FileManager.default.copyItem(at: tiny.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        for f in ["tokenizer.json", "vocabulary.txt"] {
            try FileManager.default.copyItem(at: base.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let wav = try write("ok.wav", wavBytes(samples: 16000))
        try assertCleanFailure(["transcribe", wav, "--model", dir.path], mentions: ["51864 token embeddings", "51865 tokens", "tokenizer"])
    }

    func testCheckpointOfAnotherArchitecture() throws {
        // A well-formed CTranslate2 file whose spec is a translation Transformer, not Whisper.
        var d = Data()
        func u8(_ v: UInt8) { d.append(v) }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func string(_ s: String) { u16(UInt16(s.utf8.count + 1)); d.append(contentsOf: Array(s.utf8)); u8(0) }
        u32(6); string("TransformerSpec"); u32(1); u32(1)
        string("encoder/embeddings_0/weight"); u8(2); u32(2); u32(2); u8(0); u32(16)
        for _ in 0..<4 { u32(Float(0.5).bitPattern) }
        u32(0)
        let dir = tmp.appendingPathComponent("translator")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try d.write(to: dir.appendingPathComponent("model.bin"))
        try Data("{\"add_source_bos\": false}".utf8).write(to: dir.appendingPathComponent("config.json"))
        let wav = try write("ok.wav", wavBytes(samples: 16000))
        try assertCleanFailure(["transcribe", wav, "--model", dir.path], mentions: ["model.bin", "TransformerSpec"])
    }

    func testWAVWhoseHeaderLiesAboutItsLength() throws {
        _ = try requireTinyEn()
        let wav = try write("liar.wav", wavBytes(samples: 8000, declared: 10_000_000))
        try assertCleanFailure(["transcribe", wav, "--model", "tiny.en"], mentions: ["liar.wav", "truncated"])
    }

    func testEmptyFile() throws {
        _ = try requireTinyEn()
        let path = try write("empty.wav", Data())
        try assertCleanFailure(["transcribe", path, "--model", "tiny.en"], mentions: ["empty.wav", "empty"])
    }

    func testZeroSampleFile() throws {
        _ = try requireTinyEn()
        let path = try write("silent.wav", wavBytes(samples: 0))
        try assertCleanFailure(["transcribe", path, "--model", "tiny.en"], mentions: ["silent.wav", "no audio"])
    }

    func testTextFileNamedWav() throws {
        _ = try requireTinyEn()
        let path = try write("notes.wav", Data("These are my meeting notes, not audio.\n".utf8))
        try assertCleanFailure(["transcribe", path, "--model", "tiny.en"], mentions: ["notes.wav", "not a WAV file"])
    }

    func testMissingInputFile() throws {
        _ = try requireTinyEn()
        try assertCleanFailure(["transcribe", tmp.appendingPathComponent("nope.wav").path, "--model", "tiny.en"],
                               mentions: ["nope.wav"])
    }

    func testVideoFileWithFFmpegAbsent() throws {
        _ = try requireTinyEn()
        // The video itself is made with ffmpeg when it exists; otherwise any .mp4 bytes do, since
        // captionctl must refuse before decoding.
        let video = tmp.appendingPathComponent("clip.mp4")
        let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if let ffmpeg {
            let r = try CommandRunner.run(ffmpeg, ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10",
                                                   "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000",
                                                   "-t", "1", "-shortest", "-y", video.path])
            XCTAssertEqual(r.status, 0, r.stderr)
        } else {
            try Data([0, 0, 0, 0x18] + Array("ftypmp42".utf8) + [UInt8](repeating: 0, count: 64)).write(to: video)
        }
        try assertCleanFailure(["transcribe", video.path, "--model", "tiny.en"],
                               environment: ["CAPTIOND_FFMPEG": "/nonexistent/ffmpeg"], mentions: ["clip.mp4", "ffmpeg"])
    }

    // MARK: outputs, pipes and odd names (issue 9 faults 12, 13, 14)

    /// Half a second of digital silence: Whisper skips it as no speech, quickly.
    func silence(_ name: String) throws -> String {
        var d = wavBytes(samples: 0)
        d.replaceSubrange(4..<8, with: withUnsafeBytes(of: UInt32(36 + 16_000).littleEndian) { Data($0) })
        d.replaceSubrange(40..<44, with: withUnsafeBytes(of: UInt32(16_000).littleEndian) { Data($0) })
        d.append(Data(repeating: 0, count: 16_000))
        return try write(name, d)
    }

    /// Fault 14: `--output` that cannot be written failed with an NSCocoaErrorDomain number after
    /// the whole transcription. It is checked first: before the model is even loaded.
    func testUnwritableOutputIsRefusedBeforeAnyWork() throws {
        let wav = try silence("a.wav")
        let blocker = try write("blocker", Data("a file".utf8))
        for (inputs, output, mention) in [([wav], blocker + "/sub/out.srt", "does not exist"),
                                          ([wav, wav], blocker, "is a file"),
                                          ([wav, wav], blocker + "/dir", "cannot create the directory")] {
            let arguments = ["transcribe"] + inputs + ["--output", output, "--model", "no-such-model"]
            let r = try CommandRunner.run("captionctl", arguments, environment: ["CAPTIOND_MODELS": tmp.path])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains("--output") && r.stderr.contains(mention), "\(output): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("no-such-model"), "the output is checked before the model loads: \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }

    /// Fault 12: two inputs with the same name (a/x.wav b/x.wav, x.wav x.flac) overwrote each other.
    func testInputsWithTheSameNameGetDistinctOutputs() throws {
        _ = try requireTinyEn()
        let fm = FileManager.default
        for sub in ["a", "b"] { try fm.createDirectory(at: tmp.appendingPathComponent(sub), withIntermediateDirectories: true) }
        let a = try silence("a/x.wav"), b = try silence("b/x.wav"), c = try silence("x.wav")
        let out = tmp.appendingPathComponent("out")
        let r = try CommandRunner.run("captionctl", ["transcribe", a, b, c, "--model", "tiny.en", "--format", "srt",
                                                     "--output", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let written = try fm.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(written, ["x-2.srt", "x-3.srt", "x.srt"], r.stderr)
        XCTAssertTrue(r.stderr.contains("\(b): written as x-2.srt"), r.stderr)
    }

    /// Fault 13: a FIFO with a writer, a pipe on standard input, a name that is not UTF-8 and a
    /// name with a colon (ffmpeg took `talk:1.m4a` for a protocol) all transcribe.
    func testPipesAndOddNamesAreRead() throws {
        _ = try requireTinyEn()
        let source = try silence("source.wav")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        // A FIFO with a writer.
        let fifo = tmp.appendingPathComponent("live.wav").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            if let h = FileHandle(forWritingAtPath: fifo) { h.write(bytes); try? h.close() }
        }
        writer.start()
        var r = try CommandRunner.run("captionctl", ["transcribe", fifo, "--model", "tiny.en", "--format", "json"])
        XCTAssertEqual(r.status, 0, "FIFO: \(r.stderr)")
        XCTAssertTrue(r.stdout.contains("\"duration\":0.5"), r.stdout)
        // /dev/stdin (a pipe from the runner).
        r = try CommandRunner.run("captionctl", ["transcribe", "/dev/stdin", "--model", "tiny.en", "--format", "json"], stdin: bytes)
        XCTAssertEqual(r.status, 0, "/dev/stdin: \(r.stderr)")
        XCTAssertTrue(r.stdout.contains("\"duration\":0.5"), r.stdout)
        // A Latin-1 name (not UTF-8), passed through a shell so the bytes stay raw.
        let rawPath = Array(tmp.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".wav".utf8)
        let created = (rawPath + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { creat($0.baseAddress!, 0o644) }
        }
        XCTAssertGreaterThanOrEqual(created, 0)
        _ = bytes.withUnsafeBytes { Glibc.write(created, $0.baseAddress!, $0.count) }
        close(created)
        let captionctl = TestPaths.productsDir.appendingPathComponent("captionctl").path
        r = try CommandRunner.run("/bin/sh", ["-c", "exec \"$0\" transcribe \"$(printf '%s/caf\\351.wav' \"$1\")\" --model tiny.en --format json",
                                               captionctl, tmp.path])
        XCTAssertEqual(r.status, 0, "Latin-1 name: \(r.stderr)")
        XCTAssertTrue(r.stdout.contains("\"duration\":0.5"), r.stdout)
        // A colon in a relative name, through ffmpeg.
        let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let ffmpeg else { throw RequiredFixtures.missing("ffmpeg is not installed: the m4a part needs it") }
        let made = try CommandRunner.run(ffmpeg, ["-nostdin", "-v", "error", "-i", source, "-y", "file:talk:1.m4a"], currentDirectory: tmp)
        XCTAssertEqual(made.status, 0, made.stderr)
        r = try CommandRunner.run("captionctl", ["transcribe", "talk:1.m4a", "--model", "tiny.en", "--format", "json"], currentDirectory: tmp)
        XCTAssertEqual(r.status, 0, "talk:1.m4a: \(r.stderr)")
    }
}
