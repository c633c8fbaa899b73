#ifndef CAPTIOND_CVECTORVISIONKERNELS_H
#define CAPTIOND_CVECTORVISIONKERNELS_H
/*
 * AVX2 + FMA kernels for the face models (VisionKernels.c), NHWC batch 1, float32. Call only
 * when cvk_has_avx2_fma() returns 1. Each output accumulates in the order of Vision's naive
 * reference kernels (bias, then the taps row by row, input channels innermost), with fused
 * multiply-adds: results differ from the reference only by the rounding the fusing saves.
 * The window (outH, outW, padTop, padLeft) is TFLite's, computed by the caller.
 */
#include <stddef.h>

/* Depthwise convolution, depth multiplier 1: y[oy, ox, ch] = bias[ch] + sum x[iy, ix, ch] w[ky, kx, ch]
   over the taps inside the input. x (inH, inW, c), w (kH, kW, c), bias (c) or NULL, y (outH, outW, c). */
void cvk_vision_depthwise(const float *x, int inH, int inW, int c, int kH, int kW, int strideH, int strideW,
                          int padTop, int padLeft, int outH, int outW, const float *w, const float *bias, float *y);

/* Direct convolution for few input values per output (kH kW inC <= 512) and outC a multiple of 8
   (a model's first layer on a grey image): y[oy, ox, o] = bias[o] + sum x[iy, ix, ci] w[o, ky, kx, ci].
   w (outC, kH, kW, inC) as the graph stores it; `packed` is scratch of kH kW inC outC floats.
   Returns 0 without computing when the shape is not one it handles. */
int cvk_vision_conv_direct(const float *x, int inH, int inW, int inC, int outC, int kH, int kW, int strideH,
                           int strideW, int padTop, int padLeft, int outH, int outW, const float *w,
                           const float *bias, float *packed, float *y);

/* y = prelu(a + b) with a slope per channel: v = a + b; y = max(v, 0) + alpha[ch] min(v, 0),
   over (pixels, channels). y may alias a or b. */
void cvk_vision_add_prelu(const float *a, const float *b, const float *alpha, size_t pixels, size_t channels, float *y);

#endif
