import XCTest
import Tensor

/// OpenBLAS runs single-threaded under the engine (`BLASThreads`): the first OpenBLAS call pins
/// it, whichever path makes that call. Before, only asking `BLASThreads.count` pinned it, so the
/// trainer's convolutions (sgemm through `CheckedBLAS` without that question) ran OpenBLAS's own
/// spinning threads beside the engine's. Discriminating in a process where nothing has called
/// OpenBLAS yet (`swift test --filter OpenBLASPinTests`; on a machine with more than one core).
final class OpenBLASPinTests: XCTestCase {
    func testTheFirstBLASCallPinsOpenBLASToOneThread() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    CheckedBLAS.sgemm(m: 2, n: 2, k: 2, a: pa, lda: 2, b: pb, ldb: 2, c: pc, ldc: 2)
                }
            }
        }
        XCTAssertEqual(c, [19, 22, 43, 50])
        XCTAssertEqual(BLASThreads.openBLASThreads, 1, "OpenBLAS was left with its own threads after an sgemm")
    }
}
