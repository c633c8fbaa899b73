#ifndef CAPTIOND_CVECTORBATCHKERNELS_H
#define CAPTIOND_CVECTORBATCHKERNELS_H
/*
 * Batched decoder kernels (BatchKernels.c): every hypothesis of a beam advances in one pass over
 * the weights and the cross-attention keys and values. Each row's arithmetic is exactly that of
 * the one-row kernels (cvk_gemv_half with one row, cvk_attend_one), operation for operation, so a
 * batched beam search gives the same bits as one row at a time. AVX2 + FMA + F16C: call only
 * when cvk_has_avx2_fma() returns 1.
 */
#include <stddef.h>
#include <stdint.h>

/* y[r, o] = sum_i w[o, i] x[r, i] + bias[o] for r < rows, o < out: w (out, in) half precision,
   x (rows, ldx), y (rows, ldy), bias (out) or NULL. Each weight is widened once for all rows;
   row r's result equals cvk_gemv_half on that row alone, bit for bit. */
void cvk_gemv_half_batch(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                         const float *bias, float *y, size_t ldy, int threads);

/* `rows` queries against the same keys, for every head: out[r, h D..] = softmax(q_rh . k_h / sqrt D) v_h;
   q (rows, ldq), out (rows, ldo), k (keys, ldk), v (keys, ldv). Every key and value row is read
   once for all queries; row r equals cvk_attend_one on q_r alone, bit for bit. Returns 0 without
   computing when keys exceed CVK_ATTEND_MAX_KEYS, D is not a multiple of 8 or memory is short. */
int cvk_attend_batch(const float *q, size_t ldq, size_t rows, const float *k, size_t ldk, const float *v,
                     size_t ldv, size_t keys, int heads, int head_dim, float *out, size_t ldo, int threads);

#endif
