/*
 * cpu_pool.c — the CPU backend's persistent thread pool.
 *
 * fc_cpu_parallel_for(n, fn, ctx) runs fn(ctx, 0..n-1) on the caller plus
 * (threads-1) persistent workers that grab task indices from an atomic
 * counter, and returns when all are done. One parallel_for owns the pool at a
 * time: a caller that finds it busy (another thread's call in flight) runs its
 * tasks on its own thread instead — correct, never deadlocks. Workers start
 * lazily on first use; fc_cpu_pool_set_threads() stops them (after any call in
 * flight) and the next call starts the new number.
 *
 * Waiting spins briefly before sleeping: a forward issues several parallel_fors
 * back to back (pack weights, pad/unfold, GEMM, per image), and waking a thread
 * blocked on a condition variable took ~100 us on this project's VMs — measured
 * as 2-thread runs barely faster than 1-thread ones. Workers that just finished
 * a job and a caller waiting for workers first poll (with pause) for up to
 * FC_POOL_SPIN iterations (~tens of us), then block as before; the decisions are
 * still taken under the mutex, so the spin only changes when a thread looks.
 *
 * The caller never waits for a worker that has not started: a worker joins a job
 * by checking in (P.running++) under the mutex while the job is open; the caller,
 * once the task counter is exhausted, closes the job (P.open = 0, under the
 * mutex) and waits only for the workers that checked in. A worker that wakes up
 * late finds the job closed and goes back to waiting, so a short job costs the
 * caller its own work plus one broadcast, whether the workers were spinning
 * (they help) or asleep (they do not, and nobody waits for them).
 */
#define _GNU_SOURCE
#include "cpu/cpu_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define FC_POOL_SPIN 20000 /* pause iterations (~50 us) before blocking */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static struct {
    pthread_mutex_t job; /* held by the caller that owns the pool */
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    int want; /* 0 = one per core */
    int nworkers;
    pthread_t *workers;
    uint64_t gen;
    int stop;
    cpu_task_fn fn;
    void *ctx;
    int64_t ntasks;
    _Atomic int64_t next;
    int open;    /* the current job still admits workers (under mu) */
    int running; /* workers checked in and not yet done (changed under mu; the caller polls it) */
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
       0, 0, NULL, 0, 0, NULL, NULL, 0, 0, 0, 0};

/* One per online core, read once: sysconf(_SC_NPROCESSORS_ONLN) reads
 * /sys/devices/system/cpu/online on every call (glibc), and this is asked
 * several times per forward — uncached it cost ~10 us per call, more than a
 * small convolution's whole run on 2 threads. */
static int cores_online(void)
{
    static int cached; /* 0 = not read yet; benign race: every reader computes the same value */
    int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (n > 0) return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c < 1 ? 1 : (c > 1024 ? 1024 : (int)c);
    __atomic_store_n(&cached, n, __ATOMIC_RELAXED);
    return n;
}

int fc_cpu_pool_threads(void)
{
    int w = __atomic_load_n(&P.want, __ATOMIC_RELAXED);
    return w > 0 ? w : cores_online();
}

static void run_tasks(cpu_task_fn fn, void *ctx, int64_t ntasks)
{
    for (;;) {
        int64_t i = atomic_fetch_add(&P.next, 1);
        if (i >= ntasks) break;
        fn(ctx, i);
    }
}

static void *worker(void *arg)
{
    uint64_t seen = (uint64_t)(uintptr_t)arg;
    pthread_mutex_lock(&P.mu);
    for (;;) {
        if (!P.stop && P.gen == seen) { /* spin a little for the next job before sleeping */
            pthread_mutex_unlock(&P.mu);
            for (int i = 0; i < FC_POOL_SPIN; i++) {
                if (__atomic_load_n(&P.gen, __ATOMIC_ACQUIRE) != seen || __atomic_load_n(&P.stop, __ATOMIC_ACQUIRE)) break;
                cpu_relax();
            }
            pthread_mutex_lock(&P.mu);
        }
        while (!P.stop && P.gen == seen) pthread_cond_wait(&P.wake, &P.mu);
        if (P.stop) break;
        seen = P.gen;
        if (!P.open) continue; /* woke after the caller closed the job: nothing to do, nobody waits */
        __atomic_add_fetch(&P.running, 1, __ATOMIC_RELAXED);
        cpu_task_fn fn = P.fn;
        void *ctx = P.ctx;
        int64_t nt = P.ntasks;
        pthread_mutex_unlock(&P.mu);
        run_tasks(fn, ctx, nt);
        pthread_mutex_lock(&P.mu);
        if (__atomic_sub_fetch(&P.running, 1, __ATOMIC_RELEASE) == 0 && !P.open) pthread_cond_signal(&P.done);
    }
    pthread_mutex_unlock(&P.mu);
    return NULL;
}

