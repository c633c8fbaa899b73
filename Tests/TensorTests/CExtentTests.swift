import XCTest
import Tensor
import TestSupport

/// The extents `CheckedBLAS` and `CheckedKernels` compare with the buffers (`CExtent`) must be
/// exactly what each routine touches: checked against the indices the routine's definition reads
/// and writes (the largest + 1), and by running the real routine on buffers of exactly that many
/// elements, ending at a PROT_NONE page (one element more read or written faults here).
final class CExtentTests: XCTestCase {
    /// 1 + the largest index of a row-major (rows, columns) matrix with leading dimension ld,
    /// element by element as the definition reads it; 0 when empty.
    private func touched(rows: Int, columns: Int, ld: Int) -> Int {
        var top = -1
        for i in 0..<rows { for j in 0..<columns { top = max(top, i * ld + j) } }
        return top + 1
    }

    func testSgemmExtentsAreTheIndicesTheDefinitionTouches() {
        var rng = SeededRandom(state: 5)
        for _ in 0..<300 {
            let m = rng.int(0...6), n = rng.int(0...6), k = rng.int(0...6)
            for transA in [false, true] {
                for transB in [false, true] {
                    let least = CExtent.sgemmMinimumLeadingDimensions(transA: transA, transB: transB, m: m, n: n, k: k)
                    let lda = least.lda + rng.int(0...3), ldb = least.ldb + rng.int(0...3), ldc = least.ldc + rng.int(0...3)
                    let e = CExtent.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
                    // C[i, j] += A(i, p) B(p, j): A(i, p) at i·lda + p, or p·lda + i transposed; B likewise.
                    var a = -1, b = -1, c = -1
                    for i in 0..<m {
                        for j in 0..<n {
                            c = max(c, i * ldc + j)
                            for p in 0..<k {
                                a = max(a, transA ? p * lda + i : i * lda + p)
                                b = max(b, transB ? j * ldb + p : p * ldb + j)
                            }
                        }
                    }
                    let what = "m \(m) n \(n) k \(k) transA \(transA) transB \(transB) ld \(lda) \(ldb) \(ldc)"
                    XCTAssertEqual(e.a, a + 1, what)
                    XCTAssertEqual(e.b, b + 1, what)
                    XCTAssertEqual(e.c, c + 1, what)
                }
            }
        }
    }

    func testSgemvAndOmatcopyExtentsAreTheIndicesTheDefinitionTouches() {
        var rng = SeededRandom(state: 6)
        for _ in 0..<200 {
            let m = rng.int(0...7), n = rng.int(0...7), pad = rng.int(0...3)
            for trans in [false, true] {
                let e = CExtent.sgemv(trans: trans, m: m, n: n, lda: max(1, n) + pad)
                let empty = m == 0 || n == 0
                XCTAssertEqual(e.a, touched(rows: m, columns: n, ld: max(1, n) + pad))
                XCTAssertEqual(e.x, empty ? 0 : (trans ? m : n))
                XCTAssertEqual(e.y, empty ? 0 : (trans ? n : m))
                let ldb = max(1, trans ? m : n) + pad
                let o = CExtent.somatcopy(trans: trans, rows: m, cols: n, lda: max(1, n) + pad, ldb: ldb)
                XCTAssertEqual(o.a, touched(rows: m, columns: n, ld: max(1, n) + pad))
                XCTAssertEqual(o.b, trans ? touched(rows: n, columns: m, ld: ldb) : touched(rows: m, columns: n, ld: ldb))
            }
        }
    }

