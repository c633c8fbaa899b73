/// Motion energy of the lower-centre region of a luma frame (where a speaking mouth is when a face
/// fills the frame): the mean absolute difference from the previous frame's region, in luma units
/// (0…255). A `threshold` turns it into the mouth-activity gate the VAD accepts.
public struct FrameMotion: Sendable {
    public let width: Int
    public let height: Int
    /// The region [x0, x1) × [y0, y1) in pixels.
    public let region: (x0: Int, x1: Int, y0: Int, y1: Int)
    /// Mean absolute luma change above which the mouth counts as moving.
    public var threshold: Float
    private var previous: [UInt8] = []     // the previous frame's region, row-major

    /// - Parameters:
    ///   - width, height: frame size in pixels.
    ///   - horizontal, vertical: the region as fractions of the frame (default: the middle half
    ///     horizontally, the lower 55–95 % vertically).
    public init(width: Int, height: Int, horizontal: ClosedRange<Double> = 0.25...0.75,
                vertical: ClosedRange<Double> = 0.55...0.95, threshold: Float = 2.0) throws {
        guard width >= 4, height >= 4, width <= 8192, height <= 8192 else {
            throw FeaturesError.unsupported(path: "video.size", reason: "frame size \(width)x\(height) is outside 4x4…8192x8192")
        }
        guard horizontal.lowerBound >= 0, horizontal.upperBound <= 1, vertical.lowerBound >= 0, vertical.upperBound <= 1 else {
            throw FeaturesError.unsupported(path: "video.mouth_region",
                                            reason: "region fractions must lie in 0…1, got \(horizontal) × \(vertical)")
        }
        let x0 = Int(Double(width) * horizontal.lowerBound), x1 = Int(Double(width) * horizontal.upperBound)
        let y0 = Int(Double(height) * vertical.lowerBound), y1 = Int(Double(height) * vertical.upperBound)
        guard x1 > x0, y1 > y0 else {
            throw FeaturesError.unsupported(path: "video.mouth_region",
                                            reason: "region \(horizontal) × \(vertical) of a \(width)x\(height) frame is empty")
        }
        self.width = width; self.height = height
        self.region = (x0, x1, y0, y1)
        self.threshold = threshold
    }

    /// Motion energy of `luma` (width × height bytes, row-major) against the previous frame;
    /// nil for the first frame.
    public mutating func energy(luma: [UInt8]) throws -> Float? {
        guard luma.count == width * height else {
            throw FeaturesError.unsupported(path: "video frame",
                                            reason: "expected \(width * height) luma bytes for \(width)x\(height), got \(luma.count)")
        }
        var current: [UInt8] = []
        current.reserveCapacity((region.x1 - region.x0) * (region.y1 - region.y0))
        for y in region.y0..<region.y1 {
            current.append(contentsOf: luma[(y * width + region.x0)..<(y * width + region.x1)])
        }
        defer { previous = current }
        guard previous.count == current.count else { return nil }
        var sum = 0
        for i in current.indices { sum += abs(Int(current[i]) - Int(previous[i])) } // (rh*rw) -> scalar
        return Float(sum) / Float(current.count)
    }

    /// Whether the mouth region moved (`MouthMotionActivity`'s gate): nil before two frames were seen.
    public mutating func mouthActive(luma: [UInt8]) throws -> Bool? {
        try energy(luma: luma).map { $0 > threshold }
    }
}
