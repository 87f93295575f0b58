/*
 * bench_cpu_peak.c — measures this machine's limits for scripts/bench-cpu.sh:
 *   fma512  fp32 FMA throughput with AVX-512 (zmm), all cores (GFLOP/s)
 *   fma256  fp32 FMA throughput with AVX2+FMA (ymm), all cores (GFLOP/s)
 *   fma512_1, fma256_1  the same on one thread (one core)
 *   copy    memcpy of a 256 MiB buffer split over all cores (GB/s, bytes read + written)
 * Each thread runs 12 independent FMA chains (enough to cover latency 4 x 2 pipes + margin).
 * Prints "name value" lines; the best of 5 runs each.
 * Build: cc -O2 -pthread bench_cpu_peak.c
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define ITERS 20000000L
static volatile float sink;

__attribute__((target("avx512f"))) static void *fma512(void *arg)
{
    (void)arg;
    __m512 a[12], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
    }
    __m512 s = a[0];
    for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, a[i]);
    sink = _mm512_reduce_add_ps(s);
    return NULL;
}

__attribute__((target("avx2,fma"))) static void *fma256(void *arg)
{
    (void)arg;
    __m256 a[12], b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < ITERS; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
    }
    float o[8];
    __m256 s = a[0];
    for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
    _mm256_storeu_ps(o, s);
    sink = o[0];
    return NULL;
}

static char *src, *dst;
static size_t copy_bytes;
static int nthreads;
static void *copy_part(void *arg)
{
    long t = (long)arg;
    size_t chunk = copy_bytes / nthreads;
    memcpy(dst + t * chunk, src + t * chunk, chunk);
    return NULL;
}

static double run(void *(*fn)(void *))
{
    pthread_t th[256];
    double t0 = now();
    for (long i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, fn, (void *)i);
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    return now() - t0;
}

int main(void)
{
    nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1) nthreads = 1;
    if (nthreads > 256) nthreads = 256;
    __builtin_cpu_init();
    double flops512 = (double)nthreads * ITERS * 12 * 16 * 2, flops256 = (double)nthreads * ITERS * 12 * 8 * 2;
    const int all = nthreads;
    for (int one = 0; one < 2; one++) {
        nthreads = one ? 1 : all;
        const char *sfx = one ? "_1" : "";
        if (__builtin_cpu_supports("avx512f")) {
            double best = 1e30;
            for (int r = 0; r < 5; r++) { double t = run(fma512); if (t < best) best = t; }
            printf("fma512%s %.1f\n", sfx, flops512 / all * nthreads / best * 1e-9);
        }
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            double best = 1e30;
            for (int r = 0; r < 5; r++) { double t = run(fma256); if (t < best) best = t; }
            printf("fma256%s %.1f\n", sfx, flops256 / all * nthreads / best * 1e-9);
        }
    }
    nthreads = all;
    copy_bytes = (size_t)256 << 20;
    src = aligned_alloc(4096, copy_bytes);
    dst = aligned_alloc(4096, copy_bytes);
    memset(src, 1, copy_bytes);
    memset(dst, 2, copy_bytes);
    double best = 1e30;
    for (int r = 0; r < 5; r++) { double t = run(copy_part); if (t < best) best = t; }
    printf("copy %.1f\n", 2.0 * copy_bytes / best * 1e-9);
    printf("threads %d\n", nthreads);
    return 0;
}
