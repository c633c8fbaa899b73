import CaptionCore
import Foundation

/// A decoded RIFF/WAVE file: PCM 8 (unsigned), 16, 24 and 32-bit integer, or 32/64-bit float, any
/// rate and channel count (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT and WAVE_FORMAT_EXTENSIBLE).
public struct WAVFile: Sendable {
    public enum SampleFormat: Sendable, Equatable {
        case int(bits: Int)
        case float(bits: Int)
    }

    public let sampleRate: Int
    public let channels: Int
    public let format: SampleFormat
    /// Interleaved samples scaled to [-1, 1]: frames × channels values.
    public let samples: [Float]

    public var frameCount: Int { channels == 0 ? 0 : samples.count / channels }
    public var duration: Double { sampleRate == 0 ? 0 : Double(frameCount) / Double(sampleRate) }

    public init(sampleRate: Int, channels: Int, format: SampleFormat, samples: [Float]) {
        self.sampleRate = sampleRate; self.channels = channels; self.format = format; self.samples = samples
    }

    /// Reads and decodes the file at `path`.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeaturesError.invalidWAV(path: path, reason: "cannot read the file (missing or not readable)")
        }
        try self.init(data: data, path: path)
    }

    /// Decodes WAV bytes; `path` only names the source in errors.
    public init(data: Data, path: String = "<data>") throws {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> FeaturesError { .invalidWAV(path: path, reason: reason) }
        if bytes.isEmpty { throw fail("the file is empty (0 bytes); expected a RIFF/WAVE file") }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw fail("not a WAV file (no RIFF/WAVE header); convert it with `ffmpeg -i FILE -ar \(AudioRate.model) -ac 1 out.wav`")
        }
        var header: WAVHeader?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(Self.u32(bytes, offset + 4))
            let body = offset + 8
            if id == "fmt " {
                guard body + size <= bytes.count, size >= 16 else {
                    throw fail("the fmt chunk is truncated (\(size) bytes declared, \(bytes.count - body) present)")
                }
                header = try WAVHeader(bytes, at: body, size: size, fail: fail)
            } else if id == "data" {
                guard let header else { throw fail("the data chunk comes before the fmt chunk") }
                let remaining = bytes.count - body
                // 0 and 0xFFFFFFFF mark an unknown length (written by streaming encoders): read to the end.
                var length = size
                if size == 0 || size == 0xFFFF_FFFF {
                    length = remaining
                } else if size > remaining {
                    throw fail("the data chunk declares \(size) bytes but only \(remaining) follow: the file is truncated or its header is wrong; re-encode it with ffmpeg")
                }
                length -= length % header.blockAlign
                self.init(sampleRate: header.sampleRate, channels: header.channels, format: header.format,
                          samples: Self.decode(bytes, from: body, length: length, format: header.format))
                return
            }
            offset = body + size + (size & 1)
        }
        if offset < bytes.count {
            throw fail("the file ends inside a chunk header at byte \(offset): it is truncated")
        }
        throw fail(header == nil ? "no fmt chunk: the WAV header is incomplete" : "no data chunk: the file holds no audio")
    }

    /// The mean of the channels of each frame.
    public func monoSamples() -> [Float] {
        if channels == 1 { return samples }
        var out = [Float](repeating: 0, count: frameCount)
        let scale = 1 / Float(channels)
        samples.withUnsafeBufferPointer { src in
            for f in 0..<frameCount {
                var sum: Float = 0
                for c in 0..<channels { sum += src[f * channels + c] }
                out[f] = sum * scale
            }
        }
        return out
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func decode(_ b: [UInt8], from start: Int, length: Int, format: SampleFormat) -> [Float] {
        switch format {
        case .int(8):
            return b[start..<start + length].map { (Float($0) - 128) / 128 }
        case .int(16):
            return stride(from: start, to: start + length, by: 2).map { Float(Int16(bitPattern: u16(b, $0))) / 32768 }
        case .int(24):
            return stride(from: start, to: start + length, by: 3).map { i in
                let v = Int32(bitPattern: UInt32(b[i]) << 8 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 24) >> 8
                return Float(v) / 8_388_608
            }
        case .int(32):
            return stride(from: start, to: start + length, by: 4).map { Float(Int32(bitPattern: u32(b, $0))) / 2_147_483_648 }
        case .float(32):
            return stride(from: start, to: start + length, by: 4).map { Float(bitPattern: u32(b, $0)) }
        case .float(64):
            return stride(from: start, to: start + length, by: 8).map { i in
                Float(Double(bitPattern: UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32))
            }
        default:
            return []
        }
    }
}

/// The fields of a WAV fmt chunk that decoding needs, validated.
struct WAVHeader {
    let format: WAVFile.SampleFormat
    let channels: Int
    let sampleRate: Int
    let blockAlign: Int

    init(_ b: [UInt8], at i: Int, size: Int, fail: (String) -> FeaturesError) throws {
        var tag = Int(WAVFile.u16(b, i))
        channels = Int(WAVFile.u16(b, i + 2))
        sampleRate = Int(WAVFile.u32(b, i + 4))
        blockAlign = Int(WAVFile.u16(b, i + 12))
        let bits = Int(WAVFile.u16(b, i + 14))
        if tag == 0xFFFE {  // WAVE_FORMAT_EXTENSIBLE: the real tag is the first 2 bytes of the sub-format GUID
            guard size >= 40 else { throw fail("WAVE_FORMAT_EXTENSIBLE fmt chunk is \(size) bytes, expected 40") }
            tag = Int(WAVFile.u16(b, i + 24))
        }
        guard channels > 0 else { throw fail("the header declares 0 channels") }
        if let refusal = AudioRate.refusal(sampleRate) { throw fail(refusal) }
        switch (tag, bits) {
        case (1, 8), (1, 16), (1, 24), (1, 32): format = .int(bits: bits)
        case (3, 32), (3, 64): format = .float(bits: bits)
        default:
            throw fail("unsupported WAV encoding (format tag \(tag), \(bits) bits): only PCM 8/16/24/32-bit and float 32/64-bit; convert it with `ffmpeg -i FILE -c:a pcm_s16le out.wav`")
        }
        guard blockAlign == channels * bits / 8 else {
            throw fail("block align \(blockAlign) does not match \(channels) channels of \(bits) bits")
        }
    }
}
