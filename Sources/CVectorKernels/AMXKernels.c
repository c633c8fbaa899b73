/* bfloat16 matrix products on Intel AMX tiles (include/CVectorAMXKernels.h). Per block of 32 rows:
   the rows rounded to bfloat16 into a zero-padded scratch, then for every 32 outputs four 16 x 16
   float32 accumulator tiles (rows 0-15 / 16-31 x outputs 0-15 / 16-31) summed over the inputs 32 at
   a time (tiles 4-5: the rows' inputs; 6-7: two packed weight blocks), stored to a 32 x 32 scratch
   and copied to y with the bias. Each thread keeps its scratch between calls (grown when a product
   has more inputs, freed when the thread ends). */
#include "CVectorKernels.h"

#include <stdlib.h>
#include <string.h>

static size_t round32(size_t n) { return (n + 31) / 32 * 32; }

uint16_t cvk_bf16_round(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return (uint16_t)((u >> 16) | 0x40);  /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

size_t cvk_bf16_packed_count(size_t out, size_t in) { return round32(out) * round32(in); }

void cvk_bf16_pack(const float *w, size_t out, size_t in, size_t ldw, uint16_t *packed) {
    const size_t outP = round32(out), inP = round32(in), kBlocks = inP / 32;
    memset(packed, 0, outP * inP * sizeof(uint16_t));
    for (size_t o = 0; o < out; o++) {
        for (size_t i = 0; i < in; i++) {
            uint16_t *block = packed + ((o / 16) * kBlocks + i / 32) * 512;
            block[((i % 32) / 2) * 32 + (o % 16) * 2 + i % 2] = cvk_bf16_round(w[o * ldw + i]);
        }
    }
}

static float bf16_widen(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

void cvk_gemm_bf16_portable(const float *x, size_t ldx, size_t rows, size_t in, const uint16_t *packed,
                            size_t out, const float *bias, float *y, size_t ldy) {
    const size_t kBlocks = round32(in) / 32;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * ldx;
        for (size_t o = 0; o < out; o++) {
            /* output o's pairs: block row o / 16, column (o % 16) * 2 inside each 16 x 32 block */
            const uint16_t *w = packed + (o / 16) * kBlocks * 512 + (o % 16) * 2;
            float s = 0;
            for (size_t i = 0; i < in; i++)
                s += bf16_widen(cvk_bf16_round(xr[i])) * bf16_widen(w[(i / 32) * 512 + ((i % 32) / 2) * 32 + i % 2]);
            y[r * ldy + o] = bias ? s + bias[o] : s;
        }
    }
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

#define CVK_TARGET_AMX __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512bf16")))
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* -1 until the first query. */
static int amx_state = -1;

int cvk_amx_bf16(void) {
    int s = __atomic_load_n(&amx_state, __ATOMIC_ACQUIRE);
    if (s >= 0) return s;
    __builtin_cpu_init();
    unsigned a, b, c, d;
    int cpu = 0;
    if (__builtin_cpu_supports("avx512f") && __get_cpuid_max(0, 0) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        int tile = (d >> 24) & 1, bf16 = (d >> 22) & 1;
        __cpuid_count(7, 1, a, b, c, d);
        int avx512bf16 = (a >> 5) & 1;
        cpu = tile && bf16 && avx512bf16;
    }
    s = cpu && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    __atomic_store_n(&amx_state, s, __ATOMIC_RELEASE);
    return s;
}

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} __attribute__((packed)) tile_config;

/* One per thread: the block of rows as bfloat16 (32, inP) and the 32 x 32 accumulator store. */
typedef struct {
    float c[32 * 32] __attribute__((aligned(64)));
    uint16_t *xb;
    size_t capacity;  /* elements of xb */
} amx_scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_made;

static void scratch_free(void *p) {
    amx_scratch *s = p;
    if (s) { free(s->xb); free(s); }
}

static void scratch_make_key(void) { scratch_key_made = pthread_key_create(&scratch_key, scratch_free) == 0; }

/* This thread's scratch with room for `count` bfloat16 rows' elements, or NULL when memory is short. */
static amx_scratch *thread_scratch(size_t count) {
    pthread_once(&scratch_once, scratch_make_key);
    if (!scratch_key_made) return NULL;
    amx_scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = aligned_alloc(64, sizeof *s);
        if (!s) return NULL;
        s->xb = NULL;
        s->capacity = 0;
        if (pthread_setspecific(scratch_key, s) != 0) { free(s); return NULL; }
    }
    if (s->capacity < count) {
        /* count is a multiple of 32, so the size is a multiple of the alignment. */
        uint16_t *xb = aligned_alloc(64, count * sizeof(uint16_t));
        if (!xb) return NULL;
        free(s->xb);
        s->xb = xb;
        s->capacity = count;
    }
    return s;
}

