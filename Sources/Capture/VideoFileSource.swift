import CaptionCore

/// Video from a Y4M file, FIFO or standard input as luma frames stamped on CLOCK_MONOTONIC,
/// paced at the stream's frame rate or as fast as `next()` is called.
public final class VideoFileSource {
    public let reader: Y4MReader
    private let pacer: Pacer

    public init(path: String, pacing: Pacer.Mode) throws {
        reader = try Y4MReader(stream: try ByteStream(path: path))
        pacer = Pacer(mode: pacing)
    }

    /// The next frame, or nil at end of stream.
    public func next() throws -> VideoFrame? {
        let n = reader.framesRead
        let mediaTime = Double(n) * Double(reader.rateDenominator) / Double(reader.rateNumerator)
        guard let luma = try reader.nextLuma() else { return nil }
        pacer.wait(until: mediaTime)
        return VideoFrame(width: reader.width, height: reader.height, luma: luma,
                          timestamp: pacer.timestamp(mediaTime), sequence: UInt64(n))
    }
}
