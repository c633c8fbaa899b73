import XCTest
@testable import Vision

/// The samplers' rounding without `roundf` equals `max(v.rounded(), 0)` (half away from zero),
/// around every half-integer of the grey range and on values just beside them.
final class ImageSamplingRoundingTests: XCTestCase {
    func testRoundedNonNegativeEqualsRounded() {
        var values: [Float] = [0, -0.0, -3, 1e-30, 255.49998, 300, 9e6]
        for k in 0...512 {
            let half = Float(k) / 2
            values += [half, half.nextUp, half.nextDown, half + 0.25, half - 0.25]
        }
        for v in values {
            XCTAssertEqual(ImageSampling.roundedNonNegative(v), max(v.rounded(), 0), "\(v)")
        }
    }
}
