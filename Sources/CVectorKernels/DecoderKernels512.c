/* The AVX-512 forms of the one-token decoder kernels (see Wide512.h): half-precision weights times
   a few rows, 16 lanes per register instead of 8, and the cross-attention's scores and weighted
   values. Selected at run time (cvk_wide_vectors). */
#include "CVectorKernels.h"

#if defined(__x86_64__)
#include "VectorHelpers.h"
#include "Wide512.h"

#define CVK_TARGET512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,f16c")))

static inline CVK_TARGET512 __m512 load_half16(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

/* The 16-lane sum in one fixed order: the two halves added, then hsum8. */
static inline CVK_TARGET512 float hsum16(__m512 v) {
    return hsum8(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

/* Finishes one (output, row): the 16-lane sum, the scalar tail past `full`, the bias. */
static inline CVK_TARGET512 void finish16(const uint16_t *w, size_t o, size_t in, size_t full, const float *x,
                                          const float *bias, float *y, __m512 acc) {
    const uint16_t *wo = w + o * in;
    float s = hsum16(acc);
    for (size_t i = full; i < in; i++) s += half1(load_u16(wo + i)) * x[i];
    *y = s + (bias ? bias[o] : 0.0f);
}

/* One output o for every row, one weight row at a time: the outputs past the last whole group. */
static inline CVK_TARGET512 void one_output16(const uint16_t *w, size_t o, size_t in, size_t full, const float *x,
                                              size_t rows, size_t ldx, const float *bias, float *y, size_t ldy) {
    const uint16_t *w0 = w + o * in;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        __m512 a0 = _mm512_setzero_ps();
        for (size_t i = 0; i < full; i += 16) a0 = _mm512_fmadd_ps(load_half16(w0 + i), _mm512_loadu_ps(xr + i), a0);
        finish16(w, o, in, full, xr, bias, y + r * ldy + o, a0);
    }
}

CVK_TARGET512 void cvk512_gemv_range(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows,
                                     size_t ldx, const float *bias, float *y, size_t ldy, size_t begin, size_t end) {
    const size_t full = in - in % 16;
    const uintptr_t wend = (uintptr_t)(w + out * in);
    size_t o = begin;
    for (; o + 4 <= end; o += 4) {
        const uint16_t *w0 = w + o * in, *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * ldx;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t i = 0; i < full; i += 16) {
                /* 128 bytes of the group per step: its lines CVK_PREFETCH_AHEAD bytes ahead. */
                if (r == 0) {
                    prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 8, wend);
                    prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 8 + 64, wend);
                }
                const __m512 xv = _mm512_loadu_ps(xr + i);
                a0 = _mm512_fmadd_ps(load_half16(w0 + i), xv, a0);
                a1 = _mm512_fmadd_ps(load_half16(w1 + i), xv, a1);
                a2 = _mm512_fmadd_ps(load_half16(w2 + i), xv, a2);
                a3 = _mm512_fmadd_ps(load_half16(w3 + i), xv, a3);
            }
            float *yr = y + r * ldy;
            finish16(w, o, in, full, xr, bias, yr + o, a0);
            finish16(w, o + 1, in, full, xr, bias, yr + o + 1, a1);
            finish16(w, o + 2, in, full, xr, bias, yr + o + 2, a2);
            finish16(w, o + 3, in, full, xr, bias, yr + o + 3, a3);
        }
    }
    for (; o < end; o++) one_output16(w, o, in, full, x, rows, ldx, bias, y, ldy);
}

