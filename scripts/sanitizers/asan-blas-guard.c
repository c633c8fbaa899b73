/* An LD_PRELOAD shim for a process built with AddressSanitizer (issue 9, docs/MEMORY_SAFETY.md):
   before each cblas_sgemm / cblas_sgemv / cblas_saxpy call it asks ASan whether any operand range
   the routine touches (computed from the size arguments, as Sources/Tensor/CExtent.swift does) is
   poisoned: a redzone, or a freed block still in ASan's quarantine. OpenBLAS is not instrumented,
   so without this a stale or too-short buffer handed to it goes unseen by ASan. Aborts with the
   routine, the operand and the offset; prints the number of calls checked at exit. For trees
   older than CheckedBLAS (which checks extents, not liveness) and for any ASan test binary.
   Build:  gcc -O1 -shared -fPIC -I/usr/include/x86_64-linux-gnu/openblas-pthread \
               scripts/sanitizers/asan-blas-guard.c -o /tmp/asan-blas-guard.so -ldl
   Run:    ASAN_OPTIONS=quarantine_size_mb=4096:redzone=2048:max_redzone=2048 \
           LD_PRELOAD=/tmp/asan-blas-guard.so .build-asan/release/captiondPackageTests.xctest TESTS
   A large quarantine keeps every freed block poisoned (the report's pair allocates 2.65 GB). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <cblas.h>
/* Weak: in a process without ASan (a child such as ffmpeg) the shim checks nothing. */
void *__asan_region_is_poisoned(void *beg, size_t size) __attribute__((weak));
static unsigned long calls;
static void check(const char *fn, const char *op, const void *p, long elems) {
    if (elems <= 0 || !p || !__asan_region_is_poisoned) return;
    void *bad = __asan_region_is_poisoned((void *)p, (size_t)elems * sizeof(float));
    if (bad) {
        fprintf(stderr, "asan-blas-guard: %s operand %s [%p, +%ld floats) poisoned at %p (offset %ld bytes)\n",
                fn, op, p, elems, bad, (long)((char *)bad - (char *)p));
        abort();
    }
}
/* Only a process that called OpenBLAS reports (children such as systemd-analyze stay silent). */
__attribute__((destructor)) static void report(void) { if (calls) fprintf(stderr, "asan-blas-guard: %lu calls checked\n", calls); }

void cblas_sgemm(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE ta, const enum CBLAS_TRANSPOSE tb,
                 const blasint m, const blasint n, const blasint k, const float alpha, const float *a,
                 const blasint lda, const float *b, const blasint ldb, const float beta, float *c, const blasint ldc) {
    static __typeof__(&cblas_sgemm) real; if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "cblas_sgemm");
    calls++;
    if (o != CblasRowMajor) { fprintf(stderr, "asan-blas-guard: column-major sgemm not checked\n"); abort(); }
    long ea = (ta == CblasNoTrans) ? (long)(m - 1) * lda + k : (long)(k - 1) * lda + m;
    long eb = (tb == CblasNoTrans) ? (long)(k - 1) * ldb + n : (long)(n - 1) * ldb + k;
    long ec = (long)(m - 1) * ldc + n;
    if (m > 0 && n > 0 && k > 0) { check("cblas_sgemm", "A", a, ea); check("cblas_sgemm", "B", b, eb); }
    if (m > 0 && n > 0) check("cblas_sgemm", "C", c, ec);
    real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_sgemv(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint m, const blasint n,
                 const float alpha, const float *a, const blasint lda, const float *x, const blasint incx,
                 const float beta, float *y, const blasint incy) {
    static __typeof__(&cblas_sgemv) real; if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "cblas_sgemv");
    calls++;
    if (o != CblasRowMajor || incx != 1 || incy != 1) { fprintf(stderr, "asan-blas-guard: sgemv form not checked\n"); abort(); }
    if (m > 0 && n > 0) {
        check("cblas_sgemv", "A", a, (long)(m - 1) * lda + n);
        check("cblas_sgemv", "x", x, t == CblasNoTrans ? n : m);
        check("cblas_sgemv", "y", y, t == CblasNoTrans ? m : n);
    }
    real(o, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void cblas_saxpy(const blasint n, const float alpha, const float *x, const blasint incx, float *y, const blasint incy) {
    static __typeof__(&cblas_saxpy) real; if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "cblas_saxpy");
    calls++;
    if (incx != 1 || incy != 1) { fprintf(stderr, "asan-blas-guard: saxpy stride not checked\n"); abort(); }
    check("cblas_saxpy", "x", x, n); check("cblas_saxpy", "y", y, n);
    real(n, alpha, x, incx, y, incy);
}
