/*
 * cpu_internal.h — shared definitions of the CPU backend (internal).
 *
 * Everything here is static inline or plain data: the kernel TUs
 * (kernels_{scalar,avx2,avx512}.c) are compiled with different -m flags and
 * must not share any out-of-line code (no ODR-merged inline functions).
 */
#ifndef FASTCONV_CPU_INTERNAL_H
#define FASTCONV_CPU_INTERNAL_H

#include "core/backend.h"

#include <stdint.h>
#include <string.h>

/* Problem geometry, every conv treated as 3-D (leading dims of size 1). */
typedef struct cpu_geom {
    int dtype, precision, layout, has_bias, act;
    int64_t N, C, K, G, Cg, Kg;
    int64_t in[3], k[3], s[3], pb[3], d[3], out[3];
    int64_t KK;   /* prod(k)                         */
    int64_t L;    /* prod(out)                       */
    int64_t IS;   /* prod(in)                        */
    int64_t Kdim; /* Cg * KK: GEMM reduction length  */
} cpu_geom;

/* How x/w values are rounded before the products (per fc_precision and dtype). */
enum { RND_NONE = 0, RND_TF32 = 1, RND_FP16 = 2 };

static inline int cpu_round_mode(const cpu_geom *g)
{
    if (g->precision == FC_PRECISION_TF32) return RND_TF32;
    if (g->precision == FC_PRECISION_FP16 && g->dtype == FC_DTYPE_F32) return RND_FP16;
    return RND_NONE; /* FP32, 3XTF32 (computed as fp32), FP16 on f16 data (already fp16) */
}

/* Arguments of one forward call. */
typedef struct cpu_call {
    const cpu_geom *g;
    const void *x, *w, *bias;
    void *y;
    float *wpack;  /* packed/rounded fp32 weights (in the workspace) */
    int ainp;      /* GEMM: A read in place from w (NCHW fp32, no rounding; cpu_gemm_a_in_place), wpack unused */
    float *cols;   /* UNFOLD_GEMM: one image's (C*KK) x L fp32 matrix (in the workspace) */
    int64_t n;     /* UNFOLD_GEMM: the image whose cols are current */
    int *failed;   /* set (atomically) by a task that could not get scratch memory */
    /* GEMM blocking (from cpu_kernels.gemm_blocking, chosen at plan time) */
    int64_t nbs;   /* NR-wide slivers of output positions per task */
    int64_t nblk;  /* position blocks per (image, group) = ceil(ceil(L/NR)/nbs) */
    int64_t mbp;   /* MR-row weight panels per task */
    int64_t mblk;  /* channel blocks per group = ceil(ceil(Kg/MR)/mbp) */
    int64_t kc;    /* reduction rows per B panel */
    int64_t lpos;  /* GEMM positions per image: L, or Hout * Wp in padded mode */
    const float *xpad; /* IMPLICIT_GEMM padded mode: image n of x, padded phases [C][s_h][s_w][Hp][Wp] fp32 */
    int64_t Hp, Wp;
} cpu_call;

#define CPU_KBD 8   /* DIRECT NCHW: output channels per task             */

/* IMPLICIT_GEMM padded mode (NCHW, 1-D/2-D, k > 1, C/g*prod(k) >= 128, any stride s):
 * image by image, x is copied zero-padded and split into s_h x s_w phase planes
 * (phase (a, b) holds padded rows a, a+s_h, ... and columns b, b+s_w, ...) of Hp x Wp,
 * Hp = Hout + (d_h*(k_h-1))/s_h, Wp = Wout + (d_w*(k_w-1))/s_w, while the copy is still in
 * L2. Tap (kh, kw) reads phase ((kh*d_h) % s_h, (kw*d_w) % s_w) shifted by
 * ((kh*d_h) / s_h, (kw*d_w) / s_w), so with output position (oh, ow) at the linear position
 * oh*Wp + ow every B row is a contiguous run of a phase plane: no gather at all, for
 * Wp - Wout wasted columns per row (used when that is at most 1/8 of Wp).
 * Returns Wp, or 0 when the mode does not apply. */
