import Foundation
import XCTest
import CaptionCore
import Capture
import Features
import TestSupport

/// Writes shared speech fixtures as raw interleaved PCM for alsa-lib's `file` plugin.
enum ALSAFileFixture {
    static func wav(_ relative: String) throws -> WAVFile {
        guard let dir = TestPaths.sharedFixtures else {
            throw RequiredFixtures.missing("shared speech fixtures not found (set CAPTIOND_SHARED_FIXTURES or place ../shared/fixtures)")
        }
        return try WAVFile(contentsOf: dir.appendingPathComponent(relative).path)
    }

    /// Interleaves `channels` (each the same length) in `format` and writes them to a temp file.
    static func writeRaw(_ channels: [[Float]], format: PCMSampleFormat, name: String) throws -> String {
        let frames = channels[0].count
        var bytes = [UInt8]()
        bytes.reserveCapacity(frames * channels.count * format.bytesPerSample)
        for f in 0..<frames {
            for ch in channels {
                let x = ch[f]
                switch format {
                case .s16LE:
                    let v = Int16(max(-32768, min(32767, (x * 32768).rounded())))
                    withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
                case .s32LE:
                    let v = Int32(max(-2_147_483_648, min(2_147_483_647, Double(x) * 2_147_483_648)))
                    withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
                case .floatLE:
                    withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 }
                }
            }
        }
        let path = NSTemporaryDirectory() + "captiond-capture-\(getpid())-\(name).raw"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func configuration(infile: String, format: PCMSampleFormat, rate: Int, channels: Int,
                              frames: Int) -> ALSAConfiguration {
        ALSAConfiguration(device: "captiondtest",
                          configText: ALSAConfiguration.filePCMConfig(name: "captiondtest", infile: infile),
                          deviceRate: rate, deviceChannels: channels, formats: [format],
                          periodFrames: 320, bufferFrames: 3200, frameLimit: frames,
                          initialBackoff: 0.001, maxBackoff: 0.004)
    }

    /// Everything the ring holds, oldest first.
    static func drain(_ ring: SampleRing) -> [Float] {
        var out: [Float] = []
        while let chunk = ring.read(maxCount: 8192) { out += chunk.samples }
        return out
    }
}

/// Wraps a live PCM and injects alsa-lib error codes at chosen read calls (before touching the
/// device, so no audio is consumed by an injected error).
final class FaultInjectingPCM: PCMStream {
    let inner: PCMStream
    var errorsAtRead: [Int: Int32]
    var resumeResults: [Int32]
    private(set) var reads = 0
    private(set) var prepares = 0
    private(set) var resumes = 0

    init(_ inner: PCMStream, errorsAtRead: [Int: Int32], resumeResults: [Int32] = []) {
        self.inner = inner
        self.errorsAtRead = errorsAtRead
        self.resumeResults = resumeResults
    }

    var name: String { inner.name }
    var parameters: PCMParameters { inner.parameters }

    func read(into buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        defer { reads += 1 }
        if let code = errorsAtRead[reads] { return Int(code) }
        return inner.read(into: buffer, frames: frames)
    }

    func prepare() -> Int32 { prepares += 1; return inner.prepare() }

    func resume() -> Int32 {
        resumes += 1
        return resumeResults.isEmpty ? inner.resume() : resumeResults.removeFirst()
    }

    func close() { inner.close() }
}
