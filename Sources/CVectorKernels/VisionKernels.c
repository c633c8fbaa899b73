/* AVX2 + FMA kernels for the face models (see include/CVectorVisionKernels.h). Selected at run time
   by Vision (VisionKernels.simd) when cvk_has_avx2_fma() says the CPU has them; Vision's Swift
   kernels run elsewhere, and its naive reference kernels are what the tests compare both with. */
#include "CVectorVisionKernels.h"

#if defined(__x86_64__)
#include "VectorHelpers.h"

static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int imin(int a, int b) { return a < b ? a : b; }

/* One output position's kernel window along one axis: it starts at input position `start` and its
   taps [lo, hi) fall inside the input [0, n). Both convolutions below clip their windows with it. */
typedef struct { int start, lo, hi; } tap_window;
static inline tap_window window_inside(int out, int stride, int pad, int k, int n) {
    const int start = out * stride - pad;
    const tap_window t = { start, imax(0, -start), imin(k, n - start) };
    return t;
}

/* The depthwise loop; inlined with constant kH, kW (3x3, 5x5: the face models' windows) so the tap
   loops unroll, and with the run-time sizes for any other window. */
static inline __attribute__((always_inline)) CVK_TARGET void depthwise_body(
    const float *x, int inH, int inW, int c, int kH, int kW, int strideH, int strideW, int padTop, int padLeft,
    int outH, int outW, const float *w, const float *bias, float *y) {
    const int c8 = c - c % 8;
    for (int oy = 0; oy < outH; oy++) {
        const tap_window wy = window_inside(oy, strideH, padTop, kH, inH);
        const int iy0 = wy.start, kyLo = wy.lo, kyHi = wy.hi;
        for (int ox = 0; ox < outW; ox++) {
            const tap_window wx = window_inside(ox, strideW, padLeft, kW, inW);
            const int ix0 = wx.start, kxLo = wx.lo, kxHi = wx.hi;
            float *out = y + ((size_t)oy * outW + ox) * c;
            // out: (c) = bias + sum over the taps inside the input of x (c) * w (c)
            const int inside = kyLo == 0 && kyHi == kH && kxLo == 0 && kxHi == kW;
            for (int ch = 0; ch < c8 && inside; ch += 8) {   // every tap inside: constant trip counts
                __m256 acc = bias ? _mm256_loadu_ps(bias + ch) : _mm256_setzero_ps();
                const float *in = x + ((size_t)iy0 * inW + ix0) * c + ch;
                for (int ky = 0; ky < kH; ky++)
                    for (int kx = 0; kx < kW; kx++)
                        acc = _mm256_fmadd_ps(_mm256_loadu_ps(in + ((size_t)ky * inW + kx) * c),
                                              _mm256_loadu_ps(w + ((size_t)ky * kW + kx) * c + ch), acc);
                _mm256_storeu_ps(out + ch, acc);
            }
            for (int ch = 0; ch < c8 && !inside; ch += 8) {
                __m256 acc = bias ? _mm256_loadu_ps(bias + ch) : _mm256_setzero_ps();
                for (int ky = kyLo; ky < kyHi; ky++) {
                    const float *in = x + ((size_t)(iy0 + ky) * inW + (ix0 + kxLo)) * c + ch;
                    const float *wt = w + ((size_t)ky * kW + kxLo) * c + ch;
                    for (int kx = kxLo; kx < kxHi; kx++, in += c, wt += c)
                        acc = _mm256_fmadd_ps(_mm256_loadu_ps(in), _mm256_loadu_ps(wt), acc);
                }
                _mm256_storeu_ps(out + ch, acc);
            }
            for (int ch = c8; ch < c; ch++) {
                float acc = bias ? bias[ch] : 0.0f;
                for (int ky = kyLo; ky < kyHi; ky++)
                    for (int kx = kxLo; kx < kxHi; kx++)
                        acc = __builtin_fmaf(x[((size_t)(iy0 + ky) * inW + (ix0 + kx)) * c + ch],
                                             w[((size_t)ky * kW + kx) * c + ch], acc);
                out[ch] = acc;
            }
        }
    }
}

CVK_TARGET void cvk_vision_depthwise(const float *x, int inH, int inW, int c, int kH, int kW, int strideH, int strideW,
                                     int padTop, int padLeft, int outH, int outW, const float *w, const float *bias,
                                     float *y) {
    if (kH == 3 && kW == 3)
        depthwise_body(x, inH, inW, c, 3, 3, strideH, strideW, padTop, padLeft, outH, outW, w, bias, y);
    else if (kH == 5 && kW == 5)
        depthwise_body(x, inH, inW, c, 5, 5, strideH, strideW, padTop, padLeft, outH, outW, w, bias, y);
    else
        depthwise_body(x, inH, inW, c, kH, kW, strideH, strideW, padTop, padLeft, outH, outW, w, bias, y);
}

