import CaptionCore

/// Interleaved device samples (S16_LE, S32_LE or FLOAT_LE, any channel count, any rate) to mono
/// Float32 at the output rate: scale to [-1, 1), average the channels, resample (streaming).
public struct SampleConverter {
    public let input: PCMParameters
    public let outputRate: Int
    private var resampler: Resampler
    private var mono: [Float] = []

    public init(input: PCMParameters, outputRate: Int) throws {
        self.input = input
        self.outputRate = outputRate
        do {
            resampler = try Resampler(inputRate: input.rate, outputRate: outputRate)
        } catch {
            throw CaptureError.invalidConfiguration(key: "rate", reason: "\(error)")
        }
    }

    /// Converts `frames` interleaved frames at `bytes`: (frames, channels) → (frames) → (resampled).
    public mutating func convert(_ bytes: UnsafeRawPointer, frames: Int) -> [Float] {
        let ch = input.channels
        if mono.count < frames { mono = [Float](repeating: 0, count: frames) }
        mono.withUnsafeMutableBufferPointer { out in
            let scale = 1 / Float(ch)
            switch input.format {
            case .s16LE:
                let s = bytes.assumingMemoryBound(to: Int16.self)
                for f in 0..<frames {
                    var acc: Float = 0
                    for c in 0..<ch { acc += Float(Int16(littleEndian: s[f * ch + c])) / 32768 }
                    out[f] = ch == 1 ? acc : acc * scale
                }
            case .s32LE:
                let s = bytes.assumingMemoryBound(to: Int32.self)
                for f in 0..<frames {
                    var acc: Float = 0
                    for c in 0..<ch { acc += Float(Int32(littleEndian: s[f * ch + c])) / 2_147_483_648 }
                    out[f] = ch == 1 ? acc : acc * scale
                }
            case .floatLE:
                let s = bytes.assumingMemoryBound(to: UInt32.self)
                for f in 0..<frames {
                    var acc: Float = 0
                    for c in 0..<ch { acc += Float(bitPattern: UInt32(littleEndian: s[f * ch + c])) }
                    out[f] = ch == 1 ? acc : acc * scale
                }
            }
        }
        let chunk = Array(mono[0..<frames])
        return resampler.process(chunk)
    }

    /// The resampler's held-back tail (at end of stream).
    public mutating func flush() -> [Float] { resampler.flush() }
}