    func testKernelExtentsAreTheIndicesTheDefinitionTouches() {
        var rng = SeededRandom(state: 7)
        for _ in 0..<200 {
            let out = rng.int(0...9), inF = rng.int(0...9), rows = rng.int(0...5)
            let ldx = inF + rng.int(0...3), ldy = out + rng.int(0...3)
            let p = CExtent.rowProduct(out: out, in: inF, rows: rows, ldx: ldx, ldy: ldy)
            let empty = out == 0 || rows == 0
            XCTAssertEqual(p.w, empty ? 0 : touched(rows: out, columns: inF, ld: inF))
            XCTAssertEqual(p.x, empty ? 0 : touched(rows: rows, columns: inF, ld: ldx))
            XCTAssertEqual(p.y, touched(rows: rows, columns: out, ld: ldy))
            let heads = rng.int(1...3), d = 8 * rng.int(1...2), keys = rng.int(0...5), width = heads * d
            let ldq = width + rng.int(0...9), ldk = width + rng.int(0...9), ldv = width + rng.int(0...9)
            let ldo = width + rng.int(0...9)
            let a = CExtent.attention(rows: rows, ldq: ldq, keys: keys, ldk: ldk, ldv: ldv, heads: heads, headDim: d, ldo: ldo)
            let none = rows == 0 || keys == 0
            XCTAssertEqual(a.q, none ? 0 : touched(rows: rows, columns: width, ld: ldq))
            XCTAssertEqual(a.k, none ? 0 : touched(rows: keys, columns: width, ld: ldk))
            XCTAssertEqual(a.v, none ? 0 : touched(rows: keys, columns: width, ld: ldv))
            XCTAssertEqual(a.out, none ? 0 : touched(rows: rows, columns: width, ld: ldo))
        }
    }

    /// The real OpenBLAS routines on buffers of exactly the computed extent, each ending at a
    /// PROT_NONE page, with padded leading dimensions; results against the naive product.
    func testOpenBLASStaysInsideTheComputedExtents() throws {
        var rng = SeededRandom(state: 8)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (9, 2, 17), (33, 31, 9), (2, 65, 3)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    let least = CExtent.sgemmMinimumLeadingDimensions(transA: transA, transB: transB, m: m, n: n, k: k)
                    let lda = least.lda + 3, ldb = least.ldb + 1, ldc = least.ldc + 2
                    let e = CExtent.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
                    let a = try GuardedBuffer(rng.floats(e.a)), b = try GuardedBuffer(rng.floats(e.b))
                    let c = try GuardedBuffer(e.c, repeating: Float(0))
                    let violations = CCallCheck.collectingViolations {
                        CheckedBLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: .init(a.pointer, a.count),
                                          lda: lda, b: .init(b.pointer, b.count), ldb: ldb, c: .init(c.pointer, c.count),
                                          ldc: ldc)
                    }
                    XCTAssertEqual(violations, [])
                    XCTAssertTrue(a.frontIntact && b.frontIntact && c.frontIntact)
                    for i in [0, m - 1] {
                        for j in [0, n - 1] {
                            var s = 0.0
                            for p in 0..<k {
                                let av = transA ? a.pointer[p * lda + i] : a.pointer[i * lda + p]
                                let bv = transB ? b.pointer[j * ldb + p] : b.pointer[p * ldb + j]
                                s += Double(av) * Double(bv)
                            }
                            XCTAssertEqual(c.pointer[i * ldc + j], Float(s), accuracy: 1e-4, "m \(m) n \(n) k \(k)")
                        }
                    }
                }
            }
            for trans in [false, true] {
                let lda = k + 2
                let e = CExtent.sgemv(trans: trans, m: m, n: k, lda: lda)
                let a = try GuardedBuffer(rng.floats(e.a)), x = try GuardedBuffer(rng.floats(e.x))
                let y = try GuardedBuffer(e.y, repeating: Float(0))
                let v = CCallCheck.collectingViolations {
                    CheckedBLAS.sgemv(trans: trans, m: m, n: k, a: .init(a.pointer, a.count), lda: lda,
                                      x: .init(x.pointer, x.count), y: .init(y.pointer, y.count))
                }
                XCTAssertEqual(v, [])
                let ldb = (trans ? m : n) + 1
                let o = CExtent.somatcopy(trans: trans, rows: m, cols: n, lda: n + 1, ldb: ldb)
                let src = try GuardedBuffer(rng.floats(o.a)), dst = try GuardedBuffer(o.b, repeating: Float(0))
                let w = CCallCheck.collectingViolations {
                    CheckedBLAS.somatcopy(trans: trans, rows: m, cols: n, a: .init(src.pointer, src.count), lda: n + 1,
                                          b: .init(dst.pointer, dst.count), ldb: ldb)
                }
                XCTAssertEqual(w, [])
                XCTAssertEqual(dst.pointer[trans ? (n - 1) * ldb + (m - 1) : (m - 1) * ldb + (n - 1)],
                               src.pointer[(m - 1) * (n + 1) + (n - 1)])
            }
        }
    }
}
