/*
 * test_cpu_paths.cpp — the CPU backend's special paths against the independent
 * reference of test_common.h, every algorithm, both layouts, f32 and f16:
 *   - 1x1 / stride 1 / no padding NCHW: B read in place (tails, groups, bias+ReLU)
 *   - padded mode (NCHW, Kdim >= 128: x copied zero-padded into stride phases, every B
 *     row in place; strides 1, 2, 2x3, dilation)
 *   - few input channels on wide images: B read in place through the row-offset
 *     table (stride 1, dilation, 3-D; with reduction slices > 1)
 *   - reduction split into several kc slices (whole-channel slices, fast gather),
 *     stride-2 gather of even elements
 *   - NCHW fp32 weights read in place by the micro-kernel (partial last panel, groups, slices)
 *   - DIRECT rows mode (few input channels: input band copied per task, micro-kernel in place)
 *   - depthwise (groups == C, NCHW and NHWC, stride 2, channel multiplier 2)
 *   - FASTCONV_AUTOTUNE=1 / fc_set_autotune: AUTO resolved by timing, result still right
 * ctest runs it at the detected SIMD level and with FASTCONV_SIMD=scalar|avx2.
 */
#include "test_common.h"

static Prob p2(int64_t N, int64_t C, int64_t K, int64_t G, int64_t H, int64_t W, int64_t k, int64_t s, int64_t pad,
               int64_t dil = 1, int bias = 1, int relu = 0)
{
    Prob P;
    P.nd = 2;
    P.N = N, P.C = C, P.K = K, P.G = G;
    P.in[0] = H, P.in[1] = W;
    for (int i = 0; i < 2; i++) P.k[i] = k, P.s[i] = s, P.pb[i] = pad, P.pe[i] = pad, P.d[i] = dil;
    P.bias = bias, P.relu = relu;
    return P;
}

