/* One-token decoder kernels: half-precision weight matrices times a few rows (the weights are
   read once, as 16-bit values, and widened to float32 in registers), and attention of one query
   over many keys. AVX2 + FMA + F16C; parallel over the pool (WorkerPool.c). */
#include "CVectorKernels.h"

#if defined(__x86_64__)
#include "VectorHelpers.h"
#include "Wide512.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

CVK_TARGET void cvk_half_to_float(const uint16_t *src, float *dst, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(dst + i, load_half8(src + i));
    for (; i < count; i++) dst[i] = half1(load_u16(src + i));
}

CVK_TARGET int cvk_float_to_half_exact(const float *src, uint16_t *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        __m128i h = _mm_cvtps_ph(_mm_set_ss(src[i]), _MM_FROUND_TO_NEAREST_INT);
        float back = _mm_cvtss_f32(_mm_cvtph_ps(h));
        uint32_t a, b;
        memcpy(&a, &back, 4);
        memcpy(&b, &src[i], 4);
        if (a != b) return 0;
        dst[i] = (uint16_t)_mm_extract_epi16(h, 0);
    }
    return 1;
}

typedef struct {
    const uint16_t *w; size_t out, in;
    const float *x; size_t rows, ldx;
    const float *bias; float *y; size_t ldy;
    int wide;                 /* the AVX-512 form (cvk_wide_vectors) */
} gemv_job;

/* Output features [begin, end) for all rows: 4 weight rows at a time, each widened once and
   used for every input row (rows <= 4 keep 4 x rows accumulators in registers). */
CVK_TARGET static void gemv_range(const gemv_job *j, size_t begin, size_t end) {
    const size_t in = j->in, full = in - in % 8;
    const uintptr_t wend = (uintptr_t)(j->w + j->out * in);
    size_t o = begin;
    for (; o + 4 <= end; o += 4) {
        const uint16_t *w0 = j->w + o * in, *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
        for (size_t r = 0; r < j->rows; r++) {
            const float *x = j->x + r * j->ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (size_t i = 0; i < full; i += 8) {
                /* The 4 rows (4 in halves, contiguous) take 64 bytes per step: one line of the
                   group CVK_PREFETCH_AHEAD bytes ahead (first input row only). */
                if (r == 0) prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 8, wend);
                __m256 xv = _mm256_loadu_ps(x + i);
                a0 = _mm256_fmadd_ps(load_half8(w0 + i), xv, a0);
                a1 = _mm256_fmadd_ps(load_half8(w1 + i), xv, a1);
                a2 = _mm256_fmadd_ps(load_half8(w2 + i), xv, a2);
                a3 = _mm256_fmadd_ps(load_half8(w3 + i), xv, a3);
            }
            float s[4] = { hsum8(a0), hsum8(a1), hsum8(a2), hsum8(a3) };
            const uint16_t *ws[4] = { w0, w1, w2, w3 };
            for (int k = 0; k < 4; k++) {
                for (size_t i = full; i < in; i++)
                    s[k] += half1(load_u16(ws[k] + i)) * x[i];
                j->y[r * j->ldy + o + k] = s[k] + (j->bias ? j->bias[o + k] : 0.0f);
            }
        }
    }
    for (; o < end; o++) {
        const uint16_t *w0 = j->w + o * in;
        for (size_t r = 0; r < j->rows; r++) {
            const float *x = j->x + r * j->ldx;
            __m256 a0 = _mm256_setzero_ps();
            for (size_t i = 0; i < full; i += 8) a0 = _mm256_fmadd_ps(load_half8(w0 + i), _mm256_loadu_ps(x + i), a0);
            float s = hsum8(a0);
            for (size_t i = full; i < in; i++) s += half1(load_u16(w0 + i)) * x[i];
            j->y[r * j->ldy + o] = s + (j->bias ? j->bias[o] : 0.0f);
        }
    }
}

static void gemv_part(void *ctx, int index, int workers) {
    const gemv_job *j = ctx;
    /* Contiguous blocks of whole groups of 4 outputs. */
    size_t groups = (j->out + 3) / 4;
    size_t begin = groups * (size_t)index / (size_t)workers * 4, end = groups * (size_t)(index + 1) / (size_t)workers * 4;
    if (end > j->out) end = j->out;
    if (begin >= end) return;
    if (j->wide) cvk512_gemv_range(j->w, j->out, j->in, j->x, j->rows, j->ldx, j->bias, j->y, j->ldy, begin, end);
    else gemv_range(j, begin, end);
}

void cvk_gemv_half(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                   const float *bias, float *y, size_t ldy, int threads) {
    gemv_job j = { w, out, in, x, rows, ldx, bias, y, ldy, cvk_wide_vectors() };
    /* Below ~256 KB of weights one thread reads them faster than a hand-off costs. */
    int workers = out * in * 2 < (1u << 18) ? 1 : threads;
    if ((size_t)workers > out / 4) workers = (int)(out / 4) > 0 ? (int)(out / 4) : 1;
    cvk_parallel(workers, gemv_part, &j);
}