static inline int64_t cpu_pad_mode_hp(const cpu_geom *g) { return g->out[1] + (g->d[1] * (g->k[1] - 1)) / g->s[1]; }
/* Zeroed floats after the padded planes: the last sliver reads up to NR (<= 64) + d*(kw-1)
 * values past the last plane. */
static inline int64_t cpu_pad_mode_slack(const cpu_geom *g) { return 64 + g->d[2] * (g->k[2] - 1); }
static inline int64_t cpu_pad_mode_wp(const cpu_geom *g)
{
    /* 2-D only: a depth-1 input with a depth-1 kernel may still be padded in depth (out[0] > 1) */
    /* the depth is trivial only without depth padding: with pb_d > 0 the single output depth
     * reads padding (all zero), which the planes, built from depth 0, would not show */
    if (g->layout != FC_LAYOUT_NCHW || g->in[0] != 1 || g->k[0] != 1 || g->out[0] != 1 || g->pb[0] != 0 ||
        g->KK == 1)
        return 0;
    if (g->Kdim < 128) return 0; /* short reductions: the stores of row-crossing slivers dominate */
    const int64_t Wp = g->out[2] + (g->d[2] * (g->k[2] - 1)) / g->s[2];
    if (8 * (Wp - g->out[2]) > Wp) return 0;
    /* The zero-padded phase planes of one image (C * s_h * s_w * Hp * Wp) must stay near the
     * image's own size: huge strides or paddings would make them overflow or dwarf it. */
    int64_t n;
    if (__builtin_mul_overflow(g->C, g->s[1], &n) || __builtin_mul_overflow(n, g->s[2], &n) ||
        __builtin_mul_overflow(n, cpu_pad_mode_hp(g), &n) || __builtin_mul_overflow(n, Wp, &n))
        return 0;
    if (n > ((int64_t)1 << 56) || n > 4 * g->C * g->in[1] * g->in[2] + ((int64_t)1 << 20)) return 0; /* bytes stay < 2^59 */
    return Wp;
}

/* NCHW fp32 GEMM weights without rounding are already rows of Kdim contiguous values:
 * the micro-kernel reads them in place instead of a per-call packed copy (for 256x2304
 * weights the copy was ~10 % of a call: 2.4 MB written, then read back from L3).
 * FASTCONV_CPU_PACK_A=1 keeps the packed copy (A/B timing). */
static inline int cpu_gemm_a_in_place(const cpu_geom *g)
{
    return g->layout == FC_LAYOUT_NCHW && g->dtype == FC_DTYPE_F32 && cpu_round_mode(g) == RND_NONE;
}

/* Kernels of one SIMD level. */
typedef struct cpu_kernels {
    int level; /* fc_simd_level */
    int mr, nr;
    /* GEMM weights: [g][ceil(Kg/mr)][Kdim][mr] fp32, rounded, zero rows padded */
    void (*pack_gemm_weights)(const cpu_geom *g, const void *w, float *out, int64_t kbegin, int64_t kend);
    /* DIRECT weights: NCHW [k][c][koff]; NHWC [g][koff][c][kg] */
    void (*pack_direct_weights)(const cpu_geom *g, const void *w, float *out, int64_t kbegin, int64_t kend);
    /* tasks: index in [0, count) */
    void (*gemm_task)(const cpu_call *c, int64_t task, int implicit);
    void (*direct_task)(const cpu_call *c, int64_t task);
    /* unfold rows [r0, r1) of image n into out (L per row); kind: 0 raw f32/f16 copy in dtype, 1 fp32 rounded */
    void (*unfold_rows)(const cpu_geom *g, const void *x, int64_t n, void *out, int kind, int64_t r0, int64_t r1);
    /* fills c->nbs/nblk/mbp/mblk/kc for `threads` workers; returns the task count per image
     * (IMPLICIT: tasks = N * this; UNFOLD: this per image) */
    int64_t (*gemm_blocking)(const cpu_geom *g, int threads, cpu_call *c);
    void (*pad_planes)(const cpu_geom *g, const void *x, float *xpad, int64_t p0, int64_t p1, int64_t Hp, int64_t Wp);
    /* NHWC fp32 implicit GEMM with vectors along the output channels (kernels.inc) */
    int (*nhwc_ok)(const cpu_geom *g);
    void (*pack_nhwc_weights)(const cpu_geom *g, const void *w, float *out, int64_t kbegin, int64_t kend);
    int64_t (*nhwc_blocking)(const cpu_geom *g, int threads, cpu_call *c);
    void (*nhwc_task)(const cpu_call *c, int64_t task);
    /* DIRECT rows mode (kernels.inc rows_task): NCHW 1-D/2-D with a short reduction;
     * weights as for the GEMM (packed [g][ceil(Kg/MR)][Kdim][MR], or read in place) */
    int (*rows_ok)(const cpu_geom *g);
    int (*rows_auto)(const cpu_geom *g); /* AUTO picks DIRECT (rows mode) over IMPLICIT_GEMM */
    int64_t (*rows_blocking)(const cpu_geom *g, int threads, cpu_call *c);
    void (*rows_task)(const cpu_call *c, int64_t task);
} cpu_kernels;

