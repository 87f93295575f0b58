// Conversion tests: cvt.rna.tf32.f32, cvt.rn.f16.f32, f16 -> f32, f16x2
// packing, and the 3xTF32 split accuracy (also through the emulated mma).
#include "simt/simt.h"

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "simt_test_util.h"

using fc::cuda::f16_bits_to_f32;
using fc::cuda::f32_to_f16_bits;
using fc::cuda::f32_to_tf32;

static float bits_f(uint32_t u) { return __uint_as_float(u); }

// Independent oracle for cvt.rna.tf32.f32 on finite inputs: scale to an integer
// multiple of the tf32 quantum in double and round half away from zero
// (std::round), then convert back (overflow -> Inf).
static uint32_t tf32_oracle(float x) {
    if (std::isnan(x)) return 0x7fffe000u;
    if (std::isinf(x) || x == 0.0f) return __float_as_uint(x);
    int e = 0;
    std::frexp(static_cast<double>(x), &e);  // |x| = m * 2^e, m in [0.5, 1)
    int qexp = e - 11;                       // 11 significant bits
    if (qexp < -136) qexp = -136;            // tf32 subnormals: 10 fraction bits below 2^-126
    const double q = std::ldexp(1.0, qexp);
    const double r = std::round(static_cast<double>(x) / q) * q;
    return __float_as_uint(static_cast<float>(r));
}

static void test_tf32() {
    struct Case { uint32_t in, out; };
    const Case cases[] = {
        {0x3f801000u, 0x3f802000u},  // 1 + half quantum: tie -> away (RNE would give 0x3f800000)
        {0xbf801000u, 0xbf802000u},  // negative tie -> away from zero
        {0x3f803000u, 0x3f804000u},  // tie with odd kept bit
        {0x3f800fffu, 0x3f800000u},  // below half
        {0x3f801001u, 0x3f802000u},  // above half
        {0x3fffffffu, 0x40000000u},  // carry into the exponent
        {0x3ffff000u, 0x40000000u},  // tie that carries
        {0x7f7fefffu, 0x7f7fe000u},  // just below the top tie: largest finite tf32
        {0x7f7ff000u, 0x7f800000u},  // top tie rounds away -> Inf
        {0x7f7fffffu, 0x7f800000u},  // FLT_MAX -> Inf
        {0xff7ff000u, 0xff800000u},  // negative -> -Inf
        {0x00001000u, 0x00002000u},  // subnormal tie
        {0x00000fffu, 0x00000000u},  // subnormal below half -> +0
        {0x80000fffu, 0x80000000u},  // -> -0
        {0x807ff000u, 0x80800000u},  // subnormal carries into the smallest normal
        {0x00000000u, 0x00000000u},
        {0x80000000u, 0x80000000u},
        {0x7f800000u, 0x7f800000u},
        {0xff800000u, 0xff800000u},
    };
    for (const Case& c : cases) {
        CHECK_MSG(f32_to_tf32(bits_f(c.in)) == c.out, "in 0x%08x got 0x%08x want 0x%08x", c.in,
                  f32_to_tf32(bits_f(c.in)), c.out);
        CHECK_MSG(tf32_oracle(bits_f(c.in)) == c.out, "oracle self-check 0x%08x", c.in);
    }
    for (uint32_t nan : {0x7fc00000u, 0x7f800001u, 0xffc00001u, 0x7fbfffffu}) {
        const uint32_t r = f32_to_tf32(bits_f(nan));
        CHECK_MSG(std::isnan(bits_f(r)) && (r & 0x1fffu) == 0, "nan 0x%08x -> 0x%08x", nan, r);
    }
    std::mt19937 rng(123);
    int bad = 0;
    for (int i = 0; i < 2000000; ++i) {
        uint32_t u = rng();
        if (i % 4 == 1) u = (u & 0xffffe000u) | 0x1000u;  // many exact ties
        const float x = bits_f(u);
        if (std::isnan(x)) continue;
        if (f32_to_tf32(x) != tf32_oracle(x) && ++bad < 5)
            std::fprintf(stderr, "tf32 mismatch 0x%08x: 0x%08x vs 0x%08x\n", u, f32_to_tf32(x), tf32_oracle(x));
    }
    CHECK(bad == 0);
}

