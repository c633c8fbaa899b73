/* The AVX-512 forms of the decoder kernels (DecoderKernels512.c), private to this target: called
   by DecoderKernels.c and BatchKernels.c when cvk_wide_vectors() is 1. Include only inside
   `#if defined(__x86_64__)`. */
#ifndef CAPTIOND_CVK_WIDE512_H
#define CAPTIOND_CVK_WIDE512_H
#include <stddef.h>
#include <stdint.h>

/* gemv_range's work for outputs [begin, end): y[r, o] = w[o] . x[r] + bias[o], 16 lanes per
   accumulator. The one-row form (4 weight rows at a time) and the batched form (2 weight rows by 4
   input rows) give each (output, row) the same operations, so the same bits as each other (not
   as the 8-lane AVX2 form: the lanes sum in another order). */
void cvk512_gemv_range(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                       const float *bias, float *y, size_t ldy, size_t begin, size_t end);
void cvk512_gemv_batch_range(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                             const float *bias, float *y, size_t ldy, size_t begin, size_t end);

/* scores[r, h, t] = q_rh . k_h[t] * scale for keys [t0, t1), r < rows; scores rows are `keys` long,
   (rows, heads, keys). The same bits as head_dot (VectorHelpers.h): its two 8-lane accumulators
   are the two halves of one 16-lane one. */
void cvk512_attend_scores(const float *q, size_t ldq, size_t rows, const float *k, size_t ldk, size_t t0,
                          size_t t1, size_t keys, int heads, int head_dim, float scale, float *scores);

/* acc[r, h D + i] = sum over keys [t0, t1) of p[r, h, t] v_h[t, i] (acc zeroed here; (rows,
   heads D)). Each output lane is its own FMA chain, as in the AVX2 form: the same bits. */
void cvk512_attend_values(const float *v, size_t ldv, size_t t0, size_t t1, const float *scores, size_t rows,
                          size_t keys, int heads, int head_dim, float *acc);

#endif
