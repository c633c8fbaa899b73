#ifndef CAPTIOND_CVECTORAMXKERNELS_H
#define CAPTIOND_CVECTORAMXKERNELS_H
/*
 * bfloat16 matrix products on Intel AMX tiles (AMXKernels.c), for `--compute bfloat16`: the
 * weights rounded to bfloat16 once (cvk_bf16_pack), the activations rounded per call, the
 * products summed in float32 by tdpbf16ps. Call cvk_gemm_bf16_amx only when cvk_amx_bf16()
 * returns 1. Tensor's BFloat16Reference is the naive kernel the tests compare with.
 */
#include <stddef.h>
#include <stdint.h>

/* 1 when this CPU has AMX-TILE, AMX-BF16 and AVX512-BF16 and the kernel gave this process the
   tile state (arch_prctl ARCH_REQ_XCOMP_PERM, asked once), else 0. */
int cvk_amx_bf16(void);

/* bfloat16 of x, rounded to nearest even (NaN stays NaN): the rounding every kernel here uses. */
uint16_t cvk_bf16_round(float x);

/* Elements (uint16) of the packed form of a (out, in) matrix: round32(out) * round32(in). */
size_t cvk_bf16_packed_count(size_t out, size_t in);

/* W (out, in), row-major float32 with row stride ldw, to the packed bfloat16 form the tiles read:
   blocks of 16 outputs x 32 inputs, block [o / 16][i / 32] at ((o/16) * round32(in)/32 + i/32) * 512,
   inside a block element (i % 32 / 2, o % 16, i % 2) at ((i % 32) / 2) * 32 + (o % 16) * 2 + i % 2
   (tdpbf16ps's pair order); zero past out and in. `packed` holds cvk_bf16_packed_count(out, in). */
void cvk_bf16_pack(const float *w, size_t out, size_t in, size_t ldw, uint16_t *packed);

/* y (rows, out; row stride ldy) = bf16(x) (rows, in; row stride ldx) . bf16(W)^T + bias (out,
   or NULL), W packed by cvk_bf16_pack. Rows in blocks of 32, the blocks split over at most
   `threads` parts of the engine's worker pool. Returns 0, or -1 when scratch memory could not be
   allocated (y then unspecified) or AMX is not available. */
int cvk_gemm_bf16_amx(const float *x, size_t ldx, size_t rows, size_t in, const uint16_t *packed,
                      size_t out, const float *bias, float *y, size_t ldy, int threads);

/* The same product without tiles, on any CPU, on the calling thread: each bfloat16 product summed
   in float32 in input order, then the bias added. The fallback when cvk_gemm_bf16_amx declines
   (the float32 weights are not kept beside the packed ones). */
void cvk_gemm_bf16_portable(const float *x, size_t ldx, size_t rows, size_t in, const uint16_t *packed,
                            size_t out, const float *bias, float *y, size_t ldy);

#endif
