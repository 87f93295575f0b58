/* The library's software fp16/tf32 conversions (cpu_internal.h) are bit-exact:
 * all 65536 halves -> float, and float -> half (RNE, overflow -> Inf) over a
 * dense sweep of float bit patterns, against the independent double-based
 * conversion of test_common.h and, when the CPU has it, against F16C. */
#include "test_common.h"

#include "cpu/cpu_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("f16c"))) static uint16_t hw_f2h(float f) { return (uint16_t)_cvtss_sh(f, 0); }
__attribute__((target("f16c"))) static float hw_h2f(uint16_t h) { return _cvtsh_ss(h); }
#endif

static uint32_t fbits(float f)
{
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

int main()
{
    bool hw = false;
#if defined(__x86_64__)
    __builtin_cpu_init();
    hw = __builtin_cpu_supports("f16c");
#endif
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float s = fc_f16_to_f32_sw((uint16_t)h);
        double ref = h2d((uint16_t)h);
        bool ok = std::isnan(ref) ? std::isnan(s) : (double)s == ref && std::signbit(s) == std::signbit(ref);
#if defined(__x86_64__)
        if (hw) ok = ok && fbits(hw_h2f((uint16_t)h)) == fbits(s);
#endif
        if (!ok && bad++ < 5) CHECK(false, "half 0x%04x -> %g (ref %g)", h, s, ref);
    }
    uint64_t step = (uint64_t)(97 / test_scale());
    if (step < 1) step = 1;
    for (uint64_t u = 0; u <= 0xffffffffull; u += step) {
        float f;
        uint32_t b = (uint32_t)u;
        std::memcpy(&f, &b, 4);
        uint16_t s = fc_f32_to_f16_sw(f);
        if (std::isnan(f)) {
            if ((s & 0x7c00) != 0x7c00 || !(s & 0x3ff)) CHECK(false, "NaN 0x%08x -> 0x%04x", b, s);
#if defined(__x86_64__)
            if (hw && hw_f2h(f) != s) CHECK(false, "NaN 0x%08x: sw 0x%04x hw 0x%04x", b, s, hw_f2h(f));
#endif
            continue;
        }
        uint16_t r = d2h(f);
        bool ok = s == r;
#if defined(__x86_64__)
        if (hw) ok = ok && hw_f2h(f) == s;
#endif
        if (!ok && bad++ < 5) CHECK(false, "float 0x%08x (%g) -> 0x%04x (ref 0x%04x)", b, f, s, r);
        float t = fc_round_tf32(f), tr = round_tf32(f);
        if (std::isfinite(f) && std::fabs(f) >= 1.2e-38f && std::isfinite(tr) && fbits(t) != fbits(tr) && bad++ < 5)
            CHECK(false, "tf32 0x%08x -> 0x%08x (ref 0x%08x)", b, fbits(t), fbits(tr));
    }
    /* explicit edge values */
    CHECK(fc_f32_to_f16_sw(65504.0f) == 0x7bff, "max half");
    CHECK(fc_f32_to_f16_sw(65519.99f) == 0x7bff, "below the overflow threshold");
    CHECK(fc_f32_to_f16_sw(65520.0f) == 0x7c00, "65520 rounds to Inf");
    CHECK(fc_f32_to_f16_sw(std::ldexp(1.0f, -25)) == 0x0000, "2^-25 ties to even (0)");
    CHECK(fc_f32_to_f16_sw(std::ldexp(3.0f, -25)) == 0x0002, "3*2^-25 ties to even (2)");
    CHECK(fc_f32_to_f16_sw(-0.0f) == 0x8000, "-0");
    CHECK(fbits(fc_round_tf32(1.0f + std::ldexp(1.0f, -11))) == fbits(1.0f + std::ldexp(1.0f, -10)), "tf32 tie away");
    CHECK(fbits(fc_round_tf32(INFINITY)) == fbits(INFINITY), "tf32 inf");
    std::printf("f16c hardware comparison: %s\n", hw ? "yes" : "no");
    return test_finish("test_f16");
}
