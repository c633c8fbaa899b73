/// One 8-bit luma image (row-major, `width × height` bytes, no padding) with its capture time.
public struct VideoFrame: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// width × height luma bytes, row after row.
    public var luma: [UInt8]
    /// Capture time on CLOCK_MONOTONIC, in seconds.
    public var timestamp: Double
    /// The source's frame number (the driver's sequence for V4L2); gaps mean skipped frames.
    public var sequence: UInt64

    public init(width: Int, height: Int, luma: [UInt8], timestamp: Double, sequence: UInt64) {
        self.width = width
        self.height = height
        self.luma = luma
        self.timestamp = timestamp
        self.sequence = sequence
    }
}
