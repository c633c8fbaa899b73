/* Batched decoder kernels: the rows of a beam share one pass over the weights (widened once for
   all rows) and over the cross-attention keys and values. Each row's operations are those of the
   one-row kernels in DecoderKernels.c in the same order (same FMA chains, same horizontal sums,
   same split of the keys over the workers), so the results are identical bit for bit; the tests
   compare them. AVX2 + FMA + F16C; parallel over the pool (WorkerPool.c). */
#include "CVectorKernels.h"
#include "CVectorBatchKernels.h"

#if defined(__x86_64__)
#include "VectorHelpers.h"
#include "Wide512.h"
#include <math.h>
#include <stdlib.h>

typedef struct {
    const uint16_t *w; size_t out, in;
    const float *x; size_t rows, ldx;
    const float *bias; float *y; size_t ldy;
    int wide;                 /* the AVX-512 form (cvk_wide_vectors) */
} gemv_batch_job;

/* Finishes one (output, row) sum as gemv_range does: horizontal sum, scalar tail, bias. */
CVK_TARGET static inline void finish_one(const gemv_batch_job *j, size_t o, size_t r, __m256 acc, size_t full) {
    const uint16_t *w = j->w + o * j->in;
    const float *x = j->x + r * j->ldx;
    float s = hsum8(acc);
    for (size_t i = full; i < j->in; i++) s += half1(load_u16(w + i)) * x[i];
    j->y[r * j->ldy + o] = s + (j->bias ? j->bias[o] : 0.0f);
}

/* Outputs [begin, end): two weight rows at a time, each 8-wide block widened once and used by
   four input rows (8 accumulators), then the remaining rows one by one. */
CVK_TARGET static void gemv_batch_range(const gemv_batch_job *j, size_t begin, size_t end) {
    const size_t in = j->in, full = in - in % 8, ldx = j->ldx;
    const uintptr_t wend = (uintptr_t)(j->w + j->out * in);
    size_t o = begin;
    for (; o + 2 <= end; o += 2) {
        const uint16_t *w0 = j->w + o * in, *w1 = w0 + in;
        size_t r = 0;
        for (; r + 4 <= j->rows; r += 4) {
            const float *x0 = j->x + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
            __m256 a00 = _mm256_setzero_ps(), a01 = a00, a02 = a00, a03 = a00;
            __m256 a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            for (size_t i = 0; i < full; i += 8) {
                /* The 2 rows take 32 bytes per step: a line of the pair CVK_PREFETCH_AHEAD bytes
                   ahead every other step (first block of input rows only; see gemv_range). */
                if (r == 0 && (i & 8) == 0) prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 4, wend);
                const __m256 v0 = load_half8(w0 + i), v1 = load_half8(w1 + i);
                __m256 xv = _mm256_loadu_ps(x0 + i);
                a00 = _mm256_fmadd_ps(v0, xv, a00); a10 = _mm256_fmadd_ps(v1, xv, a10);
                xv = _mm256_loadu_ps(x1 + i);
                a01 = _mm256_fmadd_ps(v0, xv, a01); a11 = _mm256_fmadd_ps(v1, xv, a11);
                xv = _mm256_loadu_ps(x2 + i);
                a02 = _mm256_fmadd_ps(v0, xv, a02); a12 = _mm256_fmadd_ps(v1, xv, a12);
                xv = _mm256_loadu_ps(x3 + i);
                a03 = _mm256_fmadd_ps(v0, xv, a03); a13 = _mm256_fmadd_ps(v1, xv, a13);
            }
            finish_one(j, o, r, a00, full); finish_one(j, o, r + 1, a01, full);
            finish_one(j, o, r + 2, a02, full); finish_one(j, o, r + 3, a03, full);
            finish_one(j, o + 1, r, a10, full); finish_one(j, o + 1, r + 1, a11, full);
            finish_one(j, o + 1, r + 2, a12, full); finish_one(j, o + 1, r + 3, a13, full);
        }
        for (; r < j->rows; r++) {
            const float *x0 = j->x + r * ldx;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0;
            for (size_t i = 0; i < full; i += 8) {
                if (r == 0 && (i & 8) == 0) prefetch_line(w0, CVK_PREFETCH_AHEAD + i * 4, wend);
                const __m256 xv = _mm256_loadu_ps(x0 + i);
                a0 = _mm256_fmadd_ps(load_half8(w0 + i), xv, a0);
                a1 = _mm256_fmadd_ps(load_half8(w1 + i), xv, a1);
            }
            finish_one(j, o, r, a0, full);
            finish_one(j, o + 1, r, a1, full);
        }
    }
    for (; o < end; o++) {
        const uint16_t *w0 = j->w + o * in;
        for (size_t r = 0; r < j->rows; r++) {
            const float *x0 = j->x + r * ldx;
            __m256 a0 = _mm256_setzero_ps();
            for (size_t i = 0; i < full; i += 8) a0 = _mm256_fmadd_ps(load_half8(w0 + i), _mm256_loadu_ps(x0 + i), a0);
            finish_one(j, o, r, a0, full);
        }
    }
}

