/* Unmasked attention of one head over packed keys and values (the encoder's self-attention),
   AVX2 + FMA; see include/CVectorKernels.h. One block of query rows does, in one call:
     S (rows, keys) = (Q K^T) * scale     6 x 16 register tiles over K^T packed in 16-key panels
     E = exp(S - rowmax), inverse = 1 / rowsum(E)
     out (rows, D) = (E V) * inverse      6 x 16 register tiles over V packed in 16-column panels
   instead of two OpenBLAS products around an exponential pass: no zeroing of the score matrix
   (sgemm's beta pass), no repacking of the scores and of V for every block, and the block's
   scores stay in L2. Each output is a single float accumulator over its terms in index order. */
#include "CVectorKernels.h"

#define PA_ROWS 6      /* query rows of a register tile */
#define PA_COLS 16     /* keys (QK^T) or output columns (EV) of a register tile: two vectors */

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

size_t cvk_packed_keys_count(size_t keys, size_t head_dim) { return round16(keys) * head_dim; }

size_t cvk_packed_scratch_count(size_t rows, size_t keys) { return rows * round16(keys) + rows; }

#if defined(__x86_64__)
#include "VectorHelpers.h"

void cvk_pack_head(const float *k, size_t ldk, const float *v, size_t ldv, size_t keys, size_t head_dim,
                   float *kp, float *vp) {
    const size_t tiles = round16(keys) / 16;
    /* kp[t][d][j] = K[16 t + j][d], zero past the last key */
    for (size_t t = 0; t < tiles; t++) {
        float *panel = kp + t * head_dim * 16;
        for (size_t j = 0; j < 16; j++) {
            const size_t key = t * 16 + j;
            if (key < keys) {
                const float *row = k + key * ldk;
                for (size_t d = 0; d < head_dim; d++) panel[d * 16 + j] = row[d];
            } else {
                for (size_t d = 0; d < head_dim; d++) panel[d * 16 + j] = 0.0f;
            }
        }
    }
    /* vp[c][key][0..<16] = V[key][16 c ..< 16 c + 16] */
    for (size_t c = 0; c < head_dim / 16; c++) {
        float *panel = vp + c * keys * 16;
        for (size_t key = 0; key < keys; key++) memcpy(panel + key * 16, v + key * ldv + c * 16, 16 * sizeof(float));
    }
}

/* One 6 x 16 tile: acc[r] += a_r[i] * b[i][0..<16] for i < n, a_r = a + r * lda (rows past `nr`
   repeat the last real row, so nothing past the caller's rows is read); b rows 16 floats apart. */
#define PA_TILE_LOOP(a, lda, nr, b, n)                                                                  \
    const float *a0 = (a), *a1 = (a) + ((nr) > 1 ? 1 : 0) * (lda), *a2 = (a) + ((nr) > 2 ? 2 : (nr) - 1) * (lda), \
                *a3 = (a) + ((nr) > 3 ? 3 : (nr) - 1) * (lda), *a4 = (a) + ((nr) > 4 ? 4 : (nr) - 1) * (lda),       \
                *a5 = (a) + ((nr) > 5 ? 5 : (nr) - 1) * (lda);                                          \
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,  \
           c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;                                        \
    for (size_t i = 0; i < (n); i++) {                                                                  \
        const __m256 b0 = _mm256_loadu_ps((b) + i * 16), b1 = _mm256_loadu_ps((b) + i * 16 + 8);       \
        __m256 x;                                                                                       \
        x = _mm256_broadcast_ss(a0 + i); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01); \
        x = _mm256_broadcast_ss(a1 + i); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11); \
        x = _mm256_broadcast_ss(a2 + i); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21); \
        x = _mm256_broadcast_ss(a3 + i); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31); \
        x = _mm256_broadcast_ss(a4 + i); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41); \
        x = _mm256_broadcast_ss(a5 + i); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51); \
    }                                                                                                   \
    __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51}

