// gpu_check.cpp — the device job: correctness of the CUDA backend against the
// CPU backend, and a benchmark. Uses ONLY the public C API (fastconv.h).
//
//   gpu_check [--correctness] [--bench] [--csv FILE] [--quick] [--device D] [--only LIST]
//             [--note 0|1] [--one N,C,K,H,W,k,stride,pad,layout,dtype,prec] [--compare] [--compare-csv FILE]
//   (no mode flag: correctness + bench). Exit: 0 all passed, 1 failures, 77 no CUDA device.
//   --only LIST (comma-separated substrings of the benchmark's shape names, e.g. 3x3_56_b32,1x1_b32): the
//   benchmark runs only those shapes, without its [gather] rows and the comparison --bench otherwise includes
//   -- the short benchmark gpu-check.sh gives each forced form of a kernel.
//   --compare (also part of --bench): the note shape with direct_tile_kernel's tensor-core and
//   FFMA steps vs the old direct_strip_kernel (FASTCONV_CUDA_DIRECT_KERNEL=ffma / strip),
//   f32 (FP32, TF32) / f16 x NCHW/NHWC: FFMA bit-identical to strip, tensor-core within the
//   accumulation bound, median us, GB/s, % of DRAM peak (lines "note-compare ..."); and the
//   ResNet-50 3x3 batch-32 layers on tc_halo_kernel vs tc_conv_kernel
//   (FASTCONV_CUDA_IMPLICIT_KERNEL=gather), f16 and TF32 (lines "halo-compare ...").
//
// (a) correctness: ~100 fixed + seeded random shapes (1-D/2-D/3-D, groups,
//     stride, asymmetric padding, dilation, odd sizes, bias, ReLU); for each:
//     algorithm {DIRECT, UNFOLD_GEMM, IMPLICIT_GEMM, AUTO} x precision {FP32,
//     TF32, FP16, 3XTF32} x layout {NCHW, NHWC} x dtype {F32, F16}. Reference:
//     the CPU backend (device 0), FP32 DIRECT on the same (f16-rounded) values;
//     "mag" = the CPU convolution of |x| and |w| (sum of |products|). Error
//     bound per output: |y - ref| <= tol * mag + 2^-20 |bias| with tol:
//       FP32, 3XTF32 : (Kgemm + 8) * 2^-22   (two fp32 accumulations)
//       TF32         : 2^-9 + that           (rna to 10 bits: <= 2^-11 per input)
//       FP16 (f32)   : 2^-9 + that           (rn to 11 bits)
//       F16 tensors  : + 2^-10 |y| for the fp16 output rounding
// (b) benchmark: the RGB note shape and ResNet-50 layers at batch 1 and 32,
//     each precision, NCHW and NHWC, algorithm AUTO: median of 50 timed runs
//     (CUDA events around each run) after 5 warm-ups, and per launch in batches of
//     20 back-to-back launches (batch_us: median of 15); TFLOP/s, GB/s of the
//     minimal traffic (x + w + bias + y once), % of the device's peak
//     (table below). Prints a table; --csv writes the same rows.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "fastconv.h"

namespace {

#define CHECK(call)                                                                               \
    do {                                                                                          \
        fc_status s_ = (call);                                                                    \
        if (s_ != FC_SUCCESS) {                                                                   \
            fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, (int)s_, fc_last_error()); \
            return false;                                                                         \
        }                                                                                         \
    } while (0)

// ---- peaks (dense, no sparsity), per SXM part; sources: NVIDIA A100 datasheet
// (TF32 156, FP16 312, FP32 19.5 TFLOP/s, HBM2e 2.0 TB/s for 80 GB SXM), H100
// SXM datasheet (TF32 494.7, FP16 989.4, FP32 66.9 TFLOP/s, HBM3 3.35 TB/s),
// H200 SXM datasheet (same compute as H100 SXM, HBM3e 4.8 TB/s), L40S/Ada
// sm_89 (TF32 90.5, FP16 181 (fp32 acc: 362/2), FP32 91.6, 0.864 TB/s), A10/
// sm_86 (TF32 62.5, FP16 125, FP32 31.2, 0.6 TB/s).
struct Peaks {
    const char* name;
    double tf32, fp16, fp32, dram_tbs;
};
Peaks peaks_for(int major, int minor, const char* devname) {
    if (major == 9) {
        if (strstr(devname, "H200")) return {"H200 SXM", 494.7, 989.4, 66.9, 4.8};
        return {"H100 SXM", 494.7, 989.4, 66.9, 3.35};
    }
    if (major == 8 && minor == 0) return {"A100 SXM", 156, 312, 19.5, 2.0};
    if (major == 8 && minor == 9) return {"L40S (sm_89)", 90.5, 181, 91.6, 0.864};
    if (major == 8) return {"A10 (sm_86)", 62.5, 125, 31.2, 0.6};
    return {"unknown (H100 numbers)", 494.7, 989.4, 66.9, 3.35};
}

// ---- fp16 helpers (host) ----
uint16_t f2h(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    const uint32_t sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7fffu);
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
    if (a >= 0x38800000u) {
        const uint32_t r = a + 0x0fffu + ((a >> 13) & 1u);
        return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
    }
    if (a <= 0x33000000u) return (uint16_t)sign;
    const uint32_t e = a >> 23, m = (a & 0x007fffffu) | 0x00800000u, sh = 126u - e;
    uint32_t r = m >> sh;
    const uint32_t rem = m & ((1u << sh) - 1u), half = 1u << (sh - 1u);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return (uint16_t)(sign | r);
}
float h2f(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    uint32_t u;
    if (e == 0x1f) u = sign | 0x7f800000u | (m << 13);
    else if (e) u = sign | ((e + 112u) << 23) | (m << 13);
    else if (!m) u = sign;
    else {
        float f = (float)m * 0x1p-24f;
        memcpy(&u, &f, 4);
        u |= sign;
    }
    float f;
    memcpy(&f, &u, 4);
    return f;
}

struct Shape {
    int nd;
    int64_t N, C, K, G;
    int64_t in[3], k[3], s[3], pb[3], pe[3], d[3];
    int bias, relu;
    const char* name;
};

