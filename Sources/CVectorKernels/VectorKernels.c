/* AVX2 + FMA elementwise kernels with run-time selection (see include/CVectorKernels.h).
   Each function carries its own target attribute, so the rest of the program stays baseline
   x86-64 and runs on CPUs without AVX2 (the Swift kernels are used there). */
#include "CVectorKernels.h"

#if defined(__x86_64__)
#include "VectorHelpers.h"

int cvk_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

int cvk_has_avx512_skylakex(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512vl");
}

/* -1 until the first query; then the CPU's answer. 0 when turned off by cvk_allow_wide_vectors. */
static int wide_vectors = -1, wide_vectors_allowed = 1;

int cvk_wide_vectors(void) {
    int w = __atomic_load_n(&wide_vectors, __ATOMIC_RELAXED);
    if (w < 0) {
        w = cvk_has_avx512_skylakex();
        __atomic_store_n(&wide_vectors, w, __ATOMIC_RELAXED);
    }
    return w && __atomic_load_n(&wide_vectors_allowed, __ATOMIC_RELAXED);
}

void cvk_allow_wide_vectors(int allow) { __atomic_store_n(&wide_vectors_allowed, allow ? 1 : 0, __ATOMIC_RELAXED); }

CVK_TARGET void cvk_softmax_rows(float *x, size_t rows, size_t width) {
    const size_t full = width - width % 8, rest = width - full;
    const __m256i mask = tail_mask(rest);
    for (size_t row = 0; row < rows; row++) {
        float *p = x + row * width;
        const __m256 inv = _mm256_set1_ps(1.0f / exp_row(p, width));
        for (size_t i = 0; i < full; i += 8) _mm256_storeu_ps(p + i, _mm256_mul_ps(_mm256_loadu_ps(p + i), inv));
        if (rest) _mm256_maskstore_ps(p + full, mask, _mm256_mul_ps(_mm256_maskload_ps(p + full, mask), inv));
    }
}

CVK_TARGET void cvk_exp_rows(float *x, size_t rows, size_t width, float *inverse) {
    for (size_t row = 0; row < rows; row++) inverse[row] = 1.0f / exp_row(x + row * width, width);
}

/* erf(x) (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7) on |x|, sign restored. */
static inline CVK_TARGET __m256 erf8(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(sign, x);
    __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), a, _mm256_set1_ps(1.0f)));
    __m256 poly = _mm256_set1_ps(1.061405429f);
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-1.453152027f));
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(1.421413741f));
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-0.284496736f));
    poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(0.254829592f));
    poly = _mm256_mul_ps(poly, t);
    __m256 y = _mm256_fnmadd_ps(poly, exp8(_mm256_xor_ps(_mm256_mul_ps(a, a), sign)), _mm256_set1_ps(1.0f));
    return _mm256_or_ps(y, _mm256_and_ps(x, sign));
}

static inline CVK_TARGET __m256 gelu8(__m256 v) {
    const __m256 half = _mm256_set1_ps(0.5f);
    __m256 e = erf8(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
    return _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

CVK_TARGET void cvk_gelu(float *x, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(x + i, gelu8(_mm256_loadu_ps(x + i)));
    if (i < count) {
        const __m256i mask = tail_mask(count - i);
        _mm256_maskstore_ps(x + i, mask, gelu8(_mm256_maskload_ps(x + i, mask)));
    }
}

CVK_TARGET void cvk_exp(const float *x, float *y, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) _mm256_storeu_ps(y + i, exp8(_mm256_loadu_ps(x + i)));
    if (i < count) {
        const __m256i mask = tail_mask(count - i);
        _mm256_maskstore_ps(y + i, mask, exp8(_mm256_maskload_ps(x + i, mask)));
    }
}

CVK_TARGET float cvk_sum_exp(const float *x, size_t count, float shift) {
    const __m256 m = _mm256_set1_ps(shift);
    __m256 sv = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= count; i += 8) sv = _mm256_add_ps(sv, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m)));
    if (i < count) {
        const __m256i mask = tail_mask(count - i);
        const __m256 in = _mm256_blendv_ps(_mm256_set1_ps(-__builtin_inff()), _mm256_maskload_ps(x + i, mask),
                                           _mm256_castsi256_ps(mask));
        sv = _mm256_add_ps(sv, exp8(_mm256_sub_ps(in, m)));
    }
    return hsum8(sv);
}

#else  /* not x86-64: never selected; the Swift kernels run. */

int cvk_has_avx2_fma(void) { return 0; }
int cvk_has_avx512_skylakex(void) { return 0; }
int cvk_wide_vectors(void) { return 0; }
void cvk_allow_wide_vectors(int allow) { (void)allow; }
void cvk_softmax_rows(float *x, size_t rows, size_t width) { (void)x; (void)rows; (void)width; }
void cvk_gelu(float *x, size_t count) { (void)x; (void)count; }
void cvk_exp_rows(float *x, size_t rows, size_t width, float *inverse) { (void)x; (void)rows; (void)width; (void)inverse; }
void cvk_exp(const float *x, float *y, size_t count) { (void)x; (void)y; (void)count; }
float cvk_sum_exp(const float *x, size_t count, float shift) { (void)x; (void)count; (void)shift; return 0; }

#endif
