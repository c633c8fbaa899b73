/* page-guard-malloc: an LD_PRELOAD allocator that gives every heap block pages of its own, with
   unmapped guard space around it (issue 9, docs/MEMORY_SAFETY.md). It runs natively, so it checks
   what ASan cannot see (OpenBLAS and any other uninstrumented code) at nearly full speed, with a
   reach memcheck's and ASan's redzones do not have:
   - every block's end sits at the end of its last page (16-byte grain), so an overrun faults at
     once, and the next GUARD_MALLOC_GAP bytes (default 1 MiB) after that page are unmapped: a
     write that jumps up to that far past a block faults instead of landing in another block;
   - the page before a block holds its header, read-only, and the gap before that is unmapped, so
     an underrun faults too (GUARD_MALLOC_BELOW=1 puts the block at its page's start instead,
     which catches the smallest underruns and, with the gap, misses only overruns inside the page);
   - addresses are never reused: a freed block's pages are unmapped, so any later use of it
     faults, however long after the free (an unbounded quarantine that costs no memory);
   - free() checks the header (magic and address), so a free of a pointer it did not hand out or
     of the middle of a block aborts with a message; a double free faults on the unmapped header.
   Blocks are placed in order from 16 TiB up (GUARD_MALLOC_RESERVE_GB of addresses, default and most 49152),
   far below where the kernel puts other mappings, so the gaps stay empty. A fault there prints
   its address before the crash (then the previous handler, e.g. Swift's backtracer, runs). A live
   block costs two pages and two kernel mappings; raise vm.max_map_count for programs with more
   than about 30,000 live blocks (scripts/page-guard-tests does).
   GUARD_MALLOC_FILL=N (a byte, e.g. 170) fills each new block but calloc's with N, as glibc's
   perturb does: fresh pages are zero, which would hide a read of memory never written.
   GUARD_MALLOC_REPORT=FILE appends one line of counts per process at exit (no stderr noise).
   Build:  clang -O2 -shared -fPIC scripts/sanitizers/page-guard-malloc.c -o /tmp/page-guard-malloc.so
   Run:    scripts/page-guard-tests BINARY TESTS  (or LD_PRELOAD=/tmp/page-guard-malloc.so PROGRAM) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE ((size_t)4096)
#define MAGIC 0x6775617264656462ULL /* "guardedb" */

/* A block's header starts its mapping: the header page, then the data pages
   (length bytes in all). */
struct header { uint64_t magic; char *data; size_t size, usable, length; };

static char *base;              /* the address range slots are placed in, in order, never reused */
static size_t reserved, gap;
static int below, fill = -1;
static atomic_size_t used;      /* bytes of the range handed out, never given back */
static atomic_ulong allocated, freed;
static atomic_size_t live_bytes, peak_bytes, live_blocks, peak_blocks;
static atomic_int state;        /* 0 new, 1 starting, 2 ready */
static struct sigaction previous_segv;

/* Tests look this up (TestSupport's Sanitizer.replacementAllocator) to skip what measures glibc's heap. */
__attribute__((visibility("default"))) int page_guard_malloc_active = 1;

static void say(const char *text) { ssize_t r = write(2, text, strlen(text)); (void)r; }
static void die(const char *what, const void *p) {
    char line[256];
    snprintf(line, sizeof line, "page-guard-malloc: %s (%p)\n", what, p);
    say(line);
    abort();
}
static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }
static size_t env_size(const char *name, size_t fallback) {
    const char *v = getenv(name);
    if (!v || !*v) return fallback;
    char *end; unsigned long long n = strtoull(v, &end, 10);
    return (*end == 0 && n > 0) ? (size_t)n : fallback;
}

/* Async-signal-safe: prints the fault address when it lies in the guarded heap, then lets the
   previous handler (or the default action) take the re-executed fault. */
static void on_segv(int sig, siginfo_t *info, void *context) {
    (void)context;
    char *a = info->si_addr;
    if (base && a >= base && a < base + reserved) {
        char line[128] = "page-guard-malloc: fault at 0x", *p = line + strlen(line);
        for (int shift = 60; shift >= 0; shift -= 4) *p++ = "0123456789abcdef"[((uintptr_t)a >> shift) & 15];
        memcpy(p, " in the guarded heap (a gap, a header or a freed block)\n", 57);
        say(line);
    }
    sigaction(sig, &previous_segv, NULL);
}

static void start(void) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&state, &expected, 1)) {
        gap = round_up(env_size("GUARD_MALLOC_GAP", 1 << 20), PAGE);
        reserved = env_size("GUARD_MALLOC_RESERVE_GB", 49152) << 30;
        if (reserved > ((size_t)48 << 40)) reserved = (size_t)48 << 40;
        below = getenv("GUARD_MALLOC_BELOW") && getenv("GUARD_MALLOC_BELOW")[0] == '1';
        if (getenv("GUARD_MALLOC_FILL")) fill = (int)(env_size("GUARD_MALLOC_FILL", 256) & 255);
        base = (char *)((size_t)16 << 40);   /* 16 TiB: far below the kernel's top-down mappings and the PIE */
        struct sigaction action = {0};
        action.sa_sigaction = on_segv;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigaction(SIGSEGV, &action, &previous_segv);
        atomic_store(&state, 2);
    }
    while (atomic_load(&state) != 2) { }
}

