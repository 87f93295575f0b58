/* fc_unfold vs a naive im2col written here (torch.nn.functional.unfold /
 * unfoldNd semantics): cols (N, C*prod(k), L), row c*prod(k) + kernel offset,
 * zero padding, both input layouts, f32 and f16 (bit-exact copies). */
#include "test_common.h"

static int check_one(const Prob &P, int layout, int dtype, Rng &r)
{
    int64_t i3[3], k3[3], s3[3], p3[3], d3[3], o3[3];
    P.dims3(i3, k3, s3, p3, d3, o3);
    int64_t L = o3[0] * o3[1] * o3[2], IS = i3[0] * i3[1] * i3[2], KK = k3[0] * k3[1] * k3[2];
    std::vector<float> x;
    fill(x, (size_t)(P.N * P.C * IS), r, dtype);
    fc_conv_desc dd;
    P.desc(&dd, dtype, FC_PRECISION_TF32 /* ignored */, layout, FC_ALGO_AUTO);
    dd.groups = 7; /* ignored by unfold */
    dd.out_channels = 3;
    int64_t ce = -1;
    CHECK_OK(fc_unfold_size(&dd, &ce));
    CHECK(ce == P.N * P.C * KK * L, "unfold_size %lld", (long long)ce);
    auto xb = to_bytes(x, dtype);
    std::vector<uint8_t> cols((size_t)ce * (dtype ? 2 : 4) + 1, 0xCD);
    CHECK_OK(fc_unfold(&dd, 0, nullptr, xb.data(), cols.data()));
    int bad = 0;
    for (int64_t n = 0; n < P.N; n++)
        for (int64_t c = 0; c < P.C; c++)
            for (int64_t a = 0; a < k3[0]; a++)
                for (int64_t b = 0; b < k3[1]; b++)
                    for (int64_t e = 0; e < k3[2]; e++)
                        for (int64_t od = 0; od < o3[0]; od++)
                            for (int64_t oh = 0; oh < o3[1]; oh++)
                                for (int64_t ow = 0; ow < o3[2]; ow++) {
                                    int64_t id = od * s3[0] - p3[0] + a * d3[0];
                                    int64_t ih = oh * s3[1] - p3[1] + b * d3[1];
                                    int64_t iw = ow * s3[2] - p3[2] + e * d3[2];
                                    double want = 0;
                                    if (id >= 0 && id < i3[0] && ih >= 0 && ih < i3[1] && iw >= 0 && iw < i3[2]) {
                                        int64_t sp = (id * i3[1] + ih) * i3[2] + iw;
                                        int64_t xi = layout == FC_LAYOUT_NCHW ? (n * P.C + c) * IS + sp
                                                                              : (n * IS + sp) * P.C + c;
                                        want = x[(size_t)xi];
                                    }
                                    int64_t row = c * KK + (a * k3[1] + b) * k3[2] + e;
                                    int64_t col = (od * o3[1] + oh) * o3[2] + ow;
                                    double got = from_bytes(cols, (size_t)((n * P.C * KK + row) * L + col), dtype);
                                    if (got != want) {
                                        if (bad < 3)
                                            CHECK(false, "%s %s %s: cols[n%lld r%lld l%lld] = %g want %g",
                                                  P.str().c_str(), layout ? "NHWC" : "NCHW", dtype ? "f16" : "f32",
                                                  (long long)n, (long long)row, (long long)col, got, want);
                                        bad++;
                                    }
                                }
    g_checks++;
    return bad;
}

int main()
{
    Rng r(777);
    int count = (int)(150 * test_scale()), done = 0, bad = 0;
    /* a fixed 2-D case like the torch docs: (1,3,4,5) kernel 2x3 */
    {
        Prob p;
        p.nd = 2; p.N = 1; p.C = 3; p.in[0] = 4; p.in[1] = 5; p.k[0] = 2; p.k[1] = 3;
        for (int l = 0; l < 2; l++)
            for (int dt = 0; dt < 2; dt++) bad += check_one(p, l, dt, r) ? 1 : 0;
    }
    while (done < count) {
        Prob p;
        p.nd = (int)r.range(1, 3);
        p.N = r.range(1, 2);
        p.C = r.range(1, 4);
        int64_t maxin = p.nd == 1 ? 30 : (p.nd == 2 ? 10 : 5);
        for (int i = 0; i < p.nd; i++) {
            p.in[i] = r.range(1, maxin);
            p.k[i] = r.range(1, 4);
            p.s[i] = r.range(1, 3);
            p.d[i] = r.range(1, 2);
            p.pb[i] = r.range(0, 2);
            p.pe[i] = r.range(0, 2);
        }
        if (!p.valid()) continue;
        bad += check_one(p, (int)r.range(0, 1), (int)r.range(0, 1), r) ? 1 : 0;
        done++;
    }
    std::printf("%d random unfold shapes, %d bad\n", done, bad);
    return test_finish("test_unfold");
}
