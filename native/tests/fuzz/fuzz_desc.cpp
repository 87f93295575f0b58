/*
 * fuzz_desc.cpp — libFuzzer harness over descriptor validation and plan creation.
 *
 * The input is decoded into an fc_conv_desc whose every field is a small value, an "interesting"
 * boundary (0, -1, 2^31, 2^62, INT64_MAX, ...) or 8 raw bytes. Properties checked:
 *  - an independent 128-bit reference of the documented rules (PyTorch's shape rules, every element
 *    count and the workspace bound below 2^62 bytes) accepts the descriptor exactly when
 *    fc_conv_desc_validate does; a rejection is FC_ERROR_INVALID_ARGUMENT with a message;
 *  - fc_conv_output_size / fc_conv_tensor_sizes / fc_unfold_size agree with the reference;
 *  - fc_conv_plan_create on the CPU succeeds exactly for valid descriptors, resolves AUTO, reports a
 *    workspace at least as large as the packed weights (+ the unfold matrix for UNFOLD_GEMM) and below
 *    2^63, and fc_conv_plan_desc gives the descriptor back (unused spatial entries canonical);
 *  - any other device number fails cleanly; failed creation leaves *plan NULL;
 *  - fc_live_objects() is back where it started.
 * Plan creation allocates no workspace, so huge valid descriptors are cheap here; fuzz_exec runs small ones.
 */
#include "fuzz_common.h"

#include <climits>

typedef unsigned __int128 u128;
static const u128 CAP = (u128)1 << 100;
static const u128 LIM = (u128)1 << 62;

static u128 smul(u128 a, u128 b)
{
    if (a == 0 || b == 0) return 0;
    if (a >= CAP || b >= CAP || a > CAP / b) return CAP;
    return a * b;
}

static int64_t pick_i64(ByteReader &r)
{
    static const int64_t interesting[] = {0, 1, -1, 2, 3, 7, 16, 17, 255, 256, 4096, 46341, 65536, (1LL << 20),
                                          (1LL << 30), (1LL << 31) - 1, (1LL << 31), (1LL << 32), 3037000499LL,
                                          (1LL << 40), (1LL << 61), (1LL << 62) - 1, (1LL << 62), (1LL << 62) + 1,
                                          INT64_MAX - 1, INT64_MAX, INT64_MIN, INT64_MIN + 1, -(1LL << 62)};
    uint8_t sel = r.u8();
    switch (sel & 7) {
    case 0: case 1: case 2: return (int64_t)(r.u8() % 24) - 2; /* -2..21 */
    case 3: return 1;
    case 4: case 5: return interesting[r.u8() % (sizeof interesting / sizeof interesting[0])];
    case 6: return (int64_t)r.u64();
    default: return (int64_t)((uint64_t)(r.u8() + 1) << (r.u8() % 62));
    }
}

static int32_t pick_i32(ByteReader &r, int32_t hi)
{
    static const int32_t interesting[] = {-1, INT32_MIN, INT32_MAX, 255, 256, 65536};
    uint8_t sel = r.u8();
    if (sel < 240) return (int32_t)(sel % (uint32_t)(hi + 1));
    if (sel < 250) return interesting[sel % 6];
    return (int32_t)(uint32_t)r.u64();
}

struct RefSizes {
    bool ok;
    int64_t out[3];
    u128 x, w, b, y, cols;
};

/* The documented rules, independently, in saturating 128-bit arithmetic. */
static RefSizes reference(const fc_conv_desc &d, bool unfold_only)
{
    RefSizes s{};
    s.ok = false;
    if (d.spatial_dims < 1 || d.spatial_dims > 3) return s;
    if (d.dtype != FC_DTYPE_F32 && d.dtype != FC_DTYPE_F16) return s;
    if (d.layout != FC_LAYOUT_NCHW && d.layout != FC_LAYOUT_NHWC) return s;
    if (!unfold_only) {
        if (d.precision < 0 || d.precision > 3 || d.algorithm < 0 || d.algorithm > 3 || d.activation < 0 ||
            d.activation > 1 || d.has_bias < 0 || d.has_bias > 1)
            return s;
    }
    if (d.batch < 1 || d.in_channels < 1) return s;
    int64_t K = 1, G = 1;
    if (!unfold_only) {
        K = d.out_channels;
        G = d.groups;
        if (K < 1 || G < 1 || d.in_channels % G || K % G) return s;
    }
    u128 kk = 1, L = 1, insz = 1;
    for (int i = 0; i < d.spatial_dims; i++) {
        if (d.in_size[i] < 1 || d.kernel_size[i] < 1 || d.stride[i] < 1 || d.dilation[i] < 1 || d.pad_begin[i] < 0 ||
            d.pad_end[i] < 0)
            return s;
        u128 padded = (u128)d.in_size[i] + (u128)d.pad_begin[i] + (u128)d.pad_end[i];
        u128 span = smul((u128)d.dilation[i], (u128)(d.kernel_size[i] - 1));
        if (padded >= LIM || span >= LIM) return s;
        if (padded < span + 1) return s; /* output size < 1 */
        u128 o = (padded - span - 1) / (u128)d.stride[i] + 1;
        s.out[i] = (int64_t)o;
        kk = smul(kk, (u128)d.kernel_size[i]);
        L = smul(L, o);
        insz = smul(insz, (u128)d.in_size[i]);
        if (kk >= LIM || L >= LIM || insz >= LIM) return s;
    }
    u128 es = d.dtype == FC_DTYPE_F16 ? 2 : 4, N = (u128)d.batch, C = (u128)d.in_channels;
    s.x = smul(smul(N, C), insz);
    if (smul(s.x, es) >= LIM) return s;
    s.cols = smul(smul(smul(C, kk), L), N);
    if (smul(s.cols, 4) >= LIM) return s;
    if (unfold_only) {
        s.ok = true;
        return s;
    }
    u128 Cg = C / (u128)G, Kg = (u128)K / (u128)G;
    s.w = smul(smul((u128)K, Cg), kk);
    if (smul(s.w, es) >= LIM) return s;
    s.b = d.has_bias ? (u128)K : 0;
    s.y = smul(smul(N, (u128)K), L);
    if (smul(s.y, es) >= LIM) return s;
    u128 ws = smul(smul(C, kk), L) + smul(smul(smul((Kg + 15) / 16 * 16, (u128)G), Cg), kk);
    if (smul(ws, 4) >= LIM) return s;
    s.ok = true;
    return s;
}

