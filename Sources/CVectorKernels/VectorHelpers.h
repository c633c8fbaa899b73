/* Inline AVX2 helpers shared by the kernels of this target (private header). Include only
   inside `#if defined(__x86_64__)`. */
#ifndef CAPTIOND_CVK_VECTOR_HELPERS_H
#define CAPTIOND_CVK_VECTOR_HELPERS_H
#include <immintrin.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

/* Every AVX2 function of this target: the CPU check (cvk_has_avx2_fma) covers all three. */
#define CVK_TARGET __attribute__((target("avx2,fma,f16c")))

/* e^x lane by lane: x = n ln2 + r, |r| <= ln2/2 (Cody-Waite), e^r = 1 + r + r^2 P(r), times 2^n
   built in the exponent bits. Lanes below -87.336544 (and -inf) give exactly 0. */
static inline CVK_TARGET __m256 exp8(__m256 x) {
    const __m256 low = _mm256_set1_ps(-87.336544f);
    __m256 v = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.0f)), low);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
    v = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), v);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, v, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(v, v), _mm256_add_ps(v, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 r = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(_mm256_cmp_ps(x, low, _CMP_LT_OQ), r);
}

/* Mask of the first k (< 8) lanes, for the partial loads and stores at the end of a row. */
static inline CVK_TARGET __m256i tail_mask(size_t k) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)k), lanes);
}

static inline CVK_TARGET float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline CVK_TARGET float hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* One row: e^(x - max) in place; returns the sum (cvk_exp_rows, the packed attention). */
static inline CVK_TARGET float exp_row(float *p, size_t width) {
    const size_t full = width - width % 8, rest = width - full;
    const __m256i mask = tail_mask(rest);
    const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
    __m256 mv = ninf;
    for (size_t i = 0; i < full; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(p + i));
    if (rest) mv = _mm256_max_ps(mv, _mm256_blendv_ps(ninf, _mm256_maskload_ps(p + full, mask),
                                                      _mm256_castsi256_ps(mask)));
    const __m256 m = _mm256_set1_ps(hmax8(mv));
    __m256 sv = _mm256_setzero_ps();
    for (size_t i = 0; i < full; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(p + i), m));
        _mm256_storeu_ps(p + i, e);
        sv = _mm256_add_ps(sv, e);
    }
    if (rest) {
        __m256 in = _mm256_blendv_ps(ninf, _mm256_maskload_ps(p + full, mask), _mm256_castsi256_ps(mask));
        __m256 e = exp8(_mm256_sub_ps(in, m));
        _mm256_maskstore_ps(p + full, mask, e);
        sv = _mm256_add_ps(sv, e);
    }
    return hsum8(sv);
}

/* 8 half-precision values widened to float32. */
static inline CVK_TARGET __m256 load_half8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

/* The half at p, which may be only 1-byte aligned (weights read in place from a memory-mapped
   checkpoint, whose variables are not padded): a memcpy from the bytes, one unaligned 16-bit load.
   The source is a byte pointer: a memcpy from a `const uint16_t *` still tells the compiler (and
   UBSan's alignment check, which flagged it) that p is 2-byte aligned. */
static inline uint16_t load_u16(const void *p) {
    const unsigned char *bytes = (const unsigned char *)p;
    uint16_t v;
    memcpy(&v, bytes, sizeof v);
    return v;
}

/* Bytes ahead of the current group of weight rows that the one-token kernels prefetch. The
   vocabulary projection streams 40-53 MB of half-precision weights per token from memory, 4 KB
   page by 4 KB page (a mapped checkpoint has no huge pages), and the hardware prefetcher stops at
   each page boundary: measured on this machine's EPYC, one thread, (51864, 384) halves, 9.5-10 ms
   per product without, 5.0-5.3 ms with software prefetches 6-12 KB ahead (one per 64-byte line,
   interleaved with the arithmetic; all at the start of a group: 6.2-7.5 ms). */
#define CVK_PREFETCH_AHEAD 8192

/* Prefetches the 64-byte line at `base + offset` when it lies before `end` (the last byte of the
   weights the caller owns + 1): never a prefetch past the operand (harmless on x86, but kept
   inside for the guard-page tests' sake). Addresses compared as integers. */
static inline CVK_TARGET void prefetch_line(const void *base, size_t offset, uintptr_t end) {
    uintptr_t a = (uintptr_t)base + offset;
    if (a < end) _mm_prefetch((const char *)a, _MM_HINT_T0);
}

/* One half-precision value widened to float32. */
static inline CVK_TARGET float half1(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

/* q . k over d (>= 8) floats, in the order the one-row and batched attention kernels share (two
   accumulators), so both give the same bits. */
static inline CVK_TARGET float head_dot(const float *k, const float *q, int d) {
    __m256 a = _mm256_mul_ps(_mm256_loadu_ps(k), _mm256_loadu_ps(q));
    __m256 b = _mm256_setzero_ps();
    int i = 8;
    for (; i + 8 < d; i += 16) {
        b = _mm256_fmadd_ps(_mm256_loadu_ps(k + i), _mm256_loadu_ps(q + i), b);
        a = _mm256_fmadd_ps(_mm256_loadu_ps(k + i + 8), _mm256_loadu_ps(q + i + 8), a);
    }
    if (i < d) b = _mm256_fmadd_ps(_mm256_loadu_ps(k + i), _mm256_loadu_ps(q + i), b);
    return hsum8(_mm256_add_ps(a, b));
}

/* Worker `index` of `workers` takes the contiguous part [*begin, *end) of n items. */
static inline void worker_span(size_t n, int index, int workers, size_t *begin, size_t *end) {
    *begin = n * (size_t)index / (size_t)workers;
    *end = n * (size_t)(index + 1) / (size_t)workers;
}

#endif
