/*
 * cpu_backend.c — the CPU backend table (device 0).
 *
 * Memory:  fc_malloc = posix_memalign(64); bytes == 0 allocates 64 bytes so the
 *          pointer is unique, non-NULL and must be freed.
 * Streams: asynchronous in-order queues, one worker thread per stream; events
 *          are markers in them (cpu_stream.c). Work on the NULL stream runs
 *          on the caller before the call returns.
 * SIMD:    the level is detected with __builtin_cpu_supports (avx512f ->
 *          AVX512; avx2+fma+f16c -> AVX2; else SCALAR), capped by the env var
 *          FASTCONV_SIMD=scalar|avx2|avx512, read at every plan creation.
 *
 * Algorithms (see kernels.inc for the loops):
 *  DIRECT         loops from the definition, parallel over output rows.
 *                 workspace = K * C/g * prod(k) fp32 (weights converted/rounded).
 *                 NCHW 1-D/2-D with C/g*prod(k) <= 384 and >= MR/2 out channels per
 *                 group: rows mode instead (kernels.inc rows_task): per task the input
 *                 band of up to 8 output rows copied zero-padded and stride-phase split
 *                 into L2, then the GEMM micro-kernel over it in place; workspace as
 *                 IMPLICIT_GEMM's packed weights (none used for NCHW fp32).
 *  IMPLICIT_GEMM  NCHW: tasks (image, group, block of MR-row weight panels,
 *                 block of NR-wide position slivers), shape chosen per call to
 *                 balance the pool; B slivers gathered from x per kc slice, or read
 *                 in place (1x1; row-offset table inside wide rows; padded mode:
 *                 x copied zero-padded into stride-phase planes image by image,
 *                 see cpu_pad_mode_wp); MRxNR FMA micro-kernel with bias/ReLU and
 *                 (large outputs) non-temporal stores fused. NHWC fp32/f16: its
 *                 own kernel, vectors along the output channels, x broadcast in place.
 *                 workspace = packed weights (G*ceil(Kg/MR)*MR*C/g*prod(k) fp32,
 *                 NHWC: ceil(Kg/NR)*NR) + padded mode: one image's phase planes.
 *  UNFOLD_GEMM    per image: explicit unfold of all (C*prod(k)) x L rows into
 *                 the workspace, then the same GEMM reading B from it in place.
 *                 workspace = packed weights + C*prod(k)*L fp32 (64-byte aligned).
 *  AUTO           DIRECT when the GEMM would waste most of a micro-tile
 *                 (out channels per group < MR/2, e.g. depthwise) or the problem
 *                 is tiny (N*K*L*C/g*prod(k) < 2^15 MACs), or in rows mode for very
 *                 short reductions (kernels.inc rows_auto); else IMPLICIT_GEMM.
 *                 autotuning on (fc_set_autotune / FASTCONV_AUTOTUNE=1): timed instead (cpu_autotune.c).
 *  Problems under 2^18 MACs run on the calling thread (see cpu_conv_forward).
 * Per-thread scratch (B panel, accumulator tile) lives in thread-local buffers
 * allocated once per thread (grown on demand), not in the workspace.
 */
#define _GNU_SOURCE
#include "cpu/cpu_internal.h"
#include "cpu/cpu_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
/* CPUID.1:ECX.F16C; clang (16) rejects __builtin_cpu_supports("f16c"). */
static int cpu_has_f16c(void)
{
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}
#endif

static int detect_level(void)
{
    static int det = -1;
    int d = __atomic_load_n(&det, __ATOMIC_RELAXED);
    if (d < 0) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_cpu_init();
        d = FC_SIMD_SCALAR;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c()) {
            d = FC_SIMD_AVX2;
            if (__builtin_cpu_supports("avx512f")) d = FC_SIMD_AVX512;
        }
#else
        d = FC_SIMD_SCALAR;
#endif
        __atomic_store_n(&det, d, __ATOMIC_RELAXED);
    }
    const char *e = getenv("FASTCONV_SIMD");
    if (e && *e) {
        int cap = d;
        if (!strcasecmp(e, "scalar")) cap = FC_SIMD_SCALAR;
        else if (!strcasecmp(e, "avx2")) cap = FC_SIMD_AVX2;
        else if (!strcasecmp(e, "avx512")) cap = FC_SIMD_AVX512;
        if (cap < d) d = cap;
    }
    return d;
}