CVK_TARGET512 void cvk512_gemv_batch_range(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows,
                                           size_t ldx, const float *bias, float *y, size_t ldy, size_t begin,
                                           size_t end) {
    const size_t full = in - in % 16;
    const uintptr_t wend = (uintptr_t)(w + out * in);
    size_t o = begin;
    for (; o + 2 <= end; o += 2) {
        const uint16_t *w0 = w + o * in, *w1 = w0 + in;
        size_t r = 0;
        for (; r + 4 <= rows; r += 4) {
            const float *x0 = x + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
            __m512 a00 = _mm512_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
            __m512 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (size_t i = 0; i < full; i += 16) {
                /* The pair takes 64 bytes per step: one line CVK_PREFETCH_AHEAD bytes ahead. */
                if (r == 0) prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 4, wend);
                const __m512 v0 = load_half16(w0 + i), v1 = load_half16(w1 + i);
                __m512 xv = _mm512_loadu_ps(x0 + i);
                a00 = _mm512_fmadd_ps(v0, xv, a00); a10 = _mm512_fmadd_ps(v1, xv, a10);
                xv = _mm512_loadu_ps(x1 + i);
                a01 = _mm512_fmadd_ps(v0, xv, a01); a11 = _mm512_fmadd_ps(v1, xv, a11);
                xv = _mm512_loadu_ps(x2 + i);
                a02 = _mm512_fmadd_ps(v0, xv, a02); a12 = _mm512_fmadd_ps(v1, xv, a12);
                xv = _mm512_loadu_ps(x3 + i);
                a03 = _mm512_fmadd_ps(v0, xv, a03); a13 = _mm512_fmadd_ps(v1, xv, a13);
            }
            finish16(w, o, in, full, x0, bias, y + r * ldy + o, a00);
            finish16(w, o, in, full, x1, bias, y + (r + 1) * ldy + o, a01);
            finish16(w, o, in, full, x2, bias, y + (r + 2) * ldy + o, a02);
            finish16(w, o, in, full, x3, bias, y + (r + 3) * ldy + o, a03);
            finish16(w, o + 1, in, full, x0, bias, y + r * ldy + o + 1, a10);
            finish16(w, o + 1, in, full, x1, bias, y + (r + 1) * ldy + o + 1, a11);
            finish16(w, o + 1, in, full, x2, bias, y + (r + 2) * ldy + o + 1, a12);
            finish16(w, o + 1, in, full, x3, bias, y + (r + 3) * ldy + o + 1, a13);
        }
        for (; r < rows; r++) {
            const float *x0 = x + r * ldx;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0;
            for (size_t i = 0; i < full; i += 16) {
                if (r == 0) prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 4, wend);
                const __m512 xv = _mm512_loadu_ps(x0 + i);
                a0 = _mm512_fmadd_ps(load_half16(w0 + i), xv, a0);
                a1 = _mm512_fmadd_ps(load_half16(w1 + i), xv, a1);
            }
            finish16(w, o, in, full, x0, bias, y + r * ldy + o, a0);
            finish16(w, o + 1, in, full, x0, bias, y + r * ldy + o + 1, a1);
        }
    }
    for (; o < end; o++) one_output16(w, o, in, full, x, rows, ldx, bias, y, ldy);
}

/* head_dot with one 16-lane accumulator: its low half takes head_dot's `a` (8-float blocks 0, 2,
   4, ...), its high half `b` (blocks 1, 3, ...), with the same operations in the same order. */
static inline CVK_TARGET512 float head_dot16(const float *k, const float *q, int d) {
    /* d >= 16 here. Low half: a = block 0 times q; high half: b = FMA(block 1, q, +0), as head_dot. */
    const __m512 k0 = _mm512_loadu_ps(k), q0 = _mm512_loadu_ps(q);
    __m512 z = _mm512_mask_mul_ps(_mm512_fmadd_ps(k0, q0, _mm512_setzero_ps()), 0x00FF, k0, q0);
    int i = 16;
    for (; i + 16 <= d; i += 16) z = _mm512_fmadd_ps(_mm512_loadu_ps(k + i), _mm512_loadu_ps(q + i), z);
    if (i < d) z = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(0x00FF, k + i), _mm512_maskz_loadu_ps(0x00FF, q + i),
                                         z, 0x00FF);  /* a last even block: `a` alone */
    return hsum8(_mm256_add_ps(_mm512_castps512_ps256(z), _mm512_extractf32x8_ps(z, 1)));
}

CVK_TARGET512 void cvk512_attend_scores(const float *q, size_t ldq, size_t rows, const float *k, size_t ldk,
                                        size_t t0, size_t t1, size_t keys, int heads, int head_dim, float scale,
                                        float *scores) {
    const int d = head_dim;
    for (size_t t = t0; t < t1; t++) {
        const float *row = k + t * ldk;
        for (size_t r = 0; r < rows; r++) {
            const float *qr = q + r * ldq;
            float *sr = scores + r * (size_t)heads * keys;
            for (int h = 0; h < heads; h++) {
                const float *kh = row + (size_t)h * d, *qh = qr + (size_t)h * d;
                sr[(size_t)h * keys + t] = (d >= 16 ? head_dot16(kh, qh, d) : head_dot(kh, qh, d)) * scale;
            }
        }
    }
}

CVK_TARGET512 void cvk512_attend_values(const float *v, size_t ldv, size_t t0, size_t t1, const float *scores,
                                        size_t rows, size_t keys, int heads, int head_dim, float *acc) {
    const int d = head_dim, width = heads * d;
    for (size_t c = 0; c < rows * (size_t)width; c++) acc[c] = 0;
    for (size_t t = t0; t < t1; t++) {
        const float *row = v + t * ldv;
        for (size_t r = 0; r < rows; r++) {
            const float *sr = scores + r * (size_t)heads * keys;
            float *ar = acc + r * (size_t)width;
            for (int h = 0; h < heads; h++) {
                const float p1 = sr[(size_t)h * keys + t];
                const __m512 p = _mm512_set1_ps(p1);
                const float *vr = row + (size_t)h * d;
                float *o = ar + (size_t)h * d;
                int i = 0;
                for (; i + 16 <= d; i += 16)
                    _mm512_storeu_ps(o + i, _mm512_fmadd_ps(p, _mm512_loadu_ps(vr + i), _mm512_loadu_ps(o + i)));
                if (i < d)
                    _mm256_storeu_ps(o + i, _mm256_fmadd_ps(_mm256_set1_ps(p1), _mm256_loadu_ps(vr + i),
                                                            _mm256_loadu_ps(o + i)));
            }
        }
    }
}

#endif
