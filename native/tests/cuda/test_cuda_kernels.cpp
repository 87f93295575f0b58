// test_cuda_kernels.cpp — runs the CUDA kernels (native/src/cuda/kernels/*.cuh)
// under the host SIMT emulation against an independent naive reference.
//
//   test_cuda_kernels <group> [max_shapes [first_shape]]   (shapes first_shape .. max_shapes - 1; 0: all)
//   group: tc_tf32 | tc_f16f32 | tc_3xtf32 | tc_f16 | simt | direct | unfold | all | profile
//   (profile: shared-memory wavefronts per mma.sync of the ResNet-50 3x3 picks, and the L2 -> SM bytes of
//   the sm_90 table's TMA picks with the floor they set, run_profile)
//
// Each group runs every kernel variant the heuristic (cuda/heuristic.h) can
// pick for it (tile BIG/MED/SMALL x implicit, MED x UNFOLD_GEMM, both layouts,
// 16-byte and element-wise iterator paths) on the same >= 50 shapes (fixed
// corner cases + seeded random ones: 1-D/2-D/3-D, groups, stride, asymmetric
// padding, dilation, edge tiles, odd channel counts, bias, ReLU).
//
// Reference: double accumulation of the products of the *rounded* inputs the
// precision prescribes (TF32: cvt.rna to 10 mantissa bits; FP16: RNE to
// binary16; F16 tensors: already fp16), implemented here independently of the
// kernels. Those products are exact in fp32, so the kernel's only error is
// fp32 accumulation: |err| <= (Kgemm + 2) * 2^-24 * sum|x*w| (+ |bias|), the
// standard worst-case bound for a k-term fp32 sum (the MMA/FFMA order does
// not matter). 3XTF32 is compared with the unrounded fp32 inputs: dropping
// small*small adds <= 2^-22 relative per product (+ 2^-21 for the split
// rounding), so tol = (Kgemm + 8) * 2^-22 * sum|x*w|. FP32 (SIMT and direct):
// unrounded inputs, fp32 accumulate bound. fp16 outputs add half an fp16 ulp
// (2^-11 relative). A wrong fragment layout, k order or predicate gives errors
// of the order of |y| itself, 10^3..10^6 times these tolerances.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <map>
#include <string>
#include <vector>

#include "cuda/heuristic.h"
#include "cuda/kernels/direct.cuh"
#include "cuda/kernels/direct_tile.cuh"
#include "cuda/kernels/implicit_gemm_halo.cuh"
#include "cuda/kernels/implicit_gemm_simt.cuh"
#include "cuda/kernels/implicit_gemm_tc.cuh"
#include "cuda/kernels/implicit_gemm_wgmma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_ws.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_tma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_halo_tma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_tma_bres.cuh"
#include "cuda/kernels/unfold.cuh"

using namespace fc::cuda;