static const cpu_kernels *select_kernels(void)
{
    switch (detect_level()) {
    case FC_SIMD_AVX512: return fc_cpu_kernels_avx512();
    case FC_SIMD_AVX2: return fc_cpu_kernels_avx2();
    default: return fc_cpu_kernels_scalar();
    }
}

FC_API fc_status fc_cpu_set_num_threads(int32_t threads)
{
    if (threads < 0 || threads > 1024)
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "threads must be in 0..1024 (0 = one per core) (got %d)",
                            threads);
    fc_cpu_pool_set_threads(threads);
    return FC_SUCCESS;
}

/* ---- device ------------------------------------------------------------- */
static int32_t cpu_device_count(void) { return 1; }

static fc_status cpu_device_info(int32_t local, fc_device_info *info)
{
    (void)local;
    info->kind = FC_DEVICE_CPU;
    snprintf(info->name, sizeof info->name, "CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10)) {
                char *p = strchr(line, ':');
                if (p) {
                    p++;
                    while (*p == ' ' || *p == '\t') p++;
                    size_t n = strcspn(p, "\n");
                    if (n >= sizeof info->name) n = sizeof info->name - 1;
                    memcpy(info->name, p, n);
                    info->name[n] = 0;
                }
                break;
            }
        }
        fclose(f);
    }
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    info->total_memory = pages > 0 && psz > 0 ? (int64_t)pages * psz : 0;
    info->num_threads = fc_cpu_pool_threads();
    info->simd_level = detect_level();
    return FC_SUCCESS;
}

static fc_status cpu_mem_alloc(int32_t local, size_t bytes, void **ptr)
{
    (void)local;
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0 || !p)
        return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_malloc: cannot allocate %zu bytes on the CPU", bytes);
    *ptr = p;
    return FC_SUCCESS;
}

static fc_status cpu_mem_free(int32_t local, void *ptr)
{
    (void)local;
    free(ptr);
    return FC_SUCCESS;
}

static fc_status cpu_mem_copy(int32_t local, void *stream, void *dst, int32_t dst_kind, const void *src,
                              int32_t src_kind, size_t bytes)
{
    (void)local;
    (void)dst_kind;
    (void)src_kind;
    return fc_cpu_stream_copy(stream, dst, src, bytes); /* queued on a stream, else now */
}

/* ---- streams / events: asynchronous in-order queues, see cpu_stream.c ------- */

/* ---- plans ---------------------------------------------------------------- */
typedef struct cpu_plan {
    cpu_geom g;
    const cpu_kernels *kern;
    int algo;
    int nhwc;            /* IMPLICIT_GEMM on NHWC fp32: the channels-last kernel (kernels.inc nhwc_task) */
    int ainp;            /* GEMM reads the weights in place, no packing (cpu_gemm_a_in_place) */
    int rows;            /* DIRECT in rows mode (kernels.inc rows_task): GEMM weights and micro-kernel */
    size_t wpack_floats; /* packed weights */
    size_t cols_offset;  /* bytes, UNFOLD_GEMM; IMPLICIT_GEMM padded mode: the padded x */
    int64_t Hp, Wp;      /* IMPLICIT_GEMM padded mode (cpu_pad_mode_wp), else Wp = 0 */
    size_t ws_bytes;
} cpu_plan;

static void make_geom(const fc_conv_desc *d, cpu_geom *g)
{
    memset(g, 0, sizeof *g);
    g->dtype = d->dtype;
    g->precision = d->precision;
    g->layout = d->layout;
    g->has_bias = d->has_bias;
    g->act = d->activation;
    g->N = d->batch;
    g->C = d->in_channels;
    g->K = d->out_channels;
    g->G = d->groups;
    g->Cg = g->C / g->G;
    g->Kg = g->K / g->G;
    int nd = d->spatial_dims, off = 3 - nd;
    for (int i = 0; i < 3; i++) {
        g->in[i] = g->k[i] = g->s[i] = g->d[i] = 1;
        g->pb[i] = 0;
    }
    for (int i = 0; i < nd; i++) {
        g->in[off + i] = d->in_size[i];
        g->k[off + i] = d->kernel_size[i];
        g->s[off + i] = d->stride[i];
        g->d[off + i] = d->dilation[i];
        g->pb[off + i] = d->pad_begin[i];
        int64_t num = d->in_size[i] + d->pad_begin[i] + d->pad_end[i] - d->dilation[i] * (d->kernel_size[i] - 1) - 1;
        g->out[off + i] = num / d->stride[i] + 1;
    }
    for (int i = 0; i < off; i++) g->out[i] = 1;
    g->KK = g->k[0] * g->k[1] * g->k[2];
    g->L = g->out[0] * g->out[1] * g->out[2];
    g->IS = g->in[0] * g->in[1] * g->in[2];
    g->Kdim = g->Cg * g->KK;
}

