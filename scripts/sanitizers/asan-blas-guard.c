/* An LD_PRELOAD shim for a process built with AddressSanitizer (issue 9, docs/MEMORY_SAFETY.md):
   before each cblas_sgemm / cblas_sgemv / cblas_somatcopy / cblas_saxpy call it asks ASan whether
   any operand range the routine touches is poisoned: a redzone, or a freed block still in ASan's
   quarantine. OpenBLAS is not instrumented, so without this a stale or too-short buffer handed to
   it goes unseen by ASan. Aborts with the routine, the operand and the offset; prints the number
   of calls checked at exit. For trees older than CheckedBLAS (which checks extents, not liveness)
   and for any ASan test binary.
   The ranges come from the size arguments by the formulas of Sources/Tensor/CExtent.swift, the
   source of truth; C cannot call it, so the extent functions below restate it, and
   TensorTests.ASanBLASGuardExtentTests compares the two over a grid of shapes (it builds this
   file with -DASAN_BLAS_GUARD_TABLE, which adds a main that prints the extents of each call
   line read from stdin).
   Build:  clang -O1 -shared -fPIC scripts/sanitizers/asan-blas-guard.c -o /tmp/asan-blas-guard.so -ldl
   Run:    ASAN_OPTIONS=quarantine_size_mb=4096:redzone=2048:max_redzone=2048 \
           LD_PRELOAD=/tmp/asan-blas-guard.so .build-asan/release/captiondPackageTests.xctest TESTS
   A large quarantine keeps every freed block poisoned (the report's pair allocates 2.65 GB). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

/* CExtent.matrix: elements a row-major (rows, cols) matrix with leading dimension ld spans. */
static long matrix(long rows, long cols, long ld) { return rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0; }
/* CExtent.sgemm: A, B, C. */
static void sgemm_extents(int ta, int tb, long m, long n, long k, long lda, long ldb, long ldc, long e[3]) {
    e[0] = e[1] = e[2] = 0;
    if (m <= 0 || n <= 0) return;
    e[2] = matrix(m, n, ldc);
    if (k <= 0) return;
    e[0] = ta ? matrix(k, m, lda) : matrix(m, k, lda);
    e[1] = tb ? matrix(n, k, ldb) : matrix(k, n, ldb);
}
/* CExtent.sgemv with unit strides: A, x, y. */
static void sgemv_extents(int t, long m, long n, long lda, long e[3]) {
    e[0] = e[1] = e[2] = 0;
    if (m <= 0 || n <= 0) return;
    e[0] = matrix(m, n, lda); e[1] = t ? m : n; e[2] = t ? n : m;
}
/* CExtent.somatcopy: A, B. */
static void somatcopy_extents(int t, long rows, long cols, long lda, long ldb, long e[2]) {
    e[0] = e[1] = 0;
    if (rows <= 0 || cols <= 0) return;
    e[0] = matrix(rows, cols, lda); e[1] = t ? matrix(cols, rows, ldb) : matrix(rows, cols, ldb);
}
/* CExtent.vector with unit stride: saxpy's x and y. */
static long vector_extent(long count) { return count > 0 ? count : 0; }

#ifdef ASAN_BLAS_GUARD_TABLE
/* One call per line on stdin, its extents on stdout:
   "sgemm TA TB M N K LDA LDB LDC" -> "A B C"; "sgemv T M N LDA" -> "A X Y";
   "somatcopy T ROWS COLS LDA LDB" -> "A B"; "saxpy N" -> "X Y". */
int main(void) {
    char line[256], name[16];
    long v[8], e[3];
    while (fgets(line, sizeof line, stdin)) {
        int got = sscanf(line, "%15s %ld %ld %ld %ld %ld %ld %ld %ld", name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
        if (got == 9 && !strcmp(name, "sgemm")) {
            sgemm_extents((int)v[0], (int)v[1], v[2], v[3], v[4], v[5], v[6], v[7], e);
            printf("%ld %ld %ld\n", e[0], e[1], e[2]);
        } else if (got == 5 && !strcmp(name, "sgemv")) {
            sgemv_extents((int)v[0], v[1], v[2], v[3], e);
            printf("%ld %ld %ld\n", e[0], e[1], e[2]);
        } else if (got == 6 && !strcmp(name, "somatcopy")) {
            somatcopy_extents((int)v[0], v[1], v[2], v[3], v[4], e);
            printf("%ld %ld\n", e[0], e[1]);
        } else if (got == 2 && !strcmp(name, "saxpy")) {
            printf("%ld %ld\n", vector_extent(v[0]), vector_extent(v[0]));
        } else {
            fprintf(stderr, "asan-blas-guard table: cannot read the line: %s", line);
            return 2;
        }
    }
    return 0;
}
#endif

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
    long e[3];
    sgemm_extents(ta != CblasNoTrans, tb != CblasNoTrans, m, n, k, lda, ldb, ldc, e);
    check("cblas_sgemm", "A", a, e[0]); check("cblas_sgemm", "B", b, e[1]); check("cblas_sgemm", "C", c, e[2]);
    real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_sgemv(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint m, const blasint n,
                 const float alpha, const float *a, const blasint lda, const float *x, const blasint incx,
                 const float beta, float *y, const blasint incy) {
    static __typeof__(&cblas_sgemv) real; if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "cblas_sgemv");
    calls++;
    if (o != CblasRowMajor || incx != 1 || incy != 1) { fprintf(stderr, "asan-blas-guard: sgemv form not checked\n"); abort(); }
    long e[3];
    sgemv_extents(t != CblasNoTrans, m, n, lda, e);
    check("cblas_sgemv", "A", a, e[0]); check("cblas_sgemv", "x", x, e[1]); check("cblas_sgemv", "y", y, e[2]);
    real(o, t, m, n, alpha, a, lda, x, incx, beta, y, incy);
}
void cblas_somatcopy(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint rows, const blasint cols,
                     const float alpha, const float *a, const blasint lda, float *b, const blasint ldb) {
    static __typeof__(&cblas_somatcopy) real; if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "cblas_somatcopy");
    calls++;
    if (o != CblasRowMajor) { fprintf(stderr, "asan-blas-guard: column-major somatcopy not checked\n"); abort(); }
    long e[2];
    somatcopy_extents(t != CblasNoTrans, rows, cols, lda, ldb, e);
    check("cblas_somatcopy", "A", a, e[0]); check("cblas_somatcopy", "B", b, e[1]);
    real(o, t, rows, cols, alpha, a, lda, b, ldb);
}
void cblas_saxpy(const blasint n, const float alpha, const float *x, const blasint incx, float *y, const blasint incy) {
    static __typeof__(&cblas_saxpy) real; if (!real) real = (__typeof__(real))dlsym(RTLD_NEXT, "cblas_saxpy");
    calls++;
    if (incx != 1 || incy != 1) { fprintf(stderr, "asan-blas-guard: saxpy stride not checked\n"); abort(); }
    check("cblas_saxpy", "x", x, vector_extent(n)); check("cblas_saxpy", "y", y, vector_extent(n));
    real(n, alpha, x, incx, y, incy);
}
