import CaptionCore

/// Camera pixel formats reduced to 8-bit luma (the video encoder needs brightness only). Capture's
/// `V4L2Camera` runs it on the capture thread through CaptionCore's `LumaConverter` seam.
public struct LumaConversion: LumaConverter {
    public init() {}

    /// Fast path: writes width × height luma bytes from `source` (rows `bytesPerLine` apart).
    /// The caller guarantees `source` holds `format.frameBytes(height:bytesPerLine:)` bytes and
    /// `destination` holds width × height.
    public func convert(_ format: PixelFormat, source: UnsafeRawPointer, width: Int, height: Int,
                        bytesPerLine: Int, destination: UnsafeMutablePointer<UInt8>) {
        let src = source.assumingMemoryBound(to: UInt8.self)
        switch format {
        case .grey, .nv12:
            // (height, bytesPerLine) → (height, width): copy each row's first width bytes.
            if bytesPerLine == width {
                destination.update(from: src, count: width * height)
            } else {
                for y in 0..<height { (destination + y * width).update(from: src + y * bytesPerLine, count: width) }
            }
        case .yuyv:
            // (height, width/2, [Y0 U Y1 V]) → (height, width): two lumas per 32-bit word.
            let pairs = width / 2
            for y in 0..<height {
                let row = UnsafeRawPointer(src + y * bytesPerLine)
                let out = destination + y * width
                for p in 0..<pairs {
                    let word = UInt32(littleEndian: row.loadUnaligned(fromByteOffset: p * 4, as: UInt32.self))
                    out[2 * p] = UInt8(truncatingIfNeeded: word)
                    out[2 * p + 1] = UInt8(truncatingIfNeeded: word >> 16)
                }
                if width & 1 == 1 { out[width - 1] = src[y * bytesPerLine + 2 * (width - 1)] }
            }
        }
    }

    /// Naive reference: one byte at a time from an array, checked against the fast path in tests.
    public static func convertReference(_ format: PixelFormat, source: [UInt8], width: Int, height: Int,
                                        bytesPerLine: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let offset = format == .yuyv ? y * bytesPerLine + 2 * x : y * bytesPerLine + x
                out[y * width + x] = source[offset]
            }
        }
        return out
    }
}
