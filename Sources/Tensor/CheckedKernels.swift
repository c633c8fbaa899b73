import CVectorKernels

/// Every CVectorKernels routine the engine calls that takes pointers and sizes, behind the range
/// check of `CCallCheck` (see `CheckedBLAS`): operands as buffers, the extent each routine touches
/// from `CExtent`, strides at least the row width, sizes non-negative. No other file calls these
/// cvk_* functions directly. The AVX2 versions must be called only when `VectorExtensions` allows.
public enum CheckedKernels {
    /// IEEE half bits → float32, `cvk_half_to_float`.
    public static func halfToFloat(_ src: UnsafeBufferPointer<UInt16>, _ dst: UnsafeMutableBufferPointer<Float>,
                                   count: Int) {
        var check = CCallCheck("cvk_half_to_float")
        check.size("count", count)
        check.operand("src", needs: count, has: src.count)
        check.operand("dst", needs: count, has: dst.count)
        guard check.passed("count \(count); buffers src \(src.count) dst \(dst.count)"), count > 0 else { return }
        cvk_half_to_float(src.baseAddress, dst.baseAddress, count)
    }

    /// float32 → half bits when every value survives exactly, `cvk_float_to_half_exact`.
    public static func floatToHalfExact(_ src: UnsafeBufferPointer<Float>, _ dst: UnsafeMutableBufferPointer<UInt16>,
                                        count: Int) -> Bool {
        var check = CCallCheck("cvk_float_to_half_exact")
        check.size("count", count)
        check.operand("src", needs: count, has: src.count)
        check.operand("dst", needs: count, has: dst.count)
        guard check.passed("count \(count); buffers src \(src.count) dst \(dst.count)") else { return false }
        return count == 0 || cvk_float_to_half_exact(src.baseAddress, dst.baseAddress, count) == 1
    }

    /// y (rows, ldy) = x (rows, ldx) · Wᵀ + b, W (out, in) half bits: `cvk_gemv_half`, or
    /// `cvk_gemv_half_batch` with `batch`.
    public static func gemvHalf(batch: Bool = false, w: UnsafeBufferPointer<UInt16>, out: Int, in: Int,
                                x: UnsafeBufferPointer<Float>, rows: Int, ldx: Int, bias: UnsafeBufferPointer<Float>?,
                                y: UnsafeMutableBufferPointer<Float>, ldy: Int, threads: Int) {
        let e = CExtent.rowProduct(out: out, in: `in`, rows: rows, ldx: ldx, ldy: ldy)
        var check = batch ? CCallCheck("cvk_gemv_half_batch") : CCallCheck("cvk_gemv_half")
        check.size("out", out); check.size("in", `in`); check.size("rows", rows)
        check.leading("ldx", ldx, atLeast: `in`); check.leading("ldy", ldy, atLeast: out)
        check.int32("threads", threads)
        check.operand("w", needs: e.w, has: w.count)
        check.operand("x", needs: e.x, has: x.count)
        check.optionalOperand("bias", needs: e.bias, has: bias?.count)
        check.operand("y", needs: e.y, has: y.count)
        guard check.passed("out \(out) in \(`in`) rows \(rows) ldx \(ldx) ldy \(ldy) threads \(threads); buffers w \(w.count) "
                           + "x \(x.count) bias \(bias.map { "\($0.count)" } ?? "none") y \(y.count)"),
              out > 0, rows > 0 else { return }
        if batch {
            cvk_gemv_half_batch(w.baseAddress, out, `in`, x.baseAddress, rows, ldx, bias?.baseAddress, y.baseAddress, ldy,
                                Int32(threads))
        } else {
            cvk_gemv_half(w.baseAddress, out, `in`, x.baseAddress, rows, ldx, bias?.baseAddress, y.baseAddress, ldy,
                          Int32(threads))
        }
    }

    /// One query against `keys` keys for every head, `cvk_attend_one`: q and out (heads·D),
    /// k (keys, ldk), v (keys, ldv). False when the kernel declines (too many keys, D not a
    /// multiple of 8) or the call is refused.
    public static func attendOne(q: UnsafeBufferPointer<Float>, k: UnsafeBufferPointer<Float>, ldk: Int,
                                 v: UnsafeBufferPointer<Float>, ldv: Int, keys: Int, heads: Int, headDim: Int,
                                 out: UnsafeMutableBufferPointer<Float>, threads: Int) -> Bool {
        // The batch's check with one row whose q and out are packed (ldq = ldo = heads·D).
        let width = heads * headDim
        guard attentionPasses("cvk_attend_one", q: q, ldq: width, rows: 1, k: k, ldk: ldk, v: v, ldv: ldv, keys: keys,
                              heads: heads, headDim: headDim, out: out, ldo: width, threads: threads)
        else { return false }
        return cvk_attend_one(q.baseAddress, k.baseAddress, ldk, v.baseAddress, ldv, keys, Int32(heads), Int32(headDim),
                              out.baseAddress, Int32(threads)) == 1
    }