fc_conv_desc to_desc(const Shape& sh, int layout, int dtype, int prec, int algo) {
    fc_conv_desc d;
    fc_conv_desc_init(&d);
    d.spatial_dims = sh.nd;
    d.dtype = dtype;
    d.precision = prec;
    d.layout = layout;
    d.algorithm = algo;
    d.has_bias = sh.bias;
    d.activation = sh.relu ? FC_ACTIVATION_RELU : FC_ACTIVATION_NONE;
    d.batch = sh.N;
    d.in_channels = sh.C;
    d.out_channels = sh.K;
    d.groups = sh.G;
    for (int i = 0; i < sh.nd; ++i) {
        d.in_size[i] = sh.in[i];
        d.kernel_size[i] = sh.k[i];
        d.stride[i] = sh.s[i];
        d.pad_begin[i] = sh.pb[i];
        d.pad_end[i] = sh.pe[i];
        d.dilation[i] = sh.d[i];
    }
    return d;
}

std::string shape_str(const Shape& s) {
    char b[300];
    int n = snprintf(b, sizeof b, "%dd N%lld C%lld K%lld g%lld in", s.nd, (long long)s.N, (long long)s.C,
                     (long long)s.K, (long long)s.G);
    for (int i = 0; i < s.nd; ++i) n += snprintf(b + n, sizeof b - n, "%s%lld", i ? "x" : "", (long long)s.in[i]);
    n += snprintf(b + n, sizeof b - n, " k");
    for (int i = 0; i < s.nd; ++i) n += snprintf(b + n, sizeof b - n, "%s%lld", i ? "x" : "", (long long)s.k[i]);
    n += snprintf(b + n, sizeof b - n, " s%lld p%lld/%lld d%lld%s%s", (long long)s.s[s.nd - 1],
                  (long long)s.pb[s.nd - 1], (long long)s.pe[s.nd - 1], (long long)s.d[s.nd - 1],
                  s.bias ? " bias" : "", s.relu ? " relu" : "");
    return b;
}

Shape s2d(const char* name, int64_t N, int64_t C, int64_t K, int64_t H, int64_t W, int64_t k, int64_t st, int64_t pad,
          int bias = 1, int relu = 0, int64_t G = 1, int64_t dil = 1) {
    Shape s;
    memset(&s, 0, sizeof s);
    s.nd = 2; s.N = N; s.C = C; s.K = K; s.G = G;
    s.in[0] = H; s.in[1] = W;
    for (int i = 0; i < 2; ++i) { s.k[i] = k; s.s[i] = st; s.pb[i] = pad; s.pe[i] = pad; s.d[i] = dil; }
    s.bias = bias; s.relu = relu; s.name = name;
    return s;
}

// ---- device helpers ----
struct Buf {
    int dev = 0;
    void* p = nullptr;
    ~Buf() { if (p) fc_free(dev, p); }
};

int g_dev = 1;

// Runs the CPU (device 0) convolution as reference: f32, FP32, DIRECT.
bool cpu_conv(const fc_conv_desc& d0, const std::vector<float>& x, const std::vector<float>& w,
              const std::vector<float>& b, std::vector<float>& y) {
    fc_conv_desc d = d0;
    d.dtype = FC_DTYPE_F32;
    d.precision = FC_PRECISION_FP32;
    d.algorithm = FC_ALGO_DIRECT;
    int64_t xe, we, be, ye;
    CHECK(fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye));
    y.assign((size_t)ye, 0.f);
    fc_conv_plan plan;
    CHECK(fc_conv_plan_create(&d, 0, &plan));
    size_t ws = 0;
    fc_conv_plan_workspace_size(plan, &ws);
    std::vector<unsigned char> wsb(ws + 64);
    fc_status st = fc_conv_forward(plan, NULL, x.data(), w.data(), d.has_bias ? b.data() : NULL, y.data(),
                                   ws ? wsb.data() : NULL);
    fc_conv_plan_destroy(plan);
    CHECK(st);
    return true;
}

struct CaseResult {
    bool ok;
    double worst;  // max err / bound
    int algo_run;
};

// One CUDA run; returns y as float.
bool gpu_conv(const fc_conv_desc& d, const std::vector<float>& x, const std::vector<float>& w,
              const std::vector<float>& b, std::vector<float>& y, int* algo_out) {
    int64_t xe, we, be, ye;
    CHECK(fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye));
    const bool f16 = d.dtype == FC_DTYPE_F16;
    const size_t es = f16 ? 2 : 4;
    std::vector<uint16_t> xh, wh, bh;
    const void *xs = x.data(), *wsrc = w.data(), *bs = b.data();
    if (f16) {
        xh.resize(x.size()); wh.resize(w.size()); bh.resize(b.size());
        for (size_t i = 0; i < x.size(); ++i) xh[i] = f2h(x[i]);
        for (size_t i = 0; i < w.size(); ++i) wh[i] = f2h(w[i]);
        for (size_t i = 0; i < b.size(); ++i) bh[i] = f2h(b[i]);
        xs = xh.data(); wsrc = wh.data(); bs = bh.data();
    }
    fc_conv_plan plan;
    CHECK(fc_conv_plan_create(&d, g_dev, &plan));
    size_t wsz = 0;
    fc_conv_plan_workspace_size(plan, &wsz);
    fc_conv_plan_algorithm(plan, algo_out);
    Buf dx, dw, db, dy, dws;
    dx.dev = dw.dev = db.dev = dy.dev = dws.dev = g_dev;
    bool ok = fc_malloc(g_dev, xe * es, &dx.p) == FC_SUCCESS && fc_malloc(g_dev, we * es, &dw.p) == FC_SUCCESS &&
              fc_malloc(g_dev, (be ? be : 1) * es, &db.p) == FC_SUCCESS &&
              fc_malloc(g_dev, ye * es, &dy.p) == FC_SUCCESS && fc_malloc(g_dev, wsz, &dws.p) == FC_SUCCESS;
    if (!ok) {
        fprintf(stderr, "fc_malloc failed: %s\n", fc_last_error());
        fc_conv_plan_destroy(plan);
        return false;
    }
    fc_memcpy(NULL, dx.p, g_dev, xs, 0, xe * es);
    fc_memcpy(NULL, dw.p, g_dev, wsrc, 0, we * es);
    if (be) fc_memcpy(NULL, db.p, g_dev, bs, 0, be * es);
    fc_status st = fc_conv_forward(plan, NULL, dx.p, dw.p, d.has_bias ? db.p : NULL, dy.p, wsz ? dws.p : NULL);
    fc_conv_plan_destroy(plan);
    CHECK(st);
    std::vector<unsigned char> yb(ye * es);
    CHECK(fc_memcpy(NULL, yb.data(), 0, dy.p, g_dev, ye * es));
    y.resize(ye);
    for (int64_t i = 0; i < ye; ++i) {
        if (f16) { uint16_t h; memcpy(&h, &yb[i * 2], 2); y[i] = h2f(h); }
        else memcpy(&y[i], &yb[i * 4], 4);
    }
    return true;
}

