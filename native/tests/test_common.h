/*
 * test_common.h — shared helpers of the native unit tests (C++17).
 *
 * The reference convolution here is written from PyTorch's definition and
 * does not call the library:
 *   y[n][k][o] = act(b[k] + sum_{c in group(k)} sum_{t} x[n][c][o*s - pb + t*d] * w[k][c'][t])
 * with double accumulation. x and w are first rounded exactly the way the
 * requested precision says the library must round them (TF32: round to
 * nearest, ties away, 10 mantissa bits; FP16: fp16 RNE; implemented here
 * independently with double arithmetic), so the only remaining difference is
 * the library's fp32 accumulation (and fp16 output rounding).
 *
 * Tolerance per output element (T = C/g * prod(kernel) accumulated terms,
 * S = sum |x*w| + |bias| over those terms, u = 2^-24):
 *     |y - ref| <= 2 * (T + 2) * u * S  (+ 2^-11 * |ref| + 2^-24 for f16 output)
 * i.e. the standard fp32 summation bound gamma_T * S with a factor 2 margin,
 * plus half an fp16 ulp (relative 2^-11, absolute 2^-24 in the subnormals).
 */
#ifndef FASTCONV_TEST_COMMON_H
#define FASTCONV_TEST_COMMON_H

#include "fastconv.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// atomic: test_concurrency checks from several threads at once (ThreadSanitizer-clean)
static std::atomic<int> g_failures{0};
static std::atomic<int> g_checks{0};

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        g_checks++;                                                              \
        if (!(cond)) {                                                           \
            g_failures++;                                                        \
            if (g_failures < 30) {                                               \
                std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
                std::fprintf(stderr, __VA_ARGS__);                               \
                std::fprintf(stderr, "\n");                                      \
            }                                                                    \
        }                                                                        \
    } while (0)

#define CHECK_OK(expr)                                                                 \
    do {                                                                               \
        fc_status st_ = (expr);                                                        \
        CHECK(st_ == FC_SUCCESS, "%s -> %d: %s", #expr, (int)st_, fc_last_error());   \
    } while (0)

static inline int test_finish(const char *name)
{
    std::printf("%s: %d checks, %d failures\n", name, g_checks.load(), g_failures.load());
    return g_failures.load() ? 1 : 0;
}

/* iteration scale: FASTCONV_TEST_SCALE (default 1.0) */
static inline double test_scale()
{
    const char *e = std::getenv("FASTCONV_TEST_SCALE");
    double s = e ? std::atof(e) : 1.0;
    return s > 0 ? s : 1.0;
}

/* ---- deterministic RNG ----------------------------------------------------- */
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next()
    {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    int64_t range(int64_t lo, int64_t hi) { return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }
    float uni() { return (float)((double)(next() >> 40) / (double)(1ull << 24) * 2.0 - 1.0); }
};

/* ---- independent fp16 / tf32 (double arithmetic) ----------------------------- */
static inline double h2d(uint16_t h)
{
    int sign = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 0) v = std::ldexp((double)m, -24);
    else if (e == 31) v = m ? NAN : INFINITY;
    else v = std::ldexp((double)(1024 + m), e - 25);
    return sign ? -v : v;
}

static inline uint16_t d2h(double v)
{
    uint16_t sign = std::signbit(v) ? 0x8000 : 0;
    double a = std::fabs(v);
    if (std::isnan(v)) return 0x7e00;
    if (a >= 65520.0) return sign | 0x7c00;
    if (a < std::ldexp(1.0, -14)) return sign | (uint16_t)std::nearbyint(std::ldexp(a, 24));
    int ex;
    std::frexp(a, &ex);
    int e = ex - 1;
    double m = std::nearbyint(std::ldexp(a, 10 - e));
    if (m == 2048.0) {
        m = 1024.0;
        e++;
    }
    if (e > 15) return sign | 0x7c00;
    return sign | (uint16_t)((e + 15) << 10) | (uint16_t)((int)m - 1024);
}

static inline float round_f16(float v) { return (float)h2d(d2h(v)); }

static inline float round_tf32(float v)
{
    if (!std::isfinite(v) || v == 0.0f) return v;
    double a = std::fabs((double)v);
    int ex;
    std::frexp(a, &ex);
    int e = ex - 1;
    double m = std::floor(std::ldexp(a, 10 - e) + 0.5);
    double r = std::ldexp(m, e - 10);
    return (float)(v < 0 ? -r : r);
}

