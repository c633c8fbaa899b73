import CaptionCore

/// How to open and run an ALSA capture PCM.
public struct ALSAConfiguration: Sendable, Equatable {
    /// The PCM name (`default`, `hw:1,0`, `plughw:CARD=Mic`, or a name defined in `configText`).
    public var device: String
    /// Extra alsa-lib configuration loaded in-process on top of the system one (e.g. a `file` PCM).
    public var configText: String?
    /// Rate asked of the device; the nearest it offers is used and resampled to `outputRate`.
    public var deviceRate: Int
    /// Channels asked of the device (nearest offered); down-mixed to mono.
    public var deviceChannels: Int
    /// Formats to try, first match wins.
    public var formats: [PCMSampleFormat]
    public var periodFrames: Int
    public var bufferFrames: Int
    /// The rate delivered to the ring (16 kHz for the models).
    public var outputRate: Int
    /// Sleep so reads follow the wall clock (for PCMs that are not paced, such as `file` over `null`).
    public var paceRealTime: Bool
    /// Stop after this many device frames (a `file` PCM repeats stale data after its infile ends).
    public var frameLimit: Int?
    /// Reopen attempts after device loss before giving up (nil: forever).
    public var maxReopenAttempts: Int?
    /// First back-off delay after device loss; doubled each failed attempt up to `maxBackoff`.
    public var initialBackoff: Double
    public var maxBackoff: Double

    public init(device: String = "default", configText: String? = nil, deviceRate: Int = AudioRate.model,
                deviceChannels: Int = 1, formats: [PCMSampleFormat] = PCMSampleFormat.allCases,
                periodFrames: Int = 320, bufferFrames: Int = 3200, outputRate: Int = AudioRate.model,
                paceRealTime: Bool = false, frameLimit: Int? = nil, maxReopenAttempts: Int? = nil,
                initialBackoff: Double = 0.1, maxBackoff: Double = 2.0) {
        self.device = device
        self.configText = configText
        self.deviceRate = deviceRate
        self.deviceChannels = deviceChannels
        self.formats = formats
        self.periodFrames = periodFrames
        self.bufferFrames = bufferFrames
        self.outputRate = outputRate
        self.paceRealTime = paceRealTime
        self.frameLimit = frameLimit
        self.maxReopenAttempts = maxReopenAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// alsa-lib configuration defining PCM `name` as a capture from a raw file (no sound card):
    /// the `file` plugin over a `null` slave, reading `infile` in the PCM's negotiated format.
    public static func filePCMConfig(name: String, infile: String) -> String {
        let escaped = infile.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return """
        pcm.\(name) {
            type file
            slave.pcm { type null }
            file "/dev/null"
            infile "\(escaped)"
            format "raw"
        }
        """
    }

    func validate() throws {
        if formats.isEmpty { throw CaptureError.invalidConfiguration(key: "formats", reason: "list at least one of S16_LE, S32_LE, FLOAT_LE") }
        if !(1000...768_000).contains(deviceRate) { throw CaptureError.invalidConfiguration(key: "device_rate", reason: "\(deviceRate) Hz is outside 1000…768000") }
        if !(1...64).contains(deviceChannels) { throw CaptureError.invalidConfiguration(key: "channels", reason: "\(deviceChannels) is outside 1…64") }
        if periodFrames < 16 { throw CaptureError.invalidConfiguration(key: "period_frames", reason: "\(periodFrames) is below 16") }
        if bufferFrames < 2 * periodFrames { throw CaptureError.invalidConfiguration(key: "buffer_frames", reason: "\(bufferFrames) must be at least two periods (\(2 * periodFrames))") }
        if !(1000...192_000).contains(outputRate) { throw CaptureError.invalidConfiguration(key: "output_rate", reason: "\(outputRate) Hz is outside 1000…192000") }
    }
}