static fc_status cpu_plan_create(const fc_conv_desc *desc, int32_t local, void **plan, size_t *ws, int32_t *algorithm)
{
    (void)local;
    cpu_plan *p = calloc(1, sizeof *p);
    if (!p) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_conv_plan_create: out of memory");
    make_geom(desc, &p->g);
    p->kern = select_kernels();
    const cpu_geom *g = &p->g;
    int algo = *algorithm;
    if (algo == FC_ALGO_AUTO) {
        double macs = (double)g->N * (double)g->K * (double)g->L * (double)g->Kdim;
        algo = (g->Kg * 2 < p->kern->mr || macs < 32768.0) ? FC_ALGO_DIRECT : FC_ALGO_IMPLICIT_GEMM;
        if (algo == FC_ALGO_IMPLICIT_GEMM && p->kern->rows_auto(g)) algo = FC_ALGO_DIRECT; /* rows mode */
        if (fc_autotune_on()) algo = fc_cpu_autotune(desc, algo); /* cpu_autotune.c */
    }
    /* sizes were validated (< 2^62 bytes incl. a 16-row padded weight bound) */
    if (algo == FC_ALGO_DIRECT && p->kern->rows_ok(g)) {
        int64_t mp = (g->Kg + p->kern->mr - 1) / p->kern->mr;
        p->rows = 1;
        p->wpack_floats = (size_t)(g->G * mp * p->kern->mr * g->Kdim);
        p->ws_bytes = p->wpack_floats * 4;
    } else if (algo == FC_ALGO_DIRECT) {
        p->wpack_floats = (size_t)(g->K * g->Kdim);
        p->ws_bytes = p->wpack_floats * 4;
    } else if (algo == FC_ALGO_IMPLICIT_GEMM && p->kern->nhwc_ok(g)) {
        int64_t kp = (g->Kg + p->kern->nr - 1) / p->kern->nr;
        p->nhwc = 1;
        p->wpack_floats = (size_t)(g->G * kp * p->kern->nr * g->Kdim);
        p->ws_bytes = p->wpack_floats * 4;
    } else {
        int64_t mp = (g->Kg + p->kern->mr - 1) / p->kern->mr;
        p->wpack_floats = (size_t)(g->G * mp * p->kern->mr * g->Kdim);
        p->ws_bytes = p->wpack_floats * 4;
        if (algo == FC_ALGO_UNFOLD_GEMM) {
            p->cols_offset = (p->ws_bytes + 63) / 64 * 64;
            p->ws_bytes = p->cols_offset + (size_t)(g->C * g->KK * g->L) * 4;
        } else if ((p->Wp = cpu_pad_mode_wp(g)) > 0) {
            p->Hp = cpu_pad_mode_hp(g);
            p->cols_offset = (p->ws_bytes + 63) / 64 * 64;
            /* one image + the zeroed slack the last sliver may read (cpu_pad_mode_slack) */
            p->ws_bytes =
                p->cols_offset + (size_t)(g->C * g->s[1] * g->s[2] * p->Hp * p->Wp + cpu_pad_mode_slack(g)) * 4;
        }
    }
    if ((algo != FC_ALGO_DIRECT || p->rows) && !p->nhwc && cpu_gemm_a_in_place(g)) {
        p->ainp = !fc_env_on("FASTCONV_CPU_PACK_A");
    }
    p->algo = algo;
    *algorithm = algo;
    *ws = p->ws_bytes;
    *plan = p;
    return FC_SUCCESS;
}

static fc_status cpu_plan_destroy(void *plan)
{
    free(plan);
    return FC_SUCCESS;
}

typedef struct fwd_ctx {
    const cpu_plan *p;
    cpu_call call;
    int implicit;
    int64_t kchunk;
    void *out; /* unfold target */
    int64_t rchunk, rows;
    int kind;
    int serial; /* run the tasks on the calling thread */
} fwd_ctx;

static void run_tasks(int serial, int64_t n, cpu_task_fn fn, void *ctx)
{
    if (serial)
        for (int64_t i = 0; i < n; i++) fn(ctx, i);
    else
        fc_cpu_parallel_for(n, fn, ctx);
}