    /// `rows` queries against the same keys, `cvk_attend_batch`: q (rows, ldq), out (rows, ldo),
    /// k (keys, ldk), v (keys, ldv), heads·D columns each. False when the kernel declines or the
    /// call is refused.
    public static func attendBatch(q: UnsafeBufferPointer<Float>, ldq: Int, rows: Int, k: UnsafeBufferPointer<Float>,
                                   ldk: Int, v: UnsafeBufferPointer<Float>, ldv: Int, keys: Int, heads: Int,
                                   headDim: Int, out: UnsafeMutableBufferPointer<Float>, ldo: Int, threads: Int) -> Bool {
        guard attentionPasses("cvk_attend_batch", q: q, ldq: ldq, rows: rows, k: k, ldk: ldk, v: v, ldv: ldv, keys: keys,
                              heads: heads, headDim: headDim, out: out, ldo: ldo, threads: threads)
        else { return false }
        return cvk_attend_batch(q.baseAddress, ldq, rows, k.baseAddress, ldk, v.baseAddress, ldv, keys, Int32(heads),
                                Int32(headDim), out.baseAddress, ldo, Int32(threads)) == 1
    }

    /// The extent check both attention kernels share: sizes, leading dimensions ≥ heads·D and every
    /// operand against `CExtent.attention`.
    private static func attentionPasses(_ call: StaticString, q: UnsafeBufferPointer<Float>, ldq: Int, rows: Int,
                                        k: UnsafeBufferPointer<Float>, ldk: Int, v: UnsafeBufferPointer<Float>,
                                        ldv: Int, keys: Int, heads: Int, headDim: Int,
                                        out: UnsafeMutableBufferPointer<Float>, ldo: Int, threads: Int) -> Bool {
        let width = heads * headDim
        let e = CExtent.attention(rows: rows, ldq: ldq, keys: keys, ldk: ldk, ldv: ldv, heads: heads, headDim: headDim,
                                  ldo: ldo)
        var check = CCallCheck(call)
        check.size("rows", rows); check.size("keys", keys); check.int32("heads", heads)
        check.int32("headDim", headDim); check.int32("threads", threads)
        check.leading("ldq", ldq, atLeast: width); check.leading("ldo", ldo, atLeast: width)
        check.leading("ldk", ldk, atLeast: width); check.leading("ldv", ldv, atLeast: width)
        check.operand("q", needs: e.q, has: q.count)
        check.operand("k", needs: e.k, has: k.count)
        check.operand("v", needs: e.v, has: v.count)
        check.operand("out", needs: e.out, has: out.count)
        return check.passed("rows \(rows) ldq \(ldq) keys \(keys) heads \(heads) headDim \(headDim) ldk \(ldk) "
                            + "ldv \(ldv) ldo \(ldo) threads \(threads); buffers q \(q.count) k \(k.count) "
                            + "v \(v.count) out \(out.count)")
    }

    /// x (rows, ldx; `in` columns) → q (rows, ldq) int8 + scales (rows): `cvk_quantize_rows_s8`,
    /// or the plain-C `cvk_quantize_rows_s8_portable`.
    public static func quantizeRows(portable: Bool, x: UnsafeBufferPointer<Float>, rows: Int, in: Int, ldx: Int,
                                    q: UnsafeMutableBufferPointer<Int8>, ldq: Int,
                                    scales: UnsafeMutableBufferPointer<Float>) {
        let e = CExtent.quantizeRows(rows: rows, in: `in`, ldx: ldx, ldq: ldq)
        var check = portable ? CCallCheck("cvk_quantize_rows_s8_portable") : CCallCheck("cvk_quantize_rows_s8")
        check.size("rows", rows); check.size("in", `in`)
        check.leading("ldx", ldx, atLeast: `in`); check.leading("ldq", ldq, atLeast: `in`)
        check.operand("x", needs: e.x, has: x.count)
        check.operand("q", needs: e.q, has: q.count)
        check.operand("scales", needs: e.scales, has: scales.count)
        guard check.passed("rows \(rows) in \(`in`) ldx \(ldx) ldq \(ldq); buffers x \(x.count) q \(q.count) "
                           + "scales \(scales.count)"), rows > 0 else { return }
        if portable {
            cvk_quantize_rows_s8_portable(x.baseAddress, rows, `in`, ldx, q.baseAddress, ldq, scales.baseAddress)
        } else {
            cvk_quantize_rows_s8(x.baseAddress, rows, `in`, ldx, q.baseAddress, ldq, scales.baseAddress)
        }
    }

