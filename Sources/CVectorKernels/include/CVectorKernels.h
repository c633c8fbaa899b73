#ifndef CAPTIOND_CVECTORKERNELS_H
#define CAPTIOND_CVECTORKERNELS_H
/*
 * Elementwise kernels of the tensor engine compiled for AVX2 + FMA (256-bit vectors, fused
 * multiply-add), chosen at run time: call them only when cvk_has_avx2_fma() returns 1. The
 * portable Swift versions in Tensor/Kernels.swift (and the naive ReferenceKernels) compute the
 * same functions; TensorTests compares all three.
 */
#include <stddef.h>

/* 1 when this CPU executes AVX2 and FMA instructions, else 0. */
int cvk_has_avx2_fma(void);

/* Softmax over each row of a row-major (rows, width) matrix, in place. -inf entries give 0.
   exp as a degree-7 polynomial after range reduction (within 2 ulp over [-87.3, 88]). */
void cvk_softmax_rows(float *x, size_t rows, size_t width);

/* Exact GELU in place: x * 0.5 * (1 + erf(x / sqrt 2)), erf within 5e-7 absolute. */
void cvk_gelu(float *x, size_t count);

/* y[i] = e^x[i] for count floats (exactly 0 below -87.336544). */
void cvk_exp(const float *x, float *y, size_t count);

/* sum over i of e^(x[i] - shift) (the terms as cvk_exp computes them). */
float cvk_sum_exp(const float *x, size_t count, float shift);

#endif