int64_t kgemm_of(const Shape& s) {
    int64_t k = s.C / s.G;
    for (int i = 0; i < s.nd; ++i) k *= s.k[i];
    return k;
}

std::vector<Shape> correctness_shapes(bool quick) {
    std::vector<Shape> v;
    v.push_back(s2d("note small", 1, 3, 16, 64, 80, 3, 1, 1));
    v.push_back(s2d("rn 64x64 3x3", 2, 64, 64, 14, 14, 3, 1, 1, 1, 1));
    v.push_back(s2d("rn 1x1 256->64", 1, 256, 64, 14, 14, 1, 1, 0));
    v.push_back(s2d("rn 1x1 64->256", 1, 64, 256, 14, 14, 1, 1, 0, 1, 1));
    v.push_back(s2d("rn stem", 1, 3, 64, 64, 64, 7, 2, 3, 0, 1));
    v.push_back(s2d("rn s2 128", 1, 64, 128, 28, 28, 3, 2, 1));
    v.push_back(s2d("depthwise", 2, 32, 32, 17, 19, 3, 1, 1, 1, 0, 32));
    v.push_back(s2d("groups 4 dil 2", 1, 48, 96, 21, 18, 3, 1, 2, 1, 1, 4, 2));
    v.push_back(s2d("odd channels", 3, 7, 13, 11, 9, 3, 2, 1));
    v.push_back(s2d("big K 300", 1, 40, 300, 9, 9, 3, 1, 1));
    v.push_back(s2d("1x1 image", 4, 33, 17, 1, 1, 1, 1, 0));
    v.push_back(s2d("note full", 1, 3, 16, 1024, 1024, 3, 1, 1));
    // tc_halo_kernel (f16 NHWC and TF32 under AUTO / IMPLICIT_GEMM; with FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma
    // its sm_90a wgmma variant) is picked only with >= one block and >= 6 warps per SM (pick_halo): on
    // 108-132 SMs these take HALO16 for f16 (256 blocks of 4 warps each: N tile tail; partial tiles in both
    // dimensions; plain) and HALO for TF32 (448 / 512 / 448 blocks of 2 warps). The candidates group of
    // test_cuda_kernels checks these picks; smaller shapes (before the 6-warp rule) no longer reached it.
    v.push_back(s2d("halo 56 K96", 8, 64, 96, 56, 56, 3, 1, 1));
    v.push_back(s2d("halo 30x27 C32", 64, 32, 64, 30, 27, 3, 1, 1, 1, 1));
    v.push_back(s2d("halo16 56 C32", 16, 32, 64, 56, 56, 3, 1, 1));
    {
        Shape s = s2d("1d", 2, 24, 40, 1, 1, 1, 1, 0);
        s.nd = 1; s.in[0] = 97; s.k[0] = 5; s.s[0] = 2; s.pb[0] = 3; s.pe[0] = 1; s.d[0] = 2;
        v.push_back(s);
        Shape t = s2d("3d", 2, 8, 24, 1, 1, 1, 1, 0);
        t.nd = 3;
        const int64_t in[3] = {6, 9, 7}, k[3] = {3, 3, 2}, st[3] = {1, 2, 1}, pb[3] = {1, 0, 1}, pe[3] = {1, 2, 0}, dl[3] = {1, 1, 2};
        for (int i = 0; i < 3; ++i) { t.in[i] = in[i]; t.k[i] = k[i]; t.s[i] = st[i]; t.pb[i] = pb[i]; t.pe[i] = pe[i]; t.d[i] = dl[i]; }
        v.push_back(t);
    }
    std::mt19937 rng(2024);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int target = quick ? 30 : 100;
    while ((int)v.size() < target) {
        Shape s;
        memset(&s, 0, sizeof s);
        s.name = "random";
        s.nd = pick(1, 3);
        s.N = pick(1, 3);
        s.G = pick(0, 3) == 0 ? pick(2, 4) : 1;
        const int cgs[] = {1, 2, 3, 4, 5, 8, 12, 16, 24, 32, 64};
        const int kgs[] = {1, 3, 8, 16, 17, 33, 64, 100};
        s.C = cgs[pick(0, 10)] * s.G;
        s.K = kgs[pick(0, 7)] * s.G;
        const int maxin = s.nd == 1 ? 200 : s.nd == 2 ? 40 : 12;
        bool ok = true;
        for (int i = 0; i < s.nd; ++i) {
            s.in[i] = pick(1, maxin);
            s.k[i] = pick(1, s.nd == 1 ? 7 : 3);
            s.s[i] = pick(1, 3);
            s.pb[i] = pick(0, 2);
            s.pe[i] = pick(0, 2);
            s.d[i] = pick(1, 2);
            if (s.in[i] + s.pb[i] + s.pe[i] < s.d[i] * (s.k[i] - 1) + 1) ok = false;
        }
        s.bias = pick(0, 1);
        s.relu = pick(0, 1);
        if (ok) v.push_back(s);
    }
    return v;
}

