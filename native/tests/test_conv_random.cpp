/* >= 300 seeded random shapes per seed (1/2/3-D, groups, stride, dilation, asymmetric
 * padding, bias, relu), each with a random layout/dtype/precision and all
 * four algorithms, against the double reference. Seed = argv[1] (default 1);
 * count scaled by FASTCONV_TEST_SCALE. */
#include "test_common.h"

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? (uint64_t)std::atoll(argv[1]) : 1;
    int count = (int)(300 * test_scale());
    if (count < 1) count = 1;
    Rng r(seed);
    int done = 0, bad = 0;
    while (done < count) {
        Prob p;
        p.nd = (int)r.range(1, 3);
        p.G = r.range(1, 3);
        if (r.range(0, 5) == 0) p.G = r.range(1, 8); /* sometimes depthwise-ish */
        p.C = p.G * r.range(1, p.nd == 3 ? 3 : 5);
        p.K = p.G * r.range(1, p.nd == 3 ? 4 : 9);
        p.N = r.range(1, 3);
        int64_t maxin = p.nd == 1 ? 40 : (p.nd == 2 ? 12 : 6);
        for (int i = 0; i < p.nd; i++) {
            p.in[i] = r.range(1, maxin);
            p.k[i] = r.range(1, std::min<int64_t>(5, p.in[i] + 2));
            p.s[i] = r.range(1, 3);
            p.d[i] = r.range(1, 3);
            p.pb[i] = r.range(0, 3);
            p.pe[i] = r.range(0, 3);
        }
        p.bias = (int)r.range(0, 1);
        p.relu = (int)r.range(0, 1);
        if (!p.valid()) continue;
        int layout = (int)r.range(0, 1), dtype = (int)r.range(0, 1), prec = (int)r.range(0, 3);
        bad += check_all_algos(p, layout, dtype, prec, r);
        done++;
    }
    std::printf("seed %llu: %d random shapes x 4 algorithms, %d bad runs\n", (unsigned long long)seed, done, bad);
    return test_finish("test_conv_random");
}
