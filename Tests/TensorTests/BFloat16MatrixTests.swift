import Foundation
import XCTest
@testable import Tensor
import TestSupport

/// The bfloat16 AMX product (`BFloat16Matrix`, `cvk_gemm_bf16_amx`) against its naive twin
/// (`BFloat16Reference`: the same roundings, sums in float64), over partial tiles in every
/// dimension and 1–3 engine threads; y is not written outside its rows. The portable fallback over
/// the same packed weights (`cvk_gemm_bf16_portable`) against the same reference, on any CPU.
final class BFloat16MatrixTests: XCTestCase {
    private func requireTiles() throws {
        try XCTSkipUnless(BFloat16Matrix.available, "this CPU has no AMX-BF16 (or the kernel refused the tile state)")
    }

    func testRoundingIsToNearestEven() {
        XCTAssertEqual(BFloat16Reference.round(1), 1)
        XCTAssertEqual(BFloat16Reference.round(-2.5), -2.5)
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: to the even mantissa, 1.
        XCTAssertEqual(BFloat16Reference.round(1 + 1.0 / 256), 1)
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: to the even one, 1 + 2^-6.
        XCTAssertEqual(BFloat16Reference.round(1 + 3.0 / 256), 1 + 1.0 / 64)
        XCTAssertEqual(BFloat16Reference.round(.infinity), .infinity)
        XCTAssertTrue(BFloat16Reference.round(.nan).isNaN)
        XCTAssertTrue(BFloat16Reference.round(3.0e38).isFinite, "large values stay finite")
    }

    func testProductMatchesTheReference() throws {
        try requireTiles()
        try checkProducts(portable: false)
    }

    /// The fallback over the same packed weights, on any CPU.
    func testPortableProductMatchesTheReference() throws {
        try checkProducts(portable: true)
    }

    private func checkProducts(portable: Bool) throws {
        var rng = SeededRandom(state: 21)
        let shapes = [(1, 32, 32), (2, 40, 17), (5, 96, 50), (33, 64, 64), (31, 33, 65), (70, 384, 48), (64, 7, 3)]
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        for (n, inF, outF) in shapes {
            let x = rng.floats(n * inF, scale: 2), w = rng.floats(outF * inF), b = rng.floats(outF)
            let m = try BFloat16Matrix(try Tensor(shape: [outF, inF], data: w))
            for threads in [1, 2, 3] {
                BLASThreads.set(threads)
                for bias in [nil, b] {
                    let reference = BFloat16Reference.linear(x, rows: n, weight: w, out: outF, in: inF, bias: bias)
                    let canary: Float = 12345
                    var y = [Float](repeating: canary, count: n * outF + 7)
                    let ran = x.withUnsafeBufferPointer { xb in
                        y.withUnsafeMutableBufferPointer { yb in
                            if let bias {
                                return bias.withUnsafeBufferPointer {
                                    m.linear(xb.baseAddress!, rows: n, bias: $0.baseAddress, into: yb.baseAddress!, portable: portable)
                                }
                            }
                            return m.linear(xb.baseAddress!, rows: n, bias: nil, into: yb.baseAddress!, portable: portable)
                        }
                    }
                    XCTAssertEqual(ran, portable ? .portable : .tiles)
                    // float32 sums of `in` bfloat16 products against float64 ones.
                    let scale = Float(inF) * 4
                    let worst = maxAbsDiff(Array(y[0..<(n * outF)]), reference)
                    XCTAssertLessThan(worst, scale * 1e-6, "(\(n), \(inF)) x (\(outF)) threads \(threads) bias \(bias != nil)")
                    XCTAssertEqual(Array(y[(n * outF)...]), [Float](repeating: canary, count: 7), "nothing written past y")
                }
            }
        }
    }

    /// The rounding is the product's only approximation: on inputs bfloat16 holds exactly (small
    /// integers), the tiles give the float32 product exactly.
    func testExactInputsGiveTheExactProduct() throws {
        let n = 35, inF = 70, outF = 40
        let x = (0..<(n * inF)).map { Float($0 % 7 - 3) }, w = (0..<(outF * inF)).map { Float($0 % 5 - 2) }
        let m = try BFloat16Matrix(try Tensor(shape: [outF, inF], data: w))
        var expected = [Float](repeating: 0, count: n * outF)
        ReferenceKernels.linear(x, rows: n, inFeatures: inF, weight: w, outFeatures: outF, bias: nil, into: &expected)
        for portable in BFloat16Matrix.available ? [false, true] : [true] {
            var y = [Float](repeating: 0, count: n * outF)
            let ran = x.withUnsafeBufferPointer { xb in
                y.withUnsafeMutableBufferPointer { m.linear(xb.baseAddress!, rows: n, bias: nil, into: $0.baseAddress!, portable: portable) }
            }
            XCTAssertEqual(ran, portable ? .portable : .tiles)
            XCTAssertEqual(y, expected, "portable \(portable)")
        }
    }

    /// Each thread keeps its rounded-rows scratch between products, grows it for wider inputs and
    /// frees it when the thread ends: short-lived threads, each running a narrow then a wide
    /// product (on 1 engine thread, so the part runs on that thread), give the reference's values
    /// (under AddressSanitizer a scratch freed twice or used after its thread ended would abort).
    func testScratchIsKeptPerThreadAndFreedWhenTheThreadEnds() throws {
        try requireTiles()
        var rng = SeededRandom(state: 5)
        let n = 40, shapes = [(48, 24), (400, 40), (64, 33)]
        let cases = try shapes.map { (inF, outF) -> (BFloat16Matrix, [Float], [Float]) in
            let x = rng.floats(n * inF, scale: 2), w = rng.floats(outF * inF)
            let m = try BFloat16Matrix(try Tensor(shape: [outF, inF], data: w))
            return (m, x, BFloat16Reference.linear(x, rows: n, weight: w, out: outF, in: inF, bias: nil))
        }
        let saved = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(saved) }
        let worst = LockedBox([Float](repeating: 0, count: cases.count))
        let failures = LockedBox(0)
        for _ in 0..<6 {
            let done = DispatchGroup()
            for _ in 0..<2 {
                done.enter()
                Thread {
                    defer { done.leave() }
                    for (index, (m, x, reference)) in cases.enumerated() {
                        var y = [Float](repeating: 0, count: n * m.rows)
                        let ran = x.withUnsafeBufferPointer { xb in
                            y.withUnsafeMutableBufferPointer { m.linear(xb.baseAddress!, rows: n, bias: nil, into: $0.baseAddress!) }
                        }
                        if ran != .tiles { failures.update { $0 += 1 } }
                        let d = maxAbsDiff(y, reference)
                        worst.update { $0[index] = max($0[index], d) }
                    }
                }.start()
            }
            XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        }
        XCTAssertEqual(failures.value, 0, "the tiles declined a product")
        for (index, (inF, _)) in shapes.enumerated() {
            XCTAssertLessThan(worst.value[index], Float(inF) * 4e-6, "in \(inF)")
        }
    }

    func testAnEmptyMatrixIsRefused() {
        XCTAssertThrowsError(try BFloat16Matrix(try Tensor(shape: [0, 4], data: [])))
    }
}

/// A value shared by the test's threads, behind a lock.
private final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