static void gemv_batch_part(void *ctx, int index, int workers) {
    const gemv_batch_job *j = ctx;
    size_t pairs = (j->out + 1) / 2;
    size_t begin = pairs * (size_t)index / (size_t)workers * 2, end = pairs * (size_t)(index + 1) / (size_t)workers * 2;
    if (end > j->out) end = j->out;
    if (begin >= end) return;
    if (j->wide) cvk512_gemv_batch_range(j->w, j->out, j->in, j->x, j->rows, j->ldx, j->bias, j->y, j->ldy, begin, end);
    else gemv_batch_range(j, begin, end);
}

void cvk_gemv_half_batch(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                         const float *bias, float *y, size_t ldy, int threads) {
    if (rows == 0 || out == 0) return;
    gemv_batch_job j = { w, out, in, x, rows, ldx, bias, y, ldy, cvk_wide_vectors() };
    int workers = out * in * 2 < (1u << 18) ? 1 : threads;
    if ((size_t)workers > out / 2) workers = (int)(out / 2) > 0 ? (int)(out / 2) : 1;
    cvk_parallel(workers, gemv_batch_part, &j);
}

typedef struct {
    const float *q; size_t ldq, rows;
    const float *k, *v; size_t ldk, ldv, keys; int heads, head_dim; float scale;
    float *scores;            /* (rows, heads, keys) */
    float *partial;           /* (workers, rows, heads * head_dim) */
    int wide;                 /* the AVX-512 form (cvk_wide_vectors) */
} attend_batch_job;

/* scores[r, h, t] = q_rh . k_h[t] * scale: each key row read once for every query row. */
CVK_TARGET static void attend_batch_scores(void *ctx, int index, int workers) {
    const attend_batch_job *j = ctx;
    size_t t0, t1;
    worker_span(j->keys, index, workers, &t0, &t1);
    if (j->wide) {
        cvk512_attend_scores(j->q, j->ldq, j->rows, j->k, j->ldk, t0, t1, j->keys, j->heads, j->head_dim, j->scale,
                             j->scores);
        return;
    }
    const int d = j->head_dim;
    for (size_t t = t0; t < t1; t++) {
        const float *row = j->k + t * j->ldk;
        for (size_t r = 0; r < j->rows; r++) {
            const float *qr = j->q + r * j->ldq;
            float *sr = j->scores + r * (size_t)j->heads * j->keys;
            for (int h = 0; h < j->heads; h++) {
                const float *k = row + (size_t)h * d, *q = qr + (size_t)h * d;
                sr[(size_t)h * j->keys + t] = head_dot(k, q, d) * j->scale;
            }
        }
    }
}

/* Softmax of every (row, head) score row, split over the workers. */
static void attend_batch_softmax(void *ctx, int index, int workers) {
    const attend_batch_job *j = ctx;
    const size_t n = j->rows * (size_t)j->heads;
    size_t s0 = n * (size_t)index / (size_t)workers, s1 = n * (size_t)(index + 1) / (size_t)workers;
    if (s1 > s0) cvk_softmax_rows(j->scores + s0 * j->keys, s1 - s0, j->keys);
}

