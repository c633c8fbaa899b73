import CVectorKernels

/// The packed unmasked attention of one head (`PackedAttention.c`), behind the range check of
/// `CCallCheck` like the rest of `CheckedKernels`.
extension CheckedKernels {
    /// Floats of one head's packed keys (`cvk_packed_keys_count`); its values take keys × D.
    public static func packedKeysCount(keys: Int, headDim: Int) -> Int {
        keys > 0 && headDim > 0 ? cvk_packed_keys_count(keys, headDim) : 0
    }

    /// Floats of `attendPacked`'s scratch for `rows` queries (`cvk_packed_scratch_count`).
    public static func packedScratchCount(rows: Int, keys: Int) -> Int {
        rows > 0 && keys > 0 ? cvk_packed_scratch_count(rows, keys) : 0
    }

    /// Whether `attendPacked` takes heads of this dimension (a multiple of 16, at most 128).
    public static func packedAttentionTakes(headDim: Int) -> Bool {
        headDim > 0 && headDim % 16 == 0 && headDim <= Int(CVK_PACKED_MAX_HEAD_DIM)
    }

    /// One head's k (keys, ldk) and v (keys, ldv), D columns each → kp (`packedKeysCount`) and
    /// vp (keys × D), `cvk_pack_head`.
    public static func packHead(k: UnsafeBufferPointer<Float>, ldk: Int, v: UnsafeBufferPointer<Float>, ldv: Int,
                                keys: Int, headDim: Int, kp: UnsafeMutableBufferPointer<Float>,
                                vp: UnsafeMutableBufferPointer<Float>) {
        var check = CCallCheck("cvk_pack_head")
        check.size("keys", keys); check.size("headDim", headDim)
        check.leading("ldk", ldk, atLeast: headDim); check.leading("ldv", ldv, atLeast: headDim)
        check.operand("k", needs: CExtent.matrix(rows: keys, columns: headDim, ld: ldk), has: k.count)
        check.operand("v", needs: CExtent.matrix(rows: keys, columns: headDim, ld: ldv), has: v.count)
        check.operand("kp", needs: packedKeysCount(keys: keys, headDim: headDim), has: kp.count)
        check.operand("vp", needs: keys * headDim, has: vp.count)
        guard check.passed("keys \(keys) headDim \(headDim) ldk \(ldk) ldv \(ldv); buffers k \(k.count) v \(v.count) "
                           + "kp \(kp.count) vp \(vp.count)"),
              packedAttentionTakes(headDim: headDim), keys > 0 else { return }
        cvk_pack_head(k.baseAddress, ldk, v.baseAddress, ldv, keys, headDim, kp.baseAddress, vp.baseAddress)
    }

    /// Which form of the packed kernel runs: the widest this CPU has, or one named (tests compare them).
    public enum PackedAttentionForm: CaseIterable, Sendable {
        case widest, avx2, avx512

        /// Whether this CPU runs the form.
        public var available: Bool {
            switch self {
            case .widest, .avx2: return cvk_has_avx2_fma() == 1
            case .avx512: return cvk_has_avx2_fma() == 1 && cvk_has_avx512_skylakex() == 1
            }
        }
    }

    /// out (rows, ldo; D columns) = softmax(q Kᵀ · scale) V over a head packed by `packHead`,
    /// `cvk_attend_packed_block` (or the named form). False when the kernel declines, the call is
    /// refused or the CPU lacks the form.
    public static func attendPacked(q: UnsafeBufferPointer<Float>, ldq: Int, rows: Int, kp: UnsafeBufferPointer<Float>,
                                    vp: UnsafeBufferPointer<Float>, keys: Int, headDim: Int, scale: Float,
                                    scratch: UnsafeMutableBufferPointer<Float>, out: UnsafeMutableBufferPointer<Float>,
                                    ldo: Int, form: PackedAttentionForm = .widest) -> Bool {
        var check = CCallCheck("cvk_attend_packed_block")
        check.size("rows", rows); check.size("keys", keys); check.size("headDim", headDim)
        check.leading("ldq", ldq, atLeast: headDim); check.leading("ldo", ldo, atLeast: headDim)
        check.operand("q", needs: CExtent.matrix(rows: rows, columns: headDim, ld: ldq), has: q.count)
        check.operand("kp", needs: packedKeysCount(keys: keys, headDim: headDim), has: kp.count)
        check.operand("vp", needs: keys * headDim, has: vp.count)
        check.operand("scratch", needs: packedScratchCount(rows: rows, keys: keys), has: scratch.count)
        check.operand("out", needs: CExtent.matrix(rows: rows, columns: headDim, ld: ldo), has: out.count)
        guard check.passed("rows \(rows) ldq \(ldq) keys \(keys) headDim \(headDim) ldo \(ldo); buffers q \(q.count) "
                           + "kp \(kp.count) vp \(vp.count) scratch \(scratch.count) out \(out.count)")
        else { return false }
        guard form.available else { return false }
        let kernel = switch form {
        case .widest: cvk_attend_packed_block
        case .avx2: cvk_attend_packed_block_avx2
        case .avx512: cvk_attend_packed_block_avx512
        }
        return kernel(q.baseAddress, ldq, rows, kp.baseAddress, vp.baseAddress, keys, headDim, scale,
                      scratch.baseAddress, out.baseAddress, ldo) == 1
    }
}
