/* cvk_attend_packed_block's AVX-512 form (see PackedAttention.c and include/CVectorKernels.h): the
   same packed panels and the same arithmetic, in 12 x 32 register tiles (24 zmm accumulators, two
   16-float panels side by side) instead of 6 x 16 (12 ymm). Each output is still one float
   accumulator over its terms in index order, with the same scaling and the same exponential pass,
   so the two forms give the same bits (PackedAttentionTests checks it). Selected at run time on
   CPUs with AVX-512F (cvk_has_avx512_skylakex). */
#include "CVectorKernels.h"

#if defined(__x86_64__)
#include "VectorHelpers.h"

#define CVK_TARGET512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,f16c")))
#define P5_ROWS 12

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

/* exp8 (VectorHelpers.h) on 16 lanes, the same operations lane by lane, so the same bits. */
static inline CVK_TARGET512 __m512 exp16(__m512 x) {
    const __m512 low = _mm512_set1_ps(-87.336544f);
    __m512 v = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.0f)), low);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(v, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), v);
    v = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), v);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, v, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(v, v), _mm512_add_ps(v, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    __m512 r = _mm512_mul_ps(p, _mm512_castsi512_ps(e));
    return _mm512_maskz_mov_ps((__mmask16)~_mm512_cmp_ps_mask(x, low, _CMP_LT_OQ), r);
}

/* exp_row (VectorHelpers.h) with 16-lane exponentials: e^(x - max) in place over `width` floats,
   returns the sum, added in exp_row's order (8-lane partial sums, block after block, then hsum8:
   the zero lanes past the end add nothing), so the same bits. */
static inline CVK_TARGET512 float exp_row16(float *p, size_t width) {
    const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
    __m512 mv = ninf;
    for (size_t i = 0; i < width; i += 16) {
        const __mmask16 k = width - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (width - i)) - 1);
        mv = _mm512_max_ps(mv, _mm512_mask_loadu_ps(ninf, k, p + i));
    }
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mv));
    __m256 sv = _mm256_setzero_ps();
    for (size_t i = 0; i < width; i += 16) {
        const __mmask16 k = width - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (width - i)) - 1);
        const __m512 e = exp16(_mm512_sub_ps(_mm512_mask_loadu_ps(ninf, k, p + i), m));
        _mm512_mask_storeu_ps(p + i, k, e);
        sv = _mm256_add_ps(sv, _mm512_castps512_ps256(e));
        if (width - i > 8) sv = _mm256_add_ps(sv, _mm512_extractf32x8_ps(e, 1));
    }
    return hsum8(sv);
}

/* acc[2 r + p] += a_r[i] * panel_p[i][0..<16] for i < n and p < panels (1 or 2), a_r = a + r * lda.
   Panel rows are 16 floats apart. With `full`, rows 0 ..< 12 are read at their fixed stride (a few
   registers address them all); else rows past `nr` repeat the last real row, so nothing past the
   caller's rows is read. */
#define P5_TILE(ROW)                                                                                  \
    do {                                                                                              \
        if (panels == 2) {                                                                            \
            for (size_t i = 0; i < n; i++) {                                                          \
                const __m512 x0 = _mm512_loadu_ps(b0 + i * 16), x1 = _mm512_loadu_ps(b1 + i * 16);  \
                _Pragma("clang loop unroll(full)")                                                    \
                for (int r = 0; r < P5_ROWS; r++) {                                                   \
                    const __m512 s = _mm512_set1_ps(ROW(r)[i]);                                       \
                    c[2 * r] = _mm512_fmadd_ps(s, x0, c[2 * r]);                                      \
                    c[2 * r + 1] = _mm512_fmadd_ps(s, x1, c[2 * r + 1]);                              \
                }                                                                                     \
            }                                                                                         \
        } else {                                                                                      \
            for (size_t i = 0; i < n; i++) {                                                          \
                const __m512 x0 = _mm512_loadu_ps(b0 + i * 16);                                       \
                _Pragma("clang loop unroll(full)")                                                    \
                for (int r = 0; r < P5_ROWS; r++)                                                     \
                    c[2 * r] = _mm512_fmadd_ps(_mm512_set1_ps(ROW(r)[i]), x0, c[2 * r]);              \
            }                                                                                         \
        }                                                                                             \
    } while (0)

