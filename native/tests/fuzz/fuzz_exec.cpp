/*
 * fuzz_exec.cpp — libFuzzer harness that runs small valid convolutions and unfolds on the CPU.
 *
 * The input picks a small problem (1-3 spatial dims, groups, stride, asymmetric padding, dilation,
 * dtype, layout, precision, algorithm, bias, ReLU) and a data seed. Every buffer is malloc'ed with
 * exactly the size fc_conv_tensor_sizes / fc_conv_plan_workspace_size / fc_unfold_size give, so
 * AddressSanitizer reports any read or write past them. Properties checked:
 *  - fc_conv_forward succeeds, writes every output element (y is pre-filled with NaN bytes) and
 *    matches a double-precision reference within the fp32 summation bound (test_common.h);
 *  - fc_unfold writes exactly the reference im2col matrix, bit for bit;
 *  - the caller's MXCSR control bits (FTZ/DAZ, rounding, exception masks) are the same after each call;
 *  - fc_live_objects() is back where it started.
 */
#include "fuzz_common.h"
#include "test_common.h"

#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
/* control bits only (DAZ, masks, rounding, FTZ): the low 6 are sticky exception flags that any
 * floating-point arithmetic sets */
#define FC_GETCSR() (_mm_getcsr() & 0xffc0u)
#else
#define FC_GETCSR() 0u
#endif

/* Buffers end exactly at their last byte (ASan catches one byte past it) and start 1 + g_misalign
 * bytes into a malloc block: the API promises nothing beyond the element's alignment for x, w,
 * bias, y and cols (Java may pass any segment); only fc_malloc memory (the workspace) is 64-aligned. */
static size_t g_misalign = 0;

static void *xmalloc(size_t bytes)
{
    uint8_t *p = (uint8_t *)std::malloc(bytes + g_misalign + 1);
    if (!p) FUZZ_FAIL("malloc(%zu) failed", bytes);
    /* keep the end exact: place the buffer at the end of the block */
    return p + 1 + g_misalign;
}

static void xfree(void *p)
{
    if (p) std::free((uint8_t *)p - 1 - g_misalign);
}

/* Values of D (already representable in dtype) as exactly-sized dtype bytes. */
static void *pack(const std::vector<float> &v, int dtype)
{
    size_t es = dtype == FC_DTYPE_F16 ? 2 : 4;
    uint8_t *p = (uint8_t *)xmalloc(v.size() * es);
    for (size_t i = 0; i < v.size(); i++) {
        if (dtype == FC_DTYPE_F16) {
            uint16_t h = d2h(v[i]);
            std::memcpy(p + i * 2, &h, 2);
        } else {
            std::memcpy(p + i * 4, &v[i], 4);
        }
    }
    return p;
}