    /// y (rows, ldy) = q (rows, ldx) · Wᵀ / (xscale ⊗ wscale) + b with W (out, in) int8:
    /// `cvk_gemm_s8`, or the plain-C `cvk_gemm_s8_portable`.
    public static func gemmS8(portable: Bool, w: UnsafeBufferPointer<Int8>, wscale: UnsafeBufferPointer<Float>,
                              out: Int, in: Int, x: UnsafeBufferPointer<Int8>, ldx: Int,
                              xscale: UnsafeBufferPointer<Float>, rows: Int, bias: UnsafeBufferPointer<Float>?,
                              y: UnsafeMutableBufferPointer<Float>, ldy: Int, threads: Int) {
        let e = CExtent.rowProduct(out: out, in: `in`, rows: rows, ldx: ldx, ldy: ldy)
        var check = portable ? CCallCheck("cvk_gemm_s8_portable") : CCallCheck("cvk_gemm_s8")
        check.size("out", out); check.size("in", `in`); check.size("rows", rows); check.int32("threads", threads)
        check.leading("ldx", ldx, atLeast: `in`); check.leading("ldy", ldy, atLeast: out)
        check.operand("w", needs: e.w, has: w.count)
        check.operand("wscale", needs: e.bias, has: wscale.count)
        check.operand("x", needs: e.x, has: x.count)
        check.operand("xscale", needs: rows > 0 && out > 0 ? rows : 0, has: xscale.count)
        check.optionalOperand("bias", needs: e.bias, has: bias?.count)
        check.operand("y", needs: e.y, has: y.count)
        guard check.passed("out \(out) in \(`in`) rows \(rows) ldx \(ldx) ldy \(ldy) threads \(threads); buffers w \(w.count) "
                           + "wscale \(wscale.count) x \(x.count) xscale \(xscale.count) "
                           + "bias \(bias.map { "\($0.count)" } ?? "none") y \(y.count)"),
              out > 0, rows > 0 else { return }
        if portable {
            cvk_gemm_s8_portable(w.baseAddress, wscale.baseAddress, out, `in`, x.baseAddress, ldx, xscale.baseAddress, rows,
                                 bias?.baseAddress, y.baseAddress, ldy, Int32(threads))
        } else {
            cvk_gemm_s8(w.baseAddress, wscale.baseAddress, out, `in`, x.baseAddress, ldx, xscale.baseAddress, rows,
                        bias?.baseAddress, y.baseAddress, ldy, Int32(threads))
        }
    }

    /// Softmax of each row of (rows, width) in place, `cvk_softmax_rows`.
    public static func softmaxRows(_ x: UnsafeMutableBufferPointer<Float>, rows: Int, width: Int) {
        var check = CCallCheck("cvk_softmax_rows")
        check.size("rows", rows); check.size("width", width)
        check.operand("x", needs: rows * width, has: x.count)
        guard check.passed("rows \(rows) width \(width); buffer x \(x.count)"), rows > 0, width > 0 else { return }
        cvk_softmax_rows(x.baseAddress, rows, width)
    }

    /// Unnormalised softmax of each row of (rows, width) in place, 1 / row sums into `inverse`
    /// (rows), `cvk_exp_rows`.
    public static func expRows(_ x: UnsafeMutableBufferPointer<Float>, rows: Int, width: Int,
                               inverse: UnsafeMutableBufferPointer<Float>) {
        var check = CCallCheck("cvk_exp_rows")
        check.size("rows", rows); check.size("width", width)
        check.operand("x", needs: rows * width, has: x.count)
        check.operand("inverse", needs: rows, has: inverse.count)
        guard check.passed("rows \(rows) width \(width); buffers x \(x.count) inverse \(inverse.count)"),
              rows > 0, width > 0 else { return }
        cvk_exp_rows(x.baseAddress, rows, width, inverse.baseAddress)
    }

    /// Exact GELU of `count` floats in place, `cvk_gelu`.
    public static func gelu(_ x: UnsafeMutableBufferPointer<Float>, count: Int) {
        var check = CCallCheck("cvk_gelu")
        check.size("count", count)
        check.operand("x", needs: count, has: x.count)
        guard check.passed("count \(count); buffer x \(x.count)"), count > 0 else { return }
        cvk_gelu(x.baseAddress, count)
    }

    /// Σ e^(x[i] − shift) over `count` floats, `cvk_sum_exp` (0 when refused).
    public static func sumExp(_ x: UnsafeBufferPointer<Float>, count: Int, shift: Float) -> Float {
        var check = CCallCheck("cvk_sum_exp")
        check.size("count", count)
        check.operand("x", needs: count, has: x.count)
        guard check.passed("count \(count); buffer x \(x.count)"), count > 0 else { return 0 }
        return cvk_sum_exp(x.baseAddress, count, shift)
    }
}