int run_correctness(bool quick) {
    const std::vector<Shape> shapes = correctness_shapes(quick);
    const int algos[] = {FC_ALGO_DIRECT, FC_ALGO_UNFOLD_GEMM, FC_ALGO_IMPLICIT_GEMM, FC_ALGO_AUTO};
    const char* algo_names[] = {"AUTO", "DIRECT", "UNFOLD_GEMM", "IMPLICIT_GEMM"};
    const int precs[] = {FC_PRECISION_FP32, FC_PRECISION_TF32, FC_PRECISION_FP16, FC_PRECISION_3XTF32};
    const char* prec_names[] = {"FP32", "TF32", "FP16", "3XTF32"};
    long runs = 0, fails = 0, errors = 0;
    double worst[2][4][4] = {{{0}}};  // dtype, precision, algorithm(1..3 + auto 0)
    std::mt19937 rng(99);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (size_t si = 0; si < shapes.size(); ++si) {
        const Shape& sh = shapes[si];
        for (int layout = 0; layout < 2; ++layout) {
            for (int dtype = 0; dtype < 2; ++dtype) {
                fc_conv_desc d = to_desc(sh, layout, dtype, FC_PRECISION_FP32, FC_ALGO_AUTO);
                if (fc_conv_desc_validate(&d) != FC_SUCCESS) {
                    fprintf(stderr, "skip invalid shape %s: %s\n", shape_str(sh).c_str(), fc_last_error());
                    break;
                }
                int64_t xe, we, be, ye;
                fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye);
                std::vector<float> x(xe), w(we), b(sh.K), ax(xe), aw(we), ref, mag;
                for (auto& e : x) e = u(rng);
                for (auto& e : w) e = u(rng);
                for (auto& e : b) e = u(rng);
                if (dtype == FC_DTYPE_F16) {
                    for (auto& e : x) e = h2f(f2h(e));
                    for (auto& e : w) e = h2f(f2h(e));
                    for (auto& e : b) e = h2f(f2h(e));
                }
                for (int64_t i = 0; i < xe; ++i) ax[i] = fabsf(x[i]);
                for (int64_t i = 0; i < we; ++i) aw[i] = fabsf(w[i]);
                fc_conv_desc dm = d;
                dm.has_bias = 0;
                dm.activation = FC_ACTIVATION_NONE;
                if (!cpu_conv(d, x, w, b, ref) || !cpu_conv(dm, ax, aw, b, mag)) {
                    ++errors;
                    continue;
                }
                const double kg = (double)kgemm_of(sh);
                for (int pi = 0; pi < 4; ++pi) {
                    if (dtype == FC_DTYPE_F16 && (precs[pi] == FC_PRECISION_TF32 || precs[pi] == FC_PRECISION_3XTF32))
                        continue;  // f16 tensors: one math for every precision; FP32 + FP16 cover it
                    for (int algo : algos) {
                        fc_conv_desc dd = d;
                        dd.precision = precs[pi];
                        dd.algorithm = algo;
                        std::vector<float> y;
                        int ran = -1;
                        ++runs;
                        if (!gpu_conv(dd, x, w, b, y, &ran)) {
                            ++errors;
                            ++fails;
                            fprintf(stderr, "ERROR %s %s %s %s algo %s\n", shape_str(sh).c_str(),
                                    layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32", prec_names[pi],
                                    algo_names[algo]);
                            continue;
                        }
                        double tol = (kg + 8) * ldexp(1.0, -22);
                        if (dtype == FC_DTYPE_F32 && (precs[pi] == FC_PRECISION_TF32 || precs[pi] == FC_PRECISION_FP16))
                            tol += ldexp(1.0, -9);
                        double w_err = 0;
                        size_t wi = 0;
                        for (size_t i = 0; i < y.size(); ++i) {
                            double bound = tol * mag[i] + ldexp(1.0, -20) + (dtype ? ldexp(1.0, -10) * fabs(ref[i]) : 0);
                            double r = fabs((double)y[i] - ref[i]) / bound;
                            if (!(r <= w_err)) { w_err = std::isnan(r) ? 1e30 : r; wi = i; }
                        }
                        double& wslot = worst[dtype][pi][algo];
                        if (w_err > wslot) wslot = w_err;
                        if (w_err > 1.0) {
                            ++fails;
                            fprintf(stderr, "FAIL %s [%s] %s %s %s algo %s(ran %d): y[%zu]=%.8g ref %.8g mag %.4g err/bound %.3g\n",
                                    shape_str(sh).c_str(), sh.name, layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32",
                                    prec_names[pi], algo_names[algo], ran, wi, y[wi], ref[wi], mag[wi], w_err);
                        }
                    }
                }
            }
        }
    }
    printf("\ncorrectness: %zu shapes x 2 layouts x (f32: 4 precisions, f16: 2) x 4 algorithms = %ld runs: %ld passed, %ld failed (%ld API errors)\n",
           shapes.size(), runs, runs - fails, fails, errors);
    printf("worst err/bound (<= 1 passes) by dtype/precision/algorithm:\n");
    printf("  %-4s %-7s %10s %10s %12s %14s\n", "type", "prec", "AUTO", "DIRECT", "UNFOLD_GEMM", "IMPLICIT_GEMM");
    for (int dt = 0; dt < 2; ++dt)
        for (int pi = 0; pi < 4; ++pi) {
            if (dt && (pi == 1 || pi == 3)) continue;
            printf("  %-4s %-7s %10.3g %10.3g %12.3g %14.3g\n", dt ? "f16" : "f32", prec_names[pi], worst[dt][pi][0],
                   worst[dt][pi][1], worst[dt][pi][2], worst[dt][pi][3]);
        }
    return fails ? 1 : 0;
}