typedef struct {
    const float *q, *k, *v; size_t ldk, ldv, keys; int heads, head_dim; float scale;
    float *scores;            /* (heads, keys) */
    float *partial;           /* (workers, heads * head_dim) */
    float *out;
    int wide;                 /* the AVX-512 form (cvk_wide_vectors) */
} attend_job;

/* scores[h, t] = q_h . k_h[t] * scale for the worker's keys. Keys are split into contiguous
   ranges, one per worker, so each reads whole rows of K and V front to back (one head's columns
   alone would stride a page per key and defeat prefetching). */
CVK_TARGET static void attend_scores(void *ctx, int index, int workers) {
    const attend_job *j = ctx;
    size_t t0, t1;
    worker_span(j->keys, index, workers, &t0, &t1);
    if (j->wide) {
        cvk512_attend_scores(j->q, 0, 1, j->k, j->ldk, t0, t1, j->keys, j->heads, j->head_dim, j->scale, j->scores);
        return;
    }
    const int d = j->head_dim;
    for (size_t t = t0; t < t1; t++) {
        const float *row = j->k + t * j->ldk;
        for (int h = 0; h < j->heads; h++) {
            const float *k = row + (size_t)h * d, *q = j->q + (size_t)h * d;
            j->scores[(size_t)h * j->keys + t] = head_dot(k, q, d) * j->scale;
        }
    }
}

/* Softmax of each head's scores, heads split over the workers. */
static void attend_softmax(void *ctx, int index, int workers) {
    const attend_job *j = ctx;
    int h0 = j->heads * index / workers, h1 = j->heads * (index + 1) / workers;
    if (h1 > h0) cvk_softmax_rows(j->scores + (size_t)h0 * j->keys, (size_t)(h1 - h0), j->keys);
}

/* partial[w, h D + i] = sum over the worker's keys of p[h, t] v_h[t, i]. */
CVK_TARGET static void attend_values(void *ctx, int index, int workers) {
    const attend_job *j = ctx;
    size_t t0, t1;
    worker_span(j->keys, index, workers, &t0, &t1);
    const int d = j->head_dim, width = j->heads * d;
    float *acc = j->partial + (size_t)index * width;
    if (j->wide) {
        cvk512_attend_values(j->v, j->ldv, t0, t1, j->scores, 1, j->keys, j->heads, d, acc);
        return;
    }
    for (int c = 0; c < width; c++) acc[c] = 0;
    for (size_t t = t0; t < t1; t++) {
        const float *row = j->v + t * j->ldv;
        for (int h = 0; h < j->heads; h++) {
            const __m256 p = _mm256_set1_ps(j->scores[(size_t)h * j->keys + t]);
            const float *vr = row + (size_t)h * d;
            float *o = acc + (size_t)h * d;
            for (int i = 0; i < d; i += 8)
                _mm256_storeu_ps(o + i, _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + i), _mm256_loadu_ps(o + i)));
        }
    }
}

int cvk_attend_one(const float *q, const float *k, size_t ldk, const float *v, size_t ldv, size_t keys,
                   int heads, int head_dim, float *out, int threads) {
    if (keys == 0 || keys > CVK_ATTEND_MAX_KEYS || head_dim % 8 != 0 || heads <= 0 || threads <= 0) return 0;
    /* Parallel once the keys are enough to pay for the hand-offs (three per call). */
    int workers = keys * (size_t)head_dim * (size_t)heads < (1u << 16) ? 1 : threads;
    if ((size_t)workers > keys) workers = (int)keys;
    const size_t width = (size_t)heads * head_dim;
    float *scratch = malloc(sizeof(float) * ((size_t)heads * keys + (size_t)workers * width));
    if (!scratch) return 0;
    attend_job j = { q, k, v, ldk, ldv, keys, heads, head_dim, 1.0f / sqrtf((float)head_dim),
                     scratch, scratch + (size_t)heads * keys, out, cvk_wide_vectors() };
    cvk_parallel(workers, attend_scores, &j);
    cvk_parallel(workers > heads ? heads : workers, attend_softmax, &j);
    const int ran = cvk_parallel(workers, attend_values, &j);   /* partial rows written */
    for (size_t c = 0; c < width; c++) {
        float s = 0;
        for (int w = 0; w < ran; w++) s += j.partial[(size_t)w * width + c];
        out[c] = s;
    }
    free(scratch);
    return 1;
}

#else  /* not x86-64: never selected (cvk_has_avx2_fma() is 0). */

void cvk_half_to_float(const uint16_t *src, float *dst, size_t count) { (void)src; (void)dst; (void)count; }
int cvk_float_to_half_exact(const float *src, uint16_t *dst, size_t count) { (void)src; (void)dst; (void)count; return 0; }
void cvk_gemv_half(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                   const float *bias, float *y, size_t ldy, int threads) {
    (void)w; (void)out; (void)in; (void)x; (void)rows; (void)ldx; (void)bias; (void)y; (void)ldy; (void)threads;
}
int cvk_attend_one(const float *q, const float *k, size_t ldk, const float *v, size_t ldv, size_t keys,
                   int heads, int head_dim, float *out, int threads) {
    (void)q; (void)k; (void)ldk; (void)v; (void)ldv; (void)keys; (void)heads; (void)head_dim; (void)out; (void)threads;
    return 0;
}
#endif
