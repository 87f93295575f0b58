/* Every SIMD level available on this machine (FASTCONV_SIMD caps the level,
 * read at plan creation) gives results within fp32 rounding of each other
 * (and of the reference). */
#include "test_common.h"

#include <cstdlib>

int main()
{
    fc_device_info info;
    unsetenv("FASTCONV_SIMD");
    CHECK_OK(fc_device_get_info(0, &info));
    int maxlvl = info.simd_level;
    const char *names[] = {"scalar", "avx2", "avx512"};
    Rng r(4242);
    int shapes = std::max(3, (int)(12 * test_scale()));
    for (int i = 0; i < shapes; i++) {
        Prob p;
        p.nd = (int)r.range(1, 3);
        p.G = r.range(1, 2);
        p.C = p.G * r.range(1, 6);
        p.K = p.G * r.range(1, 20);
        p.N = r.range(1, 2);
        for (int a = 0; a < p.nd; a++) {
            p.in[a] = r.range(3, p.nd == 1 ? 200 : (p.nd == 2 ? 20 : 7));
            p.k[a] = r.range(1, 3);
            p.pb[a] = r.range(0, 1);
            p.pe[a] = r.range(0, 1);
        }
        p.bias = 1;
        int layout = i % 2, dtype = (i / 2) % 2, prec = (int)r.range(0, 3);
        Data D;
        make_data(p, layout, dtype, r, D);
        std::vector<double> ref, sabs;
        reference(p, D, layout, dtype, prec, ref, sabs);
        for (int algo = FC_ALGO_DIRECT; algo <= FC_ALGO_IMPLICIT_GEMM; algo++) {
            std::vector<std::vector<uint8_t>> outs;
            for (int lvl = 0; lvl <= maxlvl; lvl++) {
                setenv("FASTCONV_SIMD", names[lvl], 1);
                CHECK_OK(fc_device_get_info(0, &info));
                CHECK(info.simd_level == lvl, "FASTCONV_SIMD=%s gives level %d", names[lvl], info.simd_level);
                std::vector<uint8_t> y;
                run_lib(p, D, layout, dtype, prec, algo, y);
                compare(p, layout, dtype, prec, algo, y, ref, sabs);
                outs.push_back(y);
            }
            /* level vs level: both within the fp32 bound of the reference -> within 2x of each other */
            int64_t ye = (int64_t)ref.size();
            for (size_t lv = 1; lv < outs.size(); lv++) {
                int bad = 0;
                for (int64_t j = 0; j < ye; j++) {
                    /* ref index == y index for NCHW; for NHWC compare raw positions (same layout) */
                    double a = from_bytes(outs[0], (size_t)j, dtype), b = from_bytes(outs[lv], (size_t)j, dtype);
                    double tol = 4.0 * (double)(p.C * 27 + 2) * std::ldexp(1.0, -24) * (std::fabs(a) + 1.0) * 8;
                    if (dtype) tol += std::ldexp(std::fabs(a), -10) + std::ldexp(1.0, -23);
                    if (!(std::fabs(a - b) <= tol)) bad++;
                }
                CHECK(bad == 0, "shape %d algo %d: level %s vs scalar: %d elements differ", i, algo, names[lv], bad);
            }
        }
    }
    unsetenv("FASTCONV_SIMD");
    std::printf("levels 0..%d compared on %d shapes\n", maxlvl, shapes);
    return test_finish("test_simd");
}