static void test_f16() {
    struct Case { float in; uint16_t out; };
    const Case cases[] = {
        {65504.f, 0x7bff}, {65519.f, 0x7bff}, {65520.f, 0x7c00}, {-65520.f, 0xfc00}, {1e10f, 0x7c00},
        {1.0f + 0x1p-11f, 0x3c00},          // tie -> even (down)
        {1.0f + 3 * 0x1p-11f, 0x3c02},      // tie -> even (up)
        {-(1.0f + 0x1p-11f), 0xbc00},
        {0x1p-24f, 0x0001}, {0x1p-25f, 0x0000}, {-0x1p-25f, 0x8000},  // subnormal tie -> even 0
        {0x1.8p-24f, 0x0002},               // 1.5 * 2^-24 tie -> even 2
        {0x1.000002p-25f, 0x0001},          // just above the tie
        {0x1p-14f, 0x0400}, {0x1.ff8p-15f, 0x03ff},  // largest subnormal
        {0x1.ffcp-15f, 0x0400},             // tie between 0x3ff and 0x400 -> even: smallest normal
        {0.0f, 0x0000}, {-0.0f, 0x8000}, {INFINITY, 0x7c00}, {-INFINITY, 0xfc00},
    };
    for (const Case& c : cases)
        CHECK_MSG(f32_to_f16_bits(c.in) == c.out, "%a -> 0x%04x want 0x%04x", static_cast<double>(c.in),
                  f32_to_f16_bits(c.in), c.out);
    CHECK((f32_to_f16_bits(NAN) & 0x7c00) == 0x7c00 && (f32_to_f16_bits(NAN) & 0x3ff) != 0);
    CHECK((f32_to_f16_bits(bits_f(0x7f800001u)) & 0x3ff) != 0);  // NaN payload in low bits stays NaN

    // every f16 pattern: exact expansion (vs the compiler's _Float16) and round trip
    int bad = 0;
    for (uint32_t h = 0; h < 65536; ++h) {
        const float f = f16_bits_to_f32(static_cast<uint16_t>(h));
        _Float16 hv;
        const uint16_t hb = static_cast<uint16_t>(h);
        std::memcpy(&hv, &hb, 2);
        const float ref = static_cast<float>(hv);
        const bool nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff);
        if (nan) {
            if (!std::isnan(f) || !std::isnan(bits_f(f32_to_f16_bits(f) << 16 | 0x7f800000u))) ++bad;
            if ((f32_to_f16_bits(f) & 0x7fff) <= 0x7c00) ++bad;
            continue;
        }
        if (__float_as_uint(f) != __float_as_uint(ref)) ++bad;
        if (f32_to_f16_bits(f) != h) ++bad;
    }
    CHECK_MSG(bad == 0, "%d f16 patterns wrong", bad);

    // random floats near the f16 range vs _Float16 (RNE in libgcc)
    std::mt19937 rng(7);
    bad = 0;
    for (int i = 0; i < 2000000; ++i) {
        uint32_t u = rng();
        u = (u & 0x80000000u) | (((u >> 23) % 48 + 96) << 23) | (u & 0x7fffffu);  // exponents 2^-31 .. 2^16
        if (i % 3 == 0) u = (u & 0xffffe000u) | 0x1000u;                          // ties
        const float x = bits_f(u);
        const _Float16 hv = static_cast<_Float16>(x);
        uint16_t ref;
        std::memcpy(&ref, &hv, 2);
        if (f32_to_f16_bits(x) != ref && ++bad < 5)
            std::fprintf(stderr, "f16 mismatch %a: 0x%04x vs 0x%04x\n", static_cast<double>(x), f32_to_f16_bits(x), ref);
    }
    CHECK(bad == 0);

    CHECK(fc::cuda::pack_f16x2(1.0f, -2.0f) == 0xc0003c00u);
}

// ---- 3xTF32 ----
static void split(float a, float& big, float& small) {
    big = bits_f(f32_to_tf32(a));
    small = bits_f(f32_to_tf32(a - big));
}

static void test_3xtf32_scalar() {
    // |a - big| <= 2^-11 |a| (half a tf32 ulp), |a - big - small| <= 2^-22 |a|.
    // a*b - (bb + bs + sb) = ss + (error terms) <= ~3 * 2^-22 |ab|; the two fp32
    // additions add <= 2 * 2^-24.  Bound: 4 * 2^-22 = 2^-20.
    std::mt19937 rng(99);
    std::uniform_real_distribution<float> mant(1.0f, 2.0f);
    std::uniform_int_distribution<int> ex(-20, 20);
    double max3 = 0, max1 = 0, sum3 = 0;
    const int n = 1000000;
    for (int i = 0; i < n; ++i) {
        const float a = std::ldexp(mant(rng), ex(rng)) * ((i & 1) ? -1.f : 1.f);
        const float b = std::ldexp(mant(rng), ex(rng));
        float ab, as, bb, bs;
        split(a, ab, as);
        split(b, bb, bs);
        const float p = (ab * bs + as * bb) + ab * bb;  // each product exact in fp32
        const double exact = static_cast<double>(a) * b;
        const double e3 = std::fabs(p - exact) / std::fabs(exact);
        const double e1 = std::fabs(static_cast<double>(ab * bb) - exact) / std::fabs(exact);
        max3 = std::max(max3, e3);
        max1 = std::max(max1, e1);
        sum3 += e3;
    }
    std::printf("3xTF32 scalar: max rel err %.3g (2^%.2f), mean %.3g; plain tf32 max %.3g (2^%.2f)\n", max3,
                std::log2(max3), sum3 / n, max1, std::log2(max1));
    CHECK(max3 <= 0x1p-20);
    CHECK(max1 >= 0x1p-12);        // plain tf32 is much worse ...
    CHECK(max3 * 256 < max1);      // ... by more than 8 bits
}

