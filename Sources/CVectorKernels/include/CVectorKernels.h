#ifndef CAPTIOND_CVECTORKERNELS_H
#define CAPTIOND_CVECTORKERNELS_H
/*
 * Elementwise kernels of the tensor engine compiled for AVX2 + FMA (256-bit vectors, fused
 * multiply-add), chosen at run time: call them only when cvk_has_avx2_fma() returns 1. The
 * portable Swift versions in Tensor/Kernels.swift (and the naive ReferenceKernels) compute the
 * same functions; TensorTests compares all three.
 */
#include <stddef.h>
#include <stdint.h>
#include "CVectorBatchKernels.h"   /* batched beam-search kernels (BatchKernels.c) */
#include "CVectorVisionKernels.h"  /* face-model kernels (VisionKernels.c) */
#include "CVectorAMXKernels.h"     /* bfloat16 products on AMX tiles (AMXKernels.c) */

/* 1 when this CPU executes AVX2, FMA and F16C instructions, else 0. */
int cvk_has_avx2_fma(void);

/* 1 when this CPU executes AVX-512 F, BW, DQ and VL instructions (OpenBLAS's SkylakeX kernels),
   else 0. */
int cvk_has_avx512_skylakex(void);

/* 1 when the kernels with an AVX-512 form run it (the packed attention, the one-token and batched
   decoder kernels): the CPU has it (cvk_has_avx512_skylakex) and cvk_allow_wide_vectors has not
   turned it off. */
int cvk_wide_vectors(void);
/* Turns the AVX-512 forms off (0) or back on (1) for the whole process, so the tests run the AVX2
   forms on a CPU that has both. Call between computations, not during one. */
void cvk_allow_wide_vectors(int allow);

/* Softmax over each row of a row-major (rows, width) matrix, in place. -inf entries give 0.
   exp as a degree-7 polynomial after range reduction (within 2 ulp over [-87.3, 88]). */
void cvk_softmax_rows(float *x, size_t rows, size_t width);

/* Unnormalised softmax: each row of (rows, width) becomes e^(x - row max) in place and
   inverse[r] receives 1 / (the row's sum), for callers that divide later. */
void cvk_exp_rows(float *x, size_t rows, size_t width, float *inverse);

/* Exact GELU in place: x * 0.5 * (1 + erf(x / sqrt 2)), erf within 5e-7 absolute. */
void cvk_gelu(float *x, size_t count);

/* y[i] = e^x[i] for count floats (exactly 0 below -87.336544). */
void cvk_exp(const float *x, float *y, size_t count);

/* sum over i of e^(x[i] - shift) (the terms as cvk_exp computes them). */
float cvk_sum_exp(const float *x, size_t count, float shift);

/* --- The engine's worker pool (WorkerPool.c; portable C, no vector extensions needed). --- */

/* A job's part: fn(ctx, index, workers) for part `index` of 0 ..< workers. The index names a
   part of the work, not a thread: one thread may run several parts of a job, in any order. */
typedef void (*cvk_job_fn)(void *ctx, int index, int workers);

/* Runs fn once for every part 0 ..< workers and returns when all parts have finished. The caller
   and up to workers - 1 pool threads claim the parts, whichever comes first, so the caller runs
   the parts of pool threads that have not come (descheduled) instead of waiting for them; it
   waits only for parts that are running. Workers spin for about 0.2 ms after a job, then sleep.
   A call from inside a part runs inline (fn(ctx, 0, 1)); calls from several threads take turns.
   Returns the number of parts (fewer than asked when threads could not be created or the call
   was nested). */
int cvk_parallel(int workers, cvk_job_fn fn, void *ctx);

/* Tests only: while `hold` is nonzero the pool's threads claim no part (as if the OS never ran
   them), so the caller runs every part of a job itself. */
void cvk_parallel_hold_workers_for_testing(int hold);

/* --- One-token decoder kernels (DecoderKernels.c), parallel over a small pool of spinning
   worker threads (at most `threads` including the caller). --- */

/* Half-precision inputs (src, w) need only 1-byte alignment: float16 weights are read in place
   from a memory-mapped checkpoint, whose variables are not padded. */

/* IEEE half-precision bits to float32. */
void cvk_half_to_float(const uint16_t *src, float *dst, size_t count);

/* float32 to half-precision bits; returns 0 (and leaves dst partly written) as soon as a value
   does not survive the round trip exactly, 1 when every value does. */
int cvk_float_to_half_exact(const float *src, uint16_t *dst, size_t count);

/* y[r, o] = sum_i w[o, i] x[r, i] + bias[o] for r < rows, o < out: w is (out, in) half-precision,
   x (rows, ldx), y (rows, ldy), bias (out) or NULL. For a few rows (one decoding step). */
void cvk_gemv_half(const uint16_t *w, size_t out, size_t in, const float *x, size_t rows, size_t ldx,
                   const float *bias, float *y, size_t ldy, int threads);

