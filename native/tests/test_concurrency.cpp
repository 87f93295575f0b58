/* 4 caller threads execute one plan (each with its own y and workspace) at the
 * same time: every result must be bit-identical to the single-thread result. */
#include "test_common.h"

#include <thread>

int main()
{
    int iters = std::max(2, (int)(6 * test_scale()));
    Rng r(99);
    for (int algo = FC_ALGO_DIRECT; algo <= FC_ALGO_IMPLICIT_GEMM; algo++)
        for (int layout = 0; layout < 2; layout++) {
            Prob p;
            p.nd = 2; p.N = 2; p.C = 8; p.K = 24; p.G = 2;
            p.in[0] = 17; p.in[1] = 23; p.k[0] = p.k[1] = 3; p.pb[0] = p.pb[1] = p.pe[0] = p.pe[1] = 1;
            p.bias = 1; p.relu = 1;
            int dtype = layout; /* NHWC runs f16 */
            Data D;
            make_data(p, layout, dtype, r, D);
            fc_conv_desc d;
            p.desc(&d, dtype, FC_PRECISION_FP32, layout, algo);
            fc_conv_plan plan;
            CHECK_OK(fc_conv_plan_create(&d, 0, &plan));
            size_t ws = 0;
            fc_conv_plan_workspace_size(plan, &ws);
            int64_t xe, we, be, ye;
            fc_conv_tensor_sizes(&d, &xe, &we, &be, &ye);
            auto xb = to_bytes(D.x, dtype), wb = to_bytes(D.w, dtype), bb = to_bytes(D.b, dtype);
            size_t ybytes = (size_t)ye * (dtype ? 2 : 4);
            std::vector<uint8_t> y0(ybytes), wsp0(ws + 64);
            CHECK_OK(fc_cpu_set_num_threads(1));
            CHECK_OK(fc_conv_forward(plan, nullptr, xb.data(), wb.data(), bb.data(), y0.data(), wsp0.data()));
            CHECK_OK(fc_cpu_set_num_threads(0));
            std::vector<std::vector<uint8_t>> ys(4, std::vector<uint8_t>(ybytes)), wsps(4, std::vector<uint8_t>(ws + 64));
            int errors[4] = {0, 0, 0, 0}, mism[4] = {0, 0, 0, 0};
            std::vector<std::thread> th;
            for (int t = 0; t < 4; t++)
                th.emplace_back([&, t] {
                    for (int it = 0; it < iters; it++) {
                        std::memset(ys[t].data(), 0, ybytes);
                        if (fc_conv_forward(plan, nullptr, xb.data(), wb.data(), bb.data(), ys[t].data(),
                                            wsps[t].data()) != FC_SUCCESS)
                            errors[t]++;
                        if (std::memcmp(ys[t].data(), y0.data(), ybytes) != 0) mism[t]++;
                    }
                });
            for (auto &t : th) t.join();
            for (int t = 0; t < 4; t++)
                CHECK(errors[t] == 0 && mism[t] == 0, "algo %d layout %d thread %d: %d errors, %d mismatches", algo,
                      layout, t, errors[t], mism[t]);
            CHECK_OK(fc_conv_plan_destroy(plan));
        }
    /* resize the pool while other threads run plans */
    {
        Prob p;
        p.nd = 1; p.N = 3; p.C = 4; p.K = 16; p.in[0] = 300; p.k[0] = 5;
        Data D;
        make_data(p, 0, 0, r, D);
        std::vector<double> ref, sabs;
        reference(p, D, 0, 0, 0, ref, sabs);
        std::vector<std::thread> th;
        int bad[3] = {0, 0, 0};
        for (int t = 0; t < 3; t++)
            th.emplace_back([&, t] {
                for (int it = 0; it < iters; it++) {
                    std::vector<uint8_t> y;
                    if (!run_lib(p, D, 0, 0, 0, FC_ALGO_IMPLICIT_GEMM, y) || compare(p, 0, 0, 0, 3, y, ref, sabs))
                        bad[t]++;
                }
            });
        for (int i = 0; i < 10; i++) fc_cpu_set_num_threads(i % 3);
        for (auto &t : th) t.join();
        fc_cpu_set_num_threads(0);
        for (int t = 0; t < 3; t++) CHECK(bad[t] == 0, "thread %d: %d bad", t, bad[t]);
    }
    int64_t live = -1;
    CHECK_OK(fc_live_objects(&live));
    CHECK(live == 0, "live objects %lld", (long long)live);
    return test_finish("test_concurrency");
}