static void t_pack(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    int64_t k0 = i * c->kchunk, k1 = k0 + c->kchunk;
    if (k1 > c->p->g.K) k1 = c->p->g.K;
    if (c->p->algo == FC_ALGO_DIRECT && !c->p->rows) c->p->kern->pack_direct_weights(&c->p->g, c->call.w, c->call.wpack, k0, k1);
    else if (c->p->nhwc) c->p->kern->pack_nhwc_weights(&c->p->g, c->call.w, c->call.wpack, k0, k1);
    else c->p->kern->pack_gemm_weights(&c->p->g, c->call.w, c->call.wpack, k0, k1);
}
static void t_direct(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    c->p->kern->direct_task(&c->call, i);
}
static void t_rows(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    c->p->kern->rows_task(&c->call, i);
}
static void t_gemm(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    c->p->kern->gemm_task(&c->call, i, c->implicit);
}
static void t_pad(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    int64_t p0 = i * c->rchunk, p1 = p0 + c->rchunk;
    if (p1 > c->rows) p1 = c->rows;
    c->p->kern->pad_planes(&c->p->g, c->call.x, (float *)c->out, p0, p1, c->p->Hp, c->p->Wp);
}
static void t_nhwc(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    c->p->kern->nhwc_task(&c->call, i);
}
static void t_unfold(void *vctx, int64_t i)
{
    fwd_ctx *c = vctx;
    int64_t r0 = i * c->rchunk, r1 = r0 + c->rchunk;
    if (r1 > c->rows) r1 = c->rows;
    c->p->kern->unfold_rows(&c->p->g, c->call.x, c->call.n, c->out, c->kind, r0, r1);
}

static fc_status cpu_conv_forward(void *plan, void *stream, const void *x, const void *w, const void *bias, void *y,
                                  void *workspace)
{
    (void)stream;
    const cpu_plan *p = plan;
    const cpu_geom *g = &p->g;
    int failed = 0;
    fwd_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.call.g = g;
    c.call.x = x;
    c.call.w = w;
    c.call.bias = g->has_bias ? bias : NULL;
    c.call.y = y;
    c.call.wpack = workspace;
    c.call.failed = &failed;
    c.kchunk = 16;
    /* Tiny problems (< 2^18 MACs, a few microseconds) run on the calling thread: handing
     * out tasks costs about as much as it saves there. Above that the pool pays even for
     * one short call: the caller never waits for a worker that has not started (cpu_pool.c),
     * and spinning workers join within a microsecond. Measured on the 2-core bench machine,
     * back to back: 1x16x32x32 -> 16 3x3 (2.4 M MACs) 25.3 -> 14.0 us, 16ch@16 10.5 -> 6.0 us;
     * 8ch@16 (0.15 M MACs) 3.7 us either way. */
    c.serial = (double)g->N * (double)g->K * (double)g->L * (double)g->Kdim < 262144.0;
    c.call.ainp = p->ainp;
    if (!p->ainp) run_tasks(c.serial, (g->K + c.kchunk - 1) / c.kchunk, t_pack, &c);
    c.call.lpos = g->L;
    float *xp = NULL;
    if (p->algo == FC_ALGO_IMPLICIT_GEMM && p->Wp > 0) {
        c.call.Hp = p->Hp;
        c.call.Wp = p->Wp;
        c.call.lpos = g->out[1] * p->Wp;
        xp = (float *)((char *)workspace + p->cols_offset);
        memset(xp + (size_t)(g->C * g->s[1] * g->s[2] * p->Hp * p->Wp), 0, (size_t)cpu_pad_mode_slack(g) * 4);
        c.call.xpad = xp;
    }
    const int threads = c.serial ? 1 : fc_cpu_pool_threads();
    const int64_t tiles = p->rows                 ? p->kern->rows_blocking(g, threads, &c.call)
                          : p->algo == FC_ALGO_DIRECT ? 0
                          : p->nhwc              ? p->kern->nhwc_blocking(g, threads, &c.call)
                                                 : p->kern->gemm_blocking(g, threads, &c.call);
    if (p->rows) {
        run_tasks(c.serial, g->N * tiles, t_rows, &c);
    } else if (p->algo == FC_ALGO_DIRECT) {
        int64_t tasks = g->layout == FC_LAYOUT_NCHW
                            ? g->N * g->G * ((g->Kg + CPU_KBD - 1) / CPU_KBD) * g->out[0] * g->out[1]
                            : g->N * g->out[0] * g->out[1] * (g->Cg == 1 && g->Kg == 1 ? 1 : g->G);
        run_tasks(c.serial, tasks, t_direct, &c);
    } else if (p->nhwc) {
        run_tasks(c.serial, g->N * tiles, t_nhwc, &c);
    } else if (xp) { /* padded mode, image by image: pad (parallel over planes), then the GEMM */
        c.implicit = 1;
        c.out = xp;
        c.rows = g->C;
        c.rchunk = 1 + g->C / 32;
        for (int64_t n = 0; n < g->N; n++) {
            c.call.n = n;
            c.call.x = (const char *)x + (size_t)(n * g->C * g->IS) * (g->dtype == FC_DTYPE_F16 ? 2 : 4);
            run_tasks(c.serial, (c.rows + c.rchunk - 1) / c.rchunk, t_pad, &c);
            c.call.x = x;
            run_tasks(c.serial, tiles, t_gemm, &c);
        }
    } else if (p->algo == FC_ALGO_IMPLICIT_GEMM) {
        c.implicit = 1;
        run_tasks(c.serial, g->N * tiles, t_gemm, &c);
    } else {
        c.implicit = 0;
        c.call.cols = (float *)((char *)workspace + p->cols_offset);
        c.out = c.call.cols;
        c.kind = 1;
        c.rows = g->C * g->KK;
        c.rchunk = c.rows < 64 ? 1 : c.rows / 64;
        for (int64_t n = 0; n < g->N; n++) {
            c.call.n = n;
            run_tasks(c.serial, (c.rows + c.rchunk - 1) / c.rchunk, t_unfold, &c);
            run_tasks(c.serial, tiles, t_gemm, &c);
        }
    }
    if (failed) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_conv_forward: cannot allocate per-thread scratch");
    return FC_SUCCESS;
}

