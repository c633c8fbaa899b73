import CVectorKernels

/// The bfloat16 AMX routines (`AMXKernels.c`) behind the range check of `CCallCheck`.
extension CheckedKernels {
    /// W (out, in; row stride ldw) float32 → the packed bfloat16 tiles, `cvk_bf16_pack`.
    public static func packBFloat16(w: UnsafeBufferPointer<Float>, out: Int, in: Int, ldw: Int,
                                    packed: UnsafeMutableBufferPointer<UInt16>) {
        var check = CCallCheck("cvk_bf16_pack")
        check.size("out", out); check.size("in", `in`)
        check.leading("ldw", ldw, atLeast: `in`)
        check.operand("w", needs: CExtent.matrix(rows: out, columns: `in`, ld: ldw), has: w.count)
        check.operand("packed", needs: BFloat16Matrix.packedCount(out: out, in: `in`), has: packed.count)
        guard check.passed("out \(out) in \(`in`) ldw \(ldw); buffers w \(w.count) packed \(packed.count)"),
              out > 0, `in` > 0 else { return }
        cvk_bf16_pack(w.baseAddress, out, `in`, ldw, packed.baseAddress)
    }

    /// Which kernel a bfloat16 product ran on.
    public enum BFloat16Kernel: Sendable, Equatable {
        case tiles          // cvk_gemm_bf16_amx
        case portable       // cvk_gemm_bf16_portable: no AMX, scratch memory short, or asked for
        case refused        // the range check refused the call (only where tests collect violations)
    }

    /// y (rows, ldy) = bf16(x) (rows, ldx) · bf16(W)ᵀ + b: on AMX tiles (`cvk_gemm_bf16_amx`), or
    /// when they decline or `portable` is set, on the calling thread (`cvk_gemm_bf16_portable`).
    @discardableResult
    public static func gemmBFloat16(packed: UnsafeBufferPointer<UInt16>, out: Int, in: Int,
                                    x: UnsafeBufferPointer<Float>, rows: Int, ldx: Int,
                                    bias: UnsafeBufferPointer<Float>?, y: UnsafeMutableBufferPointer<Float>, ldy: Int,
                                    threads: Int, portable: Bool = false) -> BFloat16Kernel {
        let e = CExtent.rowProduct(out: out, in: `in`, rows: rows, ldx: ldx, ldy: ldy)
        var check = CCallCheck("cvk_gemm_bf16_amx")
        check.size("out", out); check.size("in", `in`); check.size("rows", rows)
        check.leading("ldx", ldx, atLeast: `in`); check.leading("ldy", ldy, atLeast: out)
        check.int32("threads", threads)
        check.operand("packed", needs: out > 0 && rows > 0 ? BFloat16Matrix.packedCount(out: out, in: `in`) : 0, has: packed.count)
        check.operand("x", needs: e.x, has: x.count)
        check.optionalOperand("bias", needs: e.bias, has: bias?.count)
        check.operand("y", needs: e.y, has: y.count)
        guard check.passed("out \(out) in \(`in`) rows \(rows) ldx \(ldx) ldy \(ldy) threads \(threads); buffers packed "
                           + "\(packed.count) x \(x.count) bias \(bias.map { "\($0.count)" } ?? "none") y \(y.count)") else { return .refused }
        guard out > 0, rows > 0 else { return portable ? .portable : .tiles }
        if !portable, `in` > 0, cvk_gemm_bf16_amx(x.baseAddress, ldx, rows, `in`, packed.baseAddress, out, bias?.baseAddress,
                                                  y.baseAddress, ldy, Int32(threads)) == 0 {
            return .tiles
        }
        cvk_gemm_bf16_portable(x.baseAddress, ldx, rows, `in`, packed.baseAddress, out, bias?.baseAddress, y.baseAddress, ldy)
        return .portable
    }
}