/* ---- a problem --------------------------------------------------------------- */
struct Prob {
    int nd = 2;
    int64_t N = 1, C = 1, K = 1, G = 1;
    int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, pb[3] = {0, 0, 0}, pe[3] = {0, 0, 0},
            d[3] = {1, 1, 1};
    int bias = 0, relu = 0;
    std::string str() const
    {
        char b[512];
        int o = std::snprintf(b, sizeof b, "%dD N%lld C%lld K%lld G%lld", nd, (long long)N, (long long)C,
                              (long long)K, (long long)G);
        const char *nm[] = {"in", "k", "s", "pb", "pe", "d"};
        const int64_t *arr[] = {in, k, s, pb, pe, d};
        for (int a = 0; a < 6; a++) {
            o += std::snprintf(b + o, sizeof b - (size_t)o, " %s", nm[a]);
            for (int i = 0; i < nd; i++) o += std::snprintf(b + o, sizeof b - (size_t)o, "%s%lld", i ? "x" : "=", (long long)arr[a][i]);
        }
        std::snprintf(b + o, sizeof b - (size_t)o, "%s%s", bias ? " bias" : "", relu ? " relu" : "");
        return b;
    }
    void desc(fc_conv_desc *dd, int dtype, int prec, int layout, int algo) const
    {
        fc_conv_desc_init(dd);
        dd->spatial_dims = nd;
        dd->dtype = dtype;
        dd->precision = prec;
        dd->layout = layout;
        dd->algorithm = algo;
        dd->has_bias = bias;
        dd->activation = relu ? FC_ACTIVATION_RELU : FC_ACTIVATION_NONE;
        dd->batch = N;
        dd->in_channels = C;
        dd->out_channels = K;
        dd->groups = G;
        for (int i = 0; i < nd; i++) {
            dd->in_size[i] = in[i];
            dd->kernel_size[i] = k[i];
            dd->stride[i] = s[i];
            dd->pad_begin[i] = pb[i];
            dd->pad_end[i] = pe[i];
            dd->dilation[i] = d[i];
        }
    }
    /* 3-D views (leading 1s) */
    void dims3(int64_t *i3, int64_t *k3, int64_t *s3, int64_t *p3, int64_t *d3, int64_t *o3) const
    {
        int off = 3 - nd;
        for (int a = 0; a < 3; a++) {
            i3[a] = k3[a] = s3[a] = d3[a] = o3[a] = 1;
            p3[a] = 0;
        }
        for (int a = 0; a < nd; a++) {
            i3[off + a] = in[a];
            k3[off + a] = k[a];
            s3[off + a] = s[a];
            p3[off + a] = pb[a];
            d3[off + a] = d[a];
            o3[off + a] = (in[a] + pb[a] + pe[a] - d[a] * (k[a] - 1) - 1) / s[a] + 1;
        }
    }
    bool valid() const
    {
        if (C % G || K % G) return false;
        for (int a = 0; a < nd; a++)
            if (in[a] + pb[a] + pe[a] - d[a] * (k[a] - 1) - 1 < 0) return false;
        return true;
    }
};

/* Tensors stored as float values (already representable in the dtype). */
struct Data {
    std::vector<float> x, w, b; /* logical values, stored in the layout's order */
};

static inline void fill(std::vector<float> &v, size_t n, Rng &r, int dtype)
{
    v.resize(n);
    for (size_t i = 0; i < n; i++) {
        float f = r.uni();
        v[i] = dtype == FC_DTYPE_F16 ? round_f16(f) : f;
    }
}

/* Converts float values to the dtype's bytes. */
static inline std::vector<uint8_t> to_bytes(const std::vector<float> &v, int dtype)
{
    std::vector<uint8_t> out(v.size() * (dtype == FC_DTYPE_F16 ? 2 : 4) + 1);
    if (dtype == FC_DTYPE_F16) {
        for (size_t i = 0; i < v.size(); i++) {
            uint16_t h = d2h(v[i]);
            std::memcpy(&out[i * 2], &h, 2);
        }
    } else if (!v.empty()) {
        std::memcpy(out.data(), v.data(), v.size() * 4);
    }
    return out;
}

static inline double from_bytes(const std::vector<uint8_t> &b, size_t i, int dtype)
{
    if (dtype == FC_DTYPE_F16) {
        uint16_t h;
        std::memcpy(&h, &b[i * 2], 2);
        return h2d(h);
    }
    float f;
    std::memcpy(&f, &b[i * 4], 4);
    return f;
}

