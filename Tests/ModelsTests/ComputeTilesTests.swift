import XCTest
@testable import Models
import Tensor

/// Which compute types multiply the encoder on AMX bfloat16 tiles: `bfloat16`, and the default
/// where the caller allows it (offline yes, the live captioner no), only on a CPU that has them.
final class ComputeTilesTests: XCTestCase {
    func testWhoUsesTheTiles() {
        let cpu = BFloat16Matrix.available
        XCTAssertEqual(ComputeType?.none.usesBFloat16Tiles(byDefault: true), cpu)
        XCTAssertFalse(ComputeType?.none.usesBFloat16Tiles(byDefault: false), "the live default keeps float products")
        XCTAssertEqual(ComputeType?.some(.bfloat16).usesBFloat16Tiles(byDefault: false), cpu)
        for other in [ComputeType.float16, .float32, .int8] {
            XCTAssertFalse(Optional(other).usesBFloat16Tiles(byDefault: true), "\(other)")
        }
        XCTAssertEqual(try ComputeType.parse("bfloat16"), .bfloat16)
        XCTAssertNil(try ComputeType.parse("default"))
    }
}
