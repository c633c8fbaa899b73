import Foundation
import XCTest
import Tensor
import TestSupport

/// Inputs the libFuzzer harnesses (Fuzz/, `make fuzz`) found crashing the checkpoint readers,
/// committed under Tests/Fixtures/fuzz/: each must now be refused with a clear error.
final class FuzzRegressionTests: XCTestCase {
    func fixture(_ name: String) -> String {
        TestPaths.fixtures.appendingPathComponent("fuzz/\(name)").path
    }

    /// fuzz-ct2: a variable of shape (3 · 2^32 …) made `shape.reduce(1, *)` trap on overflow
    /// ("Swift runtime failure: arithmetic overflow", CTranslate2Reader.swift:59); -Ounchecked
    /// builds wrapped silently instead.
    func testCTranslate2ShapeWhoseElementCountOverflows() {
        XCTAssertThrowsError(try CTranslate2Reader.read(path: fixture("ct2-shape-overflow.bin"))) { error in
            guard case let TensorError.wrongFormat(_, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("too many elements"), reason)
        }
    }
}

extension FuzzRegressionTests {
    /// The same overflow in the safetensors header (shape [2^32, 2^32, 4]): trapped in
    /// `shape.reduce(1, *)`; found by hand after fuzz-ct2's finding (fuzz-safetensors rarely
    /// writes numbers that large), seen trapping in the harness binary before the fix.
    func testSafetensorsShapeWhoseElementCountOverflows() {
        XCTAssertThrowsError(try SafetensorsReader.read(path: fixture("safetensors-shape-overflow.safetensors"))) { error in
            guard case let TensorError.wrongFormat(_, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("too many elements"), reason)
        }
    }
}