static inline float prec_round(float v, int prec, int dtype)
{
    if (prec == FC_PRECISION_TF32) return round_tf32(v);
    if (prec == FC_PRECISION_FP16 && dtype == FC_DTYPE_F32) return round_f16(v);
    return v;
}

/* Reference: ref[(n*K + k)*L + p] (logical NCDHW order) and sabs (sum |x*w| + |b|). */
static inline void reference(const Prob &P, const Data &D, int layout, int dtype, int prec, std::vector<double> &ref,
                             std::vector<double> &sabs)
{
    int64_t i3[3], k3[3], s3[3], p3[3], d3[3], o3[3];
    P.dims3(i3, k3, s3, p3, d3, o3);
    int64_t L = o3[0] * o3[1] * o3[2], IS = i3[0] * i3[1] * i3[2], KK = k3[0] * k3[1] * k3[2];
    int64_t Cg = P.C / P.G, Kg = P.K / P.G;
    ref.assign((size_t)(P.N * P.K * L), 0.0);
    sabs.assign(ref.size(), 0.0);
    std::vector<float> xr(D.x.size()), wr(D.w.size());
    for (size_t i = 0; i < xr.size(); i++) xr[i] = prec_round(D.x[i], prec, dtype);
    for (size_t i = 0; i < wr.size(); i++) wr[i] = prec_round(D.w[i], prec, dtype);
    for (int64_t n = 0; n < P.N; n++)
        for (int64_t k = 0; k < P.K; k++) {
            int64_t g = k / Kg;
            for (int64_t od = 0; od < o3[0]; od++)
                for (int64_t oh = 0; oh < o3[1]; oh++)
                    for (int64_t ow = 0; ow < o3[2]; ow++) {
                        double acc = 0, sa = 0;
                        for (int64_t c = 0; c < Cg; c++) {
                            int64_t ci = g * Cg + c;
                            for (int64_t a = 0; a < k3[0]; a++)
                                for (int64_t b = 0; b < k3[1]; b++)
                                    for (int64_t e = 0; e < k3[2]; e++) {
                                        int64_t id = od * s3[0] - p3[0] + a * d3[0];
                                        int64_t ih = oh * s3[1] - p3[1] + b * d3[1];
                                        int64_t iw = ow * s3[2] - p3[2] + e * d3[2];
                                        if (id < 0 || id >= i3[0] || ih < 0 || ih >= i3[1] || iw < 0 || iw >= i3[2])
                                            continue;
                                        int64_t sp = (id * i3[1] + ih) * i3[2] + iw;
                                        int64_t koff = (a * k3[1] + b) * k3[2] + e;
                                        int64_t xi = layout == FC_LAYOUT_NCHW ? (n * P.C + ci) * IS + sp
                                                                              : (n * IS + sp) * P.C + ci;
                                        int64_t wi = layout == FC_LAYOUT_NCHW ? (k * Cg + c) * KK + koff
                                                                              : (k * KK + koff) * Cg + c;
                                        double pr = (double)xr[(size_t)xi] * (double)wr[(size_t)wi];
                                        acc += pr;
                                        sa += std::fabs(pr);
                                    }
                        }
                        if (P.bias) {
                            acc += D.b[(size_t)k];
                            sa += std::fabs((double)D.b[(size_t)k]);
                        }
                        if (P.relu && acc < 0) acc = 0;
                        size_t o = (size_t)((n * P.K + k) * L + (od * o3[1] + oh) * o3[2] + ow);
                        ref[o] = acc;
                        sabs[o] = sa;
                    }
        }
}

static const char *algo_name(int a)
{
    static const char *n[] = {"AUTO", "DIRECT", "UNFOLD_GEMM", "IMPLICIT_GEMM"};
    return a >= 0 && a < 4 ? n[a] : "?";
}
static const char *prec_name(int p)
{
    static const char *n[] = {"FP32", "TF32", "FP16", "3XTF32"};
    return p >= 0 && p < 4 ? n[p] : "?";
}

