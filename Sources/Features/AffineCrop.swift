import Foundation

/// A rotated, scaled square crop of an 8-bit luma image by bilinear sampling: the one geometric
/// primitive the camera pipeline (mouth crops from lip landmarks) and the audio-visual corpus (mouth
/// crops of a rendered face) share, so both produce the same input for the video encoder.
///
/// The crop's pixel centres map to source coordinates by
///   `src = centre + R(angle) · ((u + 0.5 − size/2) / scale, (v + 0.5 − size/2) / scale)`
/// where `(u, v)` is the crop pixel (column, row), `scale` is crop pixels per source pixel and `R`
/// rotates by `angle` radians (source x to the right, y down). Samples outside the source are
/// clamped to its edge.
public struct AffineCrop: Sendable, Equatable {
    /// Output side in pixels.
    public let size: Int
    /// Centre of the crop in source pixel coordinates (pixel centres at +0.5).
    public let centreX: Float
    public let centreY: Float
    /// Rotation of the crop's x axis in the source, radians (the roll of the line between lip corners).
    public let angle: Float
    /// Crop pixels per source pixel.
    public let scale: Float

    public init(size: Int, centreX: Float, centreY: Float, angle: Float, scale: Float) {
        self.size = size
        self.centreX = centreX
        self.centreY = centreY
        self.angle = angle
        self.scale = scale
    }

    /// The mouth crop geometry (docs/MOUTH_CROP.md): 64 × 64, centred on the midpoint of the
    /// lip corners, rotated so the corners are level, corner-to-corner distance 32 px.
    public static func mouth(leftCorner: (x: Float, y: Float), rightCorner: (x: Float, y: Float),
                             size: Int = MouthCropSpec.size) -> AffineCrop {
        let dx = rightCorner.x - leftCorner.x, dy = rightCorner.y - leftCorner.y
        let distance = max((dx * dx + dy * dy).squareRoot(), 1e-3)
        return AffineCrop(size: size,
                          centreX: (leftCorner.x + rightCorner.x) / 2,
                          centreY: (leftCorner.y + rightCorner.y) / 2,
                          angle: Float(atan2(Double(dy), Double(dx))),
                          scale: Float(size) * MouthCropSpec.cornerSpanFraction / distance)
    }

    /// Maps crop pixel centre (u, v) to source coordinates (continuous, pixel centres at +0.5).
    @inlinable
    public func sourcePoint(u: Int, v: Int) -> (x: Float, y: Float) {
        let half = Float(size) / 2
        let cu = (Float(u) + 0.5 - half) / scale, cv = (Float(v) + 0.5 - half) / scale
        let c = Float(cos(Double(angle))), s = Float(sin(Double(angle)))
        return (centreX + c * cu - s * cv, centreY + s * cu + c * cv)
    }

    /// Samples the crop from `luma` (`width × height`, row-major). Returns `size × size` bytes.
    /// An empty or mis-sized source gives a grey (128) crop rather than reading out of bounds.
    public func sample(luma: [UInt8], width: Int, height: Int) -> [UInt8] {
        var out = [UInt8](repeating: 128, count: size * size)
        guard width > 0, height > 0, luma.count >= width * height else { return out }
        let c = Float(cos(Double(angle))), s = Float(sin(Double(angle)))
        let half = Float(size) / 2
        let maxX = Float(width - 1), maxY = Float(height - 1)
        luma.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for v in 0..<size {
                    let cv = (Float(v) + 0.5 - half) / scale
                    for u in 0..<size {
                        let cu = (Float(u) + 0.5 - half) / scale
                        // Continuous source coordinates with pixel centres at integers.
                        let x = min(max(centreX + c * cu - s * cv - 0.5, 0), maxX)
                        let y = min(max(centreY + s * cu + c * cv - 0.5, 0), maxY)
                        let x0 = Int(x), y0 = Int(y)
                        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                        let fx = x - Float(x0), fy = y - Float(y0)
                        let p00 = Float(src[y0 * width + x0]), p01 = Float(src[y0 * width + x1])
                        let p10 = Float(src[y1 * width + x0]), p11 = Float(src[y1 * width + x1])
                        let top = p00 + (p01 - p00) * fx, bottom = p10 + (p11 - p10) * fx
                        let value = top + (bottom - top) * fy
                        dst[v * size + u] = UInt8(min(max(value + 0.5, 0), 255))
                    }
                }
            }
        }
        return out
    }
}

/// The shared mouth-crop constants (see docs: 64 × 64 luma at 25 frames/s, corners spanning half
/// the width, per-crop standardisation at the model's input).
public enum MouthCropSpec {
    public static let size = 64
    /// Corner-to-corner distance as a fraction of the crop width.
    public static let cornerSpanFraction: Float = 0.5
    /// Frames per second the audio-visual model consumes.
    public static let framesPerSecond = 25

    /// Per-crop standardisation: (x − mean) / (std + 1e-5), as the video encoder's input.
    public static func standardised(_ crop: [UInt8]) -> [Float] {
        guard !crop.isEmpty else { return [] }
        var sum: Float = 0
        for v in crop { sum += Float(v) }
        let mean = sum / Float(crop.count)
        var sq: Float = 0
        for v in crop { let d = Float(v) - mean; sq += d * d }
        let std = (sq / Float(crop.count)).squareRoot()
        return crop.map { (Float($0) - mean) / (std + 1e-5) }
    }
}
