/* 8-bit matrix kernels (CTranslate2's int8 scheme): weights stored as int8 with one float scale
   per output row (w ≈ q / scale), activations quantised per row at run time the same way, the
   products summed exactly in int32 and scaled back once per output:
       y[r, o] = (float)sum_i qw[o, i] qx[r, i] / (wscale[o] * xscale[r]) + bias[o].
   The AVX2 kernel multiplies 32 bytes per instruction with vpmaddubsw (unsigned × signed bytes
   into pairs of int16) and widens with vpmaddwd; it takes |x| as the unsigned operand and moves
   x's sign onto w (vpsignb), so no pair can saturate (2 · 127 · 128 < 32767). The portable
   kernel computes the same sums in plain C; Tensor's Int8Reference is the naive one. */
#include "CVectorKernels.h"

#include <float.h>
#include <math.h>

/* ---- portable (any CPU) ---- */

/* 127 / amax as CTranslate2's converter computes it: 1 for a zero row, and amax kept at least
   127 / FLT_MAX so a row of tiny values still gets a finite scale. */
static inline float scale_for(float amax) {
    if (!(amax > 0)) return 1.0f;
    if (amax < 127.0f / FLT_MAX) amax = 127.0f / FLT_MAX;
    return 127.0f / amax;
}

void cvk_quantize_rows_s8_portable(const float *x, size_t rows, size_t in, size_t ldx,
                                   int8_t *q, size_t ldq, float *scales) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        int8_t *qr = q + r * ldq;
        float amax = 0;
        for (size_t i = 0; i < in; i++) { float a = fabsf(xr[i]); if (a > amax) amax = a; }
        const float s = scale_for(amax);
        for (size_t i = 0; i < in; i++) {
            float v = nearbyintf(xr[i] * s);
            qr[i] = (int8_t)(v > 127.0f ? 127.0f : (v < -127.0f ? -127.0f : v));
        }
        for (size_t i = in; i < ldq; i++) qr[i] = 0;
        scales[r] = s;
    }
}

static inline float scaled(int32_t acc, float xs, float ws, const float *bias, size_t o) {
    return (float)acc / (xs * ws) + (bias ? bias[o] : 0.0f);
}

typedef struct {
    const int8_t *w; const float *wscale; size_t out, in;
    const int8_t *x; size_t ldx; const float *xscale; size_t rows;
    const float *bias; float *y; size_t ldy;
} s8_job;

static void portable_range(const s8_job *j, size_t begin, size_t end) {
    for (size_t r = 0; r < j->rows; r++) {
        const int8_t *x = j->x + r * j->ldx;
        for (size_t o = begin; o < end; o++) {
            const int8_t *w = j->w + o * j->in;
            int32_t acc = 0;
            for (size_t i = 0; i < j->in; i++) acc += (int32_t)w[i] * (int32_t)x[i];
            j->y[r * j->ldy + o] = scaled(acc, j->xscale[r], j->wscale[o], j->bias, o);
        }
    }
}

/* Contiguous blocks of whole groups of 4 outputs per worker. */
static void worker_range(const s8_job *j, int index, int workers, size_t *begin, size_t *end) {
    size_t groups = (j->out + 3) / 4;
    *begin = groups * (size_t)index / (size_t)workers * 4;
    *end = groups * (size_t)(index + 1) / (size_t)workers * 4;
    if (*end > j->out) *end = j->out;
}

static void portable_part(void *ctx, int index, int workers) {
    const s8_job *j = ctx;
    size_t b, e;
    worker_range(j, index, workers, &b, &e);
    if (b < e) portable_range(j, b, e);
}

static int worker_count(size_t out, size_t in, size_t rows, int threads) {
    /* Below ~128 K multiply-adds one thread finishes before a hand-off pays. */
    int workers = out * in * (rows ? rows : 1) < (1u << 17) ? 1 : threads;
    if (workers < 1) workers = 1;
    if ((size_t)workers > out / 4) workers = out / 4 > 0 ? (int)(out / 4) : 1;
    return workers;
}

void cvk_gemm_s8_portable(const int8_t *w, const float *wscale, size_t out, size_t in,
                          const int8_t *x, size_t ldx, const float *xscale, size_t rows,
                          const float *bias, float *y, size_t ldy, int threads) {
    s8_job j = { w, wscale, out, in, x, ldx, xscale, rows, bias, y, ldy };
    cvk_parallel(worker_count(out, in, rows, threads), portable_part, &j);
}

#if defined(__x86_64__)
#include "VectorHelpers.h"