static inline __attribute__((always_inline)) CVK_TARGET512 void tile12(const float *a, size_t lda, size_t nr,
                                                                      const float *b0, const float *b1, int panels,
                                                                      size_t n, __m512 acc[2 * P5_ROWS]) {
    __m512 c[2 * P5_ROWS];
    for (int j = 0; j < 2 * P5_ROWS; j++) c[j] = _mm512_setzero_ps();
    if (nr == P5_ROWS) {
#define P5_FIXED(r) (a + (size_t)(r) * lda)
        P5_TILE(P5_FIXED);
#undef P5_FIXED
    } else {
        const float *ar[P5_ROWS];
        for (int r = 0; r < P5_ROWS; r++) ar[r] = a + ((size_t)r < nr ? (size_t)r : nr - 1) * lda;
#define P5_LISTED(r) ar[r]
        P5_TILE(P5_LISTED);
#undef P5_LISTED
    }
    for (int j = 0; j < 2 * P5_ROWS; j++) acc[j] = c[j];
}

CVK_TARGET512 int cvk_attend_packed_block_avx512(const float *q, size_t ldq, size_t rows, const float *kp,
                                                 const float *vp, size_t keys, size_t head_dim, float scale,
                                                 float *scratch, float *out, size_t ldo) {
    if (head_dim == 0 || head_dim % 16 != 0 || head_dim > CVK_PACKED_MAX_HEAD_DIM || rows == 0 || keys == 0) return 0;
    const size_t tiles = round16(keys) / 16, width = tiles * 16, panels = head_dim / 16;
    float *scores = scratch, *inverse = scratch + rows * width;
    float qtile[P5_ROWS * CVK_PACKED_MAX_HEAD_DIM];
    const __m512 s = _mm512_set1_ps(scale);
    __m512 acc[2 * P5_ROWS];
    for (size_t g = 0; g < rows; g += P5_ROWS) {
        const size_t nr = rows - g < P5_ROWS ? rows - g : P5_ROWS;
        /* The tile's query rows, contiguous (the fused QKV rows are 3d apart). */
        for (size_t r = 0; r < nr; r++) memcpy(qtile + r * head_dim, q + (g + r) * ldq, head_dim * sizeof(float));
        for (size_t t = 0; t < tiles; t += 2) {
            /* scores[g + r][16 t ..< 16 t + 32] = scale * sum_d q[g + r][d] K[16 t + j][d] */
            const int two = t + 1 < tiles ? 2 : 1;
            tile12(qtile, head_dim, nr, kp + t * head_dim * 16, kp + (t + two - 1) * head_dim * 16, two, head_dim,
                   acc);
            for (size_t r = 0; r < nr; r++) {
                float *o = scores + (g + r) * width + t * 16;
                _mm512_storeu_ps(o, _mm512_mul_ps(acc[2 * r], s));
                if (two == 2) _mm512_storeu_ps(o + 16, _mm512_mul_ps(acc[2 * r + 1], s));
            }
        }
    }
    for (size_t r = 0; r < rows; r++) inverse[r] = 1.0f / exp_row16(scores + r * width, keys);
    for (size_t g = 0; g < rows; g += P5_ROWS) {
        const size_t nr = rows - g < P5_ROWS ? rows - g : P5_ROWS;
        for (size_t c = 0; c < panels; c += 2) {
            /* out[g + r][16 c ..< 16 c + 32] = inverse[g + r] * sum_key E[g + r][key] V[key][16 c + j] */
            const int two = c + 1 < panels ? 2 : 1;
            tile12(scores + g * width, width, nr, vp + c * keys * 16, vp + (c + two - 1) * keys * 16, two, keys, acc);
            for (size_t r = 0; r < nr; r++) {
                const __m512 inv = _mm512_set1_ps(inverse[g + r]);
                float *o = out + (g + r) * ldo + c * 16;
                _mm512_storeu_ps(o, _mm512_mul_ps(acc[2 * r], inv));
                if (two == 2) _mm512_storeu_ps(o + 16, _mm512_mul_ps(acc[2 * r + 1], inv));
            }
        }
    }
    return 1;
}

#else  /* not x86-64: never selected. */

int cvk_attend_packed_block_avx512(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                                   size_t keys, size_t head_dim, float scale, float *scratch, float *out, size_t ldo) {
    (void)q; (void)ldq; (void)rows; (void)kp; (void)vp; (void)keys; (void)head_dim; (void)scale; (void)scratch;
    (void)out; (void)ldo;
    return 0;
}

#endif
