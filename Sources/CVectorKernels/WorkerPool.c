/* The engine's worker pool (cvk_parallel, CVectorKernels.h): a job of `parts` parts runs
   fn(ctx, part, parts) exactly once for every part 0 ..< parts, on the caller and the pool's threads.

   Parts are claimed, not assigned. A job is published as one 64-bit word,
       generation << 16 | parts << 8 | next unclaimed part,
   and the caller and the pool workers alike take parts from it by compare-and-swap, so a part
   goes to whichever thread asks first and one thread may run several parts. The caller runs
   parts until none is left unclaimed, then waits only for the parts other threads claimed and
   are running: it spins briefly (they are running on another core), then sleeps on a condition
   variable. A worker the OS has not scheduled yet (a loaded machine, `taskset` to one core)
   costs nothing: its part is run by the caller instead of the caller spinning out its time
   slice for it. Before (parts assigned statically, part i to thread i, the caller spinning until
   every worker had acknowledged the job), `captionctl train --threads 2` on a loaded machine
   took ~2.9 CPU-s per step against 0.28-0.41 with `--threads 1`.

   A worker claims only with the generation it woke for, and reads the job's function and
   context only after a successful claim: one that wakes late for a finished job fails its claim
   and never touches that job's fields. The caller does not return (nor publish another job)
   before every claimed part has finished, so the fields do not change under a running part.

   What the callers may rely on, and what they do not (all read on 2026-12-02: DecoderKernels.c,
   Int8Kernels.c, BatchKernels.c; Tensor's Kernels.linear, ParallelChunks, Attention.multiHead,
   Attention.packed; Training's ParallelClipSteps and AVTrainer.transcripts): `index` is a part of
   the work, not a thread. Every caller derives from it only which rows, keys, heads, blocks or
   scratch/partial slot the part owns (attend_values' partial rows, summed by the caller in part
   order, so results do not depend on which thread ran what); the training jobs ignore it and
   take clips from their own queue. None keeps thread-local state per index, none relies on
   OpenBLAS per-thread state (OpenBLAS runs single-threaded, called from whichever thread runs
   the part), and none waits inside a part for another part of the same job (such a barrier
   would deadlock when one thread runs both parts). A call from inside a part runs inline.

   Workers spin briefly (about 0.2 ms) after a job before sleeping on a condition variable: a
   decoder step runs ~50 short jobs of 0.05-0.5 ms, and waking a sleeping thread for each would
   cost as much as the job. Between decoding steps and during the encoder they sleep. */
#include "CVectorKernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