static void desc_str(const fc_conv_desc &d, char *b, size_t n)
{
    int o = std::snprintf(b, n, "nd=%d dtype=%d prec=%d layout=%d algo=%d bias=%d act=%d N=%lld C=%lld K=%lld G=%lld",
                          d.spatial_dims, d.dtype, d.precision, d.layout, d.algorithm, d.has_bias, d.activation,
                          (long long)d.batch, (long long)d.in_channels, (long long)d.out_channels, (long long)d.groups);
    for (int i = 0; i < 3 && o > 0 && (size_t)o < n; i++)
        o += std::snprintf(b + o, n - (size_t)o, " [in=%lld k=%lld s=%lld pb=%lld pe=%lld d=%lld]",
                           (long long)d.in_size[i], (long long)d.kernel_size[i], (long long)d.stride[i],
                           (long long)d.pad_begin[i], (long long)d.pad_end[i], (long long)d.dilation[i]);
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
    fc_conv_desc d;
    fc_conv_desc_init(&d);
    /* header byte: which fields are fuzzed at all (the rest keep fc_conv_desc_init's defaults) */
    uint8_t mask = r.u8();
    d.spatial_dims = (mask & 1) ? pick_i32(r, 4) : 1 + r.u8() % 3;
    d.dtype = pick_i32(r, 2);
    d.precision = pick_i32(r, 4);
    d.layout = pick_i32(r, 2);
    d.algorithm = pick_i32(r, 4);
    d.has_bias = pick_i32(r, 2);
    d.activation = pick_i32(r, 2);
    d.reserved = (int32_t)r.u8();
    d.batch = pick_i64(r);
    d.in_channels = pick_i64(r);
    d.out_channels = pick_i64(r);
    d.groups = (mask & 2) ? pick_i64(r) : 1;
    for (int i = 0; i < FC_MAX_SPATIAL_DIMS; i++) {
        d.in_size[i] = pick_i64(r);
        d.kernel_size[i] = pick_i64(r);
        d.stride[i] = (mask & 4) ? pick_i64(r) : 1;
        d.pad_begin[i] = (mask & 8) ? pick_i64(r) : 0;
        d.pad_end[i] = (mask & 16) ? pick_i64(r) : 0;
        d.dilation[i] = (mask & 32) ? pick_i64(r) : 1;
    }
    int32_t device = (mask & 64) ? (int32_t)((uint32_t)pick_i32(r, 3) - 1u) : 0;
    char ds[1024];
    desc_str(d, ds, sizeof ds);

    RefSizes ref = reference(d, false);
    fc_status st = fc_conv_desc_validate(&d);
    if (ref.ok != (st == FC_SUCCESS))
        FUZZ_FAIL("fc_conv_desc_validate -> %d (%s) but the reference says %s: %s", (int)st, fc_last_error(),
                  ref.ok ? "valid" : "invalid", ds);
    if (st) {
        if (st != FC_ERROR_INVALID_ARGUMENT) FUZZ_FAIL("validate: status %d for an invalid descriptor: %s", (int)st, ds);
        expect_error_message(st, "fc_conv_desc_validate");
    } else {
        int64_t out[3] = {-7, -7, -7};
        st = fc_conv_output_size(&d, out);
        FUZZ_ASSERT(st == FC_SUCCESS, "fc_conv_output_size: %s", fc_last_error());
        for (int i = 0; i < d.spatial_dims; i++)
            FUZZ_ASSERT(out[i] == ref.out[i], "out[%d] = %lld, reference %lld: %s", i, (long long)out[i],
                        (long long)ref.out[i], ds);
        for (int i = d.spatial_dims; i < 3; i++) FUZZ_ASSERT(out[i] == -7, "out[%d] written past spatial_dims", i);
        int64_t xe, we, be, ye;
        st = fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye);
        FUZZ_ASSERT(st == FC_SUCCESS, "fc_conv_tensor_sizes: %s", fc_last_error());
        FUZZ_ASSERT((u128)xe == ref.x && (u128)we == ref.w && (u128)be == ref.b && (u128)ye == ref.y,
                    "tensor sizes %lld %lld %lld %lld differ from the reference: %s", (long long)xe, (long long)we,
                    (long long)be, (long long)ye, ds);
    }

    RefSizes uref = reference(d, true);
    int64_t cols = -1;
    st = fc_unfold_size(&d, &cols);
    if (uref.ok != (st == FC_SUCCESS))
        FUZZ_FAIL("fc_unfold_size -> %d (%s) but the reference says %s: %s", (int)st, fc_last_error(),
                  uref.ok ? "valid" : "invalid", ds);
    if (st) expect_error_message(st, "fc_unfold_size");
    else FUZZ_ASSERT((u128)cols == uref.cols, "unfold cols %lld, reference differs: %s", (long long)cols, ds);

    fc_conv_plan plan = (fc_conv_plan)(uintptr_t)0x1; /* must be overwritten */
    st = fc_conv_plan_create(&d, device, &plan);
    int32_t ndev = 0;
    fc_device_count(&ndev);
    bool dev_ok = device >= 0 && device < ndev;
    if (st == FC_SUCCESS) {
        FUZZ_ASSERT(ref.ok && dev_ok, "plan created for an invalid descriptor or device %d: %s", device, ds);
        FUZZ_ASSERT(plan != nullptr, "plan_create succeeded with a NULL plan");
        size_t ws = 0;
        int32_t algo = -1;
        fc_conv_desc back;
        FUZZ_ASSERT(fc_conv_plan_workspace_size(plan, &ws) == FC_SUCCESS, "workspace_size failed");
        FUZZ_ASSERT(fc_conv_plan_algorithm(plan, &algo) == FC_SUCCESS, "plan_algorithm failed");
        FUZZ_ASSERT(fc_conv_plan_desc(plan, &back) == FC_SUCCESS, "plan_desc failed");
        FUZZ_ASSERT(algo >= FC_ALGO_DIRECT && algo <= FC_ALGO_IMPLICIT_GEMM, "algorithm %d not resolved", algo);
        FUZZ_ASSERT(d.algorithm == FC_ALGO_AUTO || d.algorithm == algo, "asked for algorithm %d, got %d", d.algorithm, algo);
        FUZZ_ASSERT(back.algorithm == algo, "plan_desc algorithm %d != %d", back.algorithm, algo);
        if (device == 0) {
            u128 wpack = ref.w * 4;
            FUZZ_ASSERT((u128)ws >= wpack, "workspace %zu < packed weights: %s", ws, ds);
            if (algo == FC_ALGO_UNFOLD_GEMM)
                FUZZ_ASSERT((u128)ws >= wpack + ref.cols / (u128)d.batch * 4, "UNFOLD_GEMM workspace %zu too small: %s", ws, ds);
        }
        FUZZ_ASSERT(ws < ((size_t)1 << 63), "workspace %zu bytes: overflow? %s", ws, ds);
        FUZZ_ASSERT(back.batch == d.batch && back.in_channels == d.in_channels && back.out_channels == d.out_channels &&
                        back.groups == d.groups && back.dtype == d.dtype && back.layout == d.layout &&
                        back.spatial_dims == d.spatial_dims && back.has_bias == d.has_bias,
                    "plan_desc differs from the descriptor: %s", ds);
        for (int i = 0; i < 3; i++) {
            bool used = i < d.spatial_dims;
            FUZZ_ASSERT(back.in_size[i] == (used ? d.in_size[i] : 1) && back.kernel_size[i] == (used ? d.kernel_size[i] : 1) &&
                            back.stride[i] == (used ? d.stride[i] : 1) && back.dilation[i] == (used ? d.dilation[i] : 1) &&
                            back.pad_begin[i] == (used ? d.pad_begin[i] : 0) && back.pad_end[i] == (used ? d.pad_end[i] : 0),
                        "plan_desc spatial dim %d not canonical: %s", i, ds);
        }
        FUZZ_ASSERT(live_objects() == live0 + 1, "a plan is not counted as one live object");
        FUZZ_ASSERT(fc_conv_plan_destroy(plan) == FC_SUCCESS, "plan_destroy: %s", fc_last_error());
    } else {
        expect_error_message(st, "fc_conv_plan_create");
        FUZZ_ASSERT(plan == nullptr, "failed fc_conv_plan_create left *plan = %p", (void *)plan);
        if (ref.ok && dev_ok && device == 0)
            FUZZ_FAIL("fc_conv_plan_create failed on the CPU for a valid descriptor (%d: %s): %s", (int)st,
                      fc_last_error(), ds);
    }
    FUZZ_ASSERT(live_objects() == live0, "live objects %lld, expected %lld", (long long)live_objects(), (long long)live0);
    return 0;
}