// 3xTF32 through the emulated mma: D = As*Bb + Ab*Bs + Ab*Bb on 16x8x8 tiles.
struct Mma3IO {
    float A[16][8], B[8][8], D[16][8], D1[16][8];
};

__global__ void mma3_kernel(Mma3IO* io) {
    const int l = static_cast<int>(threadIdx.x), g = l >> 2, q = l & 3;
    auto big = [](float x) { return f32_to_tf32(x); };
    auto small = [](float x) { return f32_to_tf32(x - __uint_as_float(f32_to_tf32(x))); };
    const float av[4] = {io->A[g][q], io->A[g + 8][q], io->A[g][q + 4], io->A[g + 8][q + 4]};
    const float bv[2] = {io->B[q][g], io->B[q + 4][g]};
    uint32_t ab[4], as[4], bb[2], bs[2];
    for (int i = 0; i < 4; ++i) { ab[i] = big(av[i]); as[i] = small(av[i]); }
    for (int i = 0; i < 2; ++i) { bb[i] = big(bv[i]); bs[i] = small(bv[i]); }
    float acc[4] = {0, 0, 0, 0}, acc1[4] = {0, 0, 0, 0};
    fc::cuda::mma_m16n8k8_tf32(acc, as, bb, acc);
    fc::cuda::mma_m16n8k8_tf32(acc, ab, bs, acc);
    fc::cuda::mma_m16n8k8_tf32(acc, ab, bb, acc);
    uint32_t araw[4], braw[2];
    for (int i = 0; i < 4; ++i) araw[i] = __float_as_uint(av[i]);  // unrounded: hardware truncates
    for (int i = 0; i < 2; ++i) braw[i] = __float_as_uint(bv[i]);
    fc::cuda::mma_m16n8k8_tf32(acc1, araw, braw, acc1);
    io->D[g][2 * q] = acc[0]; io->D[g][2 * q + 1] = acc[1]; io->D[g + 8][2 * q] = acc[2]; io->D[g + 8][2 * q + 1] = acc[3];
    io->D1[g][2 * q] = acc1[0]; io->D1[g][2 * q + 1] = acc1[1]; io->D1[g + 8][2 * q] = acc1[2]; io->D1[g + 8][2 * q + 1] = acc1[3];
}

static void test_3xtf32_mma() {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.5f, 2.0f);  // positive: no cancellation
    double max3 = 0, max1 = 0;
    for (int rep = 0; rep < 200; ++rep) {
        Mma3IO io;
        for (auto& r : io.A) for (float& x : r) x = u(rng);
        for (auto& r : io.B) for (float& x : r) x = u(rng);
        fc_simt::launch(dim3(1), dim3(32), 0, mma3_kernel, &io);
        for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 8; ++j) {
                double ref = 0;
                for (int k = 0; k < 8; ++k) ref += static_cast<double>(io.A[i][k]) * io.B[k][j];
                max3 = std::max(max3, std::fabs(io.D[i][j] - ref) / ref);
                max1 = std::max(max1, std::fabs(io.D1[i][j] - ref) / ref);
            }
    }
    std::printf("3xTF32 mma (k=8, 3 passes): max rel err %.3g (2^%.2f); 1xTF32 (truncated operands) %.3g (2^%.2f)\n",
                max3, std::log2(max3), max1, std::log2(max1));
    // per term <= 2^-20 (as above); 24 fp32 additions of positive terms add <= 24 * 2^-24.
    CHECK(max3 <= 0x1p-20 + 24 * 0x1p-24);
    CHECK(max1 >= 0x1p-12);
}

int main() {
    test_tf32();
    test_f16();
    test_3xtf32_scalar();
    test_3xtf32_mma();
    return simt_test_result("test_simt_convert");
}