/* peak = max(peak, now), lock-free. */
static void raise_peak(atomic_size_t *peak, size_t now) {
    size_t seen = atomic_load(peak);
    while (now > seen && !atomic_compare_exchange_weak(peak, &seen, now)) { }
}

static void *allocate(size_t size, size_t align, int zero) {
    if (atomic_load(&state) != 2) start();
    if (align < 16) align = 16;
    if (size == 0) size = 1;
    if (size > ((size_t)1 << 46) || align > ((size_t)1 << 30)) { errno = ENOMEM; return NULL; }
    size_t data_length = round_up(size, PAGE), extra = align > PAGE ? align : 0;
    size_t slot_length = gap + PAGE + data_length + extra;
    char *head;
    for (;;) {                             /* a slot: the gap (never mapped), the header page, the data pages */
        size_t offset = atomic_fetch_add(&used, slot_length);
        if (offset + slot_length > reserved) die("the guarded heap's address range is used up (raise GUARD_MALLOC_RESERVE_GB or lower GUARD_MALLOC_GAP)", NULL);
        char *pages = base + offset + gap + PAGE;
        if (extra) pages = (char *)round_up((uintptr_t)pages, align);
        head = pages - PAGE;
        void *m = mmap(head, PAGE + data_length, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (m == head) break;
        if (m != MAP_FAILED) munmap(m, PAGE + data_length);   /* a kernel without MAP_FIXED_NOREPLACE */
        else if (errno != EEXIST) die("mmap failed (raise vm.max_map_count, or out of memory)", head);
        /* someone else's mapping is there: take the next slot */
    }
    char *pages = head + PAGE, *end = pages + data_length;
    char *data = (below || extra) ? pages : (char *)(((uintptr_t)end - round_up(size, 16)) & ~(uintptr_t)(align - 1));
    struct header *h = (struct header *)head;
    *h = (struct header){ MAGIC, data, size, below ? round_up(size, 16) : (size_t)(end - data), PAGE + data_length };
    if (mprotect(head, PAGE, PROT_READ) != 0) die("mprotect failed (raise vm.max_map_count)", head);
    atomic_fetch_add(&allocated, 1);
    raise_peak(&peak_bytes, atomic_fetch_add(&live_bytes, size) + size);
    raise_peak(&peak_blocks, atomic_fetch_add(&live_blocks, 1) + 1);
    if (fill >= 0 && !zero) memset(data, fill, size);
    return data;                                           /* fresh pages: already zero */
}

static struct header *header_of(void *p) {
    char *c = p;
    if (!base || c < base || c >= base + reserved) die("free or realloc of a pointer this allocator did not hand out", p);
    struct header *h = (struct header *)(((uintptr_t)c & ~(uintptr_t)(PAGE - 1)) - PAGE);
    if (h->magic != MAGIC || h->data != c) die("free or realloc of a pointer that is not the start of a block", p);
    return h;
}

void *malloc(size_t size) { return allocate(size, 16, 0); }
void *calloc(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) { errno = ENOMEM; return NULL; }
    return allocate(total, 16, 1);
}
void free(void *p) {
    if (!p) return;
    struct header *h = header_of(p);
    size_t length = h->length, size = h->size;
    if (munmap(h, length) != 0) die("munmap failed on free", p);
    atomic_fetch_add(&freed, 1);
    atomic_fetch_sub(&live_bytes, size);
    atomic_fetch_sub(&live_blocks, 1);
}
void *realloc(void *p, size_t size) {
    if (!p) return allocate(size, 16, 0);
    if (size == 0) { free(p); return NULL; }
    size_t old = header_of(p)->usable;      /* malloc_usable_size's bytes are the caller's to use */
    void *q = allocate(size, 16, 0);
    if (!q) return NULL;
    memcpy(q, p, old < size ? old : size);
    free(p);
    return q;
}
void *reallocarray(void *p, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) { errno = ENOMEM; return NULL; }
    return realloc(p, total);
}
int posix_memalign(void **out, size_t align, size_t size) {
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    void *p = allocate(size, align, 0);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void *aligned_alloc(size_t align, size_t size) {
    if (align == 0 || (align & (align - 1))) { errno = EINVAL; return NULL; }
    return allocate(size, align, 0);
}
void *memalign(size_t align, size_t size) { return aligned_alloc(align, size); }
void *valloc(size_t size) { return allocate(size, PAGE, 0); }
void *pvalloc(size_t size) { return allocate(round_up(size, PAGE), PAGE, 0); }
size_t malloc_usable_size(void *p) { return p ? header_of(p)->usable : 0; }

__attribute__((destructor)) static void report(void) {
    const char *file = getenv("GUARD_MALLOC_REPORT");
    if (!file || !*file || atomic_load(&state) != 2) return;
    char line[384];
    int n = snprintf(line, sizeof line, "page-guard-malloc: pid %d: %lu blocks allocated, %lu freed, peak live %zu bytes in %zu blocks, %zu MiB of address space used, gap %zu bytes%s%s\n",
                     (int)getpid(), atomic_load(&allocated), atomic_load(&freed), atomic_load(&peak_bytes), atomic_load(&peak_blocks),
                     atomic_load(&used) >> 20, gap, below ? ", blocks at the start of their page" : "",
                     fill >= 0 ? ", new blocks filled" : "");
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = (int)sizeof line - 1;
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) { ssize_t r = write(fd, line, (size_t)n); (void)r; close(fd); }
}