// ---- benchmark ----
bool bench_one(const Shape& sh, int layout, int dtype, int prec, const Peaks& pk, FILE* csv, double* med_us) {
    fc_conv_desc d = to_desc(sh, layout, dtype, prec, FC_ALGO_AUTO);
    int64_t xe, we, be, ye;
    CHECK(fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye));
    const size_t es = dtype ? 2 : 4;
    fc_conv_plan plan;
    CHECK(fc_conv_plan_create(&d, g_dev, &plan));
    size_t wsz = 0;
    int algo = 0;
    fc_conv_plan_workspace_size(plan, &wsz);
    fc_conv_plan_algorithm(plan, &algo);
    Buf dx, dw, db, dy, dws;
    dx.dev = dw.dev = db.dev = dy.dev = dws.dev = g_dev;
    fc_stream stream;
    fc_event e0, e1;
    bool ok = fc_malloc(g_dev, xe * es, &dx.p) == FC_SUCCESS && fc_malloc(g_dev, we * es, &dw.p) == FC_SUCCESS &&
              fc_malloc(g_dev, (be ? be : 1) * es, &db.p) == FC_SUCCESS && fc_malloc(g_dev, ye * es, &dy.p) == FC_SUCCESS &&
              fc_malloc(g_dev, wsz, &dws.p) == FC_SUCCESS;
    if (!ok) { fc_conv_plan_destroy(plan); fprintf(stderr, "alloc failed: %s\n", fc_last_error()); return false; }
    {  // deterministic non-zero data (values do not affect speed much)
        std::vector<unsigned char> h(std::max(xe, we) * es);
        for (size_t i = 0; i < h.size(); ++i) h[i] = (unsigned char)((i * 37u) & 0x3f);  // small positive-ish
        fc_memcpy(NULL, dx.p, g_dev, h.data(), 0, xe * es);
        fc_memcpy(NULL, dw.p, g_dev, h.data(), 0, we * es);
        if (be) fc_memcpy(NULL, db.p, g_dev, h.data(), 0, be * es);
    }
    CHECK(fc_stream_create(g_dev, &stream));
    CHECK(fc_event_create(g_dev, &e0));
    CHECK(fc_event_create(g_dev, &e1));
    fc_status st = FC_SUCCESS;
    for (int i = 0; i < 5 && !st; ++i) st = fc_conv_forward(plan, stream, dx.p, dw.p, db.p, dy.p, dws.p);
    // ms per launch over n back-to-back launches, CUDA events around them
    auto timed = [&](int n) {
        fc_event_record(e0, stream);
        for (int i = 0; i < n && !st; ++i) st = fc_conv_forward(plan, stream, dx.p, dw.p, db.p, dy.p, dws.p);
        fc_event_record(e1, stream);
        fc_event_synchronize(e1);
        float ms = 0;
        fc_event_elapsed_ms(e0, e1, &ms);
        return ms / n;
    };
    std::vector<float> t, tb;
    for (int i = 0; i < 50 && !st; ++i) t.push_back(timed(1));
    // The same plan in batches of 20 back-to-back launches (median of 15 batches): the device's
    // throughput with the host's launch cost hidden behind the queue, as a framework running layer
    // after layer sees it; bench-gpu.sh times the cuDNN peer both ways too.
    for (int b = 0; b < 15 && !st; ++b) tb.push_back(timed(20));
    fc_stream_synchronize(stream);
    fc_event_destroy(e0);
    fc_event_destroy(e1);
    fc_stream_destroy(stream);
    fc_conv_plan_destroy(plan);
    CHECK(st);
    std::sort(t.begin(), t.end());
    const double us = t[t.size() / 2] * 1000.0;
    *med_us = us;
    const double flops = 2.0 * (double)ye * (double)kgemm_of(sh);
    const double bytes = (double)(xe + we + be + ye) * es;
    const double tflops = flops / us * 1e-6, gbs = bytes / us * 1e-3;
    const double peak = prec == FC_PRECISION_FP32 && dtype == 0 ? pk.fp32
                        : (dtype == 1 || prec == FC_PRECISION_FP16) ? pk.fp16
                        : prec == FC_PRECISION_3XTF32 ? pk.tf32 / 3.0
                                                       : pk.tf32;
    const double pct_c = 100.0 * tflops / peak, pct_m = 100.0 * gbs / (pk.dram_tbs * 1000.0);
    std::sort(tb.begin(), tb.end());
    const double bus = tb[tb.size() / 2] * 1000.0;
    const double bpct_c = 100.0 * flops / bus * 1e-6 / peak, bpct_m = 100.0 * bytes / bus * 1e-3 / (pk.dram_tbs * 1000.0);
    const char* an[] = {"AUTO", "DIRECT", "UNFOLD", "IMPLICIT"};
    const char* pn[] = {"FP32", "TF32", "FP16", "3XTF32"};
    printf("%-22s %-4s %-3s %-6s %-8s %10.1f %8.2f %8.1f %6.1f%% %6.1f%% %9.1f %6.1f%% %6.1f%%\n", sh.name,
           layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32", pn[prec], an[algo], us, tflops, gbs, pct_c, pct_m, bus,
           bpct_c, bpct_m);
    if (csv)
        fprintf(csv, "%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%s,%s,%s,%s,%.3f,%.4f,%.2f,%.2f,%.2f,%.3f,%.2f,%.2f\n",
                sh.name, (long long)sh.N, (long long)sh.C, (long long)sh.K, (long long)sh.in[0], (long long)sh.in[1],
                (long long)sh.k[0], (long long)sh.s[0], (long long)sh.pb[0], layout ? "NHWC" : "NCHW",
                dtype ? "f16" : "f32", pn[prec], an[algo], us, tflops, gbs, pct_c, pct_m, bus, bpct_c, bpct_m);
    return true;
}

// --note L: the RGB note shape once, FP32, layout L (0 NCHW, 1 NHWC) -- for profilers (ncu).
// FASTCONV_CUDA_DIRECT_KERNEL=strip in the environment profiles the old strip kernel.
int run_note(int layout, const Peaks& pk) {
    double us;
    const char* dk = getenv("FASTCONV_CUDA_DIRECT_KERNEL");
    const bool strip = dk && !strcmp(dk, "strip");
    return bench_one(s2d(strip ? "note_rgb_1024[strip]" : "note_rgb_1024", 1, 3, 16, 1024, 1024, 3, 1, 1), layout, 0,
                     FC_PRECISION_FP32, pk, NULL, &us)
               ? 0
               : 1;
}