static fc_status cpu_unfold(const fc_conv_desc *desc, int32_t local, void *stream, const void *x, void *cols)
{
    (void)local;
    (void)stream;
    cpu_plan p;
    memset(&p, 0, sizeof p);
    make_geom(desc, &p.g);
    p.kern = select_kernels();
    fwd_ctx c;
    memset(&c, 0, sizeof c);
    c.p = &p;
    c.call.g = &p.g;
    c.call.x = x;
    c.kind = 0;
    c.rows = p.g.C * p.g.KK;
    c.rchunk = c.rows < 64 ? 1 : c.rows / 64;
    size_t es = p.g.dtype == FC_DTYPE_F16 ? 2 : 4;
    for (int64_t n = 0; n < p.g.N; n++) {
        c.call.n = n;
        c.out = (char *)cols + (size_t)(n * c.rows * p.g.L) * es;
        fc_cpu_parallel_for((c.rows + c.rchunk - 1) / c.rchunk, t_unfold, &c);
    }
    return FC_SUCCESS;
}

/* Work on a stream is queued (cpu_stream.c); the functions above run it. */
static fc_status cpu_conv_forward_on_stream(void *plan, void *stream, const void *x, const void *w, const void *bias,
                                            void *y, void *workspace)
{
    return fc_cpu_stream_forward(stream, cpu_conv_forward, plan, x, w, bias, y, workspace);
}
static fc_status cpu_unfold_on_stream(const fc_conv_desc *desc, int32_t local, void *stream, const void *x, void *cols)
{
    return fc_cpu_stream_unfold(stream, cpu_unfold, desc, local, x, cols);
}

static const fc_backend cpu_backend = {
    "cpu",
    FC_DEVICE_CPU,
    cpu_device_count,
    cpu_device_info,
    cpu_mem_alloc,
    cpu_mem_free,
    cpu_mem_copy,
    fc_cpu_stream_create,
    fc_cpu_stream_destroy,
    fc_cpu_stream_synchronize,
    fc_cpu_event_create,
    fc_cpu_event_destroy,
    fc_cpu_event_record,
    fc_cpu_event_synchronize,
    fc_cpu_event_elapsed_ms,
    cpu_plan_create,
    cpu_plan_destroy,
    cpu_conv_forward_on_stream,
    cpu_unfold_on_stream,
    NULL, /* host_alloc: plain host memory is all the CPU needs */
    NULL, /* host_free */
};

const fc_backend *fc_cpu_backend(void) { return &cpu_backend; }