/* partial[w, r, h D + i] = sum over the worker's keys of p[r, h, t] v_h[t, i]. */
CVK_TARGET static void attend_batch_values(void *ctx, int index, int workers) {
    const attend_batch_job *j = ctx;
    size_t t0, t1;
    worker_span(j->keys, index, workers, &t0, &t1);
    const int d = j->head_dim, width = j->heads * d;
    float *acc = j->partial + (size_t)index * j->rows * width;
    if (j->wide) {
        cvk512_attend_values(j->v, j->ldv, t0, t1, j->scores, j->rows, j->keys, j->heads, d, acc);
        return;
    }
    for (size_t c = 0; c < j->rows * (size_t)width; c++) acc[c] = 0;
    for (size_t t = t0; t < t1; t++) {
        const float *row = j->v + t * j->ldv;
        for (size_t r = 0; r < j->rows; r++) {
            const float *sr = j->scores + r * (size_t)j->heads * j->keys;
            float *ar = acc + r * (size_t)width;
            for (int h = 0; h < j->heads; h++) {
                const __m256 p = _mm256_set1_ps(sr[(size_t)h * j->keys + t]);
                const float *vr = row + (size_t)h * d;
                float *o = ar + (size_t)h * d;
                for (int i = 0; i < d; i += 8)
                    _mm256_storeu_ps(o + i, _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + i), _mm256_loadu_ps(o + i)));
            }
        }
    }
}

int cvk_attend_batch(const float *q, size_t ldq, size_t rows, const float *k, size_t ldk, const float *v,
                     size_t ldv, size_t keys, int heads, int head_dim, float *out, size_t ldo, int threads) {
    if (rows == 0) return 1;
    if (keys == 0 || keys > CVK_ATTEND_MAX_KEYS || head_dim % 8 != 0 || heads <= 0 || threads <= 0) return 0;
    /* The worker count of cvk_attend_one for one query, so the keys split the same way. */
    int workers = keys * (size_t)head_dim * (size_t)heads < (1u << 16) ? 1 : threads;
    if ((size_t)workers > keys) workers = (int)keys;
    const size_t width = (size_t)heads * head_dim;
    float *scratch = malloc(sizeof(float) * (rows * (size_t)heads * keys + (size_t)workers * rows * width));
    if (!scratch) return 0;
    attend_batch_job j = { q, ldq, rows, k, v, ldk, ldv, keys, heads, head_dim, 1.0f / sqrtf((float)head_dim),
                           scratch, scratch + rows * (size_t)heads * keys, cvk_wide_vectors() };
    cvk_parallel(workers, attend_batch_scores, &j);
    cvk_parallel(workers, attend_batch_softmax, &j);
    const int ran = cvk_parallel(workers, attend_batch_values, &j);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < width; c++) {
            float s = 0;
            for (int w = 0; w < ran; w++) s += j.partial[((size_t)w * rows + r) * width + c];
            out[r * ldo + c] = s;
        }
    }
    free(scratch);
    return 1;
}

#else  /* not x86-64: never selected (cvk_has_avx2_fma() is 0). */

void cvk_gemv_half_batch(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                         const float *bias, float *y, size_t ldy, int threads) {
    (void)w; (void)out; (void)in; (void)x; (void)rows; (void)ldx; (void)bias; (void)y; (void)ldy; (void)threads;
}
int cvk_attend_batch(const float *q, size_t ldq, size_t rows, const float *k, size_t ldk, const float *v,
                     size_t ldv, size_t keys, int heads, int head_dim, float *out, size_t ldo, int threads) {
    (void)q; (void)ldq; (void)rows; (void)k; (void)ldk; (void)v; (void)ldv; (void)keys; (void)heads;
    (void)head_dim; (void)out; (void)ldo; (void)threads;
    return 0;
}
#endif