enum {
    MAX_WORKERS = 63,                  /* pool threads; parts (<= 64) fit the word's 8-bit fields */
    SPIN_NANOSECONDS = 200000,         /* a worker's spin for the next job before it sleeps */
    WAIT_SPIN_NANOSECONDS = 100000,    /* the caller's spin for running parts before it sleeps */
    GENERATION_SHIFT = 16,
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;     /* guards sleeping and growing */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;       /* workers: a new job */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;       /* the caller: the last part finished */
static pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER;   /* one job at a time */
static int started;                                          /* workers created (under lock) */
static _Atomic uint64_t job_word;                            /* generation << 16 | parts << 8 | next */
static atomic_int sleepers;                                  /* workers asleep on `wake` */
static atomic_int finished;                                  /* parts of the current job done */
static atomic_int caller_sleeping;                           /* the caller is (going) asleep on `done` */
static atomic_int hold_workers;                              /* test hook: workers do not claim */
static _Thread_local int in_job;                             /* nested calls run inline */
static cvk_job_fn job_fn;                                    /* the job: written before its word */
static void *job_ctx;                                        /* is published, read after a claim */

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static inline uint64_t generation_of(uint64_t word) { return word >> GENERATION_SHIFT; }

/* Claims the next part of job `generation`: returns it (and the job's parts in *parts), or -1
   when that job has no unclaimed part left or is over. */
static int claim(uint64_t generation, int *parts) {
    uint64_t word = atomic_load(&job_word);
    for (;;) {
        if (generation_of(word) != generation) return -1;
        const int total = (int)((word >> 8) & 0xff), next = (int)(word & 0xff);
        if (next >= total) return -1;
        if (atomic_compare_exchange_weak(&job_word, &word, word + 1)) { *parts = total; return next; }
    }
}

/* Runs a claimed part and counts it done; the last part wakes a sleeping caller. */
static void run_part(int part, int parts) {
    job_fn(job_ctx, part, parts);
    if (atomic_fetch_add(&finished, 1) + 1 == parts && atomic_load(&caller_sleeping)) {
        pthread_mutex_lock(&done_lock);
        pthread_cond_signal(&done);
        pthread_mutex_unlock(&done_lock);
    }
}

/* The caller, with nothing left to claim: waits until all `parts` parts have finished. */
static void wait_for_parts(int parts) {
    if (atomic_load(&finished) == parts) return;
    const long until = now_ns() + WAIT_SPIN_NANOSECONDS;
    int spins = 0;
    while (atomic_load(&finished) < parts) {
        CPU_RELAX();
        if (++spins % 64 == 0 && now_ns() > until) {
            pthread_mutex_lock(&done_lock);
            atomic_store(&caller_sleeping, 1);
            while (atomic_load(&finished) < parts) pthread_cond_wait(&done, &done_lock);
            atomic_store(&caller_sleeping, 0);
            pthread_mutex_unlock(&done_lock);
            return;
        }
    }
}

/* A worker: waits for a job newer than `seen` (spinning, then asleep); returns its generation. */
static uint64_t wait_for_job(uint64_t seen) {
    uint64_t g = generation_of(atomic_load(&job_word));
    if (g != seen) return g;
    const long until = now_ns() + SPIN_NANOSECONDS;
    int spins = 0;
    while ((g = generation_of(atomic_load(&job_word))) == seen) {
        CPU_RELAX();
        if (++spins % 256 == 0 && now_ns() > until) break;
    }
    if (g != seen) return g;
    atomic_fetch_add(&sleepers, 1);
    pthread_mutex_lock(&lock);
    while ((g = generation_of(atomic_load(&job_word))) == seen) pthread_cond_wait(&wake, &lock);
    pthread_mutex_unlock(&lock);
    atomic_fetch_sub(&sleepers, 1);
    return g;
}

static uint64_t initial_seen[MAX_WORKERS + 1];               /* generation at each worker's creation */

static void *worker_main(void *arg) {
    const int index = (int)(long)arg;                        /* 1 ... MAX_WORKERS */
    uint64_t seen = initial_seen[index];
    in_job = 1;                                              /* a worker's own calls run inline */
    for (;;) {
        seen = wait_for_job(seen);
        while (atomic_load(&hold_workers)) {                 /* test hook: late to every job */
            struct timespec pause = { 0, 200000 };
            nanosleep(&pause, 0);
        }
        int part, parts;
        while ((part = claim(seen, &parts)) >= 0) run_part(part, parts);
    }
    return 0;
}

/* Creates workers up to `count` (the caller is not counted); returns how many exist. Called
   with `submit` held, so the generation cannot move between a worker's creation and its start. */
static int ensure_workers(int count) {
    if (count > MAX_WORKERS) count = MAX_WORKERS;
    pthread_mutex_lock(&lock);
    while (started < count) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        initial_seen[started + 1] = generation_of(atomic_load(&job_word));
        int failed = pthread_create(&t, &attr, worker_main, (void *)(long)(started + 1));
        pthread_attr_destroy(&attr);
        if (failed) break;
        started++;
    }
    int n = started;
    pthread_mutex_unlock(&lock);
    return n;
}

int cvk_parallel(int workers, cvk_job_fn fn, void *ctx) {
    if (workers <= 1 || in_job) { fn(ctx, 0, 1); return 1; }
    pthread_mutex_lock(&submit);
    const int available = ensure_workers(workers - 1);
    if (available + 1 < workers) workers = available + 1;    /* parts: at most MAX_WORKERS + 1 */
    if (workers <= 1) {
        pthread_mutex_unlock(&submit);
        fn(ctx, 0, 1);
        return 1;
    }
    job_fn = fn;
    job_ctx = ctx;
    atomic_store(&finished, 0);
    const uint64_t generation = generation_of(atomic_load(&job_word)) + 1;
    atomic_store(&job_word, generation << GENERATION_SHIFT | (uint64_t)workers << 8);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    in_job = 1;
    int part, parts;
    while ((part = claim(generation, &parts)) >= 0) run_part(part, parts);
    in_job = 0;
    wait_for_parts(workers);
    pthread_mutex_unlock(&submit);
    return workers;
}

void cvk_parallel_hold_workers_for_testing(int hold) { atomic_store(&hold_workers, hold ? 1 : 0); }
