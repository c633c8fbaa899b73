import CaptionCore

/// Interleaved device samples (S16_LE, S32_LE or FLOAT_LE, any channel count, any rate) to mono
/// Float32 at the output rate: scale to [-1, 1), average the channels, resample (streaming, with
/// the injected converter: `Features.Resampler` in the daemon, captionctl and capture-bench).
public struct SampleConverter {
    public let input: PCMParameters
    public let outputRate: Int
    private var resampler: any SampleRateConverter
    private var mono: [Float] = []

    public init(input: PCMParameters, outputRate: Int, resamplers: any SampleRateConverterFactory) throws {
        self.input = input
        self.outputRate = outputRate
        do {
            resampler = try resamplers.makeConverter(inputRate: input.rate, outputRate: outputRate)
        } catch {
            throw CaptureError.invalidConfiguration(key: "rate", reason: "\(error)")
        }
    }

    /// Converts `frames` interleaved frames at `bytes`: (frames, channels) → (frames) → (resampled).
    public mutating func convert(_ bytes: UnsafeRawPointer, frames: Int) -> [Float] {
        let ch = input.channels, format = input.format
        if mono.count < frames { mono = [Float](repeating: 0, count: frames) }
        mono.withUnsafeMutableBufferPointer { out in
            switch format {
            case .s16LE:
                Self.downmix(bytes.assumingMemoryBound(to: Int16.self), frames: frames, channels: ch, into: out) {
                    Float(Int16(littleEndian: $0)) / 32768
                }
            case .s32LE:
                Self.downmix(bytes.assumingMemoryBound(to: Int32.self), frames: frames, channels: ch, into: out) {
                    Float(Int32(littleEndian: $0)) / 2_147_483_648
                }
            case .floatLE:
                Self.downmix(bytes.assumingMemoryBound(to: UInt32.self), frames: frames, channels: ch, into: out) {
                    Float(bitPattern: UInt32(littleEndian: $0))
                }
            }
        }
        let chunk = Array(mono[0..<frames])
        return resampler.process(chunk)
    }

    /// The resampler's held-back tail (at end of stream).
    public mutating func flush() -> [Float] { resampler.flush() }

    /// out[f] = mean over channels of sample(s[f · channels + c]): (frames, channels) → (frames).
    @inline(__always)
    static func downmix<T>(_ s: UnsafePointer<T>, frames: Int, channels ch: Int,
                           into out: UnsafeMutableBufferPointer<Float>, _ sample: (T) -> Float) {
        let scale = 1 / Float(ch)
        for f in 0..<frames {
            var acc: Float = 0
            for c in 0..<ch { acc += sample(s[f * ch + c]) }
            out[f] = ch == 1 ? acc : acc * scale
        }
    }
}