const cpu_kernels *fc_cpu_kernels_scalar(void);
const cpu_kernels *fc_cpu_kernels_avx2(void);
const cpu_kernels *fc_cpu_kernels_avx512(void);

/* Thread-local, 64-byte aligned scratch of at least `floats` floats (grows;
 * freed at thread exit). NULL on allocation failure. */
float *fc_cpu_scratch(size_t floats);

/* Autotuning of AUTO (cpu_autotune.c): where fc_autotune_on() (fc_set_autotune / FASTCONV_AUTOTUNE=1),
 * plan creation times the candidates. */
int32_t fc_cpu_autotune(const fc_conv_desc *desc, int32_t fallback);

/* Thread pool. */
typedef void (*cpu_task_fn)(void *ctx, int64_t task);
void fc_cpu_parallel_for(int64_t ntasks, cpu_task_fn fn, void *ctx);
int fc_cpu_pool_threads(void);
void fc_cpu_pool_set_threads(int n);

/* ---- fp16 / tf32 (software, bit exact) --------------------------------- */
static inline float fc_f16_to_f32_sw(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t em = h & 0x7fffu;
    uint32_t u;
    if (em >= 0x7c00u) {
        /* Inf, or NaN made quiet (payload kept) like F16C's vcvtph2ps */
        u = sign | 0x7f800000u | ((em & 0x3ffu) << 13) | ((em & 0x3ffu) ? 0x400000u : 0u);
    } else if (em >= 0x400u) {
        u = sign | ((em << 13) + 0x38000000u);
    } else {
        float f = (float)em * 5.9604644775390625e-8f; /* em * 2^-24, exact */
        memcpy(&u, &f, 4);
        u |= sign;
    }
    float r;
    memcpy(&r, &u, 4);
    return r;
}

/* Round to nearest even, overflow -> Inf, NaN stays NaN (quiet, payload kept like F16C). */
static inline uint16_t fc_f32_to_f16_sw(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) /* Inf / NaN */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? (0x200u | ((ax >> 13) & 0x3ffu)) : 0u));
    if (ax >= 0x47800000u) /* >= 65536: overflow (65520..65536 rounds to Inf below too) */
        return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) { /* below 2^-14: half subnormal or zero; the FPU rounds (RNE) */
        float a;
        memcpy(&a, &ax, 4);
        a += 0.5f;
        uint32_t b;
        memcpy(&b, &a, 4);
        return (uint16_t)(sign | (b - 0x3f000000u));
    }
    uint32_t odd = (ax >> 13) & 1u;
    ax += 0xc8000fffu + odd; /* rebias exponent (15-127) and round half to even */
    return (uint16_t)(sign | (ax >> 13));
}

/* cvt.rna.tf32.f32: round to nearest, ties away, keep 10 mantissa bits. */
static inline float fc_round_tf32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
    memcpy(&f, &u, 4);
    return f;
}

#endif