// Kernel variants of one layer, each planned with env_name set to its value (NULL: unset) at plan time
// (FASTCONV_CUDA_DIRECT_KERNEL / FASTCONV_CUDA_IMPLICIT_KERNEL), run on the same buffers and checked
// against an earlier variant (ref): bit for bit, or |y - y_ref| <= rel_max * max|y_ref| + rel_elem * |y_ref|
// + (f16) 2^-14. Each is timed: CUDA events around batches of 20 back-to-back launches, median over 25
// batches (after 10 warm-ups), us per launch, TFLOP/s, GB/s of the minimal traffic (x + w + bias + y
// once) and % of the device's DRAM peak. Prints "<tag> ..." lines; csv rows.
struct KVar {
    const char* name;
    const char* env;  // value of env_name at plan time (NULL: unset = the default kernel)
    int ref;          // index of the variant it is checked against, -1: none
    bool bitwise;
};
bool compare_kernels(const char* tag, const Shape& sh, int layout, int dtype, int precision, int algo,
                     const char* env_name, const std::vector<KVar>& vars, double rel_max, double rel_elem,
                     const Peaks& pk, FILE* csv, int* bad) {
    fc_conv_desc d = to_desc(sh, layout, dtype, precision, algo);
    int64_t xe, we, be, ye;
    CHECK(fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye));
    const size_t es = dtype ? 2 : 4;
    const int nv = (int)vars.size();
    std::vector<fc_conv_plan> plans(nv, (fc_conv_plan)NULL);
    const char* prev = getenv(env_name);
    const std::string saved = prev ? prev : "";
    fc_status pst = FC_SUCCESS;
    for (int k = 0; k < nv && !pst; ++k) {
        if (vars[k].env) setenv(env_name, vars[k].env, 1);
        else unsetenv(env_name);
        pst = fc_conv_plan_create(&d, g_dev, &plans[k]);
    }
    if (prev) setenv(env_name, saved.c_str(), 1); else unsetenv(env_name);
    auto destroy_plans = [&]() {
        for (auto& pl : plans)
            if (pl) fc_conv_plan_destroy(pl);
    };
    if (pst) destroy_plans();
    CHECK(pst);
    size_t wsb = 0;
    for (auto& pl : plans) {
        size_t b = 0;
        fc_conv_plan_workspace_size(pl, &b);
        wsb = std::max(wsb, b);
    }
    Buf dx, dw, db, dws;
    std::vector<Buf> dy(nv);
    dx.dev = dw.dev = db.dev = dws.dev = g_dev;
    bool ok = fc_malloc(g_dev, xe * es, &dx.p) == FC_SUCCESS && fc_malloc(g_dev, we * es, &dw.p) == FC_SUCCESS &&
              fc_malloc(g_dev, be * es, &db.p) == FC_SUCCESS && (!wsb || fc_malloc(g_dev, wsb, &dws.p) == FC_SUCCESS);
    for (int k = 0; k < nv && ok; ++k) {
        dy[k].dev = g_dev;
        ok = fc_malloc(g_dev, ye * es, &dy[k].p) == FC_SUCCESS;
    }
    if (!ok) {
        fprintf(stderr, "alloc failed: %s\n", fc_last_error());
        destroy_plans();
        return false;
    }
    {
        std::mt19937 rng(5);
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        auto up = [&](void* dst, int64_t n) {
            std::vector<unsigned char> h(n * es);
            for (int64_t i = 0; i < n; ++i) {
                const float f = u(rng);
                if (dtype) { const uint16_t v = f2h(f); memcpy(&h[i * 2], &v, 2); }
                else memcpy(&h[i * 4], &f, 4);
            }
            fc_memcpy(NULL, dst, g_dev, h.data(), 0, n * es);
        };
        up(dx.p, xe);
        up(dw.p, we);
        up(db.p, be);
    }
    fc_stream stream;
    fc_event e0, e1;
    CHECK(fc_stream_create(g_dev, &stream));
    CHECK(fc_event_create(g_dev, &e0));
    CHECK(fc_event_create(g_dev, &e1));
    fc_status st = FC_SUCCESS;
    std::vector<double> us(nv, 0.0);
    for (int k = 0; k < nv && !st; ++k) {
        for (int i = 0; i < 10 && !st; ++i) st = fc_conv_forward(plans[k], stream, dx.p, dw.p, db.p, dy[k].p, dws.p);
        std::vector<float> t;
        for (int b = 0; b < 25 && !st; ++b) {
            fc_event_record(e0, stream);
            for (int i = 0; i < 20 && !st; ++i) st = fc_conv_forward(plans[k], stream, dx.p, dw.p, db.p, dy[k].p, dws.p);
            fc_event_record(e1, stream);
            fc_event_synchronize(e1);
            float ms = 0;
            fc_event_elapsed_ms(e0, e1, &ms);
            t.push_back(ms / 20.f);
        }
        if (st) break;
        std::sort(t.begin(), t.end());
        us[k] = t[t.size() / 2] * 1000.0;
    }
    fc_stream_synchronize(stream);
    std::vector<double> worst(nv, 0.0);  // bitwise: 0 same / 1e30 differs; else max |diff| / bound
    if (!st) {
        std::vector<std::vector<unsigned char>> h(nv, std::vector<unsigned char>(ye * es));
        for (int k = 0; k < nv; ++k) fc_memcpy(NULL, h[k].data(), 0, dy[k].p, g_dev, ye * es);
        auto val = [&](int k, int64_t i) {
            if (dtype) { uint16_t v; memcpy(&v, &h[k][i * 2], 2); return (double)h2f(v); }
            float v; memcpy(&v, &h[k][i * 4], 4); return (double)v;
        };
        for (int k = 0; k < nv; ++k) {
            const int r = vars[k].ref;
            if (r < 0) continue;
            if (vars[k].bitwise) {
                worst[k] = memcmp(h[k].data(), h[r].data(), ye * es) == 0 ? 0.0 : 1e30;
                continue;
            }
            double ymax = 0;
            for (int64_t i = 0; i < ye; ++i) ymax = std::max(ymax, fabs(val(r, i)));
            for (int64_t i = 0; i < ye; ++i) {
                const double a = val(k, i), b = val(r, i);
                const double bound = rel_max * ymax + rel_elem * fabs(b) + (dtype ? ldexp(1.0, -14) : 1e-30);
                const double q = fabs(a - b) / bound;
                worst[k] = std::max(worst[k], q != q ? 1e30 : q);
            }
        }
    }
    fc_event_destroy(e0);
    fc_event_destroy(e1);
    fc_stream_destroy(stream);
    destroy_plans();
    CHECK(st);
    const double bytes = (double)(xe + we + be + ye) * es, flops = 2.0 * (double)ye * (double)kgemm_of(sh);
    const char* pn = precision == FC_PRECISION_TF32 ? "tf32" : precision == FC_PRECISION_FP16 ? "fp16" : "fp32";
    for (int k = 0; k < nv; ++k) {
        const double gbs = bytes / us[k] * 1e-3, pct = 100.0 * gbs / (pk.dram_tbs * 1000.0);
        const bool good = vars[k].ref < 0 || worst[k] <= 1.0;
        if (!good) ++*bad;
        char check[96] = "";
        if (vars[k].ref >= 0) {
            if (vars[k].bitwise)
                snprintf(check, sizeof check, "  %s %s", good ? "bit-identical to" : "MISMATCH vs", vars[vars[k].ref].name);
            else
                snprintf(check, sizeof check, "  %s vs %s (max diff = %.2f x bound)", good ? "ok" : "MISMATCH",
                         vars[vars[k].ref].name, worst[k]);
        }
        printf("%s %-20s %-4s %-3s %-4s %-10s %9.1f us %7.1f TF/s %8.1f GB/s %5.1f%% of DRAM%s\n", tag, sh.name,
               layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32", pn, vars[k].name, us[k], flops / us[k] * 1e-6, gbs,
               pct, check);
        if (csv)
            fprintf(csv, "%s,%s,%s,%s,%s,%.3f,%.3f,%.2f,%.2f,%d\n", sh.name, layout ? "NHWC" : "NCHW",
                    dtype ? "f16" : "f32", pn, vars[k].name, us[k], flops / us[k] * 1e-6, gbs, pct, good ? 1 : 0);
    }
    printf("%s %-20s %-4s %-3s %-4s speedup %s vs %s: %.2fx\n", tag, sh.name, layout ? "NHWC" : "NCHW",
           dtype ? "f16" : "f32", pn, vars[0].name, vars[nv - 1].name, us[nv - 1] / us[0]);
    return true;
}

