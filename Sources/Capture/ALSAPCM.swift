import CALSA
import Glibc

/// A live alsa-lib capture PCM: opened by name (optionally with in-process configuration text),
/// negotiated to interleaved S16_LE / S32_LE / FLOAT_LE at the nearest rate and channel count.
public final class ALSAPCM: PCMStream {
    public let name: String
    public let parameters: PCMParameters
    private var pcm: OpaquePointer?
    private var config: OpaquePointer?

    public init(configuration c: ALSAConfiguration) throws {
        try c.validate()
        name = c.device
        var handle: OpaquePointer?
        var cfg: OpaquePointer?
        if let text = c.configText {
            cfg = try Self.loadConfig(text, device: c.device)
            let rc = snd_pcm_open_lconf(&handle, c.device, SND_PCM_STREAM_CAPTURE, 0, cfg)
            if rc < 0 { snd_config_delete(cfg); throw CaptureError.alsa(function: "snd_pcm_open_lconf", device: c.device, code: rc) }
        } else {
            let rc = snd_pcm_open(&handle, c.device, SND_PCM_STREAM_CAPTURE, 0)
            if rc < 0 { throw CaptureError.alsa(function: "snd_pcm_open", device: c.device, code: rc) }
        }
        do {
            parameters = try Self.negotiate(handle, c)
        } catch {
            snd_pcm_close(handle)
            if let cfg { snd_config_delete(cfg) }
            throw error
        }
        pcm = handle
        config = cfg
    }

    deinit { close() }

    public func read(into buffer: UnsafeMutableRawPointer, frames: Int) -> Int {
        guard let pcm else { return -Int(EBADFD) }
        return Int(snd_pcm_readi(pcm, buffer, snd_pcm_uframes_t(frames)))
    }

    public func prepare() -> Int32 {
        guard let pcm else { return -EBADFD }
        return snd_pcm_prepare(pcm)
    }

    public func resume() -> Int32 {
        guard let pcm else { return -EBADFD }
        return snd_pcm_resume(pcm)
    }

    public func close() {
        if let pcm { snd_pcm_close(pcm) }
        if let config { snd_config_delete(config) }
        pcm = nil
        config = nil
    }

    /// snd_config_top → snd_input_buffer_open → snd_config_load: a private configuration tree.
    static func loadConfig(_ text: String, device: String) throws -> OpaquePointer? {
        var top: OpaquePointer?
        var rc = snd_config_top(&top)
        if rc < 0 { throw CaptureError.alsa(function: "snd_config_top", device: device, code: rc) }
        var input: OpaquePointer?
        rc = snd_input_buffer_open(&input, text, text.utf8.count)
        if rc < 0 { snd_config_delete(top); throw CaptureError.alsa(function: "snd_input_buffer_open", device: device, code: rc) }
        rc = snd_config_load(top, input)
        snd_input_close(input)
        if rc < 0 { snd_config_delete(top); throw CaptureError.alsa(function: "snd_config_load", device: device, code: rc) }
        return top
    }

    static func alsaFormat(_ f: PCMSampleFormat) -> snd_pcm_format_t {
        switch f {
        case .s16LE: return SND_PCM_FORMAT_S16_LE
        case .s32LE: return SND_PCM_FORMAT_S32_LE
        case .floatLE: return SND_PCM_FORMAT_FLOAT_LE
        }
    }

    static func negotiate(_ pcm: OpaquePointer?, _ c: ALSAConfiguration) throws -> PCMParameters {
        var hw: OpaquePointer?
        let rc = snd_pcm_hw_params_malloc(&hw)
        if rc < 0 { throw CaptureError.alsa(function: "snd_pcm_hw_params_malloc", device: c.device, code: rc) }
        defer { snd_pcm_hw_params_free(hw) }
        func check(_ rc: Int32, _ function: String) throws {
            if rc < 0 { throw CaptureError.alsa(function: function, device: c.device, code: rc) }
        }
        try check(snd_pcm_hw_params_any(pcm, hw), "snd_pcm_hw_params_any")
        try check(snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED), "snd_pcm_hw_params_set_access")
        guard let format = c.formats.first(where: { snd_pcm_hw_params_test_format(pcm, hw, alsaFormat($0)) == 0 }) else {
            throw CaptureError.unsupportedDevice(path: c.device,
                reason: "offers none of \(c.formats.map(\.rawValue).joined(separator: ", ")); use a plughw: device to convert")
        }
        try check(snd_pcm_hw_params_set_format(pcm, hw, alsaFormat(format)), "snd_pcm_hw_params_set_format")
        var channels = UInt32(c.deviceChannels)
        try check(snd_pcm_hw_params_set_channels_near(pcm, hw, &channels), "snd_pcm_hw_params_set_channels_near")
        var rate = UInt32(c.deviceRate)
        var dir: Int32 = 0
        try check(snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir), "snd_pcm_hw_params_set_rate_near")
        var period = snd_pcm_uframes_t(c.periodFrames)
        try check(snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, &dir), "snd_pcm_hw_params_set_period_size_near")
        var buffer = snd_pcm_uframes_t(max(c.bufferFrames, 2 * Int(period)))
        try check(snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &buffer), "snd_pcm_hw_params_set_buffer_size_near")
        try check(snd_pcm_hw_params(pcm, hw), "snd_pcm_hw_params")
        try check(snd_pcm_prepare(pcm), "snd_pcm_prepare")
        return PCMParameters(format: format, rate: Int(rate), channels: Int(channels),
                             periodFrames: Int(period), bufferFrames: Int(buffer))
    }
}