CVK_TARGET int cvk_attend_packed_block_avx2(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                                            size_t keys, size_t head_dim, float scale, float *scratch, float *out,
                                            size_t ldo) {
    if (head_dim == 0 || head_dim % 16 != 0 || head_dim > CVK_PACKED_MAX_HEAD_DIM || rows == 0 || keys == 0) return 0;
    const size_t tiles = round16(keys) / 16, width = tiles * 16;
    float *scores = scratch, *inverse = scratch + rows * width;
    float qtile[PA_ROWS * CVK_PACKED_MAX_HEAD_DIM];
    const __m256 s = _mm256_set1_ps(scale);
    for (size_t g = 0; g < rows; g += PA_ROWS) {
        const size_t nr = rows - g < PA_ROWS ? rows - g : PA_ROWS;
        /* The tile's query rows, contiguous (the fused QKV rows are 3d apart). */
        for (size_t r = 0; r < nr; r++) memcpy(qtile + r * head_dim, q + (g + r) * ldq, head_dim * sizeof(float));
        for (size_t t = 0; t < tiles; t++) {
            /* scores[g + r][16 t ..< 16 t + 16] = scale * sum_d q[g + r][d] K[16 t + j][d] */
            PA_TILE_LOOP(qtile, head_dim, nr, kp + t * head_dim * 16, head_dim);
            for (size_t r = 0; r < nr; r++) {
                float *o = scores + (g + r) * width + t * 16;
                _mm256_storeu_ps(o, _mm256_mul_ps(acc[2 * r], s));
                _mm256_storeu_ps(o + 8, _mm256_mul_ps(acc[2 * r + 1], s));
            }
        }
    }
    for (size_t r = 0; r < rows; r++) inverse[r] = 1.0f / exp_row(scores + r * width, keys);
    for (size_t g = 0; g < rows; g += PA_ROWS) {
        const size_t nr = rows - g < PA_ROWS ? rows - g : PA_ROWS;
        for (size_t c = 0; c < head_dim / 16; c++) {
            /* out[g + r][16 c ..< 16 c + 16] = inverse[g + r] * sum_key E[g + r][key] V[key][16 c + j] */
            PA_TILE_LOOP(scores + g * width, width, nr, vp + c * keys * 16, keys);
            for (size_t r = 0; r < nr; r++) {
                const __m256 inv = _mm256_set1_ps(inverse[g + r]);
                float *o = out + (g + r) * ldo + c * 16;
                _mm256_storeu_ps(o, _mm256_mul_ps(acc[2 * r], inv));
                _mm256_storeu_ps(o + 8, _mm256_mul_ps(acc[2 * r + 1], inv));
            }
        }
    }
    return 1;
}

int cvk_attend_packed_block(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp, size_t keys,
                            size_t head_dim, float scale, float *scratch, float *out, size_t ldo) {
    return cvk_wide_vectors() ? cvk_attend_packed_block_avx512(q, ldq, rows, kp, vp, keys, head_dim, scale, scratch, out, ldo)
                : cvk_attend_packed_block_avx2(q, ldq, rows, kp, vp, keys, head_dim, scale, scratch, out, ldo);
}

#else  /* not x86-64: never selected (cvk_has_avx2_fma is 0); the OpenBLAS schedule runs. */

void cvk_pack_head(const float *k, size_t ldk, const float *v, size_t ldv, size_t keys, size_t head_dim,
                   float *kp, float *vp) {
    (void)k; (void)ldk; (void)v; (void)ldv; (void)keys; (void)head_dim; (void)kp; (void)vp;
}
int cvk_attend_packed_block_avx2(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                                 size_t keys, size_t head_dim, float scale, float *scratch, float *out, size_t ldo) {
    (void)q; (void)ldq; (void)rows; (void)kp; (void)vp; (void)keys; (void)head_dim; (void)scale; (void)scratch;
    (void)out; (void)ldo;
    return 0;
}
int cvk_attend_packed_block(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                            size_t keys, size_t head_dim, float scale, float *scratch, float *out, size_t ldo) {
    return cvk_attend_packed_block_avx2(q, ldq, rows, kp, vp, keys, head_dim, scale, scratch, out, ldo);
}

#endif
