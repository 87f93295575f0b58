/*
 * cpu_autotune.c — optional per-shape autotuning of the CPU backend's AUTO
 * algorithm, like cudnn.benchmark / cudnnFind.
 *
 * Enabled by fc_set_autotune(FC_AUTOTUNE_ON), or by default by the environment
 * variable FASTCONV_AUTOTUNE=1 (read at every plan creation). For a plan with algorithm AUTO, plan creation then times every
 * candidate (DIRECT, IMPLICIT_GEMM, and UNFOLD_GEMM when its workspace is at
 * most 256 MiB) on scratch tensors of the plan's shapes (the kernels' speed
 * does not depend on the values), once after a warm-up run, and resolves AUTO
 * to the fastest. The choice is made before the plan exists, so the plan stays
 * immutable (safe to run from several threads) and fc_conv_plan_algorithm
 * reports the algorithm that really runs. If the scratch tensors would exceed
 * 1 GiB, or anything fails, the heuristic's choice stands.
 * Goes through the backend table only (plan_create / conv_forward /
 * stream_synchronize on the default stream), so it works however forward is
 * scheduled.
 */
#define _GNU_SOURCE
#include "cpu/cpu_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const fc_backend *fc_cpu_backend(void);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *alloc_fill(size_t elems, int f16)
{
    size_t bytes = elems * (f16 ? 2 : 4);
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    if (f16) {
        uint16_t *h = p;
        for (size_t i = 0; i < elems; i++) h[i] = (uint16_t)(0x2e66u + (i % 7)); /* ~0.1 */
    } else {
        float *f = p;
        for (size_t i = 0; i < elems; i++) f[i] = 0.1f + 0.01f * (float)(i % 7);
    }
    return p;
}

/* Returns the fastest algorithm for desc (AUTO in desc is ignored), or `fallback`. */
int32_t fc_cpu_autotune(const fc_conv_desc *desc, int32_t fallback)
{
    const fc_backend *be = fc_cpu_backend();
    int64_t xe = 0, we = 0, be_ = 0, ye = 0;
    if (fc_conv_tensor_sizes(desc, &xe, &we, &be_, &ye) != FC_SUCCESS) return fallback;
    const int f16 = desc->dtype == FC_DTYPE_F16;
    const double es = f16 ? 2.0 : 4.0;
    if (((double)xe + (double)we + (double)be_ + (double)ye) * es > (double)(1u << 30)) return fallback;
    void *x = alloc_fill((size_t)xe, f16), *w = alloc_fill((size_t)we, f16);
    void *b = alloc_fill((size_t)(be_ > 0 ? be_ : 1), f16), *y = alloc_fill((size_t)ye, f16);
    int32_t best = fallback;
    double best_t = 1e300;
    static const int32_t cands[] = {FC_ALGO_IMPLICIT_GEMM, FC_ALGO_DIRECT, FC_ALGO_UNFOLD_GEMM};
    if (x && w && b && y) {
        for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
            fc_conv_desc d = *desc;
            int32_t algo = cands[i];
            d.algorithm = algo;
            void *plan = NULL, *ws = NULL;
            size_t wsb = 0;
            if (be->plan_create(&d, 0, &plan, &wsb, &algo) != FC_SUCCESS) continue;
            if (algo == FC_ALGO_UNFOLD_GEMM && wsb > ((size_t)256 << 20)) {
                be->plan_destroy(plan);
                continue;
            }
            if (posix_memalign(&ws, 64, wsb ? wsb : 64) == 0) {
                double t = 1e300;
                int ok = 1;
                for (int rep = 0; rep < 3 && ok; rep++) {
                    double t0 = now_s();
                    ok = be->conv_forward(plan, NULL, x, w, desc->has_bias ? b : NULL, y, ws) == FC_SUCCESS &&
                         be->stream_synchronize(NULL) == FC_SUCCESS;
                    double dt = now_s() - t0;
                    if (rep > 0 && dt < t) t = dt; /* rep 0 warms caches, scratch, the pool */
                    if (rep == 1 && dt > 0.2) break; /* slow candidates: one timed run */
                }
                if (ok && t < best_t) {
                    best_t = t;
                    best = algo;
                }
                free(ws);
            }
            be->plan_destroy(plan);
        }
    }
    free(x);
    free(w);
    free(b);
    free(y);
    return best;
}