CVK_TARGET void cvk_quantize_rows_s8(const float *x, size_t rows, size_t in, size_t ldx,
                                     int8_t *q, size_t ldq, float *scales) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const size_t full = in - in % 8;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        int8_t *qr = q + r * ldq;
        __m256 mv = _mm256_setzero_ps();
        for (size_t i = 0; i < full; i += 8) mv = _mm256_max_ps(mv, _mm256_and_ps(_mm256_loadu_ps(xr + i), absmask));
        float amax = hmax8(mv);
        for (size_t i = full; i < in; i++) { float a = fabsf(xr[i]); if (a > amax) amax = a; }
        const float s = scale_for(amax);
        const __m256 sv = _mm256_set1_ps(s), hi = _mm256_set1_ps(127.0f), lo = _mm256_set1_ps(-127.0f);
        size_t i = 0;
        for (; i < full; i += 8) {
            /* round to nearest even (the default MXCSR mode), as nearbyintf in the portable kernel */
            __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(xr + i), sv), lo), hi);
            __m256i n = _mm256_cvtps_epi32(v);
            __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(n), _mm256_extracti128_si256(n, 1));
            __m128i p8 = _mm_packs_epi16(p16, p16);
            _mm_storel_epi64((__m128i *)(qr + i), p8);
        }
        for (; i < in; i++) {
            float v = nearbyintf(xr[i] * s);
            qr[i] = (int8_t)(v > 127.0f ? 127.0f : (v < -127.0f ? -127.0f : v));
        }
        for (i = in; i < ldq; i++) qr[i] = 0;
        scales[r] = s;
    }
}

/* Sum of the eight int32 lanes. */
static inline CVK_TARGET int32_t hsum8_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/* acc += w · x over 32 bytes, x given as |x| (ax) and itself (for its sign). */
#define S8_STEP(acc, wp, ax, xv, ones) \
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, \
          _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)(wp)), xv)), ones))

/* Outputs [begin, end) for every row: 4 weight rows at a time against one input row. */
CVK_TARGET static void avx2_range(const s8_job *j, size_t begin, size_t end) {
    const size_t in = j->in, full = in - in % 32;
    const __m256i ones = _mm256_set1_epi16(1);
    size_t o = begin;
    for (; o + 4 <= end; o += 4) {
        const int8_t *w0 = j->w + o * in, *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
        for (size_t r = 0; r < j->rows; r++) {
            const int8_t *x = j->x + r * j->ldx;
            __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t i = 0; i < full; i += 32) {
                const __m256i xv = _mm256_loadu_si256((const __m256i *)(x + i));
                const __m256i ax = _mm256_sign_epi8(xv, xv);
                S8_STEP(a0, w0 + i, ax, xv, ones);
                S8_STEP(a1, w1 + i, ax, xv, ones);
                S8_STEP(a2, w2 + i, ax, xv, ones);
                S8_STEP(a3, w3 + i, ax, xv, ones);
            }
            int32_t s[4] = { hsum8_epi32(a0), hsum8_epi32(a1), hsum8_epi32(a2), hsum8_epi32(a3) };
            const int8_t *ws[4] = { w0, w1, w2, w3 };
            for (int k = 0; k < 4; k++) {
                for (size_t i = full; i < in; i++) s[k] += (int32_t)ws[k][i] * (int32_t)x[i];
                j->y[r * j->ldy + o + k] = scaled(s[k], j->xscale[r], j->wscale[o + k], j->bias, o + k);
            }
        }
    }
    for (; o < end; o++) {
        const int8_t *w0 = j->w + o * in;
        for (size_t r = 0; r < j->rows; r++) {
            const int8_t *x = j->x + r * j->ldx;
            __m256i a0 = _mm256_setzero_si256();
            for (size_t i = 0; i < full; i += 32) {
                const __m256i xv = _mm256_loadu_si256((const __m256i *)(x + i));
                const __m256i ax = _mm256_sign_epi8(xv, xv);
                S8_STEP(a0, w0 + i, ax, xv, ones);
            }
            int32_t s = hsum8_epi32(a0);
            for (size_t i = full; i < in; i++) s += (int32_t)w0[i] * (int32_t)x[i];
            j->y[r * j->ldy + o] = scaled(s, j->xscale[r], j->wscale[o], j->bias, o);
        }
    }
}

static void avx2_part(void *ctx, int index, int workers) {
    const s8_job *j = ctx;
    size_t b, e;
    worker_range(j, index, workers, &b, &e);
    if (b < e) avx2_range(j, b, e);
}

void cvk_gemm_s8(const int8_t *w, const float *wscale, size_t out, size_t in,
                 const int8_t *x, size_t ldx, const float *xscale, size_t rows,
                 const float *bias, float *y, size_t ldy, int threads) {
    s8_job j = { w, wscale, out, in, x, ldx, xscale, rows, bias, y, ldy };
    cvk_parallel(worker_count(out, in, rows, threads), avx2_part, &j);
}

#else  /* not x86-64: the portable kernels (cvk_has_avx2_fma() is 0, but keep the names linkable). */

void cvk_quantize_rows_s8(const float *x, size_t rows, size_t in, size_t ldx, int8_t *q, size_t ldq, float *scales) {
    cvk_quantize_rows_s8_portable(x, rows, in, ldx, q, ldq, scales);
}
void cvk_gemm_s8(const int8_t *w, const float *wscale, size_t out, size_t in, const int8_t *x, size_t ldx,
                 const float *xscale, size_t rows, const float *bias, float *y, size_t ldy, int threads) {
    cvk_gemm_s8_portable(w, wscale, out, in, x, ldx, xscale, rows, bias, y, ldy, threads);
}
#endif