static double load(const void *p, size_t i, int dtype)
{
    if (dtype == FC_DTYPE_F16) {
        uint16_t h;
        std::memcpy(&h, (const uint8_t *)p + i * 2, 2);
        return h2d(h);
    }
    float f;
    std::memcpy(&f, (const uint8_t *)p + i * 4, 4);
    return f;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fc_cpu_set_num_threads(2);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ByteReader r{data, size};
    const int64_t live0 = live_objects();
    Prob P;
    uint8_t f = r.u8();
    P.nd = 1 + r.u8() % 3;
    P.N = 1 + r.u8() % 3;
    P.G = (f & 1) ? 1 + r.u8() % 4 : 1;
    P.C = P.G * (1 + r.u8() % ((f & 2) ? 40 : 6));
    P.K = P.G * (1 + r.u8() % ((f & 4) ? 100 : 8));
    P.bias = (f >> 3) & 1;
    P.relu = (f >> 4) & 1;
    const int64_t max_in = P.nd == 1 ? 300 : P.nd == 2 ? 20 : 8;
    for (int i = 0; i < P.nd; i++) {
        P.in[i] = 1 + r.u8() % max_in;
        P.k[i] = 1 + r.u8() % 5;
        P.s[i] = 1 + r.u8() % 4;
        P.pb[i] = r.u8() % 5;
        P.pe[i] = r.u8() % 5;
        P.d[i] = 1 + r.u8() % 3;
    }
    uint8_t g = r.u8();
    int dtype = g & 1, layout = (g >> 1) & 1, prec = (g >> 2) & 3, algo = (g >> 4) & 3;
    uint64_t seed = r.u64();
    if (!P.valid()) return 0;
    /* x, w, bias, y, cols start 16 bytes into a malloc block (16- but not necessarily 32/64-aligned),
     * or in a quarter of the inputs one element in (4-aligned f32, 2-aligned f16 data) */
    g_misalign = (seed >> 8) & 3 ? 15 : (dtype == FC_DTYPE_F16 ? 1 : 3);
    int64_t i3[3], k3[3], s3[3], p3[3], d3[3], o3[3];
    P.dims3(i3, k3, s3, p3, d3, o3);
    int64_t L = o3[0] * o3[1] * o3[2], KK = k3[0] * k3[1] * k3[2];
    double macs = (double)P.N * (double)P.K * (double)L * (double)(P.C / P.G) * (double)KK;
    if (macs > 4e6) return 0; /* keep each input fast */

    fc_conv_desc d;
    P.desc(&d, dtype, prec, layout, algo);
    int64_t xe, we, be, ye;
    fc_status st = fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye);
    FUZZ_ASSERT(st == FC_SUCCESS, "tensor_sizes on a valid problem: %s (%s)", fc_last_error(), P.str().c_str());
    Rng rng(seed);
    Data D;
    make_data(P, layout, dtype, rng, D);
    FUZZ_ASSERT((int64_t)D.x.size() == xe && (int64_t)D.w.size() == we && (be == 0 || (int64_t)D.b.size() == be),
                "element counts %lld %lld %lld differ from the problem's: %s", (long long)xe, (long long)we, (long long)be,
                P.str().c_str());
    const size_t es = dtype == FC_DTYPE_F16 ? 2 : 4;
    void *x = pack(D.x, dtype), *w = pack(D.w, dtype), *b = P.bias ? pack(D.b, dtype) : nullptr;
    void *y = xmalloc((size_t)ye * es);
    std::memset(y, 0xff, (size_t)ye * es); /* NaN in both dtypes: every element must be written */

    fc_conv_plan plan = nullptr;
    st = fc_conv_plan_create(&d, 0, &plan);
    FUZZ_ASSERT(st == FC_SUCCESS, "plan_create: %s (%s)", fc_last_error(), P.str().c_str());
    size_t wsb = 0;
    fc_conv_plan_workspace_size(plan, &wsb);
    void *ws = nullptr;
    if (wsb) FUZZ_ASSERT(fc_malloc(0, wsb, &ws) == FC_SUCCESS, "fc_malloc(%zu): %s", wsb, fc_last_error());
    fc_stream stream = nullptr;
    if (seed & 1) FUZZ_ASSERT(fc_stream_create(0, &stream) == FC_SUCCESS, "stream_create: %s", fc_last_error());
    unsigned csr0 = FC_GETCSR();
    st = fc_conv_forward(plan, stream, x, w, b, y, ws);
    unsigned csr1 = FC_GETCSR();
    FUZZ_ASSERT(csr0 == csr1, "fc_conv_forward changed the caller's MXCSR from %#x to %#x", csr0, csr1);
    FUZZ_ASSERT(st == FC_SUCCESS, "fc_conv_forward: %s (%s)", fc_last_error(), P.str().c_str());
    /* CPU streams are asynchronous queues: y is ready once the stream has passed the call. */
    if (stream) FUZZ_ASSERT(fc_stream_synchronize(stream) == FC_SUCCESS, "stream_synchronize: %s", fc_last_error());
    int32_t used = 0;
    fc_conv_plan_algorithm(plan, &used);

    std::vector<double> ref, sabs;
    reference(P, D, layout, dtype, prec, ref, sabs);
    const double T = (double)(P.C / P.G * KK), u = std::ldexp(1.0, -24);
    for (int64_t n = 0; n < P.N; n++)
        for (int64_t k = 0; k < P.K; k++)
            for (int64_t p = 0; p < L; p++) {
                size_t ri = (size_t)((n * P.K + k) * L + p);
                size_t yi = layout == FC_LAYOUT_NCHW ? ri : (size_t)((n * L + p) * P.K + k);
                double v = load(y, yi, dtype);
                double tol = 2.0 * (T + 2.0) * u * sabs[ri];
                if (dtype == FC_DTYPE_F16) tol += std::ldexp(std::fabs(ref[ri]), -11) + u;
                if (!(std::fabs(v - ref[ri]) <= tol))
                    FUZZ_FAIL("%s %s %s %s %s: y[n%lld k%lld p%lld] = %.9g, reference %.9g, tol %.3g%s", P.str().c_str(),
                              layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32", prec_name(prec), algo_name(used),
                              (long long)n, (long long)k, (long long)p, v, ref[ri], tol,
                              std::isnan(v) ? " (never written?)" : "");
            }

    /* unfold of the same x: cols (N, C*KK, L) in x's dtype */
    int64_t ce = -1;
    st = fc_unfold_size(&d, &ce);
    FUZZ_ASSERT(st == FC_SUCCESS && ce == P.N * P.C * KK * L, "fc_unfold_size -> %lld: %s", (long long)ce, fc_last_error());
    void *cols = xmalloc((size_t)ce * es);
    std::memset(cols, 0xff, (size_t)ce * es);
    csr0 = FC_GETCSR();
    st = fc_unfold(&d, 0, stream, x, cols);
    csr1 = FC_GETCSR();
    FUZZ_ASSERT(csr0 == csr1, "fc_unfold changed the caller's MXCSR from %#x to %#x", csr0, csr1);
    FUZZ_ASSERT(st == FC_SUCCESS, "fc_unfold: %s (%s)", fc_last_error(), P.str().c_str());
    if (stream) FUZZ_ASSERT(fc_stream_synchronize(stream) == FC_SUCCESS, "stream_synchronize: %s", fc_last_error());
    const int64_t IS = i3[0] * i3[1] * i3[2];
    for (int64_t n = 0; n < P.N; n++)
        for (int64_t c = 0; c < P.C; c++)
            for (int64_t a = 0; a < k3[0]; a++)
                for (int64_t bb = 0; bb < k3[1]; bb++)
                    for (int64_t e = 0; e < k3[2]; e++)
                        for (int64_t od = 0; od < o3[0]; od++)
                            for (int64_t oh = 0; oh < o3[1]; oh++)
                                for (int64_t ow = 0; ow < o3[2]; ow++) {
                                    int64_t id = od * s3[0] - p3[0] + a * d3[0];
                                    int64_t ih = oh * s3[1] - p3[1] + bb * d3[1];
                                    int64_t iw = ow * s3[2] - p3[2] + e * d3[2];
                                    double want = 0.0;
                                    if (id >= 0 && id < i3[0] && ih >= 0 && ih < i3[1] && iw >= 0 && iw < i3[2]) {
                                        int64_t sp = (id * i3[1] + ih) * i3[2] + iw;
                                        int64_t xi = layout == FC_LAYOUT_NCHW ? (n * P.C + c) * IS + sp
                                                                              : (n * IS + sp) * P.C + c;
                                        want = D.x[(size_t)xi];
                                    }
                                    int64_t row = c * KK + (a * k3[1] + bb) * k3[2] + e;
                                    int64_t p = (od * o3[1] + oh) * o3[2] + ow;
                                    double got = load(cols, (size_t)((n * P.C * KK + row) * L + p), dtype);
                                    if (!(got == want))
                                        FUZZ_FAIL("unfold %s %s %s: cols[n%lld r%lld p%lld] = %.9g, want %.9g",
                                                  P.str().c_str(), layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32",
                                                  (long long)n, (long long)row, (long long)p, got, want);
                                }

    if (stream) FUZZ_ASSERT(fc_stream_destroy(stream) == FC_SUCCESS, "stream_destroy");
    if (ws) FUZZ_ASSERT(fc_free(0, ws) == FC_SUCCESS, "fc_free");
    FUZZ_ASSERT(fc_conv_plan_destroy(plan) == FC_SUCCESS, "plan_destroy");
    xfree(x);
    xfree(w);
    xfree(b);
    xfree(y);
    xfree(cols);
    FUZZ_ASSERT(live_objects() == live0, "live objects %lld, expected %lld", (long long)live_objects(), (long long)live0);
    return 0;
}