// --compare: (1) the note shape (1x3x1024x1024 -> 16, 3x3, s1, p1, bias) with DIRECT, NCHW and NHWC, f32
// (FP32 and TF32 precision) and f16: direct_tile_kernel's tensor-core step (the default for f16 and
// TF32), its FFMA step (the default for FP32; FASTCONV_CUDA_DIRECT_KERNEL=ffma) and direct_strip_kernel
// (=strip). The FFMA step must be bit-identical to the strip kernel (same tap order); the tensor-core
// step multiplies the same rounded inputs and differs only in fp32 accumulation order (and the fp16
// output rounding): |y_mma - y_ffma| <= 2^-16 max|y| (f32) / 2^-9 |y| + 2^-14 (f16). Lines "note-compare".
// (2) the ResNet-50 3x3 layers at batch 32 where tc_halo_kernel can run (64@56, 128@28, 256@14), f16
// and f32 TF32, NHWC and NCHW, AUTO: the heuristic's kernel ("auto": the halo kernel at 56 and 28
// except f16 NCHW outputs, MED at 14 -- heuristic.h) against tc_conv_kernel without the halo kernel
// (FASTCONV_CUDA_IMPLICIT_KERNEL=gather): the same rounded products in another fp32 order, so
// |diff| <= 2^-12 max|y| (+ 2^-9 |y| for the fp16 outputs). Lines "halo-compare".
int run_compare(const Peaks& pk, const char* csv_path) {
    FILE* csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv) fprintf(csv, "shape,layout,dtype,precision,kernel,median_us,tflops,gbs,pct_peak_dram,check_ok\n");
    printf("\nnote shape 1x3x1024x1024 -> 16, 3x3 s1 p1 bias, DIRECT; %s DRAM %.2f TB/s\n", pk.name, pk.dram_tbs);
    int bad = 0, err = 0;
    const Shape note = s2d("note_rgb_1024", 1, 3, 16, 1024, 1024, 3, 1, 1);
    for (int layout = 0; layout < 2; ++layout)
        for (int dtype = 0; dtype < 2; ++dtype)
            for (int prec : {FC_PRECISION_FP32, FC_PRECISION_TF32}) {
                if (dtype && prec != FC_PRECISION_FP32) continue;  // f16 tensors: one kernel set for every precision
                const bool mma = dtype || prec == FC_PRECISION_TF32;
                std::vector<KVar> v;
                if (mma) v.push_back({"tile_mma", NULL, -1, false});
                v.push_back({"tile_ffma", mma ? "ffma" : NULL, mma ? 0 : -1, false});
                v.push_back({"strip", "strip", (int)v.size() - 1, true});  // bit for bit vs tile_ffma
                if (!compare_kernels("note-compare", note, layout, dtype, prec, FC_ALGO_DIRECT,
                                     "FASTCONV_CUDA_DIRECT_KERNEL", v, dtype ? 0.0 : ldexp(1.0, -16),
                                     dtype ? ldexp(1.0, -9) : 0.0, pk, csv, &bad))
                    ++err;
            }
    printf("\nResNet-50 3x3 layers, batch 32, AUTO: the heuristic's kernel vs tc_conv_kernel without the halo kernel\n");
    const Shape rn[] = {s2d("rn50_64_3x3_56_b32", 32, 64, 64, 56, 56, 3, 1, 1),
                        s2d("rn50_128_3x3_28_b32", 32, 128, 128, 28, 28, 3, 1, 1),
                        s2d("rn50_256_3x3_14_b32", 32, 256, 256, 14, 14, 3, 1, 1)};
    for (const Shape& sh : rn)
        for (int layout = 1; layout >= 0; --layout)
            for (int dtype = 1; dtype >= 0; --dtype) {
                const std::vector<KVar> v = {{"auto", NULL, -1, false}, {"gather", "gather", 0, false}};
                if (!compare_kernels("halo-compare", sh, layout, dtype, dtype ? FC_PRECISION_FP16 : FC_PRECISION_TF32,
                                     FC_ALGO_AUTO, "FASTCONV_CUDA_IMPLICIT_KERNEL", v, ldexp(1.0, -12),
                                     dtype ? ldexp(1.0, -9) : 0.0, pk, csv, &bad))
                    ++err;
            }
    if (csv) fclose(csv);
    printf("compare: %d mismatches, %d errors\n", bad, err);
    return bad || err ? 1 : 0;
}

const char* g_only = NULL;  // --only
bool bench_selected(const char* name) {
    if (!g_only) return true;
    const char* p = g_only;
    while (*p) {
        const char* e = strchr(p, ',');
        const std::string part(p, e ? (size_t)(e - p) : strlen(p));
        if (!part.empty() && strstr(name, part.c_str())) return true;
        if (!e) break;
        p = e + 1;
    }
    return false;
}

