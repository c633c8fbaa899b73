import XCTest
import Features

/// FrameMotion: the mouth-activity gate input of the VAD.
final class FrameMotionTests: XCTestCase {
    /// A 64×48 grey frame with a dark 8×6 block at (x, y).
    func frame(blockX x: Int, blockY y: Int) -> [UInt8] {
        var f = [UInt8](repeating: 128, count: 64 * 48)
        for r in y..<(y + 6) { for c in x..<(x + 8) { f[r * 64 + c] = 20 } }
        return f
    }

    func testStillFramesHaveNoMotion() throws {
        var m = try FrameMotion(width: 64, height: 48)
        XCTAssertNil(try m.energy(luma: frame(blockX: 28, blockY: 32)), "first frame has nothing to compare")
        XCTAssertEqual(try m.energy(luma: frame(blockX: 28, blockY: 32)), 0)
        XCTAssertEqual(try m.mouthActive(luma: frame(blockX: 28, blockY: 32)), false)
    }

    func testMotionInTheMouthRegionCountsAndElsewhereDoesNot() throws {
        var m = try FrameMotion(width: 64, height: 48)
        _ = try m.energy(luma: frame(blockX: 28, blockY: 30))
        let mouth = try XCTUnwrap(m.energy(luma: frame(blockX: 28, blockY: 34)))
        // Region 16..<48 × 26..<45 = 32 × 19 pixels; 2 × 8 × 4 pixels changed by 108.
        XCTAssertEqual(mouth, Float(2 * 8 * 4 * 108) / Float(32 * 19), accuracy: 1e-4)
        XCTAssertTrue(mouth > m.threshold)

        var n = try FrameMotion(width: 64, height: 48)
        _ = try n.energy(luma: frame(blockX: 28, blockY: 2))
        XCTAssertEqual(try n.energy(luma: frame(blockX: 28, blockY: 6)), 0, "motion in the upper half is ignored")
    }

    func testBadSizesAreRejected() throws {
        XCTAssertThrowsError(try FrameMotion(width: 0, height: 48))
        XCTAssertThrowsError(try FrameMotion(width: 64, height: 48, horizontal: 0.5...1.5))
        var m = try FrameMotion(width: 64, height: 48)
        XCTAssertThrowsError(try m.energy(luma: [UInt8](repeating: 0, count: 10))) { e in
            XCTAssertTrue("\(e)".contains("expected 3072 luma bytes"), "\(e)")
        }
    }
}
