import XCTest
import Tensor
import TestSupport

/// The range check in front of every C call (`CheckedBLAS`, `CheckedKernels`; issue 9 item 1):
/// a deliberately wrong leading dimension, a buffer one element short, a stride below the row
/// width or a size beyond the C `int` is refused with the call, the operand and the sizes, and the
/// C routine is not run (its output stays untouched). And the engine's own paths, at odd sizes
/// and on 1–3 threads, make no call the check refuses.
final class CheckedCallTests: XCTestCase {
    private func refusal(_ body: () -> Void, file: StaticString = #filePath, line: UInt = #line) -> CCallCheck.Violation? {
        let v = CCallCheck.collectingViolations(body)
        XCTAssertEqual(v.count, 1, "expected one refused call, got \(v)", file: file, line: line)
        return v.first
    }

    func testTheCheckIsCompiledIn() {
        XCTAssertTrue(CCallCheck.isCompiledIn, "built with -DCAPTIOND_UNCHECKED_C: these tests cannot fail")
    }

    func testSgemmWithALeadingDimensionTooLargeForItsBufferIsRefused() throws {
        // A (4, 8) in 32 floats, but lda 9 says the last row ends at 3·9 + 8 = 35.
        let a = [Float](repeating: 1, count: 32), b = [Float](repeating: 1, count: 8 * 5)
        var c = [Float](repeating: -7, count: 4 * 5)
        let v = refusal {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        CheckedBLAS.sgemm(m: 4, n: 5, k: 8, a: pa, lda: 9, b: pb, ldb: 5, c: pc, ldc: 5)
                    }
                }
            }
        }
        XCTAssertEqual(v?.call, "cblas_sgemm")
        XCTAssertEqual(v?.problem, "A needs 35 elements from its pointer, the buffer holds 32")
        XCTAssertTrue(v?.sizes.contains("m 4 n 5 k 8 lda 9 ldb 5 ldc 5") ?? false, v?.sizes ?? "")
        XCTAssertEqual(c, [Float](repeating: -7, count: 20), "the refused call must not run")
    }

    func testOutputsOneElementShortAreRefusedForEveryRoutine() {
        let x = [Float](repeating: 0.5, count: 64)
        var y = [Float](repeating: -7, count: 64)
        let halves = [UInt16](repeating: 0x3C00, count: 64), bytes = [Int8](repeating: 1, count: 64)
        var q = [Int8](repeating: 0, count: 64)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                halves.withUnsafeBufferPointer { ph in
                    bytes.withUnsafeBufferPointer { pb in
                        q.withUnsafeMutableBufferPointer { pq in
                            let pq = pq, py = py                                          // (values, for the closures)
                            let short = UnsafeMutableBufferPointer(rebasing: py[0..<5])   // 5 where 6 are needed
                            let cases: [(String, String, () -> Void)] = [
                                ("cblas_sgemm", "C", { CheckedBLAS.sgemm(m: 2, n: 3, k: 4, a: px, lda: 4, b: px, ldb: 3, c: short, ldc: 3) }),
                                ("cblas_sgemv", "y", { CheckedBLAS.sgemv(m: 6, n: 4, a: px, lda: 4, x: px, y: short) }),
                                ("cblas_somatcopy", "B", { CheckedBLAS.somatcopy(trans: true, rows: 2, cols: 3, a: px, lda: 3, b: short, ldb: 2) }),
                                ("cblas_saxpy", "y", { CheckedBLAS.saxpy(count: 6, x: px, y: short) }),
                                ("cvk_half_to_float", "dst", { CheckedKernels.halfToFloat(ph, short, count: 6) }),
                                ("cvk_gemv_half", "y", { CheckedKernels.gemvHalf(w: ph, out: 3, in: 8, x: px, rows: 2, ldx: 8, bias: nil, y: short, ldy: 3, threads: 2) }),
                                ("cvk_gemv_half_batch", "y", { CheckedKernels.gemvHalf(batch: true, w: ph, out: 3, in: 8, x: px, rows: 2, ldx: 8, bias: nil, y: short, ldy: 3, threads: 2) }),
                                ("cvk_gemm_s8", "y", { CheckedKernels.gemmS8(portable: false, w: pb, wscale: px, out: 3, in: 8, x: pb, ldx: 8, xscale: px, rows: 2, bias: nil, y: short, ldy: 3, threads: 1) }),
                                ("cvk_gemm_s8_portable", "y", { CheckedKernels.gemmS8(portable: true, w: pb, wscale: px, out: 3, in: 8, x: pb, ldx: 8, xscale: px, rows: 2, bias: nil, y: short, ldy: 3, threads: 1) }),
                                ("cvk_quantize_rows_s8", "scales", { CheckedKernels.quantizeRows(portable: false, x: px, rows: 6, in: 4, ldx: 4, q: pq, ldq: 8, scales: short) }),
                                ("cvk_softmax_rows", "x", { CheckedKernels.softmaxRows(short, rows: 2, width: 3) }),
                                ("cvk_exp_rows", "x", { CheckedKernels.expRows(short, rows: 2, width: 3, inverse: py) }),
                                ("cvk_gelu", "x", { CheckedKernels.gelu(short, count: 6) }),
                                ("cvk_attend_one", "out", { _ = CheckedKernels.attendOne(q: px, k: px, ldk: 8, v: px, ldv: 8, keys: 2, heads: 1, headDim: 8, out: UnsafeMutableBufferPointer(rebasing: py[0..<7]), threads: 1) }),
                                ("cvk_attend_batch", "out", { _ = CheckedKernels.attendBatch(q: px, ldq: 8, rows: 2, k: px, ldk: 8, v: px, ldv: 8, keys: 2, heads: 1, headDim: 8, out: UnsafeMutableBufferPointer(rebasing: py[0..<15]), ldo: 8, threads: 1) }),
                            ]
                            for (call, operand, body) in cases {
                                let v = CCallCheck.collectingViolations(body)
                                XCTAssertEqual(v.count, 1, call)
                                XCTAssertEqual(v.first?.call, call)
                                XCTAssertTrue(v.first?.problem.hasPrefix(operand + " needs") ?? false, "\(call): \(v)")
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(y, [Float](repeating: -7, count: 64), "a refused call must not run")
        XCTAssertEqual(q, [Int8](repeating: 0, count: 64))
    }

    func testStridesBelowTheRowWidthAndSizesBeyondCIntAreRefused() {
        let x = [Float](repeating: 0.5, count: 64), halves = [UInt16](repeating: 0, count: 64)
        var y = [Float](repeating: -7, count: 64)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in halves.withUnsafeBufferPointer { ph in
                // OpenBLAS would print "parameter 8" and skip; the check names it.
                var v = refusal { CheckedBLAS.sgemm(m: 2, n: 3, k: 4, a: px, lda: 3, b: px, ldb: 3, c: py, ldc: 3) }
                XCTAssertEqual(v?.problem, "lda 3 is below 4")
                v = refusal { CheckedBLAS.sgemv(m: 2, n: 4, a: px, lda: -1, x: px, y: py) }
                XCTAssertEqual(v?.problem, "lda -1 does not fit the C int parameter")
                v = refusal { CheckedBLAS.saxpy(count: Int(Int32.max) + 1, x: px, y: py) }
                XCTAssertEqual(v?.problem, "count 2147483648 does not fit the C int parameter")
                v = refusal { CheckedKernels.gemvHalf(w: ph, out: 2, in: 8, x: px, rows: 2, ldx: 7, bias: nil, y: py, ldy: 2, threads: 1) }
                XCTAssertEqual(v?.problem, "ldx 7 is below 8")
                v = refusal { _ = CheckedKernels.attendOne(q: px, k: px, ldk: 4, v: px, ldv: 8, keys: 2, heads: 1,
                                                            headDim: 8, out: py, threads: 1) }
                XCTAssertEqual(v?.problem, "ldk 4 is below 8")
            } }
        }
        XCTAssertEqual(y, [Float](repeating: -7, count: 64))
    }

    /// The engine's own products and attention at odd sizes, on 1–3 threads: no refused call.
    func testTheEnginePathsMakeNoRefusedCall() throws {
        var rng = SeededRandom(state: 12)
        let saved = BLASThreads.count
        defer { BLASThreads.set(saved) }
        var violations: [CCallCheck.Violation] = []
        for threads in [1, 2, 3] {
            BLASThreads.set(threads)
            violations += CCallCheck.collectingViolations {
                for (rows, inF, out) in [(1, 384, 1031), (3, 17, 9), (5, 64, 513), (40, 33, 70), (130, 24, 40)] {
                    let x = rng.floats(rows * inF), w = rng.floats(out * inF), b = rng.floats(out)
                    var y = [Float](repeating: 0, count: rows * out)
                    x.withUnsafeBufferPointer { px in w.withUnsafeBufferPointer { pw in b.withUnsafeBufferPointer { pb in
                        y.withUnsafeMutableBufferPointer { py in
                            Kernels.linear(px.baseAddress!, rows: rows, inFeatures: inF, weight: pw.baseAddress!,
                                           outFeatures: out, bias: pb.baseAddress!, into: py.baseAddress!)
                            Kernels.linearSerial(px.baseAddress!, rows: rows, inFeatures: inF, weight: pw.baseAddress!,
                                                 outFeatures: out, bias: nil, into: py.baseAddress!)
                            Kernels.gelu(py.baseAddress!, count: py.count)
                            Kernels.softmax(py.baseAddress!, rows: rows, width: out)
                            Kernels.add(py.baseAddress!, pb.baseAddress!, count: min(out, py.count))
                            if let half = try? Tensor(shape: [out, inF], data: w.map { Float(Float16($0)) }),
                               let m = HalfMatrix(exactly: half) {
                                m.linear(px.baseAddress!, rows: rows, bias: pb.baseAddress!, into: py.baseAddress!)
                                m.linearBatch(px.baseAddress!, rows: rows, bias: nil, into: py.baseAddress!)
                            }
                            let q = Int8Matrix(quantizing: pw.baseAddress!, rows: out, columns: inF)
                            q.linear(px.baseAddress!, rows: rows, bias: pb.baseAddress!, into: py.baseAddress!)
                            q.linear(px.baseAddress!, rows: rows, bias: nil, into: py.baseAddress!, portable: true)
                        }
                    } } }
                }
                // Attention: one query (kernel and sgemv), short prompts (perHead), long (blocked), causal or not.
                for (queries, keys, heads, d, causal) in [(1, 37, 3, 16, false), (1, 9, 2, 8, true), (5, 12, 2, 24, true),
                                                          (130, 130, 2, 16, true), (200, 150, 3, 8, false)] {
                    let width = heads * d
                    let qkv = rng.floats(max(queries, keys) * 3 * width)
                    var out = [Float](repeating: 0, count: queries * width)
                    var scores = [Float](repeating: 0, count: Attention.scratchCount(queries: queries, keys: keys))
                    qkv.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
                        scores.withUnsafeMutableBufferPointer { s in
                            let base = p.baseAddress!
                            Attention.multiHead(q: base, ldq: 3 * width, k: base + width, ldk: 3 * width, v: base + 2 * width,
                                                ldv: 3 * width, queries: queries, keys: keys, heads: heads, headDim: d,
                                                causalOffset: causal ? keys - queries : nil, scores: s.baseAddress!,
                                                into: o.baseAddress!, ldo: width)
                            VectorExtensions.withPortableKernels {
                                Attention.multiHead(q: base, ldq: 3 * width, k: base + width, ldk: 3 * width,
                                                    v: base + 2 * width, ldv: 3 * width, queries: queries, keys: keys,
                                                    heads: heads, headDim: d, causalOffset: causal ? keys - queries : nil,
                                                    scores: s.baseAddress!, into: o.baseAddress!, ldo: width)
                            }
                        }
                    } }
                }
            }
        }
        XCTAssertEqual(violations, [], violations.map(\.description).joined(separator: "\n"))
    }
}
