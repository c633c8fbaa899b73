/* A small pool of worker threads for the one-token decoder kernels (CVectorKernels.h). A step
   of the decoder runs ~50 short parallel jobs of 0.05-0.5 ms; waking sleeping threads for each
   would cost as much as the job, so workers spin briefly (about 0.2 ms) after a job before
   sleeping on a condition variable. Between decoding steps and during the encoder they sleep. */
#include "CVectorKernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_WORKERS = 63, SPIN_NANOSECONDS = 200000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;     /* guards sleeping and growing */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t submit = PTHREAD_MUTEX_INITIALIZER;   /* one job at a time */
static int started;                                          /* workers created (under lock) */
static atomic_ulong generation;                              /* bumped per job */
static atomic_int sleepers;
static atomic_int pending;                                   /* workers still in the job */
static _Thread_local int in_job;                             /* nested calls run inline */
static cvk_job_fn job_fn;
static void *job_ctx;
static int job_workers;                                      /* participants incl. the caller */

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static unsigned long initial_seen[MAX_WORKERS + 1];           /* generation at each worker's creation */

static void *worker_main(void *arg) {
    const int index = (int)(long)arg;                        /* 1 ... MAX_WORKERS */
    unsigned long seen = initial_seen[index];
    for (;;) {
        unsigned long g = atomic_load(&generation);
        if (g == seen) {
            const long until = now_ns() + SPIN_NANOSECONDS;
            int spins = 0;
            while ((g = atomic_load(&generation)) == seen) {
                CPU_RELAX();
                if (++spins % 256 == 0 && now_ns() > until) break;
            }
            if (g == seen) {
                atomic_fetch_add(&sleepers, 1);
                pthread_mutex_lock(&lock);
                while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&wake, &lock);
                pthread_mutex_unlock(&lock);
                atomic_fetch_sub(&sleepers, 1);
            }
        }
        seen = g;
        /* Every worker acknowledges every job, so the job's fields never change under it. */
        in_job = 1;
        if (index < job_workers) job_fn(job_ctx, index, job_workers);
        in_job = 0;
        atomic_fetch_sub(&pending, 1);
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
        initial_seen[started + 1] = atomic_load(&generation);
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
    if (available + 1 < workers) workers = available + 1;
    if (workers <= 1) {
        pthread_mutex_unlock(&submit);
        fn(ctx, 0, 1);
        return 1;
    }
    job_fn = fn;
    job_ctx = ctx;
    job_workers = workers;
    atomic_store(&pending, available);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    in_job = 1;
    fn(ctx, 0, workers);
    in_job = 0;
    while (atomic_load(&pending) > 0) CPU_RELAX();
    pthread_mutex_unlock(&submit);
    return workers;
}
