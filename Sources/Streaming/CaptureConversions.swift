import CaptionCore
import Features

/// The converters capture runs on its own threads, for the modules that may not import Features:
/// Capture declares no dependency on Features and takes them injected (CaptionCore's seams), and
/// the daemon hands these to `ALSACapture`, `AudioFileSource` and `V4L2Capture`.
public enum CaptureConversions {
    /// Device or raw-file rate → the output rate, band-limited (`Features.Resampler`).
    public static let resamplers: any SampleRateConverterFactory = Resampler.Factory()
    /// YUYV / GREY / NV12 → 8-bit luma (`Features.LumaConversion`).
    public static let luma: any LumaConverter = LumaConversion()
}
