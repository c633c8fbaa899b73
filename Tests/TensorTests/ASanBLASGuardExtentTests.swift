import Foundation
import XCTest
import Tensor
import TestSupport

/// scripts/sanitizers/asan-blas-guard.c (a developer tool, docs/MEMORY_SAFETY.md) restates
/// `CExtent`'s formulas in C, because the shim cannot call Swift. Built with its table `main`, it
/// prints the extents it would check for each call; they must equal `CExtent`'s over a grid of
/// shapes, transposes and leading dimensions, empty dimensions included.
final class ASanBLASGuardExtentTests: XCTestCase {
    private struct ShimBuildFailed: Error, CustomStringConvertible {
        let compilerOutput: String
        var description: String { "building asan-blas-guard.c with its table main failed: \(compilerOutput)" }
    }

    private var shim: URL { TestPaths.repoRoot.appendingPathComponent("scripts/sanitizers/asan-blas-guard.c") }

    /// Runs the shim built with its table `main` on `input` (one call per line).
    private func runTable(_ input: String) throws -> CommandResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asan-blas-guard-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = dir.appendingPathComponent("table").path
        let cc = try TestPaths.requireExecutable("/usr/bin/cc", "a C compiler builds the shim's table (apt-get install gcc)")
        let build = try CommandRunner.run(cc, [
            "-O1", "-Wall", "-Wextra", "-Werror", "-DASAN_BLAS_GUARD_TABLE", shim.path, "-o", table, "-ldl"])
        guard build.status == 0 else { throw ShimBuildFailed(compilerOutput: build.stderr) }
        return try CommandRunner.run(table, [], stdin: Data(input.utf8))
    }

    /// The shim's extents for `calls`, one line of numbers per call.
    private func shimExtents(_ calls: [String]) throws -> [[Int]] {
        let run = try runTable(calls.joined(separator: "\n") + "\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map { $0.split(separator: " ").compactMap { Int($0) } }
        XCTAssertEqual(lines.count, calls.count, "one line of extents per call")
        return lines
    }

    func testShimExtentsEqualCExtent() throws {
        let sizes = [0, 1, 3, 8]
        var calls: [String] = [], expected: [[Int]] = []
        for transA in [false, true] {
            for transB in [false, true] {
                for m in sizes { for n in sizes { for k in sizes { for pad in [0, 5] {
                    let least = CExtent.sgemmMinimumLeadingDimensions(transA: transA, transB: transB, m: m, n: n, k: k)
                    let (lda, ldb, ldc) = (least.lda + pad, least.ldb + 2 * pad, least.ldc + pad)
                    let e = CExtent.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
                    calls.append("sgemm \(transA ? 1 : 0) \(transB ? 1 : 0) \(m) \(n) \(k) \(lda) \(ldb) \(ldc)")
                    expected.append([e.a, e.b, e.c])
                } } } }
            }
            let trans = transA
            for m in sizes { for n in sizes { for pad in [0, 5] {
                let lda = max(1, n) + pad
                let v = CExtent.sgemv(trans: trans, m: m, n: n, lda: lda)
                calls.append("sgemv \(trans ? 1 : 0) \(m) \(n) \(lda)")
                expected.append([v.a, v.x, v.y])
                let ldb = max(1, trans ? m : n) + pad
                let c = CExtent.somatcopy(trans: trans, rows: m, cols: n, lda: lda, ldb: ldb)
                calls.append("somatcopy \(trans ? 1 : 0) \(m) \(n) \(lda) \(ldb)")
                expected.append([c.a, c.b])
            } } }
        }
        for n in sizes + [1000] {
            calls.append("saxpy \(n)")
            expected.append([CExtent.vector(n), CExtent.vector(n)])
        }
        let got = try shimExtents(calls)
        guard got.count == calls.count else { return }
        var differing = 0
        for (i, call) in calls.enumerated() where got[i] != expected[i] {
            differing += 1
            if differing <= 5 { XCTFail("\(call): the shim checks \(got[i]), CExtent says \(expected[i])") }
        }
        XCTAssertEqual(differing, 0, "calls whose extents differ, of \(calls.count)")
        XCTAssertTrue(expected.contains { $0.allSatisfy { $0 == 0 } } && expected.contains { $0.allSatisfy { $0 > 0 } },
                      "the grid has both empty and non-empty calls")
    }

    /// The table's main refuses a line it cannot read rather than printing nothing for it.
    func testShimTableRefusesAnUnknownCall() throws {
        let run = try runTable("sgemm 1 2\n")
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("cannot read the line: sgemm 1 2"), run.stderr)
    }
}
