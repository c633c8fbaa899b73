import XCTest
@testable import Tensor

final class GeneralMatrixMultiplyTests: XCTestCase {
    /// OpenBLAS sgemm with every transpose combination and β ∈ {0, 1} against the naive loop.
    func testSgemmMatchesReference() {
        var state: UInt64 = 12345
        func rand() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000 }
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 40, 1)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    for beta: Float in [0, 1] {
                        let a = (0..<(m * k)).map { _ in rand() }, b = (0..<(k * n)).map { _ in rand() }
                        let c0 = (0..<(m * n)).map { _ in rand() }
                        var fast = c0, slow = c0
                        GeneralMatrixMultiply.sgemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a, b, beta: beta, &fast)
                        GeneralMatrixMultiply.sgemmReference(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5, a, b, beta: beta, &slow)
                        let diff = zip(fast, slow).map { abs($0 - $1) }.max() ?? 0
                        XCTAssertLessThan(diff, 1e-4, "m \(m) n \(n) k \(k) ta \(ta) tb \(tb) beta \(beta)")
                    }
                }
            }
        }
    }
}