namespace {

struct Shape {
    int nd, N, C, K, G;
    int in[3], k[3], s[3], pb[3], pe[3], d[3];
    int bias, relu;
};

fc_conv_desc make_desc(const Shape& sh, int layout, int dtype, int precision) {
    fc_conv_desc d;
    memset(&d, 0, sizeof d);
    d.spatial_dims = sh.nd;
    d.dtype = dtype;
    d.precision = precision;
    d.layout = layout;
    d.algorithm = FC_ALGO_AUTO;
    d.has_bias = sh.bias;
    d.activation = sh.relu ? FC_ACTIVATION_RELU : FC_ACTIVATION_NONE;
    d.batch = sh.N;
    d.in_channels = sh.C;
    d.out_channels = sh.K;
    d.groups = sh.G;
    for (int i = 0; i < 3; ++i) {
        d.in_size[i] = sh.in[i];
        d.kernel_size[i] = sh.k[i];
        d.stride[i] = sh.s[i];
        d.pad_begin[i] = sh.pb[i];
        d.pad_end[i] = sh.pe[i];
        d.dilation[i] = sh.d[i];
    }
    return d;
}

bool valid_shape(const Shape& s) {
    for (int i = 0; i < s.nd; ++i)
        if (s.in[i] + s.pb[i] + s.pe[i] < s.d[i] * (s.k[i] - 1) + 1) return false;
    return s.C % s.G == 0 && s.K % s.G == 0;
}

size_t g_fixed_shapes = 0;  // make_shapes: how many of its shapes are the fixed ones (the first)

int g_first_shape = 0;  // main's third argument: the shapes before it are left out
std::vector<Shape> make_shapes(int max_shapes) {
    std::vector<Shape> v;
    // nd N C K G | in | k | stride | pad_begin | pad_end | dilation | bias relu
    const Shape fixed[] = {
        {2, 1, 3, 16, 1, {9, 11, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},     // RGB 3x3 (note)
        {2, 2, 16, 20, 1, {7, 6, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 1},     // 5 k-tiles
        {2, 1, 64, 24, 1, {5, 5, 0}, {1, 1, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {1, 1, 0}, 0, 0},     // 1x1
        {2, 1, 8, 136, 1, {12, 12, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},  // 2 N tiles of 128, M 144
        {2, 2, 4, 8, 1, {15, 13, 0}, {3, 3, 0}, {2, 2, 0}, {1, 0, 0}, {2, 1, 0}, {1, 1, 0}, 0, 1},     // stride 2, asym pad
        {2, 1, 6, 9, 3, {8, 9, 0}, {3, 2, 0}, {1, 2, 0}, {2, 0, 0}, {0, 1, 0}, {2, 1, 0}, 1, 0},       // groups 3, dilation
        {2, 1, 8, 8, 8, {7, 7, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},       // depthwise
        {1, 2, 5, 7, 1, {37, 0, 0}, {5, 0, 0}, {2, 0, 0}, {3, 0, 0}, {0, 0, 0}, {2, 0, 0}, 1, 1},      // 1-D
        {1, 1, 32, 40, 2, {20, 0, 0}, {3, 0, 0}, {1, 0, 0}, {1, 0, 0}, {1, 0, 0}, {1, 0, 0}, 0, 0},    // 1-D groups, vec
        {3, 1, 4, 6, 1, {5, 6, 4}, {3, 3, 2}, {1, 2, 1}, {1, 1, 0}, {1, 0, 1}, {1, 1, 2}, 1, 0},       // 3-D
        {3, 2, 8, 16, 2, {4, 4, 4}, {2, 2, 2}, {2, 1, 1}, {0, 1, 1}, {1, 0, 1}, {1, 2, 1}, 1, 1},      // 3-D groups
        {2, 1, 1, 1, 1, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {1, 1, 0}, 0, 0},       // 1x1x1
        {2, 1, 3, 5, 1, {4, 4, 0}, {5, 5, 0}, {1, 1, 0}, {2, 2, 0}, {2, 2, 0}, {1, 1, 0}, 1, 0},       // kernel > input
        {2, 3, 12, 70, 1, {6, 7, 0}, {3, 3, 0}, {3, 2, 0}, {0, 2, 0}, {1, 0, 0}, {1, 3, 0}, 1, 1},     // N tail of 64
        {2, 1, 40, 33, 1, {5, 5, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 0, 0},     // Kgemm 360
        {2, 1, 16, 16, 2, {16, 9, 0}, {1, 1, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {1, 1, 0}, 1, 0},    // M 144, vec f16
        {2, 2, 3, 64, 1, {23, 23, 0}, {7, 7, 0}, {2, 2, 0}, {3, 3, 0}, {3, 3, 0}, {1, 1, 0}, 0, 1},    // stem-like
        {2, 2, 3, 16, 1, {13, 17, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 1},    // direct staged, odd OPQ
        {2, 1, 2, 4, 1, {10, 12, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},     // direct staged K 4
        {2, 1, 3, 16, 1, {24, 30, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 0, 0},    // 2 strip blocks + tail
        // direct_tile_kernel (2-D 3x3 stride 1, C/g <= 3, K/g >= 12): edge tiles (H, W not multiples of
        // 16 x 32), batch 2, padding 0/1/2/asymmetric/larger than needed, K/g tails, groups (NCHW).
        {2, 2, 3, 16, 1, {20, 37, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 1},    // tile: 2x2 tiles, odd W
        {2, 1, 3, 20, 1, {17, 40, 0}, {3, 3, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {1, 1, 0}, 1, 0},    // tile: pad 0, Kg 20 tail
        {2, 1, 1, 12, 1, {18, 33, 0}, {3, 3, 0}, {1, 1, 0}, {2, 2, 0}, {2, 2, 0}, {1, 1, 0}, 1, 1},    // tile: C 1, pad 2, Kg 12
        {2, 1, 2, 32, 1, {16, 32, 0}, {3, 3, 0}, {1, 1, 0}, {3, 1, 0}, {0, 4, 0}, {1, 1, 0}, 0, 0},    // tile: C 2, pad > needed
        {2, 1, 6, 32, 2, {10, 12, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},    // tile: groups 2 (NCHW only)
        {2, 1, 3, 16, 1, {20, 56, 0}, {3, 3, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {1, 1, 0}, 1, 0},    // tile: halo inside x, vec_in
        {3, 1, 3, 16, 1, {1, 9, 8}, {1, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1, 0},      // 3-D, O 3: not tile
        // tc_halo_kernel (f16, 3x3 stride 1, groups 1, C % 32 == 0): partial 8x16 tiles in both
        // dimensions, batch 2, K tail (< 64), asymmetric / zero padding, 2 channel chunks, 2 N tiles.
        {2, 2, 32, 40, 1, {10, 19, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 1},   // halo: edges, Kg 40
        {2, 1, 64, 72, 1, {9, 17, 0}, {3, 3, 0}, {1, 1, 0}, {0, 2, 0}, {2, 0, 0}, {1, 1, 0}, 0, 0},    // halo: asym pad, 2 chunks
        {2, 1, 96, 20, 1, {6, 20, 0}, {3, 3, 0}, {1, 1, 0}, {2, 2, 0}, {2, 2, 0}, {1, 1, 0}, 1, 0},    // halo: pad 2, 3 chunks
        {2, 1, 32, 130, 1, {5, 8, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 1},    // halo: 3 N tiles, tail
        {2, 1, 32, 24, 1, {20, 18, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},   // halo: 2x2 16x16 tiles
        // wgmma_tma_conv_kernel (f16 NHWC, groups 1, C % 32 == 0): TMA im2col with strides, dilation and
        // asymmetric padding in both dimensions (corner order), 128-pixel boxes across images, 1-D.
        {2, 2, 32, 24, 1, {9, 11, 0}, {3, 3, 0}, {2, 1, 0}, {1, 0, 0}, {2, 1, 0}, {1, 2, 0}, 1, 0},    // tma: s 2x1, d 1x2
        {1, 3, 32, 16, 1, {30, 0, 0}, {3, 0, 0}, {2, 0, 0}, {2, 0, 0}, {1, 0, 0}, {2, 0, 0}, 0, 1},    // tma: 1-D
        {2, 2, 64, 40, 1, {7, 9, 0}, {3, 3, 0}, {2, 1, 0}, {1, 1, 0}, {0, 2, 0}, {2, 1, 0}, 1, 1},     // tma64: 9 slices
        {2, 2, 64, 8, 1, {17, 17, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0},     // tma64: 5 / 3 m tiles
        // its halo form (stride 1, C % 64 == 0): 3 slices (a halo buffer refilled), partial 8 x 8 units, K tail
        // (kept small: every group runs every fixed shape; 2 N tiles come from "halo: asym pad" above);
        // dilation with asymmetric padding; a 1 x 1 filter; a 5 x 3 filter with padding past the halo
        {2, 1, 192, 24, 1, {9, 9, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 1},    // halo-tma: 3 slices
        {2, 1, 128, 24, 1, {9, 10, 0}, {3, 3, 0}, {1, 1, 0}, {2, 1, 0}, {0, 2, 0}, {2, 1, 0}, 1, 0},   // halo-tma: d 2x1
        {2, 3, 64, 16, 1, {8, 9, 0}, {1, 1, 0}, {1, 1, 0}, {0, 0, 0}, {0, 0, 0}, {1, 1, 0}, 0, 0},     // halo-tma: 1x1
        {2, 1, 64, 24, 1, {7, 12, 0}, {5, 3, 0}, {1, 1, 0}, {3, 1, 0}, {2, 2, 0}, {1, 1, 0}, 1, 1},    // halo-tma: 5x3
        // the B-resident form's WIDE-halo variant with 2 channel slices per tile (its ring wraps inside a tile) and
        // a dilated 2 x 2 filter (Kgemm 512), asymmetric padding, partial units
        {2, 1, 128, 8, 1, {11, 13, 0}, {2, 2, 0}, {1, 1, 0}, {1, 0, 0}, {0, 1, 0}, {2, 1, 0}, 1, 1},   // bres halo: 2 sl
    };
    for (const Shape& s : fixed) v.push_back(s);
    g_fixed_shapes = sizeof fixed / sizeof fixed[0];
    std::mt19937 rng(12345);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int cgs[] = {1, 2, 3, 4, 5, 8, 12, 16};
    const int kgs[] = {1, 3, 8, 17, 33, 40};
    while ((int)v.size() < 70) {
        Shape s;
        memset(&s, 0, sizeof s);
        s.nd = pick(1, 3);
        s.N = pick(1, 2);
        s.G = pick(0, 3) == 0 ? pick(2, 4) : 1;
        s.C = cgs[pick(0, 7)] * s.G;
        s.K = kgs[pick(0, 5)] * s.G;
        const int maxin = s.nd == 1 ? 40 : s.nd == 2 ? 11 : 5;
        for (int i = 0; i < s.nd; ++i) {
            s.in[i] = pick(1, maxin);
            s.k[i] = pick(1, 3);
            s.s[i] = pick(1, 3);
            s.pb[i] = pick(0, 2);
            s.pe[i] = pick(0, 2);
            s.d[i] = pick(1, 2);
        }
        s.bias = pick(0, 1);
        s.relu = pick(0, 1);
        if (!valid_shape(s)) continue;
        fc_conv_desc d = make_desc(s, 0, 0, 0);
        ConvParams p;
        if (make_conv_params(&d, &p)) continue;
        if ((long long)p.M * p.Kg * p.Kgemm * p.G > 400000) continue;  // keep emulation fast
        v.push_back(s);
    }
    if (max_shapes > 0 && (int)v.size() > max_shapes) v.resize(max_shapes);
    v.erase(v.begin(), v.begin() + std::min<size_t>((size_t)g_first_shape, v.size()));
    return v;
}

// ---- independent reference helpers ----
float ref_tf32(float x) {  // round to nearest, ties away, 10 mantissa bits
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) return x;
    u = (u + 0x1000u) & 0xffffe000u;
    float r;
    memcpy(&r, &u, 4);
    return r;
}
float ref_f16(float x) {  // RNE to binary16 (normal and subnormal range), via frexp/ldexp
    if (x == 0.f || !std::isfinite(x)) return x;
    int e;
    std::frexp(x, &e);  // x = f * 2^e, 0.5 <= |f| < 1
    int q = e - 11;     // 11 significant bits
    if (q < -24) q = -24;
    const double scaled = std::ldexp((double)x, -q);
    return (float)std::ldexp(std::nearbyint(scaled), q);
}

struct Problem {
    fc_conv_desc desc;
    ConvParams p;
    std::vector<float> x, w, b;   // values (fp16-representable when dtype f16)
    std::vector<uint16_t> xh, wh, bh;
};

void fill(Problem& pr, std::mt19937& rng) {
    const ConvParams& p = pr.p;
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    const bool f16 = pr.desc.dtype == FC_DTYPE_F16;
    auto gen = [&](std::vector<float>& v, std::vector<uint16_t>& h, size_t n) {
        v.resize(n);
        h.resize(n);
        for (size_t i = 0; i < n; ++i) {
            float f = u(rng);
            if (f16) {
                h[i] = fc::cuda::f32_to_f16_bits(f);
                f = fc::cuda::f16_bits_to_f32(h[i]);
            }
            v[i] = f;
        }
    };
    gen(pr.x, pr.xh, (size_t)p.N * p.C * p.D * p.H * p.W);
    gen(pr.w, pr.wh, (size_t)p.K * p.Kgemm);
    gen(pr.b, pr.bh, (size_t)p.K);
}

// y_ref and per-output tolerance. round: 0 none, 1 tf32, 2 f16. split3: 3xtf32 bound.
void reference(const Problem& pr, int round, bool split3, bool f16_out, std::vector<double>& yref,
               std::vector<double>& tol) {
    const ConvParams& p = pr.p;
    auto rnd = [&](float v) { return round == 1 ? ref_tf32(v) : round == 2 ? ref_f16(v) : v; };
    yref.assign((size_t)p.N * p.K * p.OPQ, 0.0);
    tol.assign(yref.size(), 0.0);
    for (int n = 0; n < p.N; ++n)
        for (int g = 0; g < p.G; ++g)
            for (int kg = 0; kg < p.Kg; ++kg) {
                const int kk = g * p.Kg + kg;
                for (int o = 0; o < p.O; ++o)
                    for (int pp = 0; pp < p.P; ++pp)
                        for (int q = 0; q < p.Q; ++q) {
                            double acc = 0, mag = 0;
                            for (int c = 0; c < p.Cg; ++c)
                                for (int t = 0; t < p.T; ++t)
                                    for (int r = 0; r < p.R; ++r)
                                        for (int s = 0; s < p.S; ++s) {
                                            const int id = o * p.sd - p.pd + t * p.dd;
                                            const int ih = pp * p.sh - p.ph + r * p.dh;
                                            const int iw = q * p.sw - p.pw + s * p.dw;
                                            if (id < 0 || id >= p.D || ih < 0 || ih >= p.H || iw < 0 || iw >= p.W)
                                                continue;
                                            const int ci = g * p.Cg + c;
                                            const size_t xi =
                                                p.chlast ? ((((size_t)n * p.D + id) * p.H + ih) * p.W + iw) * p.C + ci
                                                         : ((((size_t)n * p.C + ci) * p.D + id) * p.H + ih) * p.W + iw;
                                            const size_t wi =
                                                p.chlast ? ((((size_t)kk * p.T + t) * p.R + r) * p.S + s) * p.Cg + c
                                                         : ((((size_t)kk * p.Cg + c) * p.T + t) * p.R + r) * p.S + s;
                                            const double prod = (double)rnd(pr.x[xi]) * (double)rnd(pr.w[wi]);
                                            acc += prod;
                                            mag += std::fabs(prod);
                                        }
                            double bias = p.has_bias ? pr.b[kk] : 0.0;
                            double y = acc + bias;
                            if (p.relu && y < 0) y = 0;
                            double t = split3 ? (p.Kgemm + 8) * std::ldexp(1.0, -22) * mag
                                              : (p.Kgemm + 2) * std::ldexp(1.0, -24) * mag;
                            t += std::ldexp(1.0, -23) * std::fabs(bias) + 1e-30;
                            if (f16_out) t += (std::ldexp(1.0, -11) + std::ldexp(1.0, -20)) * std::fabs(y) + std::ldexp(1.0, -24);
                            const int pix = (o * p.P + pp) * p.Q + q;
                            const size_t yi = p.chlast ? ((size_t)n * p.OPQ + pix) * p.K + kk
                                                       : ((size_t)n * p.K + kk) * p.OPQ + pix;
                            yref[yi] = y;
                            tol[yi] = t;
                        }
            }
}

long g_tma_table_runs = 0;  // candidates group: end-to-end runs of the table's TMA picks
long g_tma_forced = 0;  // candidates group: problems FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma moves to the TMA kernel
long g_tma_forced_tf32 = 0;  // ... of them TF32 ones (f32 tensors), each also run end to end
struct Stats {
    long runs = 0, fails = 0;
    double worst = 0;  // max err/tol
    std::map<std::string, long> by_kernel;  // runs per kernel family (the word after "implicit"), for the summary
};

template <class Out>
bool compare(const char* what, const Problem& pr, const std::vector<Out>& y, const std::vector<double>& yref,
             const std::vector<double>& tol, Stats& st, const std::string& shape_name) {
    ++st.runs;
    {
        const char* k = strstr(what, "implicit ");
        if (k) {
            std::string fam(k + 9);
            fam = fam.substr(0, fam.find(' '));
            ++st.by_kernel[fam];
        }
    }
    double worst = 0;
    size_t wi = 0;
    for (size_t i = 0; i < yref.size(); ++i) {
        double v;
        if constexpr (std::is_same<Out, float>::value)
            v = y[i];
        else
            v = fc::cuda::f16_bits_to_f32(y[i]);
        double r = std::fabs(v - yref[i]) / tol[i];
        if (!(r <= worst)) {  // NaN-safe
            worst = std::isnan(r) ? 1e30 : r;
            wi = i;
        }
    }
    if (worst > st.worst) st.worst = worst;
    if (worst > 1.0) {
        ++st.fails;
        double v;
        if constexpr (std::is_same<Out, float>::value) v = y[wi]; else v = fc::cuda::f16_bits_to_f32(y[wi]);
        fprintf(stderr, "FAIL %-34s %s %s: y[%zu] = %.9g ref %.9g tol %.3g (err/tol %.3g)\n", what,
                pr.p.chlast ? "NHWC" : "NCHW", shape_name.c_str(), wi, v, yref[wi], tol[wi], worst);
        return false;
    }
    (void)pr;
    return true;
}

std::string shape_str(const Shape& s) {
    char b[256];
    snprintf(b, sizeof b, "%dd N%d C%d K%d g%d in(%d,%d,%d) k(%d,%d,%d) s(%d,%d,%d) pb(%d,%d,%d) pe(%d,%d,%d) d(%d,%d,%d)%s%s",
             s.nd, s.N, s.C, s.K, s.G, s.in[0], s.in[1], s.in[2], s.k[0], s.k[1], s.k[2], s.s[0], s.s[1], s.s[2],
             s.pb[0], s.pb[1], s.pb[2], s.pe[0], s.pe[1], s.pe[2], s.d[0], s.d[1], s.d[2], s.bias ? " bias" : "",
             s.relu ? " relu" : "");
    return b;
}

// ---- launchers (mirror cuda_backend.cu / launch.cuh) ----
// The profile group runs only some blocks of the GEMM kernels (g_only_blocks); everything else runs all.
const fc_simt::BlockPredicate* g_only_blocks = nullptr;
template <class Kernel, class... Args>
void launch_gemm(dim3 grid, dim3 block, size_t smem, Kernel kernel, Args... args) {
    if (g_only_blocks)
        fc_simt::launch_blocks(grid, block, smem, *g_only_blocks, kernel, args...);
    else
        fc_simt::launch(grid, block, smem, kernel, args...);
}
// Split-K as the backend runs it (launch.cuh): the GEMM grid with G * splits blocks along z, fp32
// partials (NaN until written), then the reduction. splits is clamped like pick_splits does (no empty
// split) but without its size gates, so every shape exercises the split path.
template <class Cfg>
struct SplitRun {
    int splits;
    dim3 grid;
    std::vector<float> partial;
    SplitRun(const ConvParams& p, int s) {
        const int kt = (int)cdiv(p.Kgemm, Cfg::BK);
        splits = s > kt ? kt : s;
        if (splits > 1) splits = (int)cdiv(kt, cdiv(kt, splits));
        grid = dim3((unsigned)cdiv(p.M, Cfg::BM), (unsigned)cdiv(p.Kg, Cfg::BN), (unsigned)(p.G * splits));
        partial.assign(splits > 1 ? (size_t)p.G * splits * p.M * p.Kg : 0, NAN);
    }
    template <class Out>
    void reduce(const ConvParams& p, const void* bias, void* y) const {
        if (splits <= 1) return;
        // the backend's choice (kernels_misc.cu): 4 columns per thread where Kg and the alignment allow
        if (p.Kg % 4 == 0 && reinterpret_cast<uintptr_t>(partial.data()) % 16 == 0)
            fc_simt::launch(dim3(3), dim3(256), 0, splitk_reduce_kernel<Out, 4>, p, splits, partial.data(),
                            static_cast<const Out*>(bias), static_cast<Out*>(y));
        else
            fc_simt::launch(dim3(3), dim3(256), 0, splitk_reduce_kernel<Out, 1>, p, splits, partial.data(),
                            static_cast<const Out*>(bias), static_cast<Out*>(y));
    }
};
template <int MathK, int Tile, bool Impl>
void run_tc_n(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b,
              int splits) {
    typedef typename TileFor<Tile, MathK == MATH_F16 ? 2 : 4>::type Cfg;
    SplitRun<Cfg> sr(p, splits);
    // vec_y follows vec_b so that both staged-epilogue store paths run on every shape.
    launch_gemm(sr.grid, dim3(Cfg::kThreads), Cfg::kSmemBytes, tc_conv_kernel<Cfg, MathK, Impl>, p, a, w, bias, y,
                vec_a, vec_b, sr.splits, sr.partial.data(), vec_b);
    sr.template reduce<typename MathTraits<MathK>::Out>(p, bias, y);
}
template <int MathK, int Tile, bool Impl, int Splits = 1>
void run_tc(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b) {
    run_tc_n<MathK, Tile, Impl>(p, a, w, bias, y, vec_a, vec_b, Splits);
}
// The wgmma kernels' layouts depend on absolute shared addresses, and on a GPU the driver decides where
// dynamic shared memory begins: each run places it at another 16-byte step of the shared window (80
// bases, every residue mod 1024 -- the largest swizzle atom), so align_smem's padding is exercised.
struct SmemBaseRun {
    SmemBaseRun() {
        static unsigned runs = 0;
        fc_simt::set_smem_base(16u * (runs++ % 80u));
    }
    ~SmemBaseRun() { fc_simt::set_smem_base(0); }
};
// wgmma_conv_kernel (sm_90a) as tc_wgmma.cu runs it, split-K included (clamped like run_tc_n); the
// TILE_WGMMA_WS tiles: wgmma_ws_conv_kernel (warp-specialized: + the producer warpgroup).
template <int Tile, class Elem = half_t>
void run_wgmma_n(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b,
                 int splits) {
    typedef WgmmaKernel<Tile, Elem> K;
    typedef typename K::Cfg Cfg;
    SplitRun<Cfg> sr(p, splits);
    const SmemBaseRun base;
    launch_gemm(sr.grid, dim3(K::kThreads), Cfg::kSmemBytes, K::fn(), p,
                static_cast<const Elem*>(a), static_cast<const Elem*>(w), static_cast<const Elem*>(bias),
                static_cast<Elem*>(y), vec_a, vec_b, sr.splits, sr.partial.data(), vec_b);
    sr.template reduce<Elem>(p, bias, y);
}
template <int Tile, int Splits = 1, class Elem = half_t>
void run_wgmma(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b) {
    run_wgmma_n<Tile, Elem>(p, a, w, bias, y, vec_a, vec_b, Splits);
}
// wgmma_tma_conv_kernel as tc_wgmma.cu runs it (the shapes tma_conv_unsupported accepts, 16-byte pointers):
// the tensor maps encoded by the emulation's TMA model (simt.h "TMA") from the same tma_x_map / tma_w_map the
// backend hands the driver, split-K included.
// BK 64: the TMA64 form (Tma64For; shapes with C % 64 == 0); Ctas > 0: its persistent form (TmaPersistFor) on
// that many blocks (each walks several tiles: the ring and the phases run on across them).
// BK 192: the TMA64 form's 192-row config (Tma64M192, three consumer warpgroups; Tile TILE_WGMMA_TMA).
// Elem float: the TF32 configs (f32 tensors, BK 32 fp32 in 128-byte rows, a rounding warpgroup): TileFor<Tile, 4>,
// or with BK 192 TmaTf32M192.
// Form kTmaClusterSplit: the cluster-split form (the splits of a tile as one cluster, reduced in rank 0's shared
// memory) where the split count, clamped to tma_cluster_max_splits, is >= 2, as tc_wgmma.cu runs it under
// FASTCONV_CUDA_TMA_CLUSTER=1 (elsewhere the one-tile form); kTmaMulticastB: the B-multicast form (2-block clusters
// along M, the w map's box BN / 2 rows, grid x rounded up to even), as under FASTCONV_CUDA_TMA_MULTICAST=1;
// kTmaMulticastA: the A-multicast form (2-block clusters along N, 64-pixel boxes, grid y rounded up to even), as
// under FASTCONV_CUDA_TMA_MULTICAST=A; kTmaSplitMulticastA: both (1 x 2 x splits clusters; one split: the A-multicast
// form), as under the two together. g_cluster_runs / g_mcast_runs / g_mcast_a_runs / g_split_a_runs count the
// launches of each.
template <int Tile, int BK, int Ctas, class Elem, bool Rounded = false>
struct TmaTestCfg {
    static_assert(!Rounded, "TmaRounded: TF32 configs");
    typedef typename std::conditional<
        Ctas != 0, typename TmaPersistFor<Tile>::type,
        typename std::conditional<BK == 192, Tma64M192,
                                  typename std::conditional<BK == 64, typename Tma64For<Tile>::type,
                                                            typename TileFor<Tile, 2>::type>::type>::type>::type type;
};
template <int Tile, int BK, int Ctas, bool Rounded>
struct TmaTestCfg<Tile, BK, Ctas, float, Rounded> {  // (Rounded: the operands arrive rounded to tf32, TmaRounded)
    typedef typename std::conditional<BK == 192, TmaTf32M192, typename TileFor<Tile, 4>::type>::type Base;
    typedef typename std::conditional<Rounded, TmaRounded<Base>, Base>::type type;
};
// The emulated tensor maps of a TMA conv kernel, encoded as tc_wgmma.cu's encode_im2col_maps asks the driver:
// x an im2col map of `pixels`-row boxes of bk channels, w tiles of bn x bk, both under the swizzle of es * bk
// bytes (128: 64 f16 or 32 fp32 channels); aborts naming the kernel where the driver would refuse one.
void encode_im2col_maps(const ConvParams& p, const void* a, const void* w, int bk, int pixels, int bn, int es,
                        const char* kernel, fc_simt::TensorMap* xd, fc_simt::TensorMap* wd) {
    const TmaIm2colMap xm = tma_x_map(p, bk, pixels, es);
    const TmaTiledMap wm = tma_w_map(p, bn, bk, es);
    std::string why;
    if (fc_simt::tma_encode_im2col(xd, es, 4, a, xm.dims, xm.strides, xm.lower, xm.upper, xm.channels, xm.pixels,
                                   xm.estr, es * bk, &why) ||
        fc_simt::tma_encode_tiled(wd, es, 2, w, wm.dims, wm.strides, wm.box, wm.estr, es * bk, &why)) {
        fprintf(stderr, "FAIL %s: a tensor map the driver would refuse: %s\n", kernel, why.c_str());
        std::abort();
    }
}
uint64_t g_cluster_runs = 0, g_mcast_runs = 0, g_mcast_a_runs = 0, g_split_a_runs = 0;
template <int Tile, int BK, int Ctas = 0, class Elem = half_t, int Form = kTmaOneTile, bool Rounded = false>
void run_wgmma_tma_n(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_b,
                     int splits) {
    constexpr bool f32 = std::is_same<Elem, float>::value;
    typedef typename TmaTestCfg<Tile, BK, Ctas, Elem, Rounded>::type Cfg;
    static_assert(Ctas == 0 || (BK == 64 && !f32), "the persistent form is an f16 TMA64 form");
    static_assert(!f32 || BK == 32 || BK == 192, "TF32: BK 32 fp32 (128-byte rows) or the 192-row form");
    constexpr int es = (int)sizeof(Elem);
    SplitRun<Cfg> sr(p, splits);
    const SmemBaseRun base;
    fc_simt::TensorMap xd, wd;
    constexpr bool kMcast = tma_pair_form(Form);
    encode_im2col_maps(p, a, w, Cfg::BK, tma_box_pixels<Cfg>(Form), tma_w_box_rows<Cfg>(Form), es, "wgmma_tma", &xd,
                       &wd);
    static_assert(Form == kTmaOneTile || Ctas == 0, "the cluster forms are one-tile forms");
    const int cs = std::min(sr.splits, tma_cluster_max_splits<Cfg>(Form));  // (clamped as tc_wgmma.cu does)
    if constexpr (tma_split_cluster(Form)) {
        if (tma_cluster_fits<Cfg>(cs, Form)) {
            constexpr bool kA = Form == kTmaSplitMulticastA;  // 1 x 2 x cs clusters: the pair of n tiles shares A
            ++(kA ? g_split_a_runs : g_cluster_runs);
            fc_simt::launch_cluster_named(
                kA ? "wgmma_tma_conv_kernel (cluster split, A multicast)" : "wgmma_tma_conv_kernel (cluster split)",
                dim3(sr.grid.x, kA ? (sr.grid.y + 1) / 2 * 2 : sr.grid.y, (unsigned)cs),
                dim3(1, kA ? 2 : 1, (unsigned)cs), dim3(TmaShape<Cfg>::kBlockThreads), Cfg::kSmemBytes, g_only_blocks,
                wgmma_tma_conv_kernel<Cfg, Form>, xd, wd, p, static_cast<const Elem*>(bias), static_cast<Elem*>(y), cs,
                nullptr, vec_b);
            return;  // no partials, no reduction
        }
        if constexpr (Form == kTmaSplitMulticastA) {  // one split: the A-multicast form, as tc_wgmma.cu runs it
            run_wgmma_tma_n<Tile, BK, Ctas, Elem, kTmaMulticastA, Rounded>(p, a, w, bias, y, vec_b, splits);
            return;
        }
    }
    if constexpr (kMcast && Form != kTmaSplitMulticastA) {
        constexpr bool kA = Form == kTmaMulticastA;
        ++(kA ? g_mcast_a_runs : g_mcast_runs);
        fc_simt::launch_cluster_named(kA ? "wgmma_tma_conv_kernel (A multicast)" : "wgmma_tma_conv_kernel (B multicast)",
                                      kA ? dim3(sr.grid.x, (sr.grid.y + 1) / 2 * 2, sr.grid.z)
                                         : dim3((sr.grid.x + 1) / 2 * 2, sr.grid.y, sr.grid.z),
                                      kA ? dim3(1, 2, 1) : dim3(2, 1, 1), dim3(TmaShape<Cfg>::kBlockThreads),
                                      Cfg::kSmemBytes, g_only_blocks, wgmma_tma_conv_kernel<Cfg, Form>, xd, wd, p,
                                      static_cast<const Elem*>(bias), static_cast<Elem*>(y), sr.splits,
                                      sr.partial.data(), vec_b);
        sr.template reduce<Elem>(p, bias, y);
        return;
    }
    if constexpr (Ctas != 0) {
        const unsigned units = sr.grid.x * sr.grid.y * sr.grid.z;
        launch_gemm(dim3(units < (unsigned)Ctas ? units : (unsigned)Ctas), dim3(TmaShape<Cfg>::kBlockThreads),
                    Cfg::kSmemBytes + tma_epi_bytes(Cfg::BM, Cfg::BN), wgmma_tma_conv_kernel<Cfg, kTmaPersistent>, xd, wd, p,
                    static_cast<const Elem*>(bias), static_cast<Elem*>(y), sr.splits, sr.partial.data(), vec_b);
    } else {
        launch_gemm(sr.grid, dim3(TmaShape<Cfg>::kBlockThreads), Cfg::kSmemBytes, wgmma_tma_conv_kernel<Cfg>, xd, wd, p,
                    static_cast<const Elem*>(bias), static_cast<Elem*>(y), sr.splits, sr.partial.data(), vec_b);
    }
    sr.template reduce<Elem>(p, bias, y);
}
template <int Tile, int Splits = 1, int BK = 32, int Ctas = 0, class Elem = half_t, int Form = kTmaOneTile,
          bool Rounded = false>
void run_wgmma_tma(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int /*vec_a*/,
                   int vec_b) {
    run_wgmma_tma_n<Tile, BK, Ctas, Elem, Form, Rounded>(p, a, w, bias, y, vec_b, Splits);
}
// wgmma_halo_tma_kernel (the halo form) with config Cfg as tc_wgmma.cu's launch_halo_tma runs it: the 4-D
// tiled x map (no swizzle; the WIDE form: 64-channel boxes, 128-byte swizzle) and the TMA64 B map encoded by the
// emulation's TMA model.
template <class Cfg>
void run_halo_tma(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int /*vec_a*/,
                  int vec_b) {
    const SmemBaseRun base;
    const TmaTiled4Map xm = tma_halo_map(p, Cfg::kWide);
    const TmaTiledMap wm = tma_w_map(p, Cfg::BN, 64);
    fc_simt::TensorMap xd, wd;
    std::string why;
    if (fc_simt::tma_encode_tiled(&xd, 2, 4, a, xm.dims, xm.strides, xm.box, xm.estr, Cfg::kWide ? 128 : 0, &why) ||
        fc_simt::tma_encode_tiled(&wd, 2, 2, w, wm.dims, wm.strides, wm.box, wm.estr, 128, &why)) {
        fprintf(stderr, "FAIL wgmma_halo_tma: a tensor map the driver would refuse: %s\n", why.c_str());
        std::abort();
    }
    const TmaHaloGeom g = tma_halo_geom(p, Cfg::kWide);
    launch_gemm(dim3((unsigned)cdiv(g.units, Cfg::MU), (unsigned)cdiv(p.Kg, Cfg::BN)), dim3(kTmaThreads),
                tma_halo_smem_bytes(p, Cfg::kRingBytes, Cfg::MU, Cfg::kWide), wgmma_halo_tma_kernel<Cfg>, xd, wd, p, g,
                static_cast<const half_t*>(bias), static_cast<half_t*>(y), vec_b);
}
// wgmma_tma_bres_kernel (the B-resident ping-pong form) as tc_wgmma.cu's launch_tma_bres runs it, on a device of
// Sms SMs: min(Sms, units) blocks, so each block walks several 128-row units and its two consumers alternate.
template <int Sms>
void run_tma_bres(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int /*vec_a*/,
                  int vec_b) {
    const SmemBaseRun base;
    fc_simt::TensorMap xd, wd;
    encode_im2col_maps(p, a, w, TmaBres::BK, kTmaPixels, TmaBres::BN, 2, "wgmma_tma_bres", &xd, &wd);
    const size_t smem = tma_bres_smem_bytes((int)cdiv(p.Kgemm, TmaBres::BK));
    if (smem > tile_smem_bytes(MATH_F16, TILE_WGMMA_TMA_N64)) {  // the plan's check must count what it launches with
        fprintf(stderr, "FAIL wgmma_tma_bres: %zu bytes of shared memory, the plan's check counts %zu for its tile\n",
                smem, tile_smem_bytes(MATH_F16, TILE_WGMMA_TMA_N64));
        std::abort();
    }
    const int units = (int)cdiv(p.M, TmaBres::BM);
    launch_gemm(dim3((unsigned)(units < Sms ? units : Sms)), dim3(kTmaThreads), smem, wgmma_tma_bres_kernel, xd, wd, p,
                static_cast<const half_t*>(bias), static_cast<half_t*>(y), vec_b);
}
// wgmma_tma_bres_halo_kernel (the B-resident form's WIDE-halo variant) as tc_wgmma.cu's launch_tma_bres_halo runs
// it on a device of Sms SMs: min(Sms, ceil(units / 2)) blocks, each walking several 128-row tiles.
template <int Sms>
void run_tma_bres_halo(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int /*vec_a*/,
                       int vec_b) {
    const SmemBaseRun base;
    const TmaTiled4Map xm = tma_halo_map(p, true);
    const TmaTiledMap wm = tma_w_map(p, TmaBres::BN, 64);
    fc_simt::TensorMap xd, wd;
    std::string why;
    if (fc_simt::tma_encode_tiled(&xd, 2, 4, a, xm.dims, xm.strides, xm.box, xm.estr, 128, &why) ||
        fc_simt::tma_encode_tiled(&wd, 2, 2, w, wm.dims, wm.strides, wm.box, wm.estr, 128, &why)) {
        fprintf(stderr, "FAIL wgmma_tma_bres_halo: a tensor map the driver would refuse: %s\n", why.c_str());
        std::abort();
    }
    const TmaHaloGeom g = tma_halo_geom(p, true);
    const int tiles = (int)cdiv(g.units, 2);
    launch_gemm(dim3((unsigned)(tiles < Sms ? tiles : Sms)), dim3(kTmaThreads), tma_bres_halo_smem_bytes(p),
                wgmma_tma_bres_halo_kernel, xd, wd, p, g, static_cast<const half_t*>(bias), static_cast<half_t*>(y),
                vec_b);
}
// The shapes a TMA variant skips: what TMA cannot take (es: bytes per element), the TMA64 form's C % 64, the halo
// form's rules (3; its WIDE form 5), the B-resident form's (4; its WIDE-halo variant 6).
bool tma_variant_skips(int tma, const ConvParams& q, int es = 2) {
    if (tma == 3) return tma_halo_unsupported(q, HaloTmaN128M256::kRingBytes, 4) != nullptr;
    if (tma == 5) return tma_halo_unsupported(q, HaloWideN128M256::kRingBytes, 4, true) != nullptr;
    if (tma == 4) return tma_bres_unsupported(q) != nullptr;
    if (tma == 6) return tma_bres_halo_unsupported(q) != nullptr;
    return tma_conv_unsupported(q, es) != nullptr || (tma == 2 && q.C % 64);
}
// A TILE_WGMMA_TMA* choice as tc_wgmma.cu's run_wgmma_tma runs it: the TMA64 form where C % 64 == 0, else BK
// 32; the warp-specialized twin where TMA cannot take the problem or the 16-byte paths are off.
template <int Tile>
void run_tma_choice(const ConvParams& q, const void* a, const void* w, const void* b, void* y, int vec_a, int vec_b,
                    int splits) {
    if (!vec_a || !vec_b || tma_conv_unsupported(q))
        return run_wgmma_n<tma_ws_twin(Tile)>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (Tile == TILE_WGMMA_TMA)  // the 192-row form where it takes fewer waves (the 1-SM device here)
        if (q.C % 64 == 0 && tma_m192_better(q, (int)cdiv(q.Kg, 128), splits > 1 ? splits : 1, 1))
            return run_wgmma_tma_n<Tile, 192>(q, a, w, b, y, vec_b, splits);
    if (q.C % 64 == 0) return run_wgmma_tma_n<Tile, 64>(q, a, w, b, y, vec_b, splits);
    run_wgmma_tma_n<Tile, 32>(q, a, w, b, y, vec_b, splits);
}
// ... for f32 tensors with TF32 (run_wgmma_tma_tf32): the TF32 config (TmaRounded where the transform rounded the
// operands), TILE_WGMMA_TMA's 192-row form where it takes fewer waves, the warp-specialized twin where TMA cannot
// take the problem.
template <int Tile, bool Rounded>
void run_tma_choice_tf32(const ConvParams& q, const void* a, const void* w, const void* b, void* y, int vec_a,
                         int vec_b, int splits) {
    if (!vec_a || !vec_b || tma_conv_unsupported(q, 4))
        return run_wgmma_n<tma_ws_twin(Tile), float>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (Tile == TILE_WGMMA_TMA)
        if (tma_m192_better(q, (int)cdiv(q.Kg, 128), splits > 1 ? splits : 1, 1))
            return run_wgmma_tma_n<Tile, 192, 0, float, kTmaOneTile, Rounded>(q, a, w, b, y, vec_b, splits);
    run_wgmma_tma_n<Tile, 32, 0, float, kTmaOneTile, Rounded>(q, a, w, b, y, vec_b, splits);
}
template <int Tile>
void run_tma_choice_tf32(const ConvParams& q, const void* a, const void* w, const void* b, void* y, int vec_a,
                         int vec_b, int splits, bool rounded) {
    rounded ? run_tma_choice_tf32<Tile, true>(q, a, w, b, y, vec_a, vec_b, splits)
            : run_tma_choice_tf32<Tile, false>(q, a, w, b, y, vec_a, vec_b, splits);
}
// wgmma_conv_kernel's stream-K form as tc_wgmma.cu runs it: tickets zeroed, slots NaN until written, a
// persistent grid of ctas blocks (clamped to the iterations by make_stream_k). Under the reverse / random
// schedules the blocks run in reverse / shuffled order, so any block may be the last of a tile.
template <int Tile, class Elem = half_t>
void run_wgmma_sk_n(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b,
                    int ctas) {
    typedef typename TileFor<Tile, (int)sizeof(Elem)>::type Cfg;
    std::vector<unsigned> tickets((size_t)stream_k_tiles(p, Tile), 0u);
    std::vector<float> slots(stream_k_slot_bytes(ctas, Tile) / sizeof(float), NAN);
    const StreamK sk = make_stream_k(p, Cfg::BM, Cfg::BN, Cfg::BK, ctas, tickets.data(), slots.data());
    const SmemBaseRun base;
    launch_gemm(dim3((unsigned)sk.ctas), dim3(Cfg::kThreads), Cfg::kSmemBytes, wgmma_sk_conv_kernel<Cfg, Elem>, p,
                static_cast<const Elem*>(a), static_cast<const Elem*>(w), static_cast<const Elem*>(bias),
                static_cast<Elem*>(y), vec_a, vec_b, sk, vec_b);
    for (size_t t = 0; t < tickets.size(); ++t)  // every cut tile counted all its blocks, whole tiles none
        if (tickets[t] != 0) {
            const int first = sk.cta_of((int)t * sk.ktiles), last = sk.cta_of(((int)t + 1) * sk.ktiles - 1);
            if (first == last || tickets[t] != (unsigned)(last - first + 1)) {
                fprintf(stderr, "FAIL stream-K tile %zu: %u tickets, blocks %d..%d\n", t, tickets[t], first, last);
                std::abort();
            }
        }
}
template <int Tile, int Ctas, class Elem = half_t>
void run_wgmma_sk(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b) {
    run_wgmma_sk_n<Tile, Elem>(p, a, w, bias, y, vec_a, vec_b, Ctas);
}
// tc_halo_kernel with the sm_90a wgmma step (TH 16), as tc_wgmma.cu runs it (16-byte paths).
void run_halo_wgmma(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int /*vec_a*/,
                    int vec_b) {
    typedef HaloConfigT<2, 16> Cfg;
    unsigned gx, gy;
    int tq, tp;
    halo_grid(p, Cfg::TH, &gx, &gy, &tq, &tp);
    const SmemBaseRun base;
    launch_gemm(dim3(gx, gy), dim3(Cfg::kThreads), Cfg::kSmemBytesWgmma, tc_halo_kernel<Cfg, MATH_F16, true>, p,
                static_cast<const half_t*>(a), static_cast<const half_t*>(w), static_cast<const half_t*>(bias),
                static_cast<half_t*>(y), tq, tp, vec_b);
}
// tc_halo_kernel as launch.cuh runs it (16-byte paths only: callers pass shapes where halo_supported).
template <int MathK, int TH>
void run_halo(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int /*vec_a*/, int vec_b) {
    typedef typename MathTraits<MathK>::Elem Elem;
    typedef HaloConfigT<(int)sizeof(Elem), TH> Cfg;
    unsigned gx, gy;
    int tq, tp;
    halo_grid(p, TH, &gx, &gy, &tq, &tp);
    // vec_y follows vec_b so that both staged-epilogue store paths run.
    launch_gemm(dim3(gx, gy), dim3(Cfg::kThreads), Cfg::kSmemBytes, tc_halo_kernel<Cfg, MathK>, p,
                static_cast<const Elem*>(a), static_cast<const Elem*>(w), static_cast<const Elem*>(bias),
                static_cast<Elem*>(y), tq, tp, vec_b);
}
template <bool Impl>
void run_simt_n(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b,
                int splits) {
    typedef TileFor<TILE_SIMT, 4>::type Cfg;
    SplitRun<Cfg> sr(p, splits);
    fc_simt::launch(sr.grid, dim3(Cfg::kThreads), Cfg::kSmemBytes, simt_conv_kernel<Impl>, p, a, w, bias, y, vec_a,
                    vec_b, sr.splits, sr.partial.data());
    sr.template reduce<float>(p, bias, y);
}
template <bool Impl, int Splits = 1>
void run_simt(const ConvParams& p, const void* a, const void* w, const void* bias, void* y, int vec_a, int vec_b) {
    run_simt_n<Impl>(p, a, w, bias, y, vec_a, vec_b, Splits);
}
template <class Elem>
void run_unfold(const ConvParams& p, int mode, const Elem* x, Elem* out) {
    const long long total = mode == UNFOLD_PUBLIC ? (long long)p.N * p.C * p.TRS * p.OPQ : (long long)p.G * p.M * p.Kgemm;
    long long blocks = (total + 255) / 256;
    if (blocks > 8) blocks = 8;  // exercise the grid-stride loop
    fc_simt::launch(dim3((unsigned)blocks), dim3(256), 0, unfold_kernel<Elem>, p, mode, x, out, (int)total);
}
template <class Elem, int KB>
void run_direct(const ConvParams& p, int round_mode, const Elem* x, const Elem* w, const Elem* b, Elem* y) {
    const dim3 grid((unsigned)cdiv(p.OPQ, kDirectThreads), (unsigned)(p.G * cdiv(p.Kg, KB)), (unsigned)p.N);
    fc_simt::launch(grid, dim3(kDirectThreads), 0, direct_conv_kernel<Elem, KB>, p, round_mode, x, w, b, y);
}
// The fast strip kernel (as kernels_misc.cu launches it); vec: its DirectStore output mode.
template <class Elem, int KB>
void run_direct_strip(const ConvParams& p, int round_mode, const Elem* x, const Elem* w, const Elem* b, Elem* y,
                      int vec) {
    const dim3 grid((unsigned)cdiv(p.OPQ, kDirectStripPixels), (unsigned)(p.G * cdiv(p.Kg, KB)), (unsigned)p.N);
    const size_t smem = direct_strip_smem(p, KB, vec, (int)sizeof(Elem));
    if (sizeof(Elem) == 2 || round_mode == ROUND_NONE)
        fc_simt::launch(grid, dim3(kDirectThreads), smem, direct_strip_kernel<Elem, KB, ROUND_NONE>, p, x, w, b, y, vec);
    else if (round_mode == ROUND_TF32)
        fc_simt::launch(grid, dim3(kDirectThreads), smem, direct_strip_kernel<Elem, KB, ROUND_TF32>, p, x, w, b, y, vec);
    else
        fc_simt::launch(grid, dim3(kDirectThreads), smem, direct_strip_kernel<Elem, KB, ROUND_F16>, p, x, w, b, y, vec);
}

// direct_tile_kernel as kernels_misc.cu launches it (persistent grid for num_sms SMs);
// scalar: force the per-element staging copies and element stores; mma: the tensor-core step.
// The kernel writes into a copy of y with 64 guard elements on each side (256 bytes: alignment kept);
// a write outside y (an edge-tile or tail check gone wrong) changes a guard and counts in g_guard_fails.
long g_guard_fails = 0;
template <class Elem>
void run_direct_tile(const ConvParams& p, int round_mode, const Elem* x, const Elem* w, const Elem* b, Elem* y,
                     int num_sms, bool scalar, bool mma = false) {
    const size_t ny = (size_t)p.N * p.K * p.OPQ, guard = 64;
    Elem sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
    std::vector<Elem> yg(ny + 2 * guard, sentinel);
    std::copy(y, y + ny, yg.begin() + guard);
    Elem* yk = yg.data() + guard;
    DirectTileArgs a = direct_tile_args(p, (int)sizeof(Elem), x, yk);
    if (scalar) a.vec_in = a.vec_out = 0;
    unsigned gx, gy;
    direct_tile_grid(p, a, num_sms, kDirectTileMinBlocks, &gx, &gy);
    fc_simt::launch(dim3(gx, gy), dim3(kDirectTileThreads), direct_tile_smem(p, (int)sizeof(Elem), mma),
                    direct_tile_fn<Elem>(round_mode, p.Cg, p.chlast != 0, mma), p, a, x, w, b, yk);
    for (size_t i = 0; i < guard; ++i)
        if (memcmp(&yg[i], &sentinel, sizeof sentinel) || memcmp(&yg[guard + ny + i], &sentinel, sizeof sentinel)) {
            fprintf(stderr, "FAIL direct tile%s: a write outside y (guard element %zu)\n", mma ? " mma" : "", i);
            ++g_guard_fails;
            break;
        }
    std::copy(yk, yk + ny, y);
}

// The tensor-core step pads k (27 -> 32, 9 -> 16) with zero-strip reads and zero B entries: a pad
// must add exactly +0, never Inf * 0. Inputs in [0, 1) with one +Inf pixel, weights in (0, 1]: an
// output is +Inf exactly where its window covers that pixel, finite elsewhere (a pad that read a real
// input would turn those Infs into NaN). C/g 1 and 3, both layouts, f32 TF32 and f16. Returns failures.
int direct_tile_mma_inf_check(long& runs) {
    int fails = 0;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u01(0.f, 1.f);
    for (int cg : {1, 3})
        for (int layout = 0; layout < 2; ++layout)
            for (int dt = 0; dt < 2; ++dt) {
                const Shape sh = {2, 1, cg, 16, 1, {19, 37, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0},
                                  {1, 1, 0}, 0, 0};
                fc_conv_desc d = make_desc(sh, layout, dt ? FC_DTYPE_F16 : FC_DTYPE_F32, FC_PRECISION_TF32);
                ConvParams p;
                make_conv_params(&d, &p);
                const int H = 19, W = 37, ih = 7, iw = 20, ci = cg - 1;
                std::vector<float> x((size_t)cg * H * W), w((size_t)16 * cg * 9);
                for (auto& v : x) v = u01(rng);
                for (auto& v : w) v = 1.f - u01(rng);  // (0, 1]
                x[layout ? ((size_t)ih * W + iw) * cg + ci : ((size_t)ci * H + ih) * W + iw] = INFINITY;
                std::vector<float> y((size_t)16 * H * W, NAN);
                if (dt) {
                    std::vector<half_t> xh(x.size()), wh(w.size()), yh(y.size(), 0x7fff);
                    for (size_t i = 0; i < x.size(); ++i) xh[i] = fc::cuda::f32_to_f16_bits(x[i]);
                    for (size_t i = 0; i < w.size(); ++i) wh[i] = fc::cuda::f32_to_f16_bits(w[i]);
                    run_direct_tile<half_t>(p, ROUND_NONE, xh.data(), wh.data(), nullptr, yh.data(), 1, false, true);
                    for (size_t i = 0; i < y.size(); ++i) y[i] = fc::cuda::f16_bits_to_f32(yh[i]);
                } else {
                    run_direct_tile<float>(p, ROUND_TF32, x.data(), w.data(), nullptr, y.data(), 1, false, true);
                }
                ++runs;
                int bad = 0;
                for (int k = 0; k < 16; ++k)
                    for (int pp = 0; pp < H; ++pp)
                        for (int q = 0; q < W; ++q) {
                            const float v = y[layout ? ((size_t)pp * W + q) * 16 + k : ((size_t)k * H + pp) * W + q];
                            const bool covers = std::abs(pp - ih) <= 1 && std::abs(q - iw) <= 1;
                            const bool ok = covers ? (std::isinf(v) && v > 0) : std::isfinite(v);
                            if (!ok && bad++ == 0)
                                fprintf(stderr, "FAIL direct tile mma Inf check C/g %d %s %s: y[k %d][%d][%d] = %g\n", cg,
                                        layout ? "NHWC" : "NCHW", dt ? "f16" : "f32", k, pp, q, v);
                        }
                fails += bad != 0;
            }
    return fails;
}

typedef void (*TcFn)(const ConvParams&, const void*, const void*, const void*, void*, int, int);

struct Variant {
    const char* name;
    TcFn fn;
    int implicit;
    int to_nhwc = 0;  // NCHW x (+ w) transposed to NHWC first (transpose_kernel), as the backend does
    int halo = 0;     // tc_halo_kernel: only shapes whose NHWC view is halo_supported, 16-byte paths
    int tma = 0;      // wgmma_tma_conv_kernel: only shapes whose (NHWC) view TMA takes, 16-byte paths;
                      // 2: its TMA64 form, C % 64 == 0 too; 3: its halo form; 4: its B-resident form;
                      // 5: the halo form's WIDE form; 6: the B-resident form's WIDE-halo variant
    int round_tf32 = 0;  // with to_nhwc: the transform rounds x and w to tf32 (tf32_round_in_transform)
};

template <class Elem>
void run_transpose(const Elem* in, Elem* out, int b, int rows, int cols, bool round_tf32 = false) {
    const dim3 grid((unsigned)cdiv(cols, 32), (unsigned)cdiv(rows, 32), (unsigned)b);
    if constexpr (std::is_same<Elem, float>::value)
        if (round_tf32)
            return (void)fc_simt::launch(grid, dim3(32, 8), 0, transpose_kernel<float, true>, in, out, rows, cols);
    if (round_tf32) {
        fprintf(stderr, "FAIL run_transpose: tf32 rounding of a non-f32 tensor\n");
        std::abort();
    }
    fc_simt::launch(grid, dim3(32, 8), 0, transpose_kernel<Elem>, in, out, rows, cols);
}
// The backend's input transforms (cuda_backend.cu run_plan) into xt / wt; each returns the problem as
// the GEMM sees it. NCHW -> NHWC transpose of x, and of w where TRS > 1 (*wk: the weights to read);
// round_tf32 (tf32_round_in_transform): both rounded to tf32 on the way, w always transformed.
template <class Elem>
ConvParams transpose_inputs(const ConvParams& p, const Elem* x, const Elem* w, std::vector<Elem>& xt,
                            std::vector<Elem>& wt, const Elem** wk, bool round_tf32 = false) {
    xt.resize((size_t)p.N * p.C * p.D * p.H * p.W);
    run_transpose<Elem>(x, xt.data(), p.N, p.C, p.D * p.H * p.W, round_tf32);
    *wk = w;
    if (p.TRS > 1 || round_tf32) {
        wt.resize((size_t)p.K * p.Kgemm);
        run_transpose<Elem>(w, wt.data(), p.K, p.Cg, p.TRS, round_tf32);
        *wk = wt.data();
    }
    return nhwc_input_view(p);
}
// x and w to NHWC with cgp channels per group; the copies start as garbage, so every element,
// padding included, must be written by the kernels.
template <class Elem>
ConvParams pad_inputs(const ConvParams& p, int cgp, const Elem* x, const Elem* w, std::vector<Elem>& xt,
                      std::vector<Elem>& wt) {
    const int vec = 16 / (int)sizeof(Elem);
    const ConvParams q = nhwc_input_view(p, cgp);
    xt.assign((size_t)q.N * q.C * q.D * q.H * q.W + 8, Elem(0x7fff));
    wt.assign((size_t)q.K * q.Kgemm, Elem(0x7fff));
    const long long tx = (long long)p.N * p.D * p.H * p.W * (p.G * cgp / vec), tw = (long long)p.K * p.TRS * cgp;
    fc_simt::launch(dim3(3), dim3(256), 0, pad_nhwc_kernel<Elem>, p, cgp, x, xt.data(), (int)tx);
    fc_simt::launch(dim3(2), dim3(256), 0, pad_weights_kernel<Elem>, p, cgp, w, wt.data(), (int)tw);
    return q;
}

template <int MathK>
std::vector<Variant> tc_variants() {
    std::vector<Variant> v;
    if constexpr (has_big_tile(MathK)) v.push_back({"implicit BIG 128x128x32", &run_tc<MathK, TILE_BIG, true>, 1});
    if constexpr (MathK == MATH_F16 || MathK == MATH_TF32) {
        v.push_back({"implicit HALO 8x16px x64", &run_halo<MathK, 8>, 1, 0, 1});
        v.push_back({"NCHW->NHWC + implicit HALO", &run_halo<MathK, 8>, 1, 1, 1});
    }
    if constexpr (MathK == MATH_TF32) {
        // sm_90a warpgroup MMA on tf32 (128-byte swizzled fp32 tiles rounded in shared memory)
        v.push_back({"implicit WGMMA 128x128x32", &run_wgmma<TILE_WGMMA, 1, float>, 1});
        v.push_back({"implicit WGMMA 128x64x32 split-K 3", &run_wgmma<TILE_WGMMA_N64, 3, float>, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA 128x64x32", &run_wgmma<TILE_WGMMA_N64, 1, float>, 1, 1});
        // its stream-K form (cut tiles finished by their last block; 3 / 7 blocks cut most shapes' tiles)
        v.push_back({"implicit WGMMA 128x128x32 stream-K 3", &run_wgmma_sk<TILE_WGMMA, 3, float>, 1});
        v.push_back({"implicit WGMMA 128x64x32 stream-K 7", &run_wgmma_sk<TILE_WGMMA_N64, 7, float>, 1});
        // warp-specialized (a producer warpgroup, mbarrier hand-offs; the emulation runs both sides)
        v.push_back({"implicit WGMMA_WS 128x128x32", &run_wgmma<TILE_WGMMA_WS, 1, float>, 1});
        v.push_back({"implicit WGMMA_WS 128x64x32 split-K 3", &run_wgmma<TILE_WGMMA_WS_N64, 3, float>, 1});
        // TMA loads of the fp32 tiles (128-byte rows), rounded in place by the block's rounding warpgroup
        v.push_back({"implicit WGMMA_TMA 128x128x32", &run_wgmma_tma<TILE_WGMMA_TMA, 1, 32, 0, float>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 128x64x32 split-K 3", &run_wgmma_tma<TILE_WGMMA_TMA_N64, 3, 32, 0, float>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 192x128x32", &run_wgmma_tma<TILE_WGMMA_TMA, 1, 192, 0, float>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 192x128x32 split-K 2", &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, float>, 1, 0, 0, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x64x32", &run_wgmma_tma<TILE_WGMMA_TMA_N64, 1, 32, 0, float>, 1, 1, 0, 1});
        // its cluster form: the splits of a tile as one cluster, reduced in rank 0's shared memory
        v.push_back({"implicit WGMMA_TMA 192x128x32 cluster split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, float, kTmaClusterSplit>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 128x64x32 cluster split-K 3",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 3, 32, 0, float, kTmaClusterSplit>, 1, 0, 0, 1});
        // its B-multicast form: 2-block clusters along M sharing B (split-K 2 too)
        v.push_back({"implicit WGMMA_TMA 128x128x32 B multicast",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 1, 32, 0, float, kTmaMulticastB>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 192x128x32 B multicast split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, float, kTmaMulticastB>, 1, 0, 0, 1});
        // its A-multicast form: 2-block clusters along N sharing A (64 channels per tile: most shapes have 2 n tiles)
        v.push_back({"implicit WGMMA_TMA 128x64x32 A multicast",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 1, 32, 0, float, kTmaMulticastA>, 1, 0, 0, 1});
        // operands rounded to tf32 by the NCHW -> NHWC transform (tf32_round_in_transform): no rounding warpgroup
        v.push_back({"NCHW->NHWC (tf32-rounded) + implicit WGMMA_TMA 128x64x32 (no rounding warpgroup)",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 1, 32, 0, float, kTmaOneTile, true>, 1, 1, 0, 1, 1});
        v.push_back({"NCHW->NHWC (tf32-rounded) + implicit WGMMA_TMA 128x128x32 split-K 3 (no rounding warpgroup)",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 3, 32, 0, float, kTmaOneTile, true>, 1, 1, 0, 1, 1});
        // both: the splits of a pair of n tiles as one 1 x 2 x splits cluster, the pair sharing A
        v.push_back({"implicit WGMMA_TMA 192x128x32 split A multicast split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, float, kTmaSplitMulticastA>, 1, 0, 0, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x64x32 split A multicast split-K 4",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 4, 32, 0, float, kTmaSplitMulticastA>, 1, 1, 0, 1});
        v.push_back({"NCHW->NHWC (tf32-rounded) + implicit WGMMA_TMA 192x128x32 split A multicast split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, float, kTmaSplitMulticastA, true>, 1, 1, 0, 1, 1});
    }
    if constexpr (MathK == MATH_F16) {
        v.push_back({"implicit HALO16 16x16px x64", &run_halo<MathK, 16>, 1, 0, 1});
        v.push_back({"NCHW->NHWC + implicit HALO16", &run_halo<MathK, 16>, 1, 1, 1});
    }
    if constexpr (MathK == MATH_F16) {
        v.push_back({"implicit WIDE 128x64x32", &run_tc<MathK, TILE_WIDE, true>, 1});
        v.push_back({"NCHW->NHWC + implicit WIDE split-K 2", &run_tc<MathK, TILE_WIDE, true, 2>, 1, 1});
        // sm_90a warpgroup MMA (wgmma emulated: deferred to wgmma_wait, descriptors decoded per the PTX ISA)
        v.push_back({"implicit WGMMA 128x128x32", &run_wgmma<TILE_WGMMA>, 1});
        v.push_back({"implicit WGMMA 128x64x32", &run_wgmma<TILE_WGMMA_N64>, 1});
        v.push_back({"implicit WGMMA 128x64x32 split-K 3", &run_wgmma<TILE_WGMMA_N64, 3>, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA 128x128x32", &run_wgmma<TILE_WGMMA>, 1, 1});
        v.push_back({"implicit WGMMA 128x128x32 stream-K 3", &run_wgmma_sk<TILE_WGMMA, 3>, 1});
        v.push_back({"implicit WGMMA 128x64x32 stream-K 7", &run_wgmma_sk<TILE_WGMMA_N64, 7>, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA 128x64x32 stream-K 5", &run_wgmma_sk<TILE_WGMMA_N64, 5>, 1, 1});
        v.push_back({"implicit WGMMA_WS 128x128x32", &run_wgmma<TILE_WGMMA_WS>, 1});
        v.push_back({"implicit WGMMA_WS 128x64x32 split-K 3", &run_wgmma<TILE_WGMMA_WS_N64, 3>, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA_WS 128x64x32", &run_wgmma<TILE_WGMMA_WS_N64>, 1, 1});
        v.push_back({"implicit WGMMA_WS 256x128x32", &run_wgmma<TILE_WGMMA_WS_M256>, 1});
        v.push_back({"implicit WGMMA_WS 256x128x32 split-K 2", &run_wgmma<TILE_WGMMA_WS_M256, 2>, 1});
        // TMA loads (im2col + tiled, emulated: deferred to the mbarrier phase, swizzled per the map)
        v.push_back({"implicit WGMMA_TMA 128x128x32", &run_wgmma_tma<TILE_WGMMA_TMA>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 128x64x32 split-K 3", &run_wgmma_tma<TILE_WGMMA_TMA_N64, 3>, 1, 0, 0, 1});
        v.push_back({"implicit WGMMA_TMA 256x128x32", &run_wgmma_tma<TILE_WGMMA_TMA_M256>, 1, 0, 0, 1});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x64x32", &run_wgmma_tma<TILE_WGMMA_TMA_N64>, 1, 1, 0, 1});
        v.push_back({"implicit WGMMA_TMA 128x128x64", &run_wgmma_tma<TILE_WGMMA_TMA, 1, 64>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 128x64x64 split-K 2", &run_wgmma_tma<TILE_WGMMA_TMA_N64, 2, 64>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 256x128x64", &run_wgmma_tma<TILE_WGMMA_TMA_M256, 1, 64>, 1, 0, 0, 2});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x128x64", &run_wgmma_tma<TILE_WGMMA_TMA, 1, 64>, 1, 1, 0, 2});
        // its persistent form on 2 / 3 blocks: several tiles per block, the ring running on across them
        v.push_back({"implicit WGMMA_TMA 128x64x64 persistent 2", &run_wgmma_tma<TILE_WGMMA_TMA_N64, 1, 64, 2>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 128x128x64 persistent 3 split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 64, 3>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 256x128x64 persistent 2", &run_wgmma_tma<TILE_WGMMA_TMA_M256, 1, 64, 2>, 1, 0, 0, 2});
        // its 192-row form (three consumer warpgroups, 64-pixel im2col boxes), split-K too
        v.push_back({"implicit WGMMA_TMA 192x128x64", &run_wgmma_tma<TILE_WGMMA_TMA, 1, 192>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 192x128x64 split-K 2", &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192>, 1, 0, 0, 2});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 192x128x64", &run_wgmma_tma<TILE_WGMMA_TMA, 1, 192>, 1, 1, 0, 2});
        // its cluster form (the splits of a tile as one 2- / 3-block cluster, the partial tiles added in rank 0's
        // ring through distributed shared memory: no global partials, no reduction launch)
        v.push_back({"implicit WGMMA_TMA 192x128x64 cluster split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, half_t, kTmaClusterSplit>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 192x128x64 cluster split-K 3",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 3, 192, 0, half_t, kTmaClusterSplit>, 1, 0, 0, 2});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x64x64 cluster split-K 3",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 3, 64, 0, half_t, kTmaClusterSplit>, 1, 1, 0, 2});
        // its B-multicast form (2-block clusters along M: each block loads half of the shared B slice and multicasts
        // it, the consumers release a stage in both blocks): 128 x 64, 192 x 128 split-K 2, 256 x 128
        v.push_back({"implicit WGMMA_TMA 128x64x64 B multicast",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 1, 64, 0, half_t, kTmaMulticastB>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 192x128x64 B multicast split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, half_t, kTmaMulticastB>, 1, 0, 0, 2});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 256x128x64 B multicast",
                     &run_wgmma_tma<TILE_WGMMA_TMA_M256, 1, 64, 0, half_t, kTmaMulticastB>, 1, 1, 0, 2});
        // its A-multicast form (2-block clusters along N: the pair's 64-pixel A boxes dealt out between the two,
        // each multicast to both): 128 x 64 (two n tiles on most shapes), 192 x 128 split-K 2 (three boxes: 2 + 1)
        v.push_back({"implicit WGMMA_TMA 128x64x64 A multicast",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 1, 64, 0, half_t, kTmaMulticastA>, 1, 0, 0, 2});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x64x64 A multicast split-K 3",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 3, 64, 0, half_t, kTmaMulticastA>, 1, 1, 0, 2});
        v.push_back({"implicit WGMMA_TMA 192x128x64 A multicast split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, half_t, kTmaMulticastA>, 1, 0, 0, 2});
        // both at once (1 x 2 x splits clusters: the A-multicast pair per split, the splits added in split 0's ring):
        // 192 x 128 at 2 and 3 splits (the 14 x 14 / 7 x 7 picks), 128 x 64 at 4 (8-block clusters)
        v.push_back({"implicit WGMMA_TMA 192x128x64 split A multicast split-K 2",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 2, 192, 0, half_t, kTmaSplitMulticastA>, 1, 0, 0, 2});
        v.push_back({"implicit WGMMA_TMA 192x128x64 split A multicast split-K 3",
                     &run_wgmma_tma<TILE_WGMMA_TMA, 3, 192, 0, half_t, kTmaSplitMulticastA>, 1, 0, 0, 2});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA 128x64x64 split A multicast split-K 4",
                     &run_wgmma_tma<TILE_WGMMA_TMA_N64, 4, 64, 0, half_t, kTmaSplitMulticastA>, 1, 1, 0, 2});
        // its halo form (stride 1, C % 64 == 0): per unit of 8 x 8 pixels one 4-D halo box per 8 channels, every
        // tap read in place through no-swizzle descriptors
        v.push_back({"implicit WGMMA_TMA halo 256x128", &run_halo_tma<HaloTmaN128M256>, 1, 0, 0, 3});
        v.push_back({"implicit WGMMA_TMA halo 128x128", &run_halo_tma<HaloTmaN128M128>, 1, 0, 0, 3});
        v.push_back({"implicit WGMMA_TMA halo 128x64", &run_halo_tma<HaloTmaN64M128>, 1, 0, 0, 3});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA halo 256x64", &run_halo_tma<HaloTmaN64M256>, 1, 1, 0, 3});
        // its WIDE form (128-byte halo rows, taps as swizzled operands started inside an atom)
        v.push_back({"implicit WGMMA_TMA wide halo 256x128", &run_halo_tma<HaloWideN128M256>, 1, 0, 0, 5});
        v.push_back({"implicit WGMMA_TMA wide halo 128x128", &run_halo_tma<HaloWideN128M128>, 1, 0, 0, 5});
        v.push_back({"implicit WGMMA_TMA wide halo 256x64", &run_halo_tma<HaloWideN64M256>, 1, 0, 0, 5});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA wide halo 128x64", &run_halo_tma<HaloWideN64M128>, 1, 1, 0, 5});
        // its B-resident ping-pong form (K <= 64, Kgemm <= 576; the weights loaded once per block, the two consumer
        // warpgroups on alternate 128-row units): 1 block (every unit, both consumers), 2 blocks, the NCHW transform
        v.push_back({"implicit WGMMA_TMA bres 1 block", &run_tma_bres<1>, 1, 0, 0, 4});
        v.push_back({"implicit WGMMA_TMA bres 2 blocks", &run_tma_bres<2>, 1, 0, 0, 4});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA bres 3 blocks", &run_tma_bres<3>, 1, 1, 0, 4});
        // its WIDE-halo variant: one block walking every tile (both consumers, both stages wrap), 2 and 3 blocks
        v.push_back({"implicit WGMMA_TMA bres wide halo 1 block", &run_tma_bres_halo<1>, 1, 0, 0, 6});
        v.push_back({"implicit WGMMA_TMA bres wide halo 2 blocks", &run_tma_bres_halo<2>, 1, 0, 0, 6});
        v.push_back({"NCHW->NHWC + implicit WGMMA_TMA bres wide halo 3 blocks", &run_tma_bres_halo<3>, 1, 1, 0, 6});
        v.push_back({"implicit HALO16 wgmma", &run_halo_wgmma, 1, 0, 1});
        v.push_back({"NCHW->NHWC + implicit HALO16 wgmma", &run_halo_wgmma, 1, 1, 1});
    }
    v.push_back({"implicit MED 64x64x32", &run_tc<MathK, TILE_MED, true>, 1});
    v.push_back({"implicit SMALL 32x32x32", &run_tc<MathK, TILE_SMALL, true>, 1});
    v.push_back({"unfold+gemm MED 64x64x32", &run_tc<MathK, TILE_MED, false>, 0});
    v.push_back({"implicit MED split-K 3", &run_tc<MathK, TILE_MED, true, 3>, 1});
    v.push_back({"implicit SMALL split-K 2", &run_tc<MathK, TILE_SMALL, true, 2>, 1});
    v.push_back({"NCHW->NHWC + implicit MED", &run_tc<MathK, TILE_MED, true>, 1, 1});
    v.push_back({"NCHW->NHWC + implicit MED split-K 3", &run_tc<MathK, TILE_MED, true, 3>, 1, 1});
    v.push_back({"channel pad NHWC + implicit MED", &run_tc<MathK, TILE_MED, true>, 1, NHWC_PAD});
    if constexpr (has_big_tile(MathK)) {
        v.push_back({"channel pad NHWC + implicit BIG", &run_tc<MathK, TILE_BIG, true>, 1, NHWC_PAD});
        // BIG split along K: what the heuristic picks for f16 layers with fewer BIG tiles than SMs
        v.push_back({"implicit BIG split-K 3", &run_tc<MathK, TILE_BIG, true, 3>, 1});
    }
    return v;
}

// Runs GEMM variants (tensor core or SIMT) for one problem.
template <class Elem>
void run_gemm_variants(const char* group, const std::vector<Variant>& vars, Problem& pr, int round, bool split3,
                       Stats& st, const std::string& sname) {
    const ConvParams& p = pr.p;
    const bool f16 = std::is_same<Elem, half_t>::value;
    const int vec = f16 ? 8 : 4;
    std::vector<double> yref, tol;
    reference(pr, round, split3, f16, yref, tol);
    const void* x = f16 ? (const void*)pr.xh.data() : (const void*)pr.x.data();
    const void* w = f16 ? (const void*)pr.wh.data() : (const void*)pr.w.data();
    const void* b = p.has_bias ? (f16 ? (const void*)pr.bh.data() : (const void*)pr.b.data()) : nullptr;
    std::vector<Elem> ws((size_t)p.G * p.M * p.Kgemm + 8);
    // FC_EMU_VARIANTS=substring: only the variants whose name contains it (the TMA shapes' shuffled ctest)
    static const char* const only = getenv("FC_EMU_VARIANTS");
    for (const Variant& v : vars) {
        if (only && *only && !strstr(v.name, only)) continue;
        if (v.to_nhwc == NHWC_PAD) {  // every shape with C/g % vec != 0, both layouts
            if (p.Cg % vec == 0) continue;
            const int cgp = (p.Cg + vec - 1) / vec * vec;
            std::vector<Elem> xt, wt;
            const ConvParams q =
                pad_inputs<Elem>(p, cgp, static_cast<const Elem*>(x), static_cast<const Elem*>(w), xt, wt);
            std::vector<Elem> y(yref.size());
            for (auto& e : y) e = Elem(0x7fff);
            v.fn(q, xt.data(), wt.data(), b, y.data(), 1, 1);
            char what[128];
            snprintf(what, sizeof what, "%s %s", group, v.name);
            compare(what, pr, y, yref, tol, st, sname);
            continue;
        }
        if (v.to_nhwc) {  // only where the backend could transform: NCHW, C/g % vec == 0
            if (p.chlast || p.Cg % vec) continue;
            if (v.halo && !halo_supported(nhwc_input_view(p), (int)sizeof(Elem))) continue;
            if (v.tma && tma_variant_skips(v.tma, nhwc_input_view(p), (int)sizeof(Elem))) continue;
            std::vector<Elem> xt, wt;
            const Elem* wk = nullptr;
            const ConvParams q =
                transpose_inputs<Elem>(p, static_cast<const Elem*>(x), static_cast<const Elem*>(w), xt, wt, &wk,
                                       v.round_tf32);
            std::vector<Elem> y(yref.size());
            for (auto& e : y) e = Elem(0x7fff);
            v.fn(q, xt.data(), wk, b, y.data(), 1, p.Kgemm % vec == 0);
            char what[128];
            snprintf(what, sizeof what, "%s %s", group, v.name);
            compare(what, pr, y, yref, tol, st, sname);
            continue;
        }
        if (v.halo || v.tma) {  // NHWC shapes the halo / TMA kernel supports, 16-byte paths (else the backend
                                // falls back)
            if (v.halo ? !halo_supported(p, (int)sizeof(Elem)) : tma_variant_skips(v.tma, p, (int)sizeof(Elem)))
                continue;
            std::vector<Elem> y(yref.size());
            for (auto& e : y) e = Elem(0x7fff);
            v.fn(p, x, w, b, y.data(), 1, 1);
            char what[128];
            snprintf(what, sizeof what, "%s %s", group, v.name);
            compare(what, pr, y, yref, tol, st, sname);
            continue;
        }
        // Force both iterator paths where the fast one is legal, as the backend may pick either.
        for (int force_scalar = 0; force_scalar < 2; ++force_scalar) {
            const int vec_b = !force_scalar && p.Kgemm % vec == 0;
            int vec_a;
            const void* a = x;
            if (v.implicit) {
                vec_a = !force_scalar && p.chlast && p.Cg % vec == 0;
            } else {
                run_unfold<Elem>(p, UNFOLD_WORKSPACE, static_cast<const Elem*>(x), ws.data());
                a = ws.data();
                vec_a = !force_scalar && p.Kgemm % vec == 0;
            }
            if (force_scalar && !(p.Kgemm % vec == 0 || (v.implicit && p.chlast && p.Cg % vec == 0))) break;
            std::vector<Elem> y(yref.size());
            for (auto& e : y) e = Elem(0x7fff);  // garbage: every element must be written
            v.fn(p, a, w, b, y.data(), vec_a, vec_b);
            char what[128];
            snprintf(what, sizeof what, "%s %s%s", group, v.name, force_scalar ? " (scalar)" : "");
            compare(what, pr, y, yref, tol, st, sname);
        }
    }
}

// Shared-memory bank conflicts over everything this group ran (the emulation's bank model,
// simt/smem_banks.h, scores every warp's actual addresses). Issue 3 asks for conflict-free fragment
// reads. Required (ideal wavefronts on every instruction): every ldmatrix (all tensor-core GEMM
// kernels), every 16-byte access (the tile loaders' cp.async fast paths -- SmemRows, tile_config.cuh
// --, the SIMT GEMM's and the direct kernels' fragment / weight reads, the epilogue read-backs) and
// every stage write (sts: the epilogues' fragment writes). Reported with their cost, not required, the
// element-wise reads and copies:
//  * direct_tile_kernel's gathers: the FFMA step's NHWC window reads (a lane reads its pixel's channel:
//    lanes CG * 4 bytes apart need CG wavefronts for the data alone), and the tensor-core step's A
//    gathers (a warp reads 8 pixels x 4 taps per slot, the m16n8 fragment layout; at every row pitch
//    tried, 16-byte multiples up to 8 chunks past the minimum, some slots take 2 wavefronts);
//  * the fallback paths that move a lane's 16-byte chunk one element at a time (the tile loaders'
//    4-byte cp.async / 2-byte f16 stores for unaligned operands, edge / unaligned epilogue
//    read-backs): 2- to 4-way.
// Every access must be scored (no divergent leftovers). Returns failures.
int bank_check(const std::string& group) {
    int fails = 0;
    const fc_simt::SmemTotals& tot = fc_simt::smem_totals();
    for (int k = 0; k < fc_simt::kSmemKinds; ++k) {
        const fc_simt::SmemCount& c = tot.kind[k];
        printf("[%s] bank model: %-14s %10llu instr, %10llu wavefronts (ideal %llu), %llu conflicted, %llu unscored\n",
               group.c_str(), fc_simt::smem_kind_name(k), (unsigned long long)c.instr, (unsigned long long)c.wavefronts,
               (unsigned long long)c.ideal, (unsigned long long)c.conflicted, (unsigned long long)c.unscored);
        if (c.unscored) {
            fprintf(stderr, "FAIL bank model: %llu %s accesses could not be scored (divergent)\n",
                    (unsigned long long)c.unscored, fc_simt::smem_kind_name(k));
            ++fails;
        }
    }
    for (const fc_simt::SmemSite& site : fc_simt::smem_sites()) {
        if (!site.count.conflicted) continue;
        const size_t slash = site.where.rfind('/');
        const char* where = site.where.c_str() + (slash == std::string::npos ? 0 : slash + 1);
        // the tile loaders' element-wise fallback (4-byte cp.async, 2-byte stores of f16)
        const bool loader_fallback = site.where.find("conv_iterator") != std::string::npos && site.bytes < 16;
        const bool required = (site.kind == fc_simt::SmemLdmatrix || site.kind == fc_simt::SmemStore || site.bytes == 16) &&
                              !loader_fallback;
        const bool gather = site.where.find("direct_tile") != std::string::npos;
        printf("[%s]   %s at %s (%s, %u B/lane): %llu of %llu instr conflicted, %llu wavefronts for %llu\n",
               group.c_str(),
               required ? "FAIL conflicts" : gather ? "conflicts (direct tile gather, reported)"
                                                    : "conflicts (element-wise fallback, reported)",
               where,
               fc_simt::smem_kind_name(site.kind), site.bytes, (unsigned long long)site.count.conflicted,
               (unsigned long long)site.count.instr, (unsigned long long)site.count.wavefronts,
               (unsigned long long)site.count.ideal);
        if (required) {
            fprintf(stderr, "FAIL bank conflicts at %s (%s): e.g. %s\n", where, fc_simt::smem_kind_name(site.kind),
                    site.example.c_str());
            ++fails;
        }
    }
    return fails;
}

// ---- autotuning candidates (heuristic.h candidate_kernels): every kernel FASTCONV_AUTOTUNE=1 may pick ----
// launch.cuh's dispatch_tc: the tile (HALO/HALO16 need the 16-byte paths, else MED as the backend falls
// back), the unfold GEMM (MED), split-K at the choice's factor.
template <int MathK>
void run_gemm_tile(int tile, bool impl, int splits, const ConvParams& q, const void* a, const void* w,
                   const void* b, void* y, int vec_a, int vec_b, int stream_k = 0, bool tf32_rounded = false) {
    if (!impl) return run_tc_n<MathK, TILE_MED, false>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (MathK == MATH_F16 || MathK == MATH_TF32)
        if (stream_k > 0) {
            typedef typename MathTraits<MathK>::Elem E;
            if (tile == TILE_WGMMA) return run_wgmma_sk_n<TILE_WGMMA, E>(q, a, w, b, y, vec_a, vec_b, stream_k);
            if (tile == TILE_WGMMA_N64) return run_wgmma_sk_n<TILE_WGMMA_N64, E>(q, a, w, b, y, vec_a, vec_b, stream_k);
        }
    if constexpr (MathK == MATH_F16 || MathK == MATH_TF32)
        if (tile == TILE_HALO)
            return vec_a && vec_b ? run_halo<MathK, 8>(q, a, w, b, y, vec_a, vec_b)
                                  : run_tc_n<MathK, TILE_MED, true>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (MathK == MATH_F16)
        if (tile == TILE_HALO16)
            return vec_a && vec_b ? run_halo<MathK, 16>(q, a, w, b, y, vec_a, vec_b)
                                  : run_tc_n<MathK, TILE_MED, true>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (has_big_tile(MathK))
        if (tile == TILE_BIG) return run_tc_n<MathK, TILE_BIG, true>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (MathK == MATH_F16)
        if (tile == TILE_WIDE) return run_tc_n<MathK, TILE_WIDE, true>(q, a, w, b, y, vec_a, vec_b, splits);
    if constexpr (MathK == MATH_TF32) {
        if (tile == TILE_WGMMA) return run_wgmma_n<TILE_WGMMA, float>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_N64) return run_wgmma_n<TILE_WGMMA_N64, float>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_WS) return run_wgmma_n<TILE_WGMMA_WS, float>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_WS_N64)
            return run_wgmma_n<TILE_WGMMA_WS_N64, float>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_TMA)
            return run_tma_choice_tf32<TILE_WGMMA_TMA>(q, a, w, b, y, vec_a, vec_b, splits, tf32_rounded);
        if (tile == TILE_WGMMA_TMA_N64)
            return run_tma_choice_tf32<TILE_WGMMA_TMA_N64>(q, a, w, b, y, vec_a, vec_b, splits, tf32_rounded);
    }
    if constexpr (MathK == MATH_F16) {
        if (tile == TILE_WGMMA) return run_wgmma_n<TILE_WGMMA>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_N64) return run_wgmma_n<TILE_WGMMA_N64>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_WS) return run_wgmma_n<TILE_WGMMA_WS>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_WS_N64) return run_wgmma_n<TILE_WGMMA_WS_N64>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_WS_M256) return run_wgmma_n<TILE_WGMMA_WS_M256>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_TMA) return run_tma_choice<TILE_WGMMA_TMA>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_TMA_N64) return run_tma_choice<TILE_WGMMA_TMA_N64>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_WGMMA_TMA_M256)
            return run_tma_choice<TILE_WGMMA_TMA_M256>(q, a, w, b, y, vec_a, vec_b, splits);
        if (tile == TILE_HALO16_WGMMA)  // tc_wgmma.cu: without the 16-byte paths, wgmma_conv_kernel
            return vec_a && vec_b ? run_halo_wgmma(q, a, w, b, y, vec_a, vec_b)
                   : q.Kg <= 64   ? run_wgmma_n<TILE_WGMMA_N64>(q, a, w, b, y, vec_a, vec_b, splits)
                                  : run_wgmma_n<TILE_WGMMA>(q, a, w, b, y, vec_a, vec_b, splits);
    }
    if (tile == TILE_SMALL) return run_tc_n<MathK, TILE_SMALL, true>(q, a, w, b, y, vec_a, vec_b, splits);
    run_tc_n<MathK, TILE_MED, true>(q, a, w, b, y, vec_a, vec_b, splits);
}

// Runs a KernelChoice end to end the way cuda_backend.cu's run_plan does: the direct kernel selection
// of kernels_misc.cu, the UNFOLD_GEMM workspace, the NCHW -> NHWC transpose / channel padding into
// the workspace, the math and tile dispatch, split-K (buffers 16-byte aligned, as cudaMalloc's).
template <class Elem>
void run_choice(const KernelChoice& kc, const Problem& pr, Elem* y) {
    const ConvParams& p = pr.p;
    const bool f16 = sizeof(Elem) == 2;
    const int vec = f16 ? 8 : 4;
    const Elem* x = static_cast<const Elem*>(f16 ? (const void*)pr.xh.data() : (const void*)pr.x.data());
    const Elem* w = static_cast<const Elem*>(f16 ? (const void*)pr.wh.data() : (const void*)pr.w.data());
    const Elem* b = !p.has_bias ? nullptr : static_cast<const Elem*>(f16 ? (const void*)pr.bh.data() : (const void*)pr.b.data());
    if (kc.kind == KK_DIRECT) {
        if (kc.direct_tile && direct_tile_supported(p, kc.direct_kb))
            return run_direct_tile<Elem>(p, kc.round_mode, x, w, b, y, 132, false, kc.direct_tile == 2);
        const int sm16 = direct_strip_store_mode(p, 16, y, (int)sizeof(Elem)), sm4 = direct_strip_store_mode(p, 4, y, (int)sizeof(Elem));
        if (kc.direct_kb == 16)
            return direct_strip_fits(p, 16) ? run_direct_strip<Elem, 16>(p, kc.round_mode, x, w, b, y, sm16)
                                            : run_direct<Elem, 16>(p, kc.round_mode, x, w, b, y);
        return direct_strip_fits(p, 4) ? run_direct_strip<Elem, 4>(p, kc.round_mode, x, w, b, y, sm4)
                                       : run_direct<Elem, 4>(p, kc.round_mode, x, w, b, y);
    }
    std::vector<Elem> xt, wt;
    const void* a = x;
    const void* wk = w;
    ConvParams q = p;
    const bool rounded = tf32_round_in_transform(kc.math, kc.tile, kc.to_nhwc);  // (as cuda_backend.cu's run_plan)
    int vec_a = p.chlast && p.Cg % vec == 0, vec_b = p.Kgemm % vec == 0;
    if (kc.kind == KK_UNFOLD_GEMM) {
        xt.resize((size_t)p.G * p.M * p.Kgemm + 8);
        run_unfold<Elem>(p, UNFOLD_WORKSPACE, x, xt.data());
        a = xt.data();
        vec_a = p.Kgemm % vec == 0;
    } else if (kc.to_nhwc == NHWC_TRANSPOSE) {
        const Elem* wt_or_w = w;
        q = transpose_inputs<Elem>(p, x, w, xt, wt, &wt_or_w, rounded);
        a = xt.data();
        wk = wt_or_w;
        vec_a = 1;
    } else if (kc.to_nhwc == NHWC_PAD) {
        q = pad_inputs<Elem>(p, kc.cgp, x, w, xt, wt);
        a = xt.data();
        wk = wt.data();
        vec_a = vec_b = 1;
    }
    const bool impl = kc.kind == KK_IMPLICIT;
    switch (kc.math) {
    case MATH_TF32:
        return run_gemm_tile<MATH_TF32>(kc.tile, impl, kc.splits, q, a, wk, b, y, vec_a, vec_b, kc.stream_k, rounded);
    case MATH_F16_F32IO: return run_gemm_tile<MATH_F16_F32IO>(kc.tile, impl, kc.splits, q, a, wk, b, y, vec_a, vec_b);
    case MATH_3XTF32: return run_gemm_tile<MATH_3XTF32>(kc.tile, impl, kc.splits, q, a, wk, b, y, vec_a, vec_b);
    case MATH_F16: return run_gemm_tile<MATH_F16>(kc.tile, impl, kc.splits, q, a, wk, b, y, vec_a, vec_b, kc.stream_k);
    default: return impl ? run_simt_n<true>(q, a, wk, b, y, vec_a, vec_b, kc.splits)
                         : run_simt_n<false>(q, a, wk, b, y, vec_a, vec_b, kc.splits);
    }
}

// The rules every candidate list must keep (what the backend's launches rely on). Returns failures.
int check_candidates(const fc_conv_desc& d, const ConvParams& p, int sms, size_t optin,
                     const std::vector<KernelChoice>& cands, const std::string& what, bool has_wgmma = false) {
    int fails = 0;
    auto bad = [&](size_t i, const char* why) {
        char name[96] = "";
        if (i < cands.size()) describe_choice(cands[i], name, sizeof name);
        fprintf(stderr, "FAIL candidates %s (algo %d, %d SMs): #%zu %s: %s\n", what.c_str(), d.algorithm, sms, i, name, why);
        ++fails;
    };
    if (cands.empty() || !same_choice(cands[0], choose_kernel(&d, p, sms, optin, true, has_wgmma)))
        bad(0, "the heuristic's choice is not first");
    const size_t es = d.dtype == FC_DTYPE_F16 ? 2 : 4;
    bool any_implicit = false;
    for (size_t i = 0; i < cands.size(); ++i) {
        const KernelChoice& k = cands[i];
        for (size_t j = 0; j < i; ++j)
            if (same_choice(cands[j], k)) bad(i, "duplicate");
        if (d.algorithm != FC_ALGO_AUTO && k.algorithm != d.algorithm) bad(i, "another algorithm than requested");
        const int kind = k.algorithm == FC_ALGO_DIRECT ? KK_DIRECT : k.algorithm == FC_ALGO_UNFOLD_GEMM ? KK_UNFOLD_GEMM : KK_IMPLICIT;
        if (k.kind != kind || k.math != math_for(&d)) bad(i, "kind / math do not match the algorithm / precision");
        if (k.kind == KK_DIRECT) {
            if (k.direct_tile && !direct_tile_supported(p, k.direct_kb)) bad(i, "direct_tile_kernel where unsupported");
            if (k.direct_tile == 2 && !direct_tile_mma_ok((int)es, k.round_mode)) bad(i, "tensor-core step the precision forbids");
            continue;
        }
        if (tile_smem_bytes(k.math, k.tile) > optin) bad(i, "shared memory above the device limit");
        if (k.kind == KK_UNFOLD_GEMM) {
            if (k.workspace != (size_t)p.G * p.M * p.Kgemm * es || k.splits != 1 || k.to_nhwc) bad(i, "unfold workspace / split / transform");
            continue;
        }
        any_implicit = true;
        if (k.to_nhwc == NHWC_TRANSPOSE && (p.chlast || !nhwc_transform_ok(p, es == 2))) bad(i, "NHWC transpose where the backend has none");
        if (k.to_nhwc == NHWC_PAD && (!k.cgp || k.cgp != channel_pad_cgp(p, es == 2))) bad(i, "channel pad differs from channel_pad_cgp");
        const ConvParams q = gemm_view(p, k.to_nhwc, k.cgp);
        if (!implicit_tile_ok(q, k.math, k.tile, optin)) bad(i, "tile not available for this math / problem");
        if (is_wgmma_tile(k.tile) && !has_wgmma) bad(i, "a wgmma kernel for a device without the sm_90a image");
        if (is_wgmma_ws_tile(k.tile)) bad(i, "the warp-specialized kernel (never faster when measured)");
        const bool halo = k.tile == TILE_HALO || k.tile == TILE_HALO16 || k.tile == TILE_HALO16_WGMMA;
        const int64_t kt = cdiv(p.Kgemm, 32);
        if (k.splits < 1 || (k.splits > 1 && (halo || k.splits > kt || (k.splits - 1) * cdiv(kt, k.splits) >= kt ||
                                              (int64_t)p.G * k.splits > 65535)))
            bad(i, "split-K factor the kernels cannot take (empty split, halo, grid)");
        if (k.stream_k > 0 && (!stream_k_tile(k.tile) || k.splits != 1 || k.stream_k > sms * 3))
            bad(i, "stream-K off wgmma_conv_kernel's tiles, with split-K, or beyond the resident slots");
        const size_t part = k.splits > 1 ? (size_t)p.G * k.splits * p.M * p.Kg * 4
                            : k.stream_k > 0 ? stream_k_slot_bytes(k.stream_k, k.tile) +
                                                   (size_t)stream_k_tiles(q, k.tile) * sizeof(unsigned)
                                             : 0;
        const size_t xb = k.to_nhwc ? (size_t)q.N * q.C * q.D * q.H * q.W * es : 0;
        if (k.workspace < k.ws_partial + part || k.ws_partial < k.ws_w || (k.to_nhwc && k.ws_w < xb))
            bad(i, "workspace layout too small");
    }
    if ((d.algorithm == FC_ALGO_AUTO || d.algorithm == FC_ALGO_IMPLICIT_GEMM) && !any_implicit) bad(0, "no implicit-GEMM candidate");
    return fails;
}

// stream_k.cuh's decomposition, on the host: for tile counts, k-slices and grids (every block >= 1
// iteration), the block ranges partition the iterations; the blocks meeting a tile are exactly
// cta_of(first iteration) .. cta_of(last); a block's cut segments are at most its first and its last,
// and no two cut segments of any tiles share a slot (slot < 2 * ctas).
int check_stream_k_decomposition() {
    int fails = 0;
    std::mt19937 rng(77);
    for (int trial = 0; trial < 3000; ++trial) {
        StreamK sk;
        sk.ktiles = 1 + (int)(rng() % 40);
        const int tiles = 1 + (int)(rng() % 300);
        sk.tiles_m = tiles, sk.tiles_n = 1;
        sk.work = tiles * sk.ktiles;
        const int cap = std::min(sk.work, 600);
        sk.ctas = trial % 5 == 0 ? cap : 1 + (int)(rng() % cap);
        sk.tickets = nullptr, sk.slots = nullptr;
        std::vector<int> owner(sk.work, -1), slot_user(2 * sk.ctas, -1);
        std::vector<std::vector<int>> blocks_of(tiles);
        bool bad = sk.begin(0) != 0 || sk.begin(sk.ctas) != sk.work;
        for (int c = 0; c < sk.ctas && !bad; ++c) {
            const int b0 = sk.begin(c), b1 = sk.begin(c + 1);
            if (b1 <= b0) bad = true;
            int cut = 0;
            for (int it = b0; it < b1 && !bad;) {
                const StreamKSegment seg = stream_k_segment(sk, it, b1);
                if (seg.k1 <= seg.k0 || seg.tile * sk.ktiles + seg.k0 != it) bad = true;
                for (int i = it; i < it + (seg.k1 - seg.k0); ++i) bad |= owner[i] != -1, owner[i] = c;
                blocks_of[seg.tile].push_back(c);
                if (!seg.whole(sk)) {
                    ++cut;
                    const bool edge = it == b0 || it + (seg.k1 - seg.k0) == b1;
                    const int sl = sk.slot(c, seg.tile);
                    if (!edge || sl < 0 || sl >= 2 * sk.ctas || slot_user[sl] != -1) bad = true;
                    else slot_user[sl] = seg.tile;
                }
                it += seg.k1 - seg.k0;
            }
            if (cut > 2) bad = true;
        }
        for (int i = 0; i < sk.work && !bad; ++i) bad = owner[i] != sk.cta_of(i);
        for (int t = 0; t < tiles && !bad; ++t) {
            const int first = sk.cta_of(t * sk.ktiles), last = sk.cta_of((t + 1) * sk.ktiles - 1);
            bad = (int)blocks_of[t].size() != last - first + 1 || blocks_of[t].front() != first ||
                  blocks_of[t].back() != last;
        }
        if (bad) {
            fprintf(stderr, "FAIL stream-K decomposition: %d tiles x %d k-slices on %d blocks\n", tiles, sk.ktiles,
                    sk.ctas);
            ++fails;
        }
    }
    return fails;
}

// Group "candidates": every candidate of AUTO (which spans all algorithms) on the shape set, both
// layouts, f16 and f32 x {TF32, FP16, 3XTF32, FP32}, run end to end (run_choice) against the
// reference with its precision's tolerance -- whatever the tuner picks on a GPU has run here; and the
// list rules (check_candidates) also for DIRECT / UNFOLD_GEMM / IMPLICIT_GEMM, and for the ResNet-50
// layers at batch 1 and 32 on an H100-like (132 SMs, 227 KB) and an A100-like (108 SMs, 163 KB)
// device, where the ResNet 3x3 f16 NHWC layers must offer the halo tiles, BIG, MED and SMALL.
int run_candidates(int max_shapes) {
    const std::vector<Shape> shapes = make_shapes(max_shapes);
    std::mt19937 rng(4242);
    Stats st;
    st.fails += check_stream_k_decomposition();
    ++st.runs;
    long lists = 0, total = 0, cand_runs = 0;
    size_t most = 0;
    const auto t0 = std::chrono::steady_clock::now();
    struct Prec { int dtype, prec; };
    const Prec precs[] = {{FC_DTYPE_F16, FC_PRECISION_FP16}, {FC_DTYPE_F32, FC_PRECISION_TF32},
                          {FC_DTYPE_F32, FC_PRECISION_FP16}, {FC_DTYPE_F32, FC_PRECISION_3XTF32},
                          {FC_DTYPE_F32, FC_PRECISION_FP32}};
    for (const Shape& sh : shapes) {
        const std::string sname = shape_str(sh);
        for (int layout = 0; layout < 2; ++layout)
            for (const Prec& pc : precs) {
                Problem pr;
                pr.desc = make_desc(sh, layout, pc.dtype, pc.prec);
                make_conv_params(&pr.desc, &pr.p);
                fill(pr, rng);
                const bool f16 = pc.dtype == FC_DTYPE_F16;
                for (int algo : {FC_ALGO_DIRECT, FC_ALGO_UNFOLD_GEMM, FC_ALGO_IMPLICIT_GEMM}) {
                    fc_conv_desc d = pr.desc;
                    d.algorithm = algo;
                    st.fails += check_candidates(d, pr.p, 132, 227 * 1024, candidate_kernels(&d, pr.p, 132, 227 * 1024), sname);
                    ++st.runs;
                }
                pr.desc.algorithm = FC_ALGO_AUTO;
                // The problem's references, one per (rounding, 3xTF32 bound, f16 output) its candidates ask for
                // (a handful for ~10 candidates: computed once each).
                struct Ref { int round; bool split3, f16o; std::vector<double> y, tol; };
                std::deque<Ref> refs;  // (references to its elements stay valid as it grows)
                auto ref_of = [&](int round, bool split3, bool f16o) -> const Ref& {
                    for (const Ref& r : refs)
                        if (r.round == round && r.split3 == split3 && r.f16o == f16o) return r;
                    refs.push_back(Ref{round, split3, f16o, {}, {}});
                    reference(pr, round, split3, f16o, refs.back().y, refs.back().tol);
                    return refs.back();
                };
                // runs a choice end to end (run_choice) and compares it with yref / tol
                auto run_compare = [&](const KernelChoice& kc, const char* what, const std::vector<double>& yref,
                                       const std::vector<double>& tol) {
                    if (f16) {
                        std::vector<half_t> y(yref.size(), 0x7fff);
                        run_choice<half_t>(kc, pr, y.data());
                        compare(what, pr, y, yref, tol, st, sname);
                    } else {
                        std::vector<float> y(yref.size(), NAN);
                        run_choice<float>(kc, pr, y.data());
                        compare(what, pr, y, yref, tol, st, sname);
                    }
                };
                // an H100-like device with the sm_90a image: the wgmma kernels are candidates too
                const std::vector<KernelChoice> cands = candidate_kernels(&pr.desc, pr.p, 132, 227 * 1024, true);
                st.fails += check_candidates(pr.desc, pr.p, 132, 227 * 1024, cands, sname, true);
                ++st.runs;
                ++lists;
                total += (long)cands.size();
                most = std::max(most, cands.size());
                for (const KernelChoice& kc : cands) {
                    ++cand_runs;
                    // the reference rounding of the kernel that runs: the direct kernels round inputs as
                    // round_mode says (3xTF32 / FP32 there: exact fp32 FFMA); the GEMMs per math
                    int round = kc.round_mode;
                    bool split3 = false;
                    if (kc.kind != KK_DIRECT) {
                        round = kc.math == MATH_TF32 ? 1 : kc.math == MATH_F16_F32IO ? 2 : 0;
                        split3 = kc.math == MATH_3XTF32;
                    }
                    const Ref& ref = ref_of(round, split3, f16);
                    char name[96], what[128];
                    describe_choice(kc, name, sizeof name);
                    snprintf(what, sizeof what, "candidate %s %s", f16 ? "f16" : pc.prec == FC_PRECISION_TF32 ? "tf32" : pc.prec == FC_PRECISION_FP16 ? "fp16(f32)" : pc.prec == FC_PRECISION_3XTF32 ? "3xtf32" : "fp32", name);
                    run_compare(kc, what, ref.y, ref.tol);
                }
                // FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma: the heuristic's implicit choice moved to the sm_90a
                // wgmma kernels (force_wgmma; f16 and TF32), end to end with its transform and split-K;
                // nothing else moves.
                fc_conv_desc di = pr.desc;
                di.algorithm = FC_ALGO_IMPLICIT_GEMM;
                const KernelChoice heur = choose_kernel(&di, pr.p, 132, 227 * 1024);
                const KernelChoice forced = force_wgmma(&di, pr.p, heur, 132, 227 * 1024, true);
                const bool tf32 = !f16 && pc.prec == FC_PRECISION_TF32, moves = f16 || tf32;
                ++st.runs;
                if (!same_choice(force_wgmma(&di, pr.p, heur, 132, 227 * 1024, false), heur) ||
                    (moves != (forced.tile == TILE_WGMMA || forced.tile == TILE_WGMMA_N64 ||
                               forced.tile == TILE_HALO16_WGMMA)) ||
                    ((heur.tile == TILE_HALO16) != (forced.tile == TILE_HALO16_WGMMA)) ||
                    (!moves && !same_choice(forced, heur)) ||
                    (moves && (forced.to_nhwc != heur.to_nhwc || forced.cgp != heur.cgp))) {
                    fprintf(stderr, "FAIL candidates %s: force_wgmma moved %s to tile %d (to_nhwc %d)\n", sname.c_str(),
                            f16 ? "f16" : "f32", forced.tile, forced.to_nhwc);
                    ++st.fails;
                }
                // =wgmma_ws: every such choice (HALO16 included) to the warp-specialized kernel.
                const KernelChoice forced_ws = force_wgmma(&di, pr.p, heur, 132, 227 * 1024, true, true);
                ++st.runs;
                if (moves != is_wgmma_ws_tile(forced_ws.tile) ||
                    (forced_ws.tile == TILE_WGMMA_WS_M256 && !f16) ||
                    (!moves && !same_choice(forced_ws, heur)) ||
                    (moves && (forced_ws.to_nhwc != heur.to_nhwc || forced_ws.cgp != heur.cgp))) {
                    fprintf(stderr, "FAIL candidates %s: force_wgmma(ws) moved %s to tile %d (to_nhwc %d)\n",
                            sname.c_str(), f16 ? "f16" : "f32", forced_ws.tile, forced_ws.to_nhwc);
                    ++st.fails;
                }
                // =wgmma_tma: f16 and TF32 choices whose GEMM view TMA takes (HALO16 included) to
                // wgmma_tma_conv_kernel with the warp-specialized kernel's tile choice and the same transform;
                // everything else stays
                KernelChoice forced_tma;
                bool tma_takes;
                {
                    forced_tma = force_wgmma(&di, pr.p, heur, 132, 227 * 1024, true, false, false, true);
                    const bool takes = moves && heur.kind == KK_IMPLICIT &&
                                       !tma_conv_unsupported(gemm_view(pr.p, heur.to_nhwc, heur.cgp), f16 ? 2 : 4);
                    tma_takes = takes;
                    ++st.runs;
                    if (takes != is_wgmma_tma_tile(forced_tma.tile) ||
                        (takes && (tma_ws_twin(forced_tma.tile) != forced_ws.tile || forced_tma.to_nhwc != heur.to_nhwc ||
                                   forced_tma.cgp != heur.cgp || forced_tma.splits != forced_ws.splits)) ||
                        (!takes && !same_choice(forced_tma, heur))) {
                        fprintf(stderr, "FAIL candidates %s: force_wgmma(tma) gave tile %d for %s (TMA %s)\n",
                                sname.c_str(), forced_tma.tile, f16 ? "f16" : "f32", takes ? "takes it" : "does not");
                        ++st.fails;
                    }
                    if (takes) ++(f16 ? g_tma_forced : g_tma_forced_tf32);
                    // the table's own TMA rule end to end (transform, dispatch, split-K) where it fires: on a
                    // 1-SM device these small problems pass its "tiles >= a quarter of the SMs" test
                    const KernelChoice t1 = choose_kernel(&di, pr.p, 1, 227 * 1024, true, true);
                    if (is_wgmma_tma_tile(t1.tile)) {
                        const Ref& ref = ref_of(0, false, true);
                        char name[96], what[160];
                        describe_choice(t1, name, sizeof name);
                        snprintf(what, sizeof what, "table pick on 1 SM (sm_90a) f16 %s", name);
                        run_compare(t1, what, ref.y, ref.tol);
                        ++g_tma_table_runs;
                    }
                }
                // =wgmma_sk: wgmma_conv_kernel's stream-K form on the resident slots (HALO16 included), split-K
                // as =wgmma where the GEMM is too short for it
                const KernelChoice forced_sk = force_wgmma(&di, pr.p, heur, 132, 227 * 1024, true, false, true);
                ++st.runs;
                if (moves) {
                    const ConvParams qh = gemm_view(pr.p, heur.to_nhwc, heur.cgp);
                    const int want = stream_k_ctas(qh, forced_sk.tile, heur.math, 132);
                    if (!stream_k_tile(forced_sk.tile) || forced_sk.stream_k != want ||
                        (want > 0 && forced_sk.splits != 1) || forced_sk.to_nhwc != heur.to_nhwc) {
                        fprintf(stderr, "FAIL candidates %s: force_wgmma(sk) gave tile %d stream-K %d (want %d)\n",
                                sname.c_str(), forced_sk.tile, forced_sk.stream_k, want);
                        ++st.fails;
                    }
                } else if (!same_choice(forced_sk, heur)) {
                    fprintf(stderr, "FAIL candidates %s: force_wgmma(sk) moved a choice it must not\n", sname.c_str());
                    ++st.fails;
                }
                // ... with rows for a 256-row tile on every SM (1 SM here): f16 with K/g > 64 gets 256 x 128
                // (run directly in the f16 group), TF32 never
                const KernelChoice ws1 = force_wgmma(&di, pr.p, heur, 1, 227 * 1024, true, true);
                ++st.runs;
                if (moves && ((ws1.tile == TILE_WGMMA_WS_M256) != (f16 && gemm_view(pr.p, heur.to_nhwc, heur.cgp).Kg > 64) ||
                              !is_wgmma_ws_tile(ws1.tile))) {
                    fprintf(stderr, "FAIL candidates %s: force_wgmma(ws, 1 SM) gave %s tile %d\n", sname.c_str(),
                            f16 ? "f16" : "f32", ws1.tile);
                    ++st.fails;
                }
                if (moves) {
                    const Ref& ref = ref_of(tf32 ? 1 : 0, false, f16);
                    for (const KernelChoice& kc : {forced, forced_ws, forced_sk, forced_tma}) {
                        if (&kc == &forced_tma && (f16 || !tma_takes)) continue;  // TF32 TMA end to end (f16: above)
                        ++cand_runs;
                        char name[96], what[128];
                        describe_choice(kc, name, sizeof name);
                        snprintf(what, sizeof what, "forced wgmma %s %s", f16 ? "f16" : "tf32", name);
                        run_compare(kc, what, ref.y, ref.tol);
                    }
                }
            }
    }
    // ResNet-50 layers: list rules only (too large to emulate whole), two devices, every algorithm.
    struct Layer { int C, K, HW, k, s; };
    const Layer layers[] = {{3, 64, 224, 7, 2}, {64, 64, 56, 3, 1}, {128, 128, 28, 3, 1}, {256, 256, 14, 3, 1},
                            {512, 512, 7, 3, 1}, {256, 64, 56, 1, 1}, {64, 256, 56, 1, 1}, {128, 128, 56, 3, 2}};
    struct Dev { int sms; size_t optin; bool wgmma; };
    for (const Dev& dev : {Dev{132, 227 * 1024, true}, Dev{108, 163 * 1024, false}})
        for (const Layer& L : layers)
            for (int N : {1, 32})
                for (int layout = 0; layout < 2; ++layout)
                    for (const Prec& pc : precs)
                        for (int algo : {FC_ALGO_AUTO, FC_ALGO_DIRECT, FC_ALGO_UNFOLD_GEMM, FC_ALGO_IMPLICIT_GEMM}) {
                            const int pad = L.k / 2;
                            const Shape sh = {2, N, L.C, L.K, 1, {L.HW, L.HW, 0}, {L.k, L.k, 0}, {L.s, L.s, 0},
                                              {pad, pad, 0}, {pad, pad, 0}, {1, 1, 0}, 1, 0};
                            fc_conv_desc d = make_desc(sh, layout, pc.dtype, pc.prec);
                            d.algorithm = algo;
                            ConvParams p;
                            make_conv_params(&d, &p);
                            const std::vector<KernelChoice> c = candidate_kernels(&d, p, dev.sms, dev.optin, dev.wgmma);
                            char what[96];
                            snprintf(what, sizeof what, "rn50 %d->%d@%d k%d s%d b%d", L.C, L.K, L.HW, L.k, L.s, N);
                            st.fails += check_candidates(d, p, dev.sms, dev.optin, c, what, dev.wgmma);
                            ++st.runs;
                            if (algo == FC_ALGO_AUTO && N == 32 && layout == 1 && pc.dtype == FC_DTYPE_F16 &&
                                L.k == 3 && L.s == 1) {
                                // HALO16, HALO, BIG, MED, SMALL offered; with the sm_90a image also the wgmma
                                // kernels (the 128-wide gather tile and the halo kernel's wgmma step; 128x64 too
                                // where K/g = 64), without it none
                                int want = 0;
                                for (const KernelChoice& k : c)
                                    if (k.kind == KK_IMPLICIT)
                                        want |= k.tile == TILE_HALO16 ? 1 : k.tile == TILE_HALO ? 2 : k.tile == TILE_BIG ? 4
                                                : k.tile == TILE_MED ? 8 : k.tile == TILE_SMALL ? 16
                                                : k.tile == TILE_WGMMA ? 32 : k.tile == TILE_HALO16_WGMMA ? 64
                                                : k.tile == TILE_WGMMA_N64 ? 128 : 0;
                                const int expect = dev.wgmma ? 31 | 32 | 64 | 128 : 31;
                                if (want != expect) {
                                    fprintf(stderr, "FAIL candidates %s f16 NHWC: tiles offered mask %d, want %d\n", what, want,
                                            expect);
                                    ++st.fails;
                                }
                            }
                            // 512@7 at batch 32 (the weakest layer measured): besides the heuristic's BIG split
                            // for one wave, the tuner gets the two-wave splits to time (BIG 6, MED 3 on 132 SMs;
                            // the partials stay under 32 MB).
                            if (algo == FC_ALGO_IMPLICIT_GEMM && N == 32 && L.HW == 7 && dev.sms == 132 &&
                                pc.dtype == FC_DTYPE_F16 && layout == 1) {
                                int big = 0, med = 0;
                                for (const KernelChoice& k : c) {
                                    if (k.tile == TILE_BIG) big = std::max(big, k.splits);
                                    if (k.tile == TILE_MED) med = std::max(med, k.splits);
                                }
                                ++st.runs;
                                if (big != 6 || med != 3) {
                                    fprintf(stderr, "FAIL candidates %s f16 NHWC: largest splits offered BIG %d MED %d, "
                                                    "want 6 and 3 (two waves)\n", what, big, med);
                                    ++st.fails;
                                }
                            }
                        }
    // gpu_check's halo correctness shapes (gpu_check.cpp correctness_shapes) must reach the halo kernels on
    // the devices the harness runs on: f16 NHWC -> HALO16, f32 TF32 (both layouts) -> HALO.
    {
        const int halo_shapes[][5] = {{8, 64, 96, 56, 56}, {64, 32, 64, 30, 27}, {16, 32, 64, 56, 56}};
        for (const Dev& dev : {Dev{132, 227 * 1024, true}, Dev{108, 163 * 1024, false}})
            for (const auto& hs : halo_shapes)
                for (int layout = 0; layout < 2; ++layout)
                    for (int f16 = 0; f16 < 2; ++f16) {
                        if (f16 && !layout) continue;  // f16 NCHW output: no halo (pick_halo)
                        const Shape sh = {2, hs[0], hs[1], hs[2], 1, {hs[3], hs[4], 0}, {3, 3, 0}, {1, 1, 0},
                                          {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 1, 0};
                        const fc_conv_desc d = make_desc(sh, layout, f16 ? FC_DTYPE_F16 : FC_DTYPE_F32,
                                                         f16 ? FC_PRECISION_FP16 : FC_PRECISION_TF32);
                        ConvParams p;
                        make_conv_params(&d, &p);
                        const KernelChoice k = choose_kernel(&d, p, dev.sms, dev.optin);
                        const int want = f16 ? TILE_HALO16 : TILE_HALO;
                        ++st.runs;
                        if (k.kind != KK_IMPLICIT || k.tile != want) {
                            fprintf(stderr, "FAIL candidates: gpu_check halo shape N%d C%d K%d %dx%d %s %s on %d SMs picks "
                                            "tile %d, want %d\n", hs[0], hs[1], hs[2], hs[3], hs[4], layout ? "NHWC" : "NCHW",
                                    f16 ? "f16" : "tf32", dev.sms, k.tile, want);
                            ++st.fails;
                        }
                    }
    }
    // Devices the backend plans on (cuda_backend.cu set_kernel_dev): compute capability 8.0 and newer
    // (cp.async / ldmatrix / mma.sync); Volta and Turing are refused by name instead of failing a launch.
    ++st.runs;
    if (cuda_cc_supported(6) || cuda_cc_supported(7) || !cuda_cc_supported(8) || !cuda_cc_supported(9) ||
        !cuda_cc_supported(10) || !cuda_cc_supported(12)) {
        fprintf(stderr, "FAIL cuda_cc_supported: want compute capability >= 8.0 exactly\n");
        ++st.fails;
    }
    // The autotuner's cache key: one key per problem. Every descriptor field, each spatial entry and
    // the device change it; `reserved` does not.
    {
        const Shape sh = {3, 2, 8, 16, 2, {5, 6, 7}, {3, 2, 1}, {1, 2, 1}, {1, 0, 0}, {0, 1, 0}, {1, 1, 2}, 1, 0};
        const fc_conv_desc base = make_desc(sh, 1, FC_DTYPE_F32, FC_PRECISION_TF32);
        std::vector<fc_conv_desc> ds = {base};
        auto vary = [&](auto f) {
            fc_conv_desc d = base;
            f(d);
            ds.push_back(d);
        };
        vary([](fc_conv_desc& d) { d.dtype = FC_DTYPE_F16; });
        vary([](fc_conv_desc& d) { d.precision = FC_PRECISION_FP16; });
        vary([](fc_conv_desc& d) { d.layout = FC_LAYOUT_NCHW; });
        vary([](fc_conv_desc& d) { d.algorithm = FC_ALGO_IMPLICIT_GEMM; });
        vary([](fc_conv_desc& d) { d.has_bias = 0; });
        vary([](fc_conv_desc& d) { d.activation = FC_ACTIVATION_RELU; });
        vary([](fc_conv_desc& d) { d.batch += 1; });
        vary([](fc_conv_desc& d) { d.in_channels += 2; });
        vary([](fc_conv_desc& d) { d.out_channels += 2; });
        vary([](fc_conv_desc& d) { d.groups = 1; });
        vary([](fc_conv_desc& d) { d.spatial_dims = 2; });
        for (int i = 0; i < 3; ++i) {
            vary([i](fc_conv_desc& d) { d.in_size[i] += 1; });
            vary([i](fc_conv_desc& d) { d.kernel_size[i] += 1; });
            vary([i](fc_conv_desc& d) { d.stride[i] += 1; });
            vary([i](fc_conv_desc& d) { d.pad_begin[i] += 1; });
            vary([i](fc_conv_desc& d) { d.pad_end[i] += 1; });
            vary([i](fc_conv_desc& d) { d.dilation[i] += 1; });
        }
        std::vector<std::string> keys;
        for (const fc_conv_desc& d : ds) keys.push_back(tune_key(&d, 0));
        keys.push_back(tune_key(&base, 1));
        fc_conv_desc r = base;
        r.reserved = 7;
        std::vector<std::string> sorted = keys;
        std::sort(sorted.begin(), sorted.end());
        ++st.runs;
        if (std::unique(sorted.begin(), sorted.end()) != sorted.end() || tune_key(&r, 0) != keys[0]) {
            fprintf(stderr, "FAIL tune_key: two problems share a cache key, or `reserved` changes it\n");
            ++st.fails;
        }
    }
    // The heuristic's table against the H200 measurements it was set from (gpu-check --tune: the
    // tuned pick, or one within 5 % of it), 132 SMs / 227 KB: tile, split-K, input transform -- on a
    // device without the sm_90a image (tile, splits), and with it (wtile, wsplits, wsk: the stream-K
    // grid; wtile -1: the same choice as without).
    {
        struct Pick { int N, C, K, HW, k, s, dtype, prec, layout, tile, splits, to_nhwc, wtile, wsplits, wsk; };
        const int F16 = FC_DTYPE_F16, F32 = FC_DTYPE_F32, P16 = FC_PRECISION_FP16, TF = FC_PRECISION_TF32;
        const int P32 = FC_PRECISION_FP32, X3 = FC_PRECISION_3XTF32;
        const int NONE = NHWC_NONE, TR = NHWC_TRANSPOSE, PAD = NHWC_PAD, SAME = -1;
        const int WG = TILE_WGMMA, WG64 = TILE_WGMMA_N64, TMA = TILE_WGMMA_TMA, TMA64N = TILE_WGMMA_TMA_N64;
        const Pick picks[] = {
            // f16 at batch 32 with C % 64 == 0 and Kgemm >= 256: the TMA kernel on sm_90a (its TMA64 form)
            {32, 64, 64, 56, 3, 1, F16, P16, 1, TILE_HALO16, 1, NONE, TMA64N, 1, 0},
            {32, 128, 128, 28, 3, 1, F16, P16, 1, TILE_HALO16, 1, NONE, TMA, 1, 0},
            // 256@14: MED (392 blocks); TMA 128x128 split 2 (98 tiles)
            {32, 256, 256, 14, 3, 1, F16, P16, 1, TILE_MED, 1, NONE, TMA, 2, 0},
            {32, 512, 512, 7, 3, 1, F16, P16, 1, TILE_BIG, 3, NONE, TMA, 3, 0},
            {32, 3, 64, 224, 7, 2, F16, P16, 1, TILE_WIDE, 1, NONE, SAME, 0, 0},
            {32, 64, 256, 56, 1, 1, F16, P16, 1, TILE_WIDE, 1, NONE, SAME, 0, 0},
            {32, 256, 64, 56, 1, 1, F16, P16, 1, TILE_WIDE, 1, NONE, TMA64N, 1, 0},
            {32, 64, 64, 56, 3, 1, F32, TF, 1, TILE_HALO, 1, NONE, SAME, 0, 0},
            {32, 128, 128, 28, 3, 1, F32, TF, 1, TILE_HALO, 1, NONE, SAME, 0, 0},
            // TF32 with fewer 128x128 tiles than SMs and long reductions: stream-K on the 132 slots
            {32, 256, 256, 14, 3, 1, F32, TF, 1, TILE_MED, 1, NONE, WG, 1, 132},
            {32, 512, 512, 7, 3, 1, F32, TF, 1, TILE_BIG, 3, NONE, WG, 1, 132},
            {32, 512, 512, 7, 3, 1, F32, TF, 0, TILE_BIG, 3, TR, WG, 1, 132},
            // the stem through channel padding: Kgemm 196 < 256, MED on both
            {32, 3, 64, 224, 7, 2, F32, TF, 1, TILE_MED, 1, PAD, SAME, 0, 0},
            // 1x1 from 64 channels (Kgemm 64): BIG on both; to 64 channels (Kgemm 256): wgmma 128x64
            {32, 64, 256, 56, 1, 1, F32, TF, 1, TILE_BIG, 1, NONE, SAME, 0, 0},
            {32, 256, 64, 56, 1, 1, F32, TF, 1, TILE_MED, 1, NONE, WG64, 1, 0},
            {32, 64, 64, 56, 3, 1, F16, P16, 0, TILE_WIDE, 1, TR, TMA64N, 1, 0},
            {32, 256, 256, 14, 3, 1, F16, P16, 0, TILE_MED, 1, TR, TMA, 2, 0},
            {32, 128, 128, 28, 3, 1, F32, TF, 0, TILE_HALO, 1, TR, SAME, 0, 0},
            {1, 64, 64, 56, 3, 1, F16, P16, 1, TILE_SMALL, 1, NONE, SAME, 0, 0},
            {1, 256, 64, 56, 1, 1, F16, P16, 1, TILE_SMALL, 1, NONE, SAME, 0, 0},
            {1, 3, 64, 224, 7, 2, F16, P16, 1, TILE_MED, 1, NONE, SAME, 0, 0},
            {1, 3, 64, 224, 7, 2, F32, TF, 1, TILE_MED, 1, NONE, SAME, 0, 0},
            // batch 1: MED split-K stays (too few wgmma tiles: 7, 1)
            {1, 128, 128, 28, 3, 1, F16, P16, 1, TILE_MED, 9, NONE, SAME, 0, 0},
            {1, 512, 512, 7, 3, 1, F16, P16, 1, TILE_MED, 16, NONE, SAME, 0, 0},
            {1, 512, 512, 7, 3, 1, F32, TF, 0, TILE_MED, 16, NONE, SAME, 0, 0},
            // f16 NCHW at batch 1: 512@7's weights are 94x its x -- no transform; 256@14 (11.8x) keeps it
            {1, 512, 512, 7, 3, 1, F16, P16, 0, TILE_MED, 16, NONE, SAME, 0, 0},
            {1, 256, 256, 14, 3, 1, F16, P16, 0, TILE_MED, 15, TR, SAME, 0, 0},
            {1, 64, 64, 56, 3, 1, F16, P16, 0, TILE_SMALL, 1, TR, SAME, 0, 0},
            // f32 tensors, batch 1, Kgemm 576: MED split 4 instead of SMALL; Kgemm 256 keeps SMALL
            {1, 64, 64, 56, 3, 1, F32, TF, 0, TILE_MED, 4, NONE, SAME, 0, 0},
            {1, 64, 64, 56, 3, 1, F32, TF, 1, TILE_MED, 4, NONE, SAME, 0, 0},
            {1, 64, 64, 56, 3, 1, F32, X3, 1, TILE_MED, 4, NONE, SAME, 0, 0},
            {1, 256, 64, 56, 1, 1, F32, TF, 1, TILE_SMALL, 1, NONE, SAME, 0, 0},
            // f32 tensors on MED / SIMT with 200 blocks (1.5 per SM): split 3
            {32, 512, 512, 7, 3, 1, F32, P32, 1, TILE_SIMT, 3, NONE, SAME, 0, 0},
            {32, 512, 512, 7, 3, 1, F32, X3, 1, TILE_MED, 3, NONE, SAME, 0, 0},
            {32, 512, 512, 7, 3, 1, F32, P16, 0, TILE_MED, 3, TR, SAME, 0, 0},
            {32, 256, 256, 14, 3, 1, F32, X3, 1, TILE_MED, 1, NONE, SAME, 0, 0},
            // f32 NCHW 1x1 at batch 32: 64 -> 256 (128 FLOP per byte of x) transposed, 256 -> 64 (32) not
            {32, 64, 256, 56, 1, 1, F32, P32, 0, TILE_SIMT, 1, TR, SAME, 0, 0},
            {32, 64, 256, 56, 1, 1, F32, TF, 0, TILE_BIG, 1, TR, SAME, 0, 0},
            {32, 64, 256, 56, 1, 1, F32, P16, 0, TILE_MED, 1, TR, SAME, 0, 0},
            {32, 256, 64, 56, 1, 1, F32, P32, 0, TILE_SIMT, 1, NONE, SAME, 0, 0},
            {32, 256, 64, 56, 1, 1, F32, TF, 0, TILE_MED, 1, NONE, WG64, 1, 0},
            {32, 256, 64, 56, 1, 1, F32, X3, 0, TILE_MED, 1, NONE, SAME, 0, 0},
            {32, 512, 512, 7, 3, 1, F16, P16, 0, TILE_BIG, 3, TR, TMA, 3, 0},
            {32, 128, 128, 28, 3, 1, F16, P16, 0, TILE_BIG, 1, TR, TMA, 1, 0},
            // f16 with C % 64 != 0 (C 96: the BK 32 form was not measured faster) keeps the table's pick
            {32, 96, 128, 28, 3, 1, F16, P16, 1, TILE_HALO16, 1, NONE, SAME, 0, 0},
        };
        for (const Pick& c : picks) {
            const int pad = c.k / 2;
            const Shape sh = {2, c.N, c.C, c.K, 1, {c.HW, c.HW, 0}, {c.k, c.k, 0}, {c.s, c.s, 0}, {pad, pad, 0},
                              {pad, pad, 0}, {1, 1, 0}, 1, 0};
            fc_conv_desc d = make_desc(sh, c.layout, c.dtype, c.prec);
            d.algorithm = FC_ALGO_AUTO;
            ConvParams p;
            make_conv_params(&d, &p);
            const KernelChoice kc = choose_kernel(&d, p, 132, 227 * 1024);
            const KernelChoice kw = choose_kernel(&d, p, 132, 227 * 1024, true, true);
            const int wtile = c.wtile == SAME ? c.tile : c.wtile, wsplits = c.wtile == SAME ? c.splits : c.wsplits;
            st.runs += 2;
            if (kw.kind != KK_IMPLICIT || kw.tile != wtile || kw.splits != wsplits || kw.stream_k != c.wsk ||
                kw.to_nhwc != c.to_nhwc) {
                char got[96];
                describe_choice(kw, got, sizeof got);
                fprintf(stderr,
                        "FAIL heuristic table (sm_90a image): N%d %d->%d@%d k%d s%d %s: %s; want tile %s split-K %d "
                        "stream-K %d\n",
                        c.N, c.C, c.K, c.HW, c.k, c.s, c.layout ? "NHWC" : "NCHW", got, tile_name(wtile), wsplits, c.wsk);
                ++st.fails;
            }
            if (kc.kind != KK_IMPLICIT || kc.tile != c.tile || kc.splits != c.splits || kc.stream_k != 0 ||
                kc.to_nhwc != c.to_nhwc) {
                char got[96];
                describe_choice(kc, got, sizeof got);
                fprintf(stderr, "FAIL heuristic table: N%d %d->%d@%d k%d s%d %s %s: %s; want tile %s split-K %d transform %d\n",
                        c.N, c.C, c.K, c.HW, c.k, c.s, c.dtype == F16 ? "f16" : "f32", c.layout ? "NHWC" : "NCHW", got,
                        tile_name(c.tile), c.splits, c.to_nhwc);
                ++st.fails;
            }
        }
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.fails += bank_check("candidates");
    printf("[candidates] %ld AUTO candidate lists on %zu shapes x 2 layouts x 5 precisions, %.1f candidates per "
           "problem (at most %zu): %ld kernel runs, %ld list and table checks, %ld failures, worst err/tol %.3g, "
           "%.1f s\n",
           lists, shapes.size(), lists ? (double)total / lists : 0.0, most, cand_runs, st.runs - cand_runs, st.fails,
           st.worst, secs);
    printf("[candidates] FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma moves %ld f16 and %ld TF32 problems of these to "
           "wgmma_tma_conv_kernel (the TF32 ones run end to end); the table's TMA rule ran end to end on %ld (1-SM "
           "device)\n",
           g_tma_forced, g_tma_forced_tf32, g_tma_table_runs);
    if (g_tma_forced == 0 || g_tma_forced_tf32 == 0 || g_tma_table_runs == 0) {
        fprintf(stderr, "FAIL candidates: no problem reached the TMA kernel (forced f16 / TF32, or by the table)\n");
        return 1;
    }
    return st.fails ? 1 : 0;
}

// The profile group's sampled blocks of a full-size layer: three interior M tiles (x = 7, 68, 129) of N tile 0,
// split 0 -- the blocks are identical in work; emulating all of a 7 GFLOP layer would take hours.
bool profile_sampled(const dim3& b) { return b.y == 0 && b.z == 0 && b.x % 61 == 7 && b.x < 7 + 3 * 61; }
// A ResNet-50 3x3 batch-32 layer (C -> C channels at HW x HW, stride 1, NHWC, no bias) as an implicit-GEMM
// problem: f16 tensors, FP16 precision (dt 0) or f32 tensors, TF32 (dt 1); its tensors filled from rng.
Problem rn50_layer(int C, int HW, int dt, std::mt19937& rng) {
    const Shape sh = {2, 32, C, C, 1, {HW, HW, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0}, 0, 0};
    Problem pr;
    pr.desc = make_desc(sh, 1, dt ? FC_DTYPE_F32 : FC_DTYPE_F16, dt ? FC_PRECISION_TF32 : FC_PRECISION_FP16);
    pr.desc.algorithm = FC_ALGO_IMPLICIT_GEMM;
    make_conv_params(&pr.desc, &pr.p);
    fill(pr, rng);
    return pr;
}
// The L2 -> SM traffic model of a TMA kernel at a full ResNet-50 size (docs/cuda-development-log.md, thirteenth
// session): what its TMA loads move into shared memory, counted by the emulation's TMA model on three sampled blocks
// (split 0, N tile 0, interior M tiles) and scaled to the grid. Fails if a sampled block moved other than `want(block)`
// bytes -- each slice's A and B boxes once (the B-resident form: B once per block, A per unit).
// Beside it, the shared-memory model over the same sampled launches (fc_simt::SmemTotals): the bytes TMA wrote into
// shared memory, wgmma read from it and generic accesses (epilogue staging, the TF32 rounding pass) moved, per
// tensor-core clock of the wgmma they fed (dense sm_90: 2048 f16 / 1024 tf32 multiply-adds per clock and SM). An
// SM's shared memory serves 128 bytes per clock, so over 128 B per tensor clock caps the kernel below the dense
// peak whatever L2 does: at most 128 / (B per clock) of it. (Assumed, for wgmma_probe's ceiling runs to check on a
// GPU: that TMA writes, wgmma operand reads -- one read of B per warpgroup instruction -- and generic accesses share
// that port.)
struct TmaTraffic {
    double mb = 0;  // whole grid, MB
    unsigned blocks = 0;
    bool ok = true;
    double smem_per_clk = 0;  // shared-memory bytes per tensor-core clock
    double macs = 0;          // multiply-adds the grid's wgmma issue (rows past the image included)
};
// cluster: the blocks one sampled launch runs (a selected block runs its whole cluster; the B-multicast form: 2).
// work(x): block x's share of the wgmma work, where blocks differ (the B-resident forms: its tiles), to scale the
// sampled blocks' multiply-adds to the grid; null: every block the same.
template <class Run, class Want>
TmaTraffic tma_traffic(dim3 grid, Run run, Want want, unsigned cluster = 1,
                       const std::function<double(unsigned)>& work = nullptr) {
    TmaTraffic t;
    t.blocks = grid.x * grid.y * grid.z;
    uint64_t total = 0;
    unsigned n = 0;
    double work_sampled = 0, work_all = 0;
    for (unsigned x = 0; x < grid.x; ++x) {
        const double wx = work ? work(x) : 1.0;
        work_all += wx;
        if (profile_sampled(dim3(x, 0, 0))) work_sampled += wx;
    }
    const fc_simt::SmemTotals s0 = fc_simt::smem_totals();
    for (unsigned x = 0; x < grid.x; ++x) {  // one launch per sampled block
        if (!profile_sampled(dim3(x, 0, 0))) continue;
        ++n;
        const fc_simt::BlockPredicate one = [x](const dim3& b) { return b.x == x && b.y == 0 && b.z == 0; };
        const uint64_t b0 = fc_simt::smem_totals().tma_bytes;
        g_only_blocks = &one;
        run();
        g_only_blocks = nullptr;
        const uint64_t got = fc_simt::smem_totals().tma_bytes - b0, w = want(x);
        total += got;
        if (got != w) {
            fprintf(stderr, "FAIL profile: block %u moved %llu bytes by TMA, %llu expected\n", x,
                    (unsigned long long)got, (unsigned long long)w);
            t.ok = false;
        }
    }
    t.ok &= n > 0;
    t.mb = n ? (double)total / n * t.blocks / cluster / 1e6 : 0;
    const fc_simt::SmemTotals& s1 = fc_simt::smem_totals();
    const double f16 = (double)(s1.wgmma_macs_f16 - s0.wgmma_macs_f16),
                 tf32 = (double)(s1.wgmma_macs_tf32 - s0.wgmma_macs_tf32), clk = f16 / 2048 + tf32 / 1024;
    // (the sampled launches' multiply-adds x the grid's work over theirs: along x by work, times grid y and z)
    t.macs = work_sampled > 0 ? (f16 + tf32) / work_sampled * work_all * grid.y * grid.z / cluster : 0;
    const double bytes = (double)(s1.tma_smem_bytes - s0.tma_smem_bytes) +
                         (double)(s1.wgmma_smem_bytes - s0.wgmma_smem_bytes) + (double)(s1.generic_bytes - s0.generic_bytes);
    if (clk <= 0) {
        fprintf(stderr, "FAIL profile: the sampled blocks issued no wgmma\n");
        t.ok = false;
    }
    t.smem_per_clk = clk > 0 ? bytes / clk : 0;
    return t;
}

// ... of a TMA kernel form (Tile, BK as run_wgmma_tma_n takes them) at split count `splits`: every block moves
// its split's slices, (BM + BN) x BK elements each; the B-multicast form (Form kTmaMulticastB): every pair of
// blocks (2 BM + BN) x BK per slice, its B slice read from L2 once for both; the A-multicast forms (BM + 2 BN) x BK
// per pair -- the split A-multicast form's sampled launch is a whole 1 x 2 x splits cluster: every slice of K.
// Rounded (TF32): the TmaRounded config, whose operands arrive rounded (no rounding warpgroup).
template <int Tile, int BK, class Elem, int Form = kTmaOneTile, bool Rounded = false>
TmaTraffic tma_form_traffic(const ConvParams& p, const void* x, const void* w, int splits) {
    typedef typename TmaTestCfg<Tile, BK, 0, Elem, Rounded>::type Cfg;
    constexpr unsigned kBx = Form == kTmaMulticastB ? 2 : 1, kBy = tma_a_multicast(Form) ? 2 : 1;
    static_assert(Form != kTmaClusterSplit, "(not modelled: the cluster-split form moves the one-tile form's bytes)");
    std::vector<Elem> y((size_t)p.N * p.OPQ * p.K);
    const SplitRun<Cfg> sr(p, splits);
    const uint64_t kt = (uint64_t)cdiv(p.Kgemm, Cfg::BK), per_split = (uint64_t)cdiv((int64_t)kt, sr.splits);
    const bool whole = Form == kTmaSplitMulticastA && tma_cluster_fits<Cfg>(sr.splits, Form);
    // per sampled launch (a block, or the pair / cluster it belongs to) and slice: each distinct A and B box once
    const uint64_t slice = (uint64_t)(kBx * Cfg::BM + kBy * Cfg::BN) * Cfg::BK * sizeof(Elem);
    return tma_traffic(
        dim3((sr.grid.x + kBx - 1) / kBx * kBx, (sr.grid.y + kBy - 1) / kBy * kBy, sr.grid.z),
        [&] { run_wgmma_tma_n<Tile, BK, 0, Elem, Form, Rounded>(p, x, w, nullptr, y.data(), 1, splits); },
        [&](unsigned) { return slice * (whole ? kt : per_split); }, kBx * kBy * (whole ? sr.splits : 1));
}
// ... of the B-resident form on a 132-SM device: block b loads all of B once and the A boxes of its units
// (b, b + 132, ...).
TmaTraffic tma_bres_traffic(const ConvParams& p, const void* x, const void* w) {
    std::vector<half_t> y((size_t)p.N * p.OPQ * p.K);
    const uint64_t units = (uint64_t)cdiv(p.M, TmaBres::BM), grid = units < 132 ? units : 132;
    const uint64_t kt = (uint64_t)cdiv(p.Kgemm, TmaBres::BK);
    return tma_traffic(
        dim3((unsigned)grid), [&] { run_tma_bres<132>(p, x, w, nullptr, y.data(), 1, 1); },
        [&](unsigned b) { return kt * TmaBres::kSliceBytes + (units - b + grid - 1) / grid * kt * TmaBres::kStageBytes; },
        1, [&](unsigned b) { return (double)((units - b + grid - 1) / grid); });
}

// ... of the halo form (Cfg: a HaloTmaConfig, its WIDE form or not) as launch_halo_tma runs it: per 64-channel slice
// every block loads its MU units' halo boxes (8 boxes {8, HW, HH, 1}, or the WIDE form's one {64, pitch, HH, 1}:
// the padding columns up to the pitch are read too) and one B box of BN x 64 per filter tap.
template <class Cfg>
TmaTraffic tma_halo_traffic(const ConvParams& p, const void* x, const void* w) {
    std::vector<half_t> y((size_t)p.N * p.OPQ * p.K);
    const TmaHaloGeom g = tma_halo_geom(p, Cfg::kWide);
    const uint64_t box = Cfg::kWide ? (uint64_t)g.HH * g.pitch * 128 : (uint64_t)8 * g.HH * g.HW * 16;
    const uint64_t slice = Cfg::MU * box + (uint64_t)p.R * p.S * Cfg::BN * 64 * 2;
    return tma_traffic(
        dim3((unsigned)cdiv(g.units, Cfg::MU), (unsigned)cdiv(p.Kg, Cfg::BN)),
        [&] { run_halo_tma<Cfg>(p, x, w, nullptr, y.data(), 1, 1); },
        [&](unsigned) { return (uint64_t)(p.C / 64) * slice; });
}

// ... of the B-resident form's WIDE-halo variant on a 132-SM device: block b loads B once and, per 64-channel slice,
// the two halos of each of its tiles (b, b + 132, ...).
TmaTraffic tma_bres_halo_traffic(const ConvParams& p, const void* x, const void* w) {
    std::vector<half_t> y((size_t)p.N * p.OPQ * p.K);
    const TmaHaloGeom g = tma_halo_geom(p, true);
    const uint64_t tiles = (uint64_t)cdiv(g.units, 2), grid = tiles < 132 ? tiles : 132;
    const uint64_t kt = (uint64_t)cdiv(p.Kgemm, 64), slices = (uint64_t)(p.C / 64);
    return tma_traffic(
        dim3((unsigned)grid), [&] { run_tma_bres_halo<132>(p, x, w, nullptr, y.data(), 1, 1); },
        [&](unsigned b) {
            return kt * TmaBres::kSliceBytes + (tiles - b + grid - 1) / grid * slices * 2 * (uint64_t)g.unit;
        },
        1, [&](unsigned b) { return (double)((tiles - b + grid - 1) / grid); });
}

// Shared-memory traffic per tensor-core instruction of the kernels the heuristic picks for the
// ResNet-50 3x3 layers at batch 32 (NHWC; f16 and TF32), from the bank model over three whole blocks
// of each (the blocks are identical in work; emulating all of a 7 GFLOP layer would take hours). A
// static bound, not a timing: a warp mma.sync m16n8k16 (f16) / m16n8k8 (tf32) takes 2 tensor-core
// cycles of an sm_80 SM (A100 dense peak: 1024 / 512 FMA per clock and SM) and ~1.7 on sm_90 at the
// mma.sync rate the H200 measured (635 / 318 TFLOP/s), while shared memory serves one wavefront per
// clock and SM. smem cycles / tensor cycles > 1 means the kernel cannot keep the tensor cores busy
// whatever the memory system does. Fails if a halo-kernel pick (the 56x56 and 28x28 layers) needs
// more than 0.75 of the sm_80 tensor time in shared memory: the 70 % target needs the tensor pipe at
// least 70 % busy, so shared memory must fit beside it with room (its 64 x 32 warp tiles needed
// 0.87-0.96). Other picks (14x14: MED, measured faster on the H200 than the halo kernel's 3.9 warps
// per SM; 7x7: tc_conv_kernel's BIG split along K) are reported, with the cap a ratio over 1 implies.
// Returns failures.
int run_profile() {
    int fails = 0;
    struct Layer { int C, HW; };
    const Layer layers[] = {{64, 56}, {128, 28}, {256, 14}, {512, 7}};
    std::mt19937 rng(5);
    for (int dt = 0; dt < 2; ++dt)
        for (const Layer& L : layers) {
            const Problem pr = rn50_layer(L.C, L.HW, dt, rng);  // no bias (b below is null)
            const ConvParams& p = pr.p;
            const KernelChoice kc = choose_kernel(&pr.desc, p, 132, 227 * 1024);
            int blocks = 0;
            const fc_simt::BlockPredicate only = [&](const dim3& b) {
                const bool run = profile_sampled(b);
                blocks += run;
                return run;
            };
            g_only_blocks = &only;
            const fc_simt::SmemTotals before = fc_simt::smem_totals();
            const char* name = "";
            const void* b = nullptr;
            if (dt == 0) {
                std::vector<half_t> y((size_t)p.N * p.P * p.Q * p.K, 0);
                const half_t *x = pr.xh.data(), *w = pr.wh.data();
                if (kc.tile == TILE_HALO16) { name = "halo 16x16"; run_halo<MATH_F16, 16>(p, x, w, b, y.data(), 1, 1); }
                else if (kc.tile == TILE_HALO) { name = "halo 8x16"; run_halo<MATH_F16, 8>(p, x, w, b, y.data(), 1, 1); }
                else if (kc.tile == TILE_BIG) { name = "tc BIG"; run_tc<MATH_F16, TILE_BIG, true>(p, x, w, b, y.data(), 1, 1); }
                else if (kc.tile == TILE_WIDE) { name = "tc WIDE"; run_tc<MATH_F16, TILE_WIDE, true>(p, x, w, b, y.data(), 1, 1); }
                else { name = "tc MED"; run_tc<MATH_F16, TILE_MED, true>(p, x, w, b, y.data(), 1, 1); }
            } else {
                std::vector<float> y((size_t)p.N * p.P * p.Q * p.K, 0.f);
                const float *x = pr.x.data(), *w = pr.w.data();
                if (kc.tile == TILE_HALO) { name = "halo 8x16"; run_halo<MATH_TF32, 8>(p, x, w, b, y.data(), 1, 1); }
                else if (kc.tile == TILE_BIG) { name = "tc BIG"; run_tc<MATH_TF32, TILE_BIG, true>(p, x, w, b, y.data(), 1, 1); }
                else { name = "tc MED"; run_tc<MATH_TF32, TILE_MED, true>(p, x, w, b, y.data(), 1, 1); }
            }
            g_only_blocks = nullptr;
            const fc_simt::SmemTotals& after = fc_simt::smem_totals();
            uint64_t wf[fc_simt::kSmemKinds], total = 0;
            for (int k = 0; k < fc_simt::kSmemKinds; ++k) {
                wf[k] = after.kind[k].wavefronts - before.kind[k].wavefronts;
                total += wf[k];
            }
            const uint64_t mma = dt ? after.mma_m16n8k8 - before.mma_m16n8k8 : after.mma_m16n8k16 - before.mma_m16n8k16;
            const double r80 = mma ? (double)total / (2.0 * mma) : 0, r90 = mma ? (double)total / (1.69 * mma) : 0;
            printf("[profile] rn50 %3d@%-2d b32 NHWC %s %-10s (splits %d): per block %6.0f mma, smem wavefronts: "
                   "ldmatrix %6.0f cp.async %5.0f sts %5.0f lds %5.0f = %.2f per mma; smem/tensor cycles: sm_80 %.2f, "
                   "sm_90 mma.sync %.2f\n",
                   L.C, L.HW, dt ? "tf32" : "f16 ", name, kc.splits, (double)mma / blocks,
                   (double)wf[fc_simt::SmemLdmatrix] / blocks, (double)wf[fc_simt::SmemCpAsync] / blocks,
                   (double)wf[fc_simt::SmemStore] / blocks, (double)wf[fc_simt::SmemLoad] / blocks,
                   mma ? (double)total / mma : 0, r80, r90);
            const bool halo = kc.tile == TILE_HALO || kc.tile == TILE_HALO16;
            if (blocks == 0 || mma == 0 || (halo && r80 > 0.75)) {
                fprintf(stderr, "FAIL profile: rn50 %d@%d %s %s: %d blocks, %llu mma, smem/tensor cycles on sm_80 %.2f\n",
                        L.C, L.HW, dt ? "tf32" : "f16", name, blocks, (unsigned long long)mma, r80);
                ++fails;
            } else if (!halo && r80 > 1.0) {
                printf("[profile]   (not a halo pick: shared memory caps it at %.0f %% of the sm_80 tensor rate)\n",
                       100.0 / r80);
            }
        }
    // The sm_90 table's TMA picks for the same layers (f16; TF32: the TMA kernel's TF32 form, forced only) and at
    // 64@56 the B-resident form: the bytes their TMA loads move from L2 into shared memory (whole grid, from three
    // sampled blocks), the FLOP per byte, and the floor those bytes set at the 6.78 TB/s an H200's L2 gave 16-byte
    // loads (device_ceiling l2_read) -- the thirteenth session's model, held against the times a GPU measures
    // (64@56 f16: 27.6 us). A sampled block moving other bytes than its slices fails.
    for (int dt = 0; dt < 2; ++dt)
        for (const Layer& L : layers) {
            const Problem pr = rn50_layer(L.C, L.HW, dt, rng);
            const ConvParams& p = pr.p;
            const KernelChoice table = choose_kernel(&pr.desc, p, 132, 227 * 1024, true, true);
            const KernelChoice kc =
                dt ? force_wgmma(&pr.desc, p, table, 132, 227 * 1024, true, false, false, true) : table;  // tma

            if (!is_wgmma_tma_tile(kc.tile) || kc.to_nhwc || kc.cgp) {
                fprintf(stderr, "FAIL profile: rn50 %d@%d %s: the sm_90 %s is not the TMA kernel on NHWC (tile %d)\n",
                        L.C, L.HW, dt ? "tf32" : "f16", dt ? "forced TMA choice" : "table's pick", kc.tile);
                ++fails;
                continue;
            }
            const double peak = dt ? 495e12 : 989e12, flop = 2.0 * p.M * p.K * p.Kgemm;
            auto report = [&](const char* form, const TmaTraffic& t) {
                const double us = t.mb / 6.78;  // MB / (TB/s) = us
                // (useful: the layer's multiply-adds over those issued; under 1 where tiles cover rows past the
                // image -- the halo forms' 8 x 8 units at 28^2 .. 7^2 -- and the shared-memory cap scales with it)
                const double useful = t.macs > 0 ? flop / (2.0 * t.macs) : 0;
                printf("[profile] rn50 %3d@%-2d b32 NHWC %s sm_90 %-28s (splits %d): L2->SM %5.1f MB by TMA over %4u "
                       "blocks = %3.0f FLOP/B: >= %4.1f us at 6.78 TB/s, at most %2.0f %% of the dense peak; shared "
                       "memory %3.0f B per tensor clock, MMA on the layer's rows %3.0f %%: at most %3.0f %%\n",
                       L.C, L.HW, dt ? "tf32" : "f16 ", form, kc.splits, t.mb, t.blocks, flop / (t.mb * 1e6), us,
                       100.0 * flop / (us * 1e-6) / peak, t.smem_per_clk, 100.0 * useful,
                       100.0 * useful * (t.smem_per_clk > 128 ? 128 / t.smem_per_clk : 1.0));
                if (useful > 1.0001 || useful < 0.5) {
                    fprintf(stderr, "FAIL profile: rn50 %d@%d %s: the wgmma issued %.0f multiply-adds for the layer's "
                            "%.0f\n", L.C, L.HW, form, t.macs, flop / 2);
                    ++fails;
                }
                if (!t.ok) ++fails;
            };
            const bool m192 = kc.tile == TILE_WGMMA_TMA && tma_m192_better(p, (int)cdiv(p.Kg, 128), kc.splits, 132);
            const void *x = dt ? (const void*)pr.x.data() : (const void*)pr.xh.data();
            const void *w = dt ? (const void*)pr.w.data() : (const void*)pr.wh.data();
            const int sp = kc.splits;
            constexpr int MC = kTmaMulticastB, MA = kTmaMulticastA, SA = kTmaSplitMulticastA;
            const bool two_n = p.Kg > 128;  // A multicast: a pair of n tiles (the 192 / 128-row tiles' BN 128)
            if (dt) {
                constexpr int OT = kTmaOneTile;
                if (m192) {
                    report("forced wgmma_tma tf32 192x128", tma_form_traffic<TILE_WGMMA_TMA, 192, float>(p, x, w, sp));
                    report("... operands pre-rounded", tma_form_traffic<TILE_WGMMA_TMA, 192, float, OT, true>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA, 192, float, MC>(p, x, w, sp));
                    if (two_n) report("... A multicast", tma_form_traffic<TILE_WGMMA_TMA, 192, float, MA>(p, x, w, sp));
                    if (two_n && sp > 1)
                        report("... split A multicast", tma_form_traffic<TILE_WGMMA_TMA, 192, float, SA>(p, x, w, sp));
                } else if (kc.tile == TILE_WGMMA_TMA) {
                    report("forced wgmma_tma tf32 128x128", tma_form_traffic<TILE_WGMMA_TMA, 32, float>(p, x, w, sp));
                    report("... operands pre-rounded", tma_form_traffic<TILE_WGMMA_TMA, 32, float, OT, true>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA, 32, float, MC>(p, x, w, sp));
                } else {
                    report("forced wgmma_tma tf32 128x64", tma_form_traffic<TILE_WGMMA_TMA_N64, 32, float>(p, x, w, sp));
                    report("... operands pre-rounded",
                           tma_form_traffic<TILE_WGMMA_TMA_N64, 32, float, OT, true>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA_N64, 32, float, MC>(p, x, w, sp));
                }
            } else if (p.C % 64) {
                fprintf(stderr, "FAIL profile: rn50 %d@%d: C %% 64 != 0 (the TMA64 form's layers)\n", L.C, L.HW);
                ++fails;
            } else {
                if (m192) {
                    report("table wgmma_tma 192x128", tma_form_traffic<TILE_WGMMA_TMA, 192, half_t>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA, 192, half_t, MC>(p, x, w, sp));
                    if (two_n) report("... A multicast", tma_form_traffic<TILE_WGMMA_TMA, 192, half_t, MA>(p, x, w, sp));
                    if (two_n && sp > 1)
                        report("... split A multicast", tma_form_traffic<TILE_WGMMA_TMA, 192, half_t, SA>(p, x, w, sp));
                } else if (kc.tile == TILE_WGMMA_TMA) {
                    report("table wgmma_tma 128x128", tma_form_traffic<TILE_WGMMA_TMA, 64, half_t>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA, 64, half_t, MC>(p, x, w, sp));
                } else if (kc.tile == TILE_WGMMA_TMA_N64) {
                    report("table wgmma_tma 128x64", tma_form_traffic<TILE_WGMMA_TMA_N64, 64, half_t>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA_N64, 64, half_t, MC>(p, x, w, sp));
                } else {
                    report("table wgmma_tma 256x128", tma_form_traffic<TILE_WGMMA_TMA_M256, 64, half_t>(p, x, w, sp));
                    report("... B multicast", tma_form_traffic<TILE_WGMMA_TMA_M256, 64, half_t, MC>(p, x, w, sp));
                }
                if (!tma_bres_unsupported(p)) report("forced B-resident 128x64", tma_bres_traffic(p, x, w));
                // the halo forms (256-row blocks; at BN 128 also 128-row ones -- which height the forced form takes,
                // tma_halo_mu, is checked below; at 28^2 .. 7^2 the 8 x 8 units cover 23 % pixels past the image: the
                // "MMA on the layer's rows" column)
                if (p.Kg <= 64) {
                    report("forced halo 256x64", tma_halo_traffic<HaloTmaN64M256>(p, x, w));
                    report("forced wide halo 256x64", tma_halo_traffic<HaloWideN64M256>(p, x, w));
                    if (!tma_bres_halo_unsupported(p))
                        report("forced B-resident wide halo", tma_bres_halo_traffic(p, x, w));
                } else {
                    report("forced halo 256x128", tma_halo_traffic<HaloTmaN128M256>(p, x, w));
                    report("forced wide halo 256x128", tma_halo_traffic<HaloWideN128M256>(p, x, w));
                    report("forced wide halo 128x128", tma_halo_traffic<HaloWideN128M128>(p, x, w));
                }
                // the block height the forced WIDE form takes (tma_halo_mu): 256 rows at 56^2 and 28^2 (28^2: 128
                // blocks in one wave fill the 132 SMs as well as 256 in two), 128 at 14^2 / 7^2 (64 / 32 blocks)
                const int mu = p.Kg <= 64 ? tma_halo_mu(p, 132, 64, true, HaloWideN64M256::kRingBytes,
                                                        HaloWideN64M128::kRingBytes)
                                          : tma_halo_mu(p, 132, 128, true, HaloWideN128M256::kRingBytes,
                                                        HaloWideN128M128::kRingBytes);
                printf("[profile] rn50 %3d@%-2d b32 NHWC f16  sm_90 the forced WIDE halo form's blocks: %d rows\n", L.C,
                       L.HW, 64 * mu);
                if (mu != (L.HW >= 28 ? 4 : 2)) {
                    fprintf(stderr, "FAIL profile: rn50 %d@%d: tma_halo_mu %d\n", L.C, L.HW, mu);
                    ++fails;
                }
            }
        }
    return fails + bank_check("profile");  // the same bank rules at full ResNet sizes
}

// TmaRounded (the TF32 TMA kernel without its rounding warpgroup) on operands the NCHW -> NHWC transform rounded
// must give bit for bit what the kernel with its warpgroup gives on the plain transform: the same cvt.rna values
// reach the same wgmma, only the place of the rounding moved. The counter-check shows that this comparison can
// fail: TmaRounded on unrounded operands (the tensor cores ignore the low 13 bits -- truncation, as the emulation
// models them) must differ on some shape of the group (g_round_trunc_differs, required in run_group).
uint64_t g_round_same = 0, g_round_trunc_differs = 0;
void check_tf32_round_in_transform(const Problem& pr, Stats& st, const std::string& sname) {
    const ConvParams& p = pr.p;
    if (p.chlast || p.Cg % 4 || tma_conv_unsupported(nhwc_input_view(p), 4)) return;
    const float* b = p.has_bias ? pr.b.data() : nullptr;
    std::vector<float> xt, wt, xr, wr;
    const float *wk = nullptr, *wkr = nullptr;
    const ConvParams q = transpose_inputs<float>(p, pr.x.data(), pr.w.data(), xt, wt, &wk);
    transpose_inputs<float>(p, pr.x.data(), pr.w.data(), xr, wr, &wkr, true);
    const size_t n = (size_t)p.N * p.OPQ * p.K;
    std::vector<float> in_kernel(n, NAN), in_transform(n, NAN), truncated(n, NAN);
    run_wgmma_tma_n<TILE_WGMMA_TMA_N64, 32, 0, float>(q, xt.data(), wk, b, in_kernel.data(), 1, 1);
    run_wgmma_tma_n<TILE_WGMMA_TMA_N64, 32, 0, float, kTmaOneTile, true>(q, xr.data(), wkr, b, in_transform.data(), 1,
                                                                         1);
    run_wgmma_tma_n<TILE_WGMMA_TMA_N64, 32, 0, float, kTmaOneTile, true>(q, xt.data(), wk, b, truncated.data(), 1, 1);
    if (memcmp(in_kernel.data(), in_transform.data(), n * sizeof(float))) {
        size_t i = 0;  // the first element whose bits differ
        while (!memcmp(&in_kernel[i], &in_transform[i], sizeof(float))) ++i;
        fprintf(stderr, "FAIL tf32 rounded in the transform (TmaRounded 128x64x32) %s: y[%zu] = %.9g, rounded in the "
                "kernel %.9g (must be bit-identical)\n", sname.c_str(), i, in_transform[i], in_kernel[i]);
        ++st.fails;
    } else {
        ++g_round_same;
    }
    g_round_trunc_differs += memcmp(in_kernel.data(), truncated.data(), n * sizeof(float)) != 0;
}

int run_group(const std::string& group, int max_shapes) {
    const std::vector<Shape> shapes = make_shapes(max_shapes);
    std::mt19937 rng(777);
    Stats st;
    long variants_seen = 0;
    const auto t0 = std::chrono::steady_clock::now();
    int heuristic_counts[3][7] = {{0}};
    int tile_picks = 0;
    bool tile_runs_seen = false;
    for (size_t si = 0; si < shapes.size(); ++si) {
        const Shape& sh = shapes[si];
        const std::string sname = shape_str(sh);
        for (int layout = 0; layout < 2; ++layout) {
            Problem pr;
            auto setup = [&](int dtype, int precision) {
                pr.desc = make_desc(sh, layout, dtype, precision);
                const char* why = make_conv_params(&pr.desc, &pr.p);
                if (why) {
                    fprintf(stderr, "bad shape %s: %s\n", sname.c_str(), why);
                    exit(2);
                }
                fill(pr, rng);
                KernelChoice kc = choose_kernel(&pr.desc, pr.p, 132, 227 * 1024);
                heuristic_counts[kc.kind][kc.tile]++;
                tile_picks += kc.kind == KK_DIRECT && kc.direct_tile;
                // direct_tile_kernel only for 2-D 3x3 stride-1 problems (1-D / 3-D fall through).
                if (kc.direct_tile && (sh.nd != 2 || sh.k[0] != 3 || sh.k[1] != 3 || sh.s[0] != 1 || sh.s[1] != 1)) {
                    fprintf(stderr, "FAIL heuristic picks direct_tile_kernel for %s\n", sname.c_str());
                    ++st.fails;
                }
            };
            if (group == "tc_tf32") {
                setup(FC_DTYPE_F32, FC_PRECISION_TF32);
                auto v = tc_variants<MATH_TF32>();
                run_gemm_variants<float>("tf32", v, pr, 1, false, st, sname);
                check_tf32_round_in_transform(pr, st, sname);
                variants_seen = v.size();
            } else if (group == "tc_f16f32") {
                setup(FC_DTYPE_F32, FC_PRECISION_FP16);
                auto v = tc_variants<MATH_F16_F32IO>();
                run_gemm_variants<float>("fp16(f32 io)", v, pr, 2, false, st, sname);
                variants_seen = v.size();
            } else if (group == "tc_3xtf32") {
                setup(FC_DTYPE_F32, FC_PRECISION_3XTF32);
                auto v = tc_variants<MATH_3XTF32>();
                run_gemm_variants<float>("3xtf32", v, pr, 0, true, st, sname);
                variants_seen = v.size();
            } else if (group == "tc_f16") {
                setup(FC_DTYPE_F16, FC_PRECISION_FP16);
                auto v = tc_variants<MATH_F16>();
                run_gemm_variants<half_t>("f16", v, pr, 0, false, st, sname);
                variants_seen = v.size();
            } else if (group == "simt") {
                setup(FC_DTYPE_F32, FC_PRECISION_FP32);
                std::vector<Variant> v = {{"simt implicit 64x64x32", &run_simt<true>, 1},
                                          {"simt unfold+gemm 64x64x32", &run_simt<false>, 0},
                                          {"NCHW->NHWC + simt implicit", &run_simt<true>, 1, 1},
                                          {"channel pad NHWC + simt implicit", &run_simt<true>, 1, NHWC_PAD},
                                          {"simt implicit split-K 3", &run_simt<true, 3>, 1},
                                          {"NCHW->NHWC + simt implicit split-K 2", &run_simt<true, 2>, 1, 1}};
                run_gemm_variants<float>("fp32", v, pr, 0, false, st, sname);
                variants_seen = v.size();
            } else if (group == "direct") {
                // f32 x {fp32, tf32, fp16, 3xtf32} and f16, each with KB 4 and 16.
                const int precs[] = {FC_PRECISION_FP32, FC_PRECISION_TF32, FC_PRECISION_FP16, FC_PRECISION_3XTF32};
                // generic, strip x {element, vec4, staged} stores; tile (FFMA step) x 3 modes; tile with the
                // tensor-core step (f16, f32 tf32, f32 fp16) x 3 modes
                variants_seen = 10 * 4 + 3 * 5 + 3 * 3;
                for (int dt = 0; dt < 2; ++dt)
                    for (int pi = 0; pi < (dt ? 1 : 4); ++pi) {
                        setup(dt ? FC_DTYPE_F16 : FC_DTYPE_F32, dt ? FC_PRECISION_FP32 : precs[pi]);
                        const int rm = dt ? ROUND_NONE
                                          : precs[pi] == FC_PRECISION_TF32 ? ROUND_TF32
                                          : precs[pi] == FC_PRECISION_FP16 ? ROUND_F16
                                                                           : ROUND_NONE;
                        std::vector<double> yref, tol;
                        reference(pr, rm, false, dt == 1, yref, tol);
                        const ConvParams& p = pr.p;
                        // generic kernel (KB 4/16), strip kernel (KB 4/16) with scalar and,
                        // where legal, vector NHWC stores (y buffers are 16-byte aligned).
                        for (int kb : {4, 16})
                            for (int mode = 0; mode < 4; ++mode) {
                                // mode 0: generic kernel; 1..3: strip kernel with STORE_ELEM / VEC4 /
                                // STAGED (the latter two where the backend could pick them).
                                const int legal = direct_strip_store_mode(p, kb, nullptr, dt ? 2 : 4);
                                if (mode == 2 && legal == STORE_ELEM) continue;
                                if (mode == 3 && legal != STORE_STAGED) continue;
                                char what[96];
                                snprintf(what, sizeof what, "direct%s %s prec%d KB%d",
                                         mode == 0 ? "" : mode == 1 ? " strip" : mode == 2 ? " strip vec4" : " strip staged",
                                         dt ? "f16" : "f32", dt ? 0 : precs[pi], kb);
                                if (dt) {
                                    std::vector<half_t> y(yref.size(), 0x7fff);
                                    const half_t* b = p.has_bias ? pr.bh.data() : nullptr;
                                    if (mode == 0) {
                                        if (kb == 4) run_direct<half_t, 4>(p, rm, pr.xh.data(), pr.wh.data(), b, y.data());
                                        else run_direct<half_t, 16>(p, rm, pr.xh.data(), pr.wh.data(), b, y.data());
                                    } else {
                                        if (kb == 4) run_direct_strip<half_t, 4>(p, rm, pr.xh.data(), pr.wh.data(), b, y.data(), mode - 1);
                                        else run_direct_strip<half_t, 16>(p, rm, pr.xh.data(), pr.wh.data(), b, y.data(), mode - 1);
                                    }
                                    compare(what, pr, y, yref, tol, st, sname);
                                } else {
                                    std::vector<float> y(yref.size(), NAN);
                                    const float* b = p.has_bias ? pr.b.data() : nullptr;
                                    if (mode == 0) {
                                        if (kb == 4) run_direct<float, 4>(p, rm, pr.x.data(), pr.w.data(), b, y.data());
                                        else run_direct<float, 16>(p, rm, pr.x.data(), pr.w.data(), b, y.data());
                                    } else {
                                        if (kb == 4) run_direct_strip<float, 4>(p, rm, pr.x.data(), pr.w.data(), b, y.data(), mode - 1);
                                        else run_direct_strip<float, 16>(p, rm, pr.x.data(), pr.w.data(), b, y.data(), mode - 1);
                                    }
                                    compare(what, pr, y, yref, tol, st, sname);
                                }
                            }
                        // direct_tile_kernel where the heuristic may pick it: 1 SM (persistent loop over
                        // every tile, double buffering) and 132 SMs (one tile per block) with the host's
                        // vector modes, and 1 SM with per-element copies/stores; each also bit for bit
                        // against the strip kernel (same tap order).
                        if (direct_tile_supported(p, 16)) {
                            tile_runs_seen = true;
                            for (int tv = 0; tv < 3; ++tv) {
                                const int sms = tv == 1 ? 132 : 1;
                                const bool scalar = tv == 2;
                                char what[96];
                                snprintf(what, sizeof what, "direct tile %s prec%d %s%s", dt ? "f16" : "f32",
                                         dt ? 0 : precs[pi], sms == 1 ? "1 SM" : "132 SMs", scalar ? " scalar" : "");
                                auto bitwise = [&](const auto& y, const auto& ys) {
                                    ++st.runs;
                                    if (memcmp(y.data(), ys.data(), y.size() * sizeof(y[0])) != 0) {
                                        ++st.fails;
                                        fprintf(stderr, "FAIL %s %s %s: not bit-identical to the strip kernel\n", what,
                                                p.chlast ? "NHWC" : "NCHW", sname.c_str());
                                    }
                                };
                                if (dt) {
                                    std::vector<half_t> y(yref.size(), 0x7fff), ys(yref.size(), 0x7fff);
                                    const half_t* b = p.has_bias ? pr.bh.data() : nullptr;
                                    run_direct_tile<half_t>(p, rm, pr.xh.data(), pr.wh.data(), b, y.data(), sms, scalar);
                                    compare(what, pr, y, yref, tol, st, sname);
                                    run_direct_strip<half_t, 16>(p, rm, pr.xh.data(), pr.wh.data(), b, ys.data(), STORE_ELEM);
                                    bitwise(y, ys);
                                } else {
                                    std::vector<float> y(yref.size(), NAN), ys(yref.size(), NAN);
                                    const float* b = p.has_bias ? pr.b.data() : nullptr;
                                    run_direct_tile<float>(p, rm, pr.x.data(), pr.w.data(), b, y.data(), sms, scalar);
                                    compare(what, pr, y, yref, tol, st, sname);
                                    run_direct_strip<float, 16>(p, rm, pr.x.data(), pr.w.data(), b, ys.data(), STORE_ELEM);
                                    bitwise(y, ys);
                                }
                                // The tensor-core step (f16 tensors; f32 with TF32 / FP16) in the same mode,
                                // against the reference with the fp32-accumulation bound (its products are exact).
                                if (direct_tile_mma_ok(dt ? 2 : 4, rm)) {
                                    snprintf(what, sizeof what, "direct tile mma %s prec%d %s%s", dt ? "f16" : "f32",
                                             dt ? 0 : precs[pi], sms == 1 ? "1 SM" : "132 SMs", scalar ? " scalar" : "");
                                    if (dt) {
                                        std::vector<half_t> y(yref.size(), 0x7fff);
                                        const half_t* b = p.has_bias ? pr.bh.data() : nullptr;
                                        run_direct_tile<half_t>(p, rm, pr.xh.data(), pr.wh.data(), b, y.data(), sms,
                                                                scalar, true);
                                        compare(what, pr, y, yref, tol, st, sname);
                                    } else {
                                        std::vector<float> y(yref.size(), NAN);
                                        const float* b = p.has_bias ? pr.b.data() : nullptr;
                                        run_direct_tile<float>(p, rm, pr.x.data(), pr.w.data(), b, y.data(), sms,
                                                               scalar, true);
                                        compare(what, pr, y, yref, tol, st, sname);
                                    }
                                }
                            }
                        }
                    }
            } else if (group == "unfold") {
                variants_seen = 2;
                for (int dt = 0; dt < 2; ++dt) {
                    setup(dt ? FC_DTYPE_F16 : FC_DTYPE_F32, FC_PRECISION_FP32);
                    ConvParams p;
                    make_conv_params(&pr.desc, &p, 1);  // fc_unfold ignores groups
                    const size_t rows = (size_t)p.C * p.TRS, L = p.OPQ;
                    std::vector<float> ref((size_t)p.N * rows * L, 0.f);
                    for (int n = 0; n < p.N; ++n)
                        for (int c = 0; c < p.C; ++c)
                            for (int t = 0; t < p.T; ++t)
                                for (int r = 0; r < p.R; ++r)
                                    for (int s = 0; s < p.S; ++s)
                                        for (int o = 0; o < p.O; ++o)
                                            for (int pp = 0; pp < p.P; ++pp)
                                                for (int q = 0; q < p.Q; ++q) {
                                                    const int id = o * p.sd - p.pd + t * p.dd;
                                                    const int ih = pp * p.sh - p.ph + r * p.dh;
                                                    const int iw = q * p.sw - p.pw + s * p.dw;
                                                    float v = 0;
                                                    if (id >= 0 && id < p.D && ih >= 0 && ih < p.H && iw >= 0 && iw < p.W)
                                                        v = pr.x[p.chlast ? ((((size_t)n * p.D + id) * p.H + ih) * p.W + iw) * p.C + c
                                                                          : ((((size_t)n * p.C + c) * p.D + id) * p.H + ih) * p.W + iw];
                                                    const size_t row = ((size_t)c * p.T + t) * p.R * p.S + r * p.S + s;
                                                    ref[((size_t)n * rows + row) * L + (o * p.P + pp) * p.Q + q] = v;
                                                }
                    bool ok = true;
                    size_t bad = 0;
                    if (dt) {
                        std::vector<half_t> out(ref.size(), 0x7fff);
                        run_unfold<half_t>(p, UNFOLD_PUBLIC, pr.xh.data(), out.data());
                        for (size_t i = 0; i < ref.size() && ok; ++i)
                            if (fc::cuda::f16_bits_to_f32(out[i]) != ref[i]) { ok = false; bad = i; }
                    } else {
                        std::vector<float> out(ref.size(), NAN);
                        run_unfold<float>(p, UNFOLD_PUBLIC, pr.x.data(), out.data());
                        for (size_t i = 0; i < ref.size() && ok; ++i)
                            if (!(out[i] == ref[i])) { ok = false; bad = i; }
                    }
                    ++st.runs;
                    if (!ok) {
                        ++st.fails;
                        fprintf(stderr, "FAIL unfold %s %s %s at %zu\n", dt ? "f16" : "f32", layout ? "NHWC" : "NCHW",
                                sname.c_str(), bad);
                    }
                }
            } else {
                fprintf(stderr, "unknown group %s\n", group.c_str());
                return 2;
            }
        }
    }
    if (group == "direct") {
        printf("[%s] direct_tile_kernel: picked by the heuristic for %d of these problems\n", group.c_str(), tile_picks);
        if (!tile_runs_seen) {
            fprintf(stderr, "FAIL no shape ran direct_tile_kernel\n");
            ++st.fails;
        }
        // The note shape (1x3x1024x1024 -> 16, 3x3, pad 1) picks it under AUTO and DIRECT, f32/f16, NCHW/NHWC.
        for (int layout = 0; layout < 2; ++layout)
            for (int dt = 0; dt < 2; ++dt)
                for (int algo : {FC_ALGO_AUTO, FC_ALGO_DIRECT}) {
                    const Shape note = {2, 1, 3, 16, 1, {1024, 1024, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}, {1, 1, 0},
                                        {1, 1, 0}, 1, 0};
                    fc_conv_desc d = make_desc(note, layout, dt ? FC_DTYPE_F16 : FC_DTYPE_F32, FC_PRECISION_FP32);
                    d.algorithm = algo;
                    ConvParams p;
                    make_conv_params(&d, &p);
                    const KernelChoice kc = choose_kernel(&d, p, 132, 227 * 1024);
                    if (kc.kind != KK_DIRECT || !kc.direct_tile) {
                        fprintf(stderr, "FAIL note shape (layout %d dtype %d algo %d) does not pick direct_tile_kernel\n",
                                layout, dt, algo);
                        ++st.fails;
                    }
                    // ... with the tensor-core step exactly where the precision allows it.
                    for (int prec : {FC_PRECISION_FP32, FC_PRECISION_TF32, FC_PRECISION_FP16, FC_PRECISION_3XTF32}) {
                        d.precision = prec;
                        const KernelChoice k2 = choose_kernel(&d, p, 132, 227 * 1024);
                        const int want = dt || prec == FC_PRECISION_TF32 || prec == FC_PRECISION_FP16 ? 2 : 1;
                        if (k2.direct_tile != want) {
                            fprintf(stderr, "FAIL note shape (layout %d dtype %d prec %d): direct_tile %d, want %d\n",
                                    layout, dt, prec, k2.direct_tile, want);
                            ++st.fails;
                        }
                    }
                }
        st.fails += direct_tile_mma_inf_check(st.runs);
        st.fails += g_guard_fails;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    st.fails += bank_check(group);
    printf("[%s] %ld variants x %zu shapes x 2 layouts: %ld kernel runs, %ld failures, worst err/tol %.3g, %.1f s\n",
           group.c_str(), variants_seen, shapes.size(), st.runs, st.fails, st.worst, secs);
    if (!st.by_kernel.empty()) {
        std::string fams;
        for (const auto& e : st.by_kernel) fams += " " + e.first + " " + std::to_string(e.second);
        printf("[%s] implicit-GEMM runs per kernel family:%s\n", group.c_str(), fams.c_str());
    }
    // wgmma_tma_conv_kernel must have met the shapes that exercise its TMA encoding (stride, dilation,
    // asymmetric padding, 1-D, 128-pixel boxes across images, persistent blocks over several tiles) -- where
    // the run covers every fixed shape (the shuffled ctest entries run the first 20 only)
    if (group == "tc_f16" && shapes.size() >= g_fixed_shapes && st.by_kernel["WGMMA_TMA"] < 40) {
        fprintf(stderr, "FAIL [%s] only %ld WGMMA_TMA runs: the shapes TMA takes went missing\n", group.c_str(),
                st.by_kernel["WGMMA_TMA"]);
        ++st.fails;
    }
    // ... and its cluster form must have run (not fallen back to the one-tile form on every shape: 1-slice K).
    if ((group == "tc_f16" || group == "tc_tf32") && shapes.size() >= g_fixed_shapes) {
        printf("[%s] cluster-split form runs: %llu, B-multicast form runs: %llu, A-multicast form runs: %llu, split "
               "A-multicast form runs: %llu\n",
               group.c_str(), (unsigned long long)g_cluster_runs, (unsigned long long)g_mcast_runs,
               (unsigned long long)g_mcast_a_runs, (unsigned long long)g_split_a_runs);
        if (g_cluster_runs < 10 || g_mcast_runs < 10 || g_mcast_a_runs < 10 || g_split_a_runs < 10) {
            fprintf(stderr, "FAIL [%s] only %llu cluster-split / %llu B-multicast / %llu A-multicast / %llu split "
                    "A-multicast runs\n", group.c_str(), (unsigned long long)g_cluster_runs,
                    (unsigned long long)g_mcast_runs, (unsigned long long)g_mcast_a_runs,
                    (unsigned long long)g_split_a_runs);
            ++st.fails;
        }
    }
    if (group == "tc_tf32" && shapes.size() >= g_fixed_shapes) {
        printf("[%s] TF32 rounded in the transform: bit-identical to the kernel's own rounding on %llu problems; "
               "truncated operands differed on %llu\n", group.c_str(), (unsigned long long)g_round_same,
               (unsigned long long)g_round_trunc_differs);
        if (g_round_same < 10 || g_round_trunc_differs < 5) {
            fprintf(stderr, "FAIL [%s] the rounded-transform check ran on %llu problems (truncation visible on %llu)\n",
                    group.c_str(), (unsigned long long)g_round_same, (unsigned long long)g_round_trunc_differs);
            ++st.fails;
        }
    }
    printf("[%s] heuristic picks over these problems (H100-like: 132 SMs, 227 KB): direct %d, implicit BIG %d WIDE %d "
           "MED %d SMALL %d SIMT %d HALO %d HALO16 %d\n",
           group.c_str(), heuristic_counts[KK_DIRECT][TILE_MED], heuristic_counts[KK_IMPLICIT][TILE_BIG],
           heuristic_counts[KK_IMPLICIT][TILE_WIDE], heuristic_counts[KK_IMPLICIT][TILE_MED],
           heuristic_counts[KK_IMPLICIT][TILE_SMALL], heuristic_counts[KK_IMPLICIT][TILE_SIMT],
           heuristic_counts[KK_IMPLICIT][TILE_HALO], heuristic_counts[KK_IMPLICIT][TILE_HALO16]);
    if (group == "tc_f16") {
        // tc_halo_kernel picks: the ResNet-50 3x3 layers at batch 32 with an NHWC output (f16) or
        // either output (TF32), except 14x14 (< 6 warps per SM) and 7x7 (62 % of its 8x16 tiles
        // wasted); never at batch 1 (fewer blocks than SMs), for f32 tensors with FP16, for 1x1 /
        // stride 2, or when the caller disallows it (FASTCONV_CUDA_IMPLICIT_KERNEL=gather).
        struct Case { int N, C, HW, k, st, dtype, prec; bool allow; int want; };  // want: tile, or -1
        const int F16 = FC_DTYPE_F16, F32 = FC_DTYPE_F32, P16 = FC_PRECISION_FP16, TF = FC_PRECISION_TF32;
        const int H8 = TILE_HALO, H16 = TILE_HALO16;
        const Case cases[] = {{32, 64, 56, 3, 1, F16, P16, true, H16},  {32, 128, 28, 3, 1, F16, P16, true, H16},
                              {32, 256, 14, 3, 1, F16, P16, true, -1},  {32, 512, 7, 3, 1, F16, P16, true, -1},
                              {1, 64, 56, 3, 1, F16, P16, true, -1},    {32, 64, 56, 3, 1, F32, P16, true, -1},
                              {32, 64, 56, 1, 1, F16, P16, true, -1},   {32, 128, 56, 3, 2, F16, P16, true, -1},
                              {32, 64, 56, 3, 1, F16, P16, false, -1},  {32, 48, 56, 3, 1, F16, P16, true, -1},
                              {32, 64, 56, 3, 1, F32, TF, true, H8},    {32, 48, 56, 3, 1, F32, TF, true, H8},
                              {32, 40, 56, 3, 1, F32, TF, true, -1},    {32, 64, 56, 3, 1, F32, FC_PRECISION_FP32, true, -1},
                              // 64@56 at batch 13: 208 16x16-pixel blocks of 4 warps (>= 6 per SM); batch 12:
                              // 192 (5.8 per SM) and 336 8x16 blocks of 2 warps (5.1) -> neither; 40x40 at
                              // batch 32: 16x16 tiles waste 31 % -> 8x16 (17 %, 480 blocks = 7.3 warps per SM);
                              // TF32 256@14: 256 blocks of 2 warps (3.9 per SM) -> none
                              {13, 64, 56, 3, 1, F16, P16, true, H16},  {12, 64, 56, 3, 1, F16, P16, true, -1},
                              {32, 64, 40, 3, 1, F16, P16, true, H8},   {32, 256, 14, 3, 1, F32, TF, true, -1}};
        for (const Case& c : cases)
            for (int layout = 0; layout < 2; ++layout) {
                const Shape sh = {2, c.N, c.C, c.C < 64 ? 64 : c.C, 1, {c.HW, c.HW, 0}, {c.k, c.k, 0}, {c.st, c.st, 0},
                                  {c.k / 2, c.k / 2, 0}, {c.k / 2, c.k / 2, 0}, {1, 1, 0}, 1, 0};
                fc_conv_desc d = make_desc(sh, layout, c.dtype, c.prec);
                d.algorithm = FC_ALGO_IMPLICIT_GEMM;
                ConvParams p;
                make_conv_params(&d, &p);
                const KernelChoice kc = choose_kernel(&d, p, 132, 227 * 1024, c.allow);
                ++st.runs;
                const bool halo = kc.tile == TILE_HALO || kc.tile == TILE_HALO16;
                const int want = layout == 0 && c.dtype == F16 ? -1 : c.want;  // f16 NCHW output: no halo
                if ((halo ? kc.tile : -1) != want || (halo && kc.splits != 1)) {
                    ++st.fails;
                    fprintf(stderr, "FAIL heuristic: N%d C%d %dx%d k%d s%d dtype %d layout %d allow %d: tile %d\n", c.N,
                            c.C, c.HW, c.HW, c.k, c.st, c.dtype, layout, (int)c.allow, kc.tile);
                }
            }
    }
    return st.fails ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string group = argc > 1 ? argv[1] : "all";
    const int max_shapes = argc > 2 ? atoi(argv[2]) : 0;
    g_first_shape = argc > 3 ? atoi(argv[3]) : 0;
    if (group == "profile") return run_profile() ? 1 : 0;
    if (group == "candidates") return run_candidates(max_shapes);
    if (group == "all") {
        int rc = 0;
        for (const char* g : {"unfold", "direct", "simt", "tc_tf32", "tc_f16f32", "tc_3xtf32", "tc_f16"})
            rc |= run_group(g, max_shapes);
        return rc;
    }
    return run_group(group, max_shapes);
}