typedef struct {
    const float *x; size_t ldx, rows, in;
    const uint16_t *packed; size_t out;
    const float *bias; float *y; size_t ldy;
    int failed;
} amx_job;

/* Rows [r0, r0 + 32) of x (those that exist) as bfloat16 into xb (32, inP); zeros elsewhere. */
static CVK_TARGET_AMX void round_rows(const amx_job *j, size_t r0, size_t inP, uint16_t *xb) {
    for (size_t r = 0; r < 32; r++) {
        uint16_t *dst = xb + r * inP;
        if (r0 + r >= j->rows) { memset(dst, 0, inP * sizeof(uint16_t)); continue; }
        const float *src = j->x + (r0 + r) * j->ldx;
        for (size_t i = 0; i < inP; i += 16) {
            size_t left = j->in > i ? j->in - i : 0;
            __mmask16 m = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
            __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i));
            _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)h);
        }
    }
}

static CVK_TARGET_AMX void amx_part(void *ctx, int index, int workers) {
    amx_job *j = ctx;
    const size_t blocks = (j->rows + 31) / 32;
    const size_t b0 = blocks * (size_t)index / (size_t)workers, b1 = blocks * (size_t)(index + 1) / (size_t)workers;
    if (b0 >= b1) return;
    const size_t inP = round32(j->in), outP = round32(j->out), kBlocks = inP / 32;
    amx_scratch *scratch = thread_scratch(32 * inP);
    if (!scratch) { __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED); return; }
    uint16_t *xb = scratch->xb;
    float *c = scratch->c;
    tile_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int t = 0; t < 8; t++) { cfg.rows[t] = 16; cfg.colsb[t] = 64; }
    _tile_loadconfig(&cfg);
    for (size_t b = b0; b < b1; b++) {
        const size_t r0 = b * 32, rowsHere = j->rows - r0 < 32 ? j->rows - r0 : 32;
        round_rows(j, r0, inP, xb);
        for (size_t n0 = 0; n0 < outP; n0 += 32) {
            const uint16_t *w0 = j->packed + (n0 / 16) * kBlocks * 512, *w1 = w0 + kBlocks * 512;
            _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
            for (size_t k = 0; k < kBlocks; k++) {
                _tile_loadd(4, xb + k * 32, (long)(inP * sizeof(uint16_t)));
                _tile_loadd(5, xb + 16 * inP + k * 32, (long)(inP * sizeof(uint16_t)));
                _tile_loadd(6, w0 + k * 512, 64);
                _tile_loadd(7, w1 + k * 512, 64);
                _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
            }
            _tile_stored(0, c, 128); _tile_stored(1, c + 16, 128);
            _tile_stored(2, c + 16 * 32, 128); _tile_stored(3, c + 16 * 32 + 16, 128);
            const size_t cols = j->out - n0 < 32 ? j->out - n0 : 32;
            for (size_t h = 0; h < cols; h += 16) {
                const size_t n = cols - h < 16 ? cols - h : 16;
                const __mmask16 m = n == 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
                const __m512 bias = j->bias ? _mm512_maskz_loadu_ps(m, j->bias + n0 + h) : _mm512_setzero_ps();
                for (size_t r = 0; r < rowsHere; r++)
                    _mm512_mask_storeu_ps(j->y + (r0 + r) * j->ldy + n0 + h, m, _mm512_add_ps(_mm512_load_ps(c + r * 32 + h), bias));
            }
        }
    }
    _tile_release();
}

int cvk_gemm_bf16_amx(const float *x, size_t ldx, size_t rows, size_t in, const uint16_t *packed,
                      size_t out, const float *bias, float *y, size_t ldy, int threads) {
    if (!cvk_amx_bf16()) return -1;
    if (rows == 0 || out == 0) return 0;
    amx_job j = { x, ldx, rows, in, packed, out, bias, y, ldy, 0 };
    const size_t blocks = (rows + 31) / 32;
    int workers = threads < 1 ? 1 : threads;
    if ((size_t)workers > blocks) workers = (int)blocks;
    cvk_parallel(workers, amx_part, &j);
    return j.failed ? -1 : 0;
}

#else  /* not x86-64: no AMX (cvk_amx_bf16() is 0). */
int cvk_amx_bf16(void) { return 0; }
int cvk_gemm_bf16_amx(const float *x, size_t ldx, size_t rows, size_t in, const uint16_t *packed,
                      size_t out, const float *bias, float *y, size_t ldy, int threads) {
    (void)x; (void)ldx; (void)rows; (void)in; (void)packed; (void)out; (void)bias; (void)y; (void)ldy; (void)threads;
    return -1;
}
#endif
