/// Camera pixel formats capture asks a V4L2 driver for; each is reduced to 8-bit luma
/// (`LumaConverter`) before anything downstream sees the frame.
public enum PixelFormat: String, Sendable, CaseIterable {
    /// Packed 4:2:2, Y0 U Y1 V: luma is every even byte.
    case yuyv
    /// 8-bit grey: already luma.
    case grey
    /// Planar 4:2:0 with interleaved chroma: the first width × height bytes are luma.
    case nv12

    /// Bytes one frame occupies when rows are `bytesPerLine` apart.
    public func frameBytes(height: Int, bytesPerLine: Int) -> Int {
        switch self {
        case .yuyv, .grey: return bytesPerLine * height
        case .nv12: return bytesPerLine * height + bytesPerLine * ((height + 1) / 2)
        }
    }
}