CVK_TARGET int cvk_vision_conv_direct(const float *x, int inH, int inW, int inC, int outC, int kH, int kW, int strideH,
                                      int strideW, int padTop, int padLeft, int outH, int outW, const float *w,
                                      const float *bias, float *packed, float *y) {
    const int taps = kH * kW * inC;
    if (outC % 8 != 0 || outC > 64 || taps > 512 || taps < 1) return 0;
    // packed: (kH, kW, inC, outC) = w (outC, kH, kW, inC) transposed, so one tap's outputs are contiguous
    for (int o = 0; o < outC; o++)
        for (int t = 0; t < taps; t++) packed[(size_t)t * outC + o] = w[(size_t)o * taps + t];
    const int blocks = outC / 8;
    for (int oy = 0; oy < outH; oy++) {
        const tap_window wy = window_inside(oy, strideH, padTop, kH, inH);
        const int iy0 = wy.start, kyLo = wy.lo, kyHi = wy.hi;
        for (int ox = 0; ox < outW; ox++) {
            const tap_window wx = window_inside(ox, strideW, padLeft, kW, inW);
            const int ix0 = wx.start, kxLo = wx.lo, kxHi = wx.hi;
            __m256 acc[8];
            for (int b = 0; b < blocks; b++) acc[b] = bias ? _mm256_loadu_ps(bias + 8 * b) : _mm256_setzero_ps();
            for (int ky = kyLo; ky < kyHi; ky++) {
                for (int kx = kxLo; kx < kxHi; kx++) {
                    const float *in = x + ((size_t)(iy0 + ky) * inW + (ix0 + kx)) * inC;
                    const float *wt = packed + ((size_t)(ky * kW + kx) * inC) * outC;
                    for (int ci = 0; ci < inC; ci++, wt += outC) {
                        const __m256 v = _mm256_broadcast_ss(in + ci);
                        for (int b = 0; b < blocks; b++) acc[b] = _mm256_fmadd_ps(v, _mm256_loadu_ps(wt + 8 * b), acc[b]);
                    }
                }
            }
            float *out = y + ((size_t)oy * outW + ox) * outC;
            for (int b = 0; b < blocks; b++) _mm256_storeu_ps(out + 8 * b, acc[b]);
        }
    }
    return 1;
}

CVK_TARGET void cvk_vision_add_prelu(const float *a, const float *b, const float *alpha, size_t pixels, size_t channels,
                                     float *y) {
    const size_t c8 = channels - channels % 8;
    const __m256 zero = _mm256_setzero_ps();
    for (size_t p = 0; p < pixels; p++) {
        const size_t o = p * channels;
        for (size_t ch = 0; ch < c8; ch += 8) {
            const __m256 v = _mm256_add_ps(_mm256_loadu_ps(a + o + ch), _mm256_loadu_ps(b + o + ch));
            const __m256 neg = _mm256_mul_ps(_mm256_loadu_ps(alpha + ch), _mm256_min_ps(v, zero));
            _mm256_storeu_ps(y + o + ch, _mm256_add_ps(_mm256_max_ps(v, zero), neg));
        }
        for (size_t ch = c8; ch < channels; ch++) {
            const float v = a[o + ch] + b[o + ch];
            y[o + ch] = (v > 0 ? v : 0) + alpha[ch] * (v < 0 ? v : 0);
        }
    }
}

#else  /* not x86-64: never selected (cvk_has_avx2_fma() is 0); keep the names linkable. */

void cvk_vision_depthwise(const float *x, int inH, int inW, int c, int kH, int kW, int strideH, int strideW,
                          int padTop, int padLeft, int outH, int outW, const float *w, const float *bias, float *y) {
    (void)x; (void)inH; (void)inW; (void)c; (void)kH; (void)kW; (void)strideH; (void)strideW;
    (void)padTop; (void)padLeft; (void)outH; (void)outW; (void)w; (void)bias; (void)y;
}

int cvk_vision_conv_direct(const float *x, int inH, int inW, int inC, int outC, int kH, int kW, int strideH,
                           int strideW, int padTop, int padLeft, int outH, int outW, const float *w,
                           const float *bias, float *packed, float *y) {
    (void)x; (void)inH; (void)inW; (void)inC; (void)outC; (void)kH; (void)kW; (void)strideH; (void)strideW;
    (void)padTop; (void)padLeft; (void)outH; (void)outW; (void)w; (void)bias; (void)packed; (void)y;
    return 0;
}

void cvk_vision_add_prelu(const float *a, const float *b, const float *alpha, size_t pixels, size_t channels, float *y) {
    (void)a; (void)b; (void)alpha; (void)pixels; (void)channels; (void)y;
}
#endif