/* Longest key sequence cvk_attend_one takes. */
#define CVK_ATTEND_MAX_KEYS 4096

/* One query against `keys` keys for every head: out[h D..] = softmax(q_h . k_h / sqrt D) v_h,
   q and out (heads D), k (keys, ldk), v (keys, ldv), head h in columns h D ..< (h + 1) D.
   Returns 0 without computing when keys exceed CVK_ATTEND_MAX_KEYS or D is not a multiple of 8. */
int cvk_attend_one(const float *q, const float *k, size_t ldk, const float *v, size_t ldv, size_t keys,
                   int heads, int head_dim, float *out, int threads);

/* --- Unmasked attention of one head over packed keys and values (PackedAttention.c). --- */

/* Largest head dimension cvk_attend_packed_block takes (it needs a multiple of 16). */
#define CVK_PACKED_MAX_HEAD_DIM 128

/* Floats of one head's packed keys: keys rounded up to 16, times head_dim (values: keys x head_dim). */
size_t cvk_packed_keys_count(size_t keys, size_t head_dim);
/* Floats of cvk_attend_packed_block's scratch for `rows` queries: rows x (keys rounded up to 16) + rows. */
size_t cvk_packed_scratch_count(size_t rows, size_t keys);
/* Packs one head: k (keys, ldk) and v (keys, ldv), head_dim columns each (a multiple of 16), into
   kp (K^T in panels of 16 keys: kp[t][d][j] = K[16 t + j][d], zeros past the last key;
   cvk_packed_keys_count floats) and vp (V in panels of 16 columns: vp[c][key][j] = V[key][16 c + j];
   keys x head_dim floats). Plain C. */
void cvk_pack_head(const float *k, size_t ldk, const float *v, size_t ldv, size_t keys, size_t head_dim,
                   float *kp, float *vp);
/* out (rows, ldo; head_dim columns) = softmax(q K^T * scale) V for `rows` queries q (rows, ldq),
   no mask, over a head packed by cvk_pack_head; `scratch` holds cvk_packed_scratch_count(rows,
   keys) floats. Returns 0 without computing when head_dim is 0, not a multiple of 16 or above
   CVK_PACKED_MAX_HEAD_DIM, or rows or keys is 0. Runs the AVX-512 form when cvk_wide_vectors, else
   the AVX2 + FMA one; the two give the same bits. */
int cvk_attend_packed_block(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                            size_t keys, size_t head_dim, float scale, float *scratch, float *out, size_t ldo);
/* The AVX2 + FMA form (6 x 16 register tiles; needs cvk_has_avx2_fma). */
int cvk_attend_packed_block_avx2(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                                 size_t keys, size_t head_dim, float scale, float *scratch, float *out, size_t ldo);
/* The AVX-512 form (12 x 32 register tiles, PackedAttention512.c; needs cvk_has_avx512_skylakex). */
int cvk_attend_packed_block_avx512(const float *q, size_t ldq, size_t rows, const float *kp, const float *vp,
                                   size_t keys, size_t head_dim, float scale, float *scratch, float *out, size_t ldo);

/* --- 8-bit matrix kernels (Int8Kernels.c): CTranslate2's int8 scheme. --- */

/* Quantises each row of x (rows, ldx; `in` columns) to int8: scales[r] = 127 / max|x[r]| (1 for
   an all-zero row), q[r, i] = round-to-nearest-even(x[r, i] * scales[r]) clamped to ±127; q rows
   have stride ldq >= in and columns in ..< ldq are zeroed. The _portable version runs anywhere. */
void cvk_quantize_rows_s8(const float *x, size_t rows, size_t in, size_t ldx, int8_t *q, size_t ldq, float *scales);
void cvk_quantize_rows_s8_portable(const float *x, size_t rows, size_t in, size_t ldx, int8_t *q, size_t ldq,
                                   float *scales);

/* y[r, o] = (float)(sum_i w[o, i] x[r, i]) / (xscale[r] * wscale[o]) + bias[o] (bias may be NULL),
   sums exact in int32: w (out, in) int8 in [-127, 127], x (rows, ldx) int8, y (rows, ldy). Parallel
   over the outputs on at most `threads` pool workers. cvk_gemm_s8 is AVX2 (vpmaddubsw/vpmaddwd;
   call it only when cvk_has_avx2_fma() is 1); cvk_gemm_s8_portable is plain C. */
void cvk_gemm_s8(const int8_t *w, const float *wscale, size_t out, size_t in, const int8_t *x, size_t ldx,
                 const float *xscale, size_t rows, const float *bias, float *y, size_t ldy, int threads);
void cvk_gemm_s8_portable(const int8_t *w, const float *wscale, size_t out, size_t in, const int8_t *x, size_t ldx,
                          const float *xscale, size_t rows, const float *bias, float *y, size_t ldy, int threads);

#endif