/* Runs the library; returns y bytes (layout order). */
static inline bool run_lib(const Prob &P, const Data &D, int layout, int dtype, int prec, int algo,
                           std::vector<uint8_t> &y, int *algo_used = nullptr)
{
    fc_conv_desc dd;
    P.desc(&dd, dtype, prec, layout, algo);
    fc_conv_plan plan = nullptr;
    fc_status st = fc_conv_plan_create(&dd, 0, &plan);
    if (st != FC_SUCCESS) {
        CHECK(false, "plan_create %s: %s", P.str().c_str(), fc_last_error());
        return false;
    }
    if (algo_used) fc_conv_plan_algorithm(plan, algo_used);
    size_t ws = 0;
    fc_conv_plan_workspace_size(plan, &ws);
    void *wsp = nullptr;
    if (ws) CHECK_OK(fc_malloc(0, ws, &wsp));
    int64_t xe, we, be, ye;
    fc_conv_tensor_sizes(&dd, &xe, &we, &be, &ye);
    auto xb = to_bytes(D.x, dtype), wb = to_bytes(D.w, dtype), bb = to_bytes(D.b, dtype);
    y.assign((size_t)ye * (dtype == FC_DTYPE_F16 ? 2 : 4), 0xAB);
    st = fc_conv_forward(plan, nullptr, xb.data(), wb.data(), P.bias ? bb.data() : nullptr, y.data(), wsp);
    CHECK(st == FC_SUCCESS, "forward %s: %s", P.str().c_str(), fc_last_error());
    if (wsp) fc_free(0, wsp);
    fc_conv_plan_destroy(plan);
    return st == FC_SUCCESS;
}

/* Compares library output (layout order) with the reference. Returns #bad. */
static inline int compare(const Prob &P, int layout, int dtype, int prec, int algo, const std::vector<uint8_t> &y,
                          const std::vector<double> &ref, const std::vector<double> &sabs)
{
    int64_t i3[3], k3[3], s3[3], p3[3], d3[3], o3[3];
    P.dims3(i3, k3, s3, p3, d3, o3);
    int64_t L = o3[0] * o3[1] * o3[2], KK = k3[0] * k3[1] * k3[2];
    double T = (double)(P.C / P.G * KK);
    const double u = std::ldexp(1.0, -24);
    int bad = 0;
    for (int64_t n = 0; n < P.N; n++)
        for (int64_t k = 0; k < P.K; k++)
            for (int64_t p = 0; p < L; p++) {
                size_t ri = (size_t)((n * P.K + k) * L + p);
                size_t yi = layout == FC_LAYOUT_NCHW ? ri : (size_t)((n * L + p) * P.K + k);
                double v = from_bytes(y, yi, dtype);
                double tol = 2.0 * (T + 2.0) * u * sabs[ri];
                if (dtype == FC_DTYPE_F16) tol += std::ldexp(std::fabs(ref[ri]), -11) + u;
                if (!(std::fabs(v - ref[ri]) <= tol)) {
                    if (bad < 3)
                        CHECK(false, "%s %s %s %s %s: y[n%lld k%lld p%lld] = %.9g, ref %.9g, tol %.3g", P.str().c_str(),
                              layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32", prec_name(prec), algo_name(algo),
                              (long long)n, (long long)k, (long long)p, v, ref[ri], tol);
                    bad++;
                }
            }
    g_checks++;
    if (bad) g_failures += 0; /* already counted by the CHECKs above */
    return bad;
}

static inline void make_data(const Prob &P, int layout, int dtype, Rng &r, Data &D)
{
    (void)layout;
    int64_t i3[3], k3[3], s3[3], p3[3], d3[3], o3[3];
    P.dims3(i3, k3, s3, p3, d3, o3);
    fill(D.x, (size_t)(P.N * P.C * i3[0] * i3[1] * i3[2]), r, dtype);
    fill(D.w, (size_t)(P.K * (P.C / P.G) * k3[0] * k3[1] * k3[2]), r, dtype);
    fill(D.b, (size_t)P.K, r, dtype);
}

/* Runs every algorithm for one (problem, layout, dtype, precision). */
static inline int check_all_algos(const Prob &P, int layout, int dtype, int prec, Rng &r)
{
    Data D;
    make_data(P, layout, dtype, r, D);
    std::vector<double> ref, sabs;
    reference(P, D, layout, dtype, prec, ref, sabs);
    int bad = 0;
    for (int algo = FC_ALGO_AUTO; algo <= FC_ALGO_IMPLICIT_GEMM; algo++) {
        std::vector<uint8_t> y;
        if (!run_lib(P, D, layout, dtype, prec, algo, y)) {
            bad++;
            continue;
        }
        bad += compare(P, layout, dtype, prec, algo, y, ref, sabs) ? 1 : 0;
    }
    return bad;
}

#endif