int main()
{
    Rng r(4242);
    std::vector<Prob> probs;
    /* 1x1 in place: L multiple of every NR, L with a tail, groups, relu */
    probs.push_back(p2(2, 37, 19, 1, 8, 16, 1, 1, 0, 1, 1, 1));
    probs.push_back(p2(1, 64, 32, 1, 9, 11, 1, 1, 0));
    probs.push_back(p2(2, 12, 18, 3, 7, 13, 1, 1, 0, 1, 0, 0));
    probs.push_back(p2(1, 800, 9, 1, 4, 40, 1, 1, 0)); /* Kdim 800: two slices read in place */
    /* few input channels, wide rows: interior slivers read in place */
    probs.push_back(p2(1, 3, 16, 1, 9, 100, 3, 1, 1, 1, 1, 1));
    probs.push_back(p2(2, 3, 7, 1, 6, 70, 5, 1, 2, 1, 1, 0));
    probs.push_back(p2(1, 2, 9, 1, 8, 90, 3, 1, 2, 2, 1, 0)); /* dilation 2 */
    probs.push_back(p2(1, 100, 20, 1, 5, 70, 3, 1, 1));      /* Kdim 900: 2 slices, in place + gather */
    probs.push_back(p2(1, 300, 10, 1, 5, 9, 3, 1, 1));       /* Kdim 2700: 4 slices, fast gather */
    probs.push_back(p2(1, 300, 26, 2, 6, 20, 3, 1, 1));      /* padded mode, groups, Kg 13 (A in place: clamped rows), 4 slices */
    probs.push_back(p2(2, 100, 21, 1, 5, 70, 3, 2, 1, 1, 1, 1)); /* stride 2, Kdim 900: A in place across slices, last panel partial */
    probs.push_back(p2(3, 5, 11, 1, 7, 5, 3, 2, 1));          /* stride 2, L < NR */
    probs.push_back(p2(2, 3, 10, 1, 9, 90, 7, 2, 3));         /* stride 2 wide rows: vector even-element gather */
    /* DIRECT rows mode (Kdim <= 384, NCHW): stem-like stride 2 pad 3 on an odd width with a
     * partial last weight panel; groups; stride 3 with dilation 2; rows shorter than a sliver;
     * more than 8 output rows per band limit (many tasks) */
    probs.push_back(p2(1, 3, 20, 1, 11, 37, 7, 2, 3, 1, 1, 1));
    probs.push_back(p2(2, 6, 12, 2, 9, 45, 3, 1, 1));
    probs.push_back(p2(1, 4, 9, 1, 13, 50, 3, 3, 2, 2, 1, 1));
    probs.push_back(p2(3, 3, 17, 1, 5, 6, 3, 1, 1, 1, 0, 1));
    probs.push_back(p2(1, 40, 8, 1, 21, 200, 3, 1, 1)); /* Kdim 360, wide: band of fewer rows */
    /* padded mode (Kdim 150) on 1-wide rows (Wp = 1): a sliver covers NR output rows, one
     * masked-store run per row */
    {
        Prob W1 = p2(2, 50, 10, 1, 70, 1, 3, 1, 1, 1, 1, 1);
        W1.k[1] = 1, W1.pb[1] = W1.pe[1] = 0;
        probs.push_back(W1);
    }
    /* depthwise and channel multiplier */
    probs.push_back(p2(2, 24, 24, 24, 13, 17, 3, 1, 1, 1, 1, 1));
    probs.push_back(p2(1, 19, 19, 19, 12, 40, 3, 2, 1));
    probs.push_back(p2(1, 8, 16, 8, 9, 33, 5, 1, 2));
    {
        Prob P; /* 3-D few-channel wide */
        P.nd = 3;
        P.N = 1, P.C = 2, P.K = 9, P.G = 1;
        int64_t in[3] = {4, 5, 64};
        for (int i = 0; i < 3; i++) P.in[i] = in[i], P.k[i] = 3, P.pb[i] = P.pe[i] = 1;
        P.bias = 1;
        probs.push_back(P);
        Prob R; /* padded mode (Kdim >= 128, wide rows): uneven padding, dilation, relu, 2 images */
        R.nd = 2;
        R.N = 2, R.C = 20, R.K = 13, R.G = 1;
        R.in[0] = 9, R.in[1] = 40;
        R.k[0] = R.k[1] = 3;
        R.d[0] = 1, R.d[1] = 2;
        R.pb[0] = 2, R.pe[0] = 1, R.pb[1] = 1, R.pe[1] = 2;
        R.bias = 1, R.relu = 1;
        probs.push_back(R);
        R.G = 2, R.C = 40, R.K = 16, R.relu = 0; /* groups, Kdim 180 */
        probs.push_back(R);
        R.G = 1, R.C = 16, R.K = 9, R.relu = 1; /* phase planes: strides 2 x 3, dilation 1 x 2 */
        R.in[0] = 12, R.in[1] = 200, R.k[0] = 3, R.k[1] = 5, R.s[0] = 2, R.s[1] = 3;
        probs.push_back(R);
        for (int64_t cch : {3, 20}) { /* 3-D, depth 1 padded in front so the only output depth reads
                                           * padding: all zeros (+bias); rows mode (C 3) and padded
                                           * mode (C 20, Kdim 180) must not treat it as 2-D */
            Prob D3;
            D3.nd = 3;
            D3.N = 1, D3.C = cch, D3.K = 9, D3.G = 1;
            int64_t din[3] = {1, 6, 40};
            for (int i = 0; i < 3; i++) D3.in[i] = din[i], D3.k[i] = i == 0 ? 1 : 3, D3.pb[i] = D3.pe[i] = 1;
            D3.pe[0] = 0, D3.s[0] = 2;
            D3.bias = 1, D3.relu = 1;
            probs.push_back(D3);
        }
        Prob Q = P; /* 1-D */
        Q.nd = 1;
        Q.in[0] = 200;
        Q.C = 4;
        probs.push_back(Q);
    }
    int bad = 0;
    for (const Prob &P : probs)
        for (int layout = 0; layout < 2; layout++)
            for (int dtype = 0; dtype < 2; dtype++) {
                bad += check_all_algos(P, layout, dtype, FC_PRECISION_FP32, r);
                if (dtype == FC_DTYPE_F32) bad += check_all_algos(P, layout, dtype, FC_PRECISION_TF32, r);
            }
    /* autotune: AUTO timed at plan creation; result and reported algorithm must be right; switched on
       by the environment (layout 0) and by fc_set_autotune (layout 1) */
    for (size_t i = 0; i < probs.size(); i += 3)
        for (int layout = 0; layout < 2; layout++) {
            if (layout == 0) {
                setenv("FASTCONV_AUTOTUNE", "1", 1);
            } else {
                unsetenv("FASTCONV_AUTOTUNE");
                CHECK_OK(fc_set_autotune(FC_AUTOTUNE_ON));
            }
            const Prob &P = probs[i];
            Data D;
            make_data(P, layout, FC_DTYPE_F32, r, D);
            std::vector<double> ref, sabs;
            reference(P, D, layout, FC_DTYPE_F32, FC_PRECISION_FP32, ref, sabs);
            std::vector<uint8_t> y;
            int used = -1;
            if (run_lib(P, D, layout, FC_DTYPE_F32, FC_PRECISION_FP32, FC_ALGO_AUTO, y, &used)) {
                CHECK(used >= FC_ALGO_DIRECT && used <= FC_ALGO_IMPLICIT_GEMM, "autotune resolved to %d", used);
                bad += compare(P, layout, FC_DTYPE_F32, FC_PRECISION_FP32, FC_ALGO_AUTO, y, ref, sabs) ? 1 : 0;
            }
            CHECK_OK(fc_set_autotune(FC_AUTOTUNE_DEFAULT));
        }
    unsetenv("FASTCONV_AUTOTUNE");
    int64_t live = -1;
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 0, "live objects after the tests: %lld", (long long)live);
    (void)bad;
    return test_finish("test_cpu_paths");
}
