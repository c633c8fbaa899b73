/// Sample formats capture negotiates with a PCM, in order of preference by default.
public enum PCMSampleFormat: String, Sendable, CaseIterable {
    case s16LE = "S16_LE"
    case s32LE = "S32_LE"
    case floatLE = "FLOAT_LE"

    public var bytesPerSample: Int { self == .s16LE ? 2 : 4 }
}

/// What a PCM was opened with after negotiation.
public struct PCMParameters: Sendable, Equatable {
    public var format: PCMSampleFormat
    public var rate: Int
    public var channels: Int
    public var periodFrames: Int
    public var bufferFrames: Int

    public init(format: PCMSampleFormat, rate: Int, channels: Int, periodFrames: Int, bufferFrames: Int) {
        self.format = format
        self.rate = rate
        self.channels = channels
        self.periodFrames = periodFrames
        self.bufferFrames = bufferFrames
    }

    public var bytesPerFrame: Int { format.bytesPerSample * channels }
}

/// The calls the capture loop makes on an open capture PCM. `ALSAPCM` is the live one; tests wrap
/// it to inject errors. Results follow alsa-lib: frame counts, or a negative errno.
public protocol PCMStream: AnyObject {
    var name: String { get }
    var parameters: PCMParameters { get }
    /// Reads up to `frames` interleaved frames into `buffer`: frames read, or -errno.
    func read(into buffer: UnsafeMutableRawPointer, frames: Int) -> Int
    /// snd_pcm_prepare: 0 or -errno.
    func prepare() -> Int32
    /// snd_pcm_resume: 0, -EAGAIN while the device is still suspended, or -errno.
    func resume() -> Int32
    func close()
}
