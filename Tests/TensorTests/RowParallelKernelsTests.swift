import XCTest
@testable import Tensor
import TestSupport

/// LayerNorm, the residual add and conv1d's im2col split their rows over the engine's threads at
/// the encoder's sizes (1500 rows): every row is computed by the same code on some thread, so the
/// result has the same bits on 1, 2 and 3 threads.
final class RowParallelKernelsTests: XCTestCase {
    private func onThreads<T: Equatable>(_ body: () -> T) -> [T] {
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        return [1, 2, 3].map { n in BLASThreads.set(n); return body() }
    }

    private func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

    func testLayerNormHasTheSameBitsOnAnyThreadCount() {
        var rng = SeededRandom(state: 11)
        let rows = 1500, width = 384
        XCTAssertGreaterThanOrEqual(rows * width, ParallelChunks.minimumElements, "the parallel path")
        let x = rng.floats(rows * width, scale: 4), g = rng.floats(width), b = rng.floats(width)
        let runs = onThreads { () -> [UInt32] in
            var y = [Float](repeating: .nan, count: rows * width)
            Kernels.layerNorm(x, rows: rows, width: width, gamma: g, beta: b, into: &y)
            return bits(y)
        }
        XCTAssertEqual(runs[0], runs[1])
        XCTAssertEqual(runs[0], runs[2])
        var slow = [Float](repeating: 0, count: rows * width)
        ReferenceKernels.layerNorm(x, rows: rows, width: width, gamma: g, beta: b, into: &slow)
        XCTAssertLessThan(maxAbsDiff(runs[0].map(Float.init(bitPattern:)), slow), 1e-5)
    }

    func testAddHasTheSameBitsOnAnyThreadCount() {
        var rng = SeededRandom(state: 12)
        let count = 1500 * 384 + 5
        let a = rng.floats(count), b = rng.floats(count)
        let runs = onThreads { () -> [UInt32] in
            var y = a
            b.withUnsafeBufferPointer { bb in y.withUnsafeMutableBufferPointer { Kernels.add($0.baseAddress!, bb.baseAddress!, count: count) } }
            return bits(y)
        }
        XCTAssertEqual(runs[0], runs[1])
        XCTAssertEqual(runs[0], runs[2])
        XCTAssertEqual(runs[0], bits(zip(a, b).map { $0 + $1 }))
    }

    func testConvColumnsHaveTheSameBitsOnAnyThreadCount() {
        var rng = SeededRandom(state: 13)
        let cin = 80, cout = 24, length = 3000
        let x = rng.floats(cin * length), w = rng.floats(cout * cin * 3), b = rng.floats(cout)
        for stride in [1, 2] {
            let outLength = Kernels.convOutputLength(length, kernel: 3, stride: stride, padding: 1)
            XCTAssertGreaterThanOrEqual(outLength * cin * 3, ParallelChunks.minimumElements, "the parallel path")
            let runs = onThreads { () -> [UInt32] in
                var columns = [Float](repeating: .nan, count: outLength * cin * 3)
                var y = [Float](repeating: .nan, count: outLength * cout)
                Kernels.conv1d(x, layout: .channelsFirst, inChannels: cin, length: length, weight: w, bias: b, outChannels: cout,
                               kernel: 3, stride: stride, padding: 1, columns: &columns, into: &y)
                return bits(columns)
            }
            XCTAssertEqual(runs[0], runs[1], "stride \(stride)")
            XCTAssertEqual(runs[0], runs[2], "stride \(stride)")
        }
    }
}
