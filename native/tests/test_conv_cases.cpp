/* Fixed edge cases: every algorithm (incl. AUTO) x layout x dtype x precision
 * x 1/2/3-D against the independent double reference (test_common.h). */
#include "test_common.h"

static Prob mk(int nd, int64_t N, int64_t C, int64_t K, int64_t G, int64_t in, int64_t k, int64_t s = 1, int64_t pb = 0,
               int64_t pe = 0, int64_t d = 1, int bias = 0, int relu = 0)
{
    Prob p;
    p.nd = nd;
    p.N = N;
    p.C = C;
    p.K = K;
    p.G = G;
    for (int i = 0; i < nd && i < 3; i++) {
        p.in[i] = in;
        p.k[i] = k;
        p.s[i] = s;
        p.pb[i] = pb;
        p.pe[i] = pe;
        p.d[i] = d;
    }
    p.bias = bias;
    p.relu = relu;
    return p;
}

int main()
{
    std::vector<Prob> cases;
    for (int nd = 1; nd <= 3; nd++) {
        int64_t big = nd == 3 ? 6 : (nd == 2 ? 11 : 19);
        cases.push_back(mk(nd, 1, 1, 1, 1, 1, 1));                         /* 1x1 everything */
        cases.push_back(mk(nd, 2, 3, 5, 1, big, 1, 1, 0, 0, 1, 1, 0));     /* 1x1 conv, bias */
        cases.push_back(mk(nd, 1, 3, 4, 1, big + 3, 7, 2, 3, 3, 1, 1, 1)); /* 7x7 stride 2 pad 3 */
        cases.push_back(mk(nd, 2, 2, 3, 1, 5, 5));                         /* kernel == image */
        cases.push_back(mk(nd, 1, 5, 7, 1, big, 3, 1, 1, 1, 1, 0, 1));     /* odd channels, relu */
        cases.push_back(mk(nd, 2, 6, 6, 6, big, 3, 1, 1, 1));              /* depthwise */
        cases.push_back(mk(nd, 1, 6, 9, 3, big, 3, 2, 1, 0, 1, 1, 0));     /* groups, asym pad */
        cases.push_back(mk(nd, 1, 4, 8, 2, big, 3, 1, 2, 2, 2, 1, 1));     /* dilation 2 */
        cases.push_back(mk(nd, 1, 2, 3, 1, big, 2, 3, 0, 2, 3, 0, 0));     /* stride 3, dilation 3 */
        cases.push_back(mk(nd, 3, 4, 20, 1, big - 2, 3, 1, 0, 0, 1, 1, 1)); /* K over several micro-tiles */
        cases.push_back(mk(nd, 1, 2, 2, 2, 4, 3, 1, 2, 2, 1, 1, 0));       /* padding larger than half the kernel */
    }
    /* 2-D with H or W = 1, mixed per-dim parameters */
    {
        Prob p = mk(2, 2, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 0);
        p.in[0] = 1; p.in[1] = 13; p.k[0] = 1; p.k[1] = 3; p.pb[1] = 1; p.pe[1] = 0;
        cases.push_back(p);
        Prob q = mk(2, 1, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1);
        q.in[0] = 9; q.in[1] = 1; q.k[0] = 4; q.k[1] = 1; q.s[0] = 2; q.pb[0] = 0; q.pe[0] = 3;
        cases.push_back(q);
        Prob r = mk(3, 1, 4, 4, 2, 1, 1);
        r.in[0] = 3; r.in[1] = 1; r.in[2] = 8; r.k[0] = 2; r.k[1] = 1; r.k[2] = 3; r.d[2] = 2; r.s[0] = 2;
        r.pb[0] = 1; r.pe[2] = 2; r.bias = 1;
        cases.push_back(r);
        /* long rows: more than one 128-position GEMM block, > 256 reduction terms */
        Prob t = mk(2, 1, 32, 13, 1, 20, 3, 1, 1, 1, 1, 1, 0);
        cases.push_back(t);
        Prob u = mk(1, 2, 48, 100, 1, 300, 7, 1, 3, 3, 1, 1, 1);
        cases.push_back(u);
    }
    Rng rng(12345);
    int runs = 0, badruns = 0;
    for (const Prob &p : cases) {
        if (!p.valid()) {
            std::fprintf(stderr, "invalid test case %s\n", p.str().c_str());
            return 2;
        }
        for (int layout = 0; layout < 2; layout++)
            for (int dtype = 0; dtype < 2; dtype++)
                for (int prec = 0; prec < 4; prec++) {
                    badruns += check_all_algos(p, layout, dtype, prec, rng);
                    runs += 4;
                }
    }
    std::printf("%zu cases, %d runs, %d bad\n", cases.size(), runs, badruns);
    return test_finish("test_conv_cases");
}