/* with P.job held */
static void stop_workers(void)
{
    if (!P.nworkers) return;
    pthread_mutex_lock(&P.mu);
    __atomic_store_n(&P.stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&P.wake);
    pthread_mutex_unlock(&P.mu);
    for (int i = 0; i < P.nworkers; i++) pthread_join(P.workers[i], NULL);
    free(P.workers);
    P.workers = NULL;
    P.nworkers = 0;
    P.stop = 0;
}

/* with P.job held */
static void start_workers(void)
{
    int want = fc_cpu_pool_threads() - 1;
    if (P.nworkers == want || want <= 0) return;
    stop_workers();
    P.workers = calloc((size_t)want, sizeof(pthread_t));
    if (!P.workers) return;
    for (int i = 0; i < want; i++) {
        if (pthread_create(&P.workers[i], NULL, worker, (void *)(uintptr_t)P.gen) != 0) break;
        P.nworkers++;
    }
}

void fc_cpu_parallel_for(int64_t ntasks, cpu_task_fn fn, void *ctx)
{
    if (ntasks <= 0) return;
    if (ntasks == 1 || fc_cpu_pool_threads() == 1 || pthread_mutex_trylock(&P.job) != 0) {
        for (int64_t i = 0; i < ntasks; i++) fn(ctx, i);
        return;
    }
    start_workers();
    if (P.nworkers == 0) {
        pthread_mutex_unlock(&P.job);
        for (int64_t i = 0; i < ntasks; i++) fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&P.mu);
    P.fn = fn;
    P.ctx = ctx;
    P.ntasks = ntasks;
    atomic_store(&P.next, 0);
    P.open = 1;
    P.running = 0;
    __atomic_store_n(&P.gen, P.gen + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&P.wake);
    pthread_mutex_unlock(&P.mu);
    run_tasks(fn, ctx, ntasks);
    /* every task is claimed: admit no more workers, wait for the ones still running */
    pthread_mutex_lock(&P.mu);
    P.open = 0;
    if (P.running > 0) {
        pthread_mutex_unlock(&P.mu);
        for (int i = 0; i < FC_POOL_SPIN && __atomic_load_n(&P.running, __ATOMIC_ACQUIRE) > 0; i++) cpu_relax();
        pthread_mutex_lock(&P.mu);
        while (P.running > 0) pthread_cond_wait(&P.done, &P.mu);
    }
    pthread_mutex_unlock(&P.mu);
    pthread_mutex_unlock(&P.job);
}

void fc_cpu_pool_set_threads(int n)
{
    pthread_mutex_lock(&P.job);
    stop_workers();
    __atomic_store_n(&P.want, n, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&P.job);
}

/* ---- per-thread scratch ---------------------------------------------------- */
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static __thread float *tl_buf;
static __thread size_t tl_cap;

static void make_key(void) { (void)pthread_key_create(&g_key, free); }

float *fc_cpu_scratch(size_t floats)
{
    if (floats <= tl_cap) return tl_buf;
    pthread_once(&g_key_once, make_key);
    free(tl_buf);
    tl_buf = NULL;
    tl_cap = 0;
    pthread_setspecific(g_key, NULL);
    size_t cap = floats < 4096 ? 4096 : floats;
    void *p = NULL;
    if (posix_memalign(&p, 64, cap * sizeof(float) + 64) != 0) return NULL;
    tl_buf = p;
    tl_cap = cap;
    pthread_setspecific(g_key, p);
    return tl_buf;
}