int run_bench(const char* csv_path, bool quick, const Peaks& pk) {
    std::vector<Shape> shapes;
    shapes.push_back(s2d("note_rgb_1024", 1, 3, 16, 1024, 1024, 3, 1, 1));
    for (int64_t N : {1, 32}) {
        if (quick && N == 32) break;
        shapes.push_back(s2d(N == 1 ? "rn50_stem_b1" : "rn50_stem_b32", N, 3, 64, 224, 224, 7, 2, 3));
        shapes.push_back(s2d(N == 1 ? "rn50_64_3x3_56_b1" : "rn50_64_3x3_56_b32", N, 64, 64, 56, 56, 3, 1, 1));
        shapes.push_back(s2d(N == 1 ? "rn50_256to64_1x1_b1" : "rn50_256to64_1x1_b32", N, 256, 64, 56, 56, 1, 1, 0));
        shapes.push_back(s2d(N == 1 ? "rn50_64to256_1x1_b1" : "rn50_64to256_1x1_b32", N, 64, 256, 56, 56, 1, 1, 0));
        shapes.push_back(s2d(N == 1 ? "rn50_128_3x3_28_b1" : "rn50_128_3x3_28_b32", N, 128, 128, 28, 28, 3, 1, 1));
        shapes.push_back(s2d(N == 1 ? "rn50_256_3x3_14_b1" : "rn50_256_3x3_14_b32", N, 256, 256, 14, 14, 3, 1, 1));
        shapes.push_back(s2d(N == 1 ? "rn50_512_3x3_7_b1" : "rn50_512_3x3_7_b32", N, 512, 512, 7, 7, 3, 1, 1));
    }
    FILE* csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv)
        fprintf(csv, "shape,N,C,K,H,W,k,stride,pad,layout,dtype,precision,algorithm,median_us,tflops,gbs,pct_peak_compute,"
                     "pct_peak_dram,batch_us,batch_pct_peak_compute,batch_pct_peak_dram\n");
    printf("\nbenchmark on %s peaks: tf32 %.0f, fp16 %.0f, fp32 %.1f TFLOP/s, DRAM %.2f TB/s (3XTF32 %% is of tf32/3)\n",
           pk.name, pk.tf32, pk.fp16, pk.fp32, pk.dram_tbs);
    printf("%-22s %-4s %-3s %-6s %-8s %10s %8s %8s %7s %7s %9s %7s %7s\n", "shape", "lay", "dt", "prec", "algo",
           "median_us", "TFLOP/s", "GB/s", "%comp", "%dram", "batch_us", "%comp", "%dram");
    int bad = 0;
    for (const Shape& sh : shapes)
        for (int layout = 0; layout < 2 && bench_selected(sh.name); ++layout)
            for (int v = 0; v < 5; ++v) {
                const int dtype = v == 4 ? 1 : 0;
                const int prec = v == 4 ? FC_PRECISION_FP16 : v;
                double us;
                if (!bench_one(sh, layout, dtype, prec, pk, csv, &us)) ++bad;
            }
    // The same 3x3 layers, f16 and f32 TF32, with FASTCONV_CUDA_IMPLICIT_KERNEL=gather (tc_conv_kernel
    // instead of tc_halo_kernel, read at plan creation): rows named "<shape>[gather]", to compare in one run.
    if (g_only) {
        if (csv) fclose(csv);
        return bad ? 1 : 0;
    }
    const char* prev = getenv("FASTCONV_CUDA_IMPLICIT_KERNEL");
    const std::string saved = prev ? prev : "";
    setenv("FASTCONV_CUDA_IMPLICIT_KERNEL", "gather", 1);
    std::vector<std::string> names;
    for (const Shape& sh : shapes) names.push_back(std::string(sh.name) + "[gather]");
    for (size_t i = 0; i < shapes.size(); ++i) {
        Shape sh = shapes[i];
        if (sh.k[0] != 3 || sh.s[0] != 1 || sh.C % 32) continue;
        sh.name = names[i].c_str();
        for (int layout = 0; layout < 2; ++layout) {
            double us;
            if (!bench_one(sh, layout, 1, FC_PRECISION_FP16, pk, csv, &us)) ++bad;
            if (!bench_one(sh, layout, 0, FC_PRECISION_TF32, pk, csv, &us)) ++bad;
        }
    }
    if (prev) setenv("FASTCONV_CUDA_IMPLICIT_KERNEL", saved.c_str(), 1); else unsetenv("FASTCONV_CUDA_IMPLICIT_KERNEL");
    if (csv) fclose(csv);
    return bad ? 1 : 0;
}

}  // namespace

// --one N,C,K,H,W,k,stride,pad,layout,dtype,precision: one 2-D problem (AUTO), timed like --bench
// rows -- for profilers (ncu -k regex:<kernel> -c 1) on any layer, e.g. 32,64,64,56,56,3,1,1,1,1,2 =
// ResNet-50 3x3 64@56 batch 32, NHWC f16.
int run_one(const char* spec, const Peaks& pk) {
    long long v[11];
    if (sscanf(spec, "%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &v[6], &v[7], &v[8], &v[9], &v[10]) != 11 ||
        v[8] < 0 || v[8] > 1 || v[9] < 0 || v[9] > 1 || v[10] < 0 || v[10] > 3) {
        fprintf(stderr, "--one: expected N,C,K,H,W,k,stride,pad,layout(0|1),dtype(0 f32|1 f16),precision(0-3), got %s\n",
                spec);
        return 2;
    }
    double us;
    return bench_one(s2d("one", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]), (int)v[8], (int)v[9], (int)v[10], pk,
                     NULL, &us)
               ? 0
               : 1;
}
int main(int argc, char** argv) {
    bool corr = false, bench = false, quick = false, compare = false;
    const char* compare_csv = NULL;
    int note = -1;
    const char* csv = NULL;
    const char* one = NULL;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--correctness")) corr = true;
        else if (!strcmp(argv[i], "--bench")) bench = true;
        else if (!strcmp(argv[i], "--quick")) quick = true;
        else if (!strcmp(argv[i], "--compare")) compare = true;
        else if (!strcmp(argv[i], "--compare-csv") && i + 1 < argc) compare_csv = argv[++i];
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
        else if (!strcmp(argv[i], "--device") && i + 1 < argc) g_dev = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--note") && i + 1 < argc) note = atoi(argv[++i]) ? 1 : 0;
        else if (!strcmp(argv[i], "--one") && i + 1 < argc) one = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) g_only = argv[++i];
        else { fprintf(stderr, "usage: %s [--correctness] [--bench] [--csv FILE] [--quick] [--device D] [--only LIST] [--note 0|1] [--one N,C,K,H,W,k,stride,pad,layout,dtype,prec] [--compare] [--compare-csv FILE]\n", argv[0]); return 2; }
    }
    if (!corr && !bench && !compare && note < 0 && !one) corr = bench = true;
    printf("fastconv %d, CUDA: %s\n", fc_version(), fc_cuda_status());
    {
        int32_t at = 0;
        fc_autotune_enabled(&at);
        printf("kernel choice: %s\n", at ? "autotuned at plan creation (FASTCONV_AUTOTUNE / fc_set_autotune)"
                                          : "heuristic (heuristic.h)");
    }
    int32_t n = 0;
    fc_device_count(&n);
    if (n <= g_dev) {
        printf("no CUDA device %d (device count %d): skipping\n", g_dev, n);
        return 77;
    }
    fc_device_info info;
    if (fc_device_get_info(g_dev, &info) != FC_SUCCESS) { fprintf(stderr, "%s\n", fc_last_error()); return 1; }
    printf("device %d: %s, sm_%d%d, %d SMs, %.1f GiB\n", g_dev, info.name, info.compute_capability_major,
           info.compute_capability_minor, info.multiprocessor_count, info.total_memory / 1073741824.0);
    const Peaks pk = peaks_for(info.compute_capability_major, info.compute_capability_minor, info.name);
    int rc = 0;
    if (note >= 0) rc |= run_note(note, pk);
    if (one) rc |= run_one(one, pk);
    if (corr) rc |= run_correctness(quick);
    if (compare || (bench && !g_only)) rc |= run_compare(pk, compare_csv);  // --bench: + the note-shape comparison
    if (bench) rc |= run_bench(csv, quick, pk);
    int64_t live = -1;
    fc_live_objects(&live);
    printf("live objects at exit: %lld\n", (long long)live);
    return rc;
}
