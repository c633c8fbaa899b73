// The two conversions capture does on its own thread, declared here as seams: Features implements
// them (`Resampler`, `LumaConversion`) and Capture takes them injected, so Capture needs no
// Features. The daemon gets the real ones through `Streaming.CaptureConversions`.

/// Streaming sample-rate conversion of mono Float32: `process` over any chunking, followed by
/// `flush`, gives the same samples as one call over the whole signal.
public protocol SampleRateConverter {
    /// Output samples for the chunk `input` (some may wait for look-ahead from later chunks).
    mutating func process(_ input: [Float]) -> [Float]
    /// The outputs still owed once the input has ended.
    mutating func flush() -> [Float]
}

/// Makes a converter for a rate pair known only when a source opens (an ALSA device's negotiated
/// rate, a raw PCM file's declared one).
public protocol SampleRateConverterFactory: Sendable {
    /// Throws an error whose description names both rates and the fix when the pair cannot work.
    func makeConverter(inputRate: Int, outputRate: Int) throws -> any SampleRateConverter
}

/// Camera pixels to 8-bit luma, once per frame on the capture thread.
public protocol LumaConverter: Sendable {
    /// Writes width × height luma bytes from `source` (rows `bytesPerLine` apart). The caller
    /// guarantees `source` holds `format.frameBytes(height:bytesPerLine:)` bytes and
    /// `destination` holds width × height.
    func convert(_ format: PixelFormat, source: UnsafeRawPointer, width: Int, height: Int,
                 bytesPerLine: Int, destination: UnsafeMutablePointer<UInt8>)
}
