import XCTest
import CaptionCore
import Features

final class LumaConversionTests: XCTestCase {
    private func pseudoRandomBytes(_ n: Int, seed: UInt32) -> [UInt8] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    func testFastPathMatchesReferenceForEveryFormatAndPadding() {
        for format in PixelFormat.allCases {
            for (width, height, pad) in [(640, 480, 0), (17, 5, 0), (33, 7, 12), (2, 1, 2)] {
                let bpl = (format == .yuyv ? 2 * width : width) + pad
                let bytes = format.frameBytes(height: height, bytesPerLine: bpl)
                let src = pseudoRandomBytes(bytes, seed: UInt32(width * 31 + height))
                var fast = [UInt8](repeating: 0, count: width * height)
                src.withUnsafeBytes { s in
                    fast.withUnsafeMutableBufferPointer { d in
                        LumaConversion().convert(format, source: s.baseAddress!, width: width, height: height,
                                                 bytesPerLine: bpl, destination: d.baseAddress!)
                    }
                }
                let reference = LumaConversion.convertReference(format, source: src, width: width,
                                                                height: height, bytesPerLine: bpl)
                XCTAssertEqual(fast, reference, "\(format) \(width)x\(height) pad \(pad)")
            }
        }
    }

    func testYUYVTakesEvenBytes() {
        let src: [UInt8] = [10, 200, 20, 201, 30, 202, 40, 203]
        XCTAssertEqual(LumaConversion.convertReference(.yuyv, source: src, width: 4, height: 1, bytesPerLine: 8),
                       [10, 20, 30, 40])
    }
}
