// Fragment-layout tests of mma / ldmatrix emulation.
//
// The tables below are the PTX ISA figures ("Matrix Fragments for
// mma.m16n8k8" (.tf32), "mma.m16n8k16" (.f16), "ldmatrix" / "Warp-level
// matrix load instruction: ldmatrix", fragment of an 8x8 matrix), written
// figure-style: for every matrix position the thread (lane) and element that
// holds it.  The implementation maps the other way (lane -> position formula),
// so the two are independent.  Elements: aI/bI/cI are the ISA's element
// numbers (for f16, element i lives in register i/2, half i%2, low half
// first); hN is the half of an ldmatrix register.
#include "simt/simt.h"

#include <cstdio>
#include <string>
#include <vector>

#include "simt_test_util.h"

// kTf32A: 16x8, entry = T<lane>:<element>
static const char* const kTf32A[16] = {
    "T0:a0 T1:a0 T2:a0 T3:a0 T0:a2 T1:a2 T2:a2 T3:a2",
    "T4:a0 T5:a0 T6:a0 T7:a0 T4:a2 T5:a2 T6:a2 T7:a2",
    "T8:a0 T9:a0 T10:a0 T11:a0 T8:a2 T9:a2 T10:a2 T11:a2",
    "T12:a0 T13:a0 T14:a0 T15:a0 T12:a2 T13:a2 T14:a2 T15:a2",
    "T16:a0 T17:a0 T18:a0 T19:a0 T16:a2 T17:a2 T18:a2 T19:a2",
    "T20:a0 T21:a0 T22:a0 T23:a0 T20:a2 T21:a2 T22:a2 T23:a2",
    "T24:a0 T25:a0 T26:a0 T27:a0 T24:a2 T25:a2 T26:a2 T27:a2",
    "T28:a0 T29:a0 T30:a0 T31:a0 T28:a2 T29:a2 T30:a2 T31:a2",
    "T0:a1 T1:a1 T2:a1 T3:a1 T0:a3 T1:a3 T2:a3 T3:a3",
    "T4:a1 T5:a1 T6:a1 T7:a1 T4:a3 T5:a3 T6:a3 T7:a3",
    "T8:a1 T9:a1 T10:a1 T11:a1 T8:a3 T9:a3 T10:a3 T11:a3",
    "T12:a1 T13:a1 T14:a1 T15:a1 T12:a3 T13:a3 T14:a3 T15:a3",
    "T16:a1 T17:a1 T18:a1 T19:a1 T16:a3 T17:a3 T18:a3 T19:a3",
    "T20:a1 T21:a1 T22:a1 T23:a1 T20:a3 T21:a3 T22:a3 T23:a3",
    "T24:a1 T25:a1 T26:a1 T27:a1 T24:a3 T25:a3 T26:a3 T27:a3",
    "T28:a1 T29:a1 T30:a1 T31:a1 T28:a3 T29:a3 T30:a3 T31:a3",
};
// kTf32B: 8x8, entry = T<lane>:<element>
static const char* const kTf32B[8] = {
    "T0:b0 T4:b0 T8:b0 T12:b0 T16:b0 T20:b0 T24:b0 T28:b0",
    "T1:b0 T5:b0 T9:b0 T13:b0 T17:b0 T21:b0 T25:b0 T29:b0",
    "T2:b0 T6:b0 T10:b0 T14:b0 T18:b0 T22:b0 T26:b0 T30:b0",
    "T3:b0 T7:b0 T11:b0 T15:b0 T19:b0 T23:b0 T27:b0 T31:b0",
    "T0:b1 T4:b1 T8:b1 T12:b1 T16:b1 T20:b1 T24:b1 T28:b1",
    "T1:b1 T5:b1 T9:b1 T13:b1 T17:b1 T21:b1 T25:b1 T29:b1",
    "T2:b1 T6:b1 T10:b1 T14:b1 T18:b1 T22:b1 T26:b1 T30:b1",
    "T3:b1 T7:b1 T11:b1 T15:b1 T19:b1 T23:b1 T27:b1 T31:b1",
};
// kAccC: 16x8, entry = T<lane>:<element>
static const char* const kAccC[16] = {
    "T0:c0 T0:c1 T1:c0 T1:c1 T2:c0 T2:c1 T3:c0 T3:c1",
    "T4:c0 T4:c1 T5:c0 T5:c1 T6:c0 T6:c1 T7:c0 T7:c1",
    "T8:c0 T8:c1 T9:c0 T9:c1 T10:c0 T10:c1 T11:c0 T11:c1",
    "T12:c0 T12:c1 T13:c0 T13:c1 T14:c0 T14:c1 T15:c0 T15:c1",
    "T16:c0 T16:c1 T17:c0 T17:c1 T18:c0 T18:c1 T19:c0 T19:c1",
    "T20:c0 T20:c1 T21:c0 T21:c1 T22:c0 T22:c1 T23:c0 T23:c1",
    "T24:c0 T24:c1 T25:c0 T25:c1 T26:c0 T26:c1 T27:c0 T27:c1",
    "T28:c0 T28:c1 T29:c0 T29:c1 T30:c0 T30:c1 T31:c0 T31:c1",
    "T0:c2 T0:c3 T1:c2 T1:c3 T2:c2 T2:c3 T3:c2 T3:c3",
    "T4:c2 T4:c3 T5:c2 T5:c3 T6:c2 T6:c3 T7:c2 T7:c3",
    "T8:c2 T8:c3 T9:c2 T9:c3 T10:c2 T10:c3 T11:c2 T11:c3",
    "T12:c2 T12:c3 T13:c2 T13:c3 T14:c2 T14:c3 T15:c2 T15:c3",
    "T16:c2 T16:c3 T17:c2 T17:c3 T18:c2 T18:c3 T19:c2 T19:c3",
    "T20:c2 T20:c3 T21:c2 T21:c3 T22:c2 T22:c3 T23:c2 T23:c3",
    "T24:c2 T24:c3 T25:c2 T25:c3 T26:c2 T26:c3 T27:c2 T27:c3",
    "T28:c2 T28:c3 T29:c2 T29:c3 T30:c2 T30:c3 T31:c2 T31:c3",
};
// kF16A: 16x16, entry = T<lane>:<element>
static const char* const kF16A[16] = {
    "T0:a0 T0:a1 T1:a0 T1:a1 T2:a0 T2:a1 T3:a0 T3:a1 T0:a4 T0:a5 T1:a4 T1:a5 T2:a4 T2:a5 T3:a4 T3:a5",
    "T4:a0 T4:a1 T5:a0 T5:a1 T6:a0 T6:a1 T7:a0 T7:a1 T4:a4 T4:a5 T5:a4 T5:a5 T6:a4 T6:a5 T7:a4 T7:a5",
    "T8:a0 T8:a1 T9:a0 T9:a1 T10:a0 T10:a1 T11:a0 T11:a1 T8:a4 T8:a5 T9:a4 T9:a5 T10:a4 T10:a5 T11:a4 T11:a5",
    "T12:a0 T12:a1 T13:a0 T13:a1 T14:a0 T14:a1 T15:a0 T15:a1 T12:a4 T12:a5 T13:a4 T13:a5 T14:a4 T14:a5 T15:a4 T15:a5",
    "T16:a0 T16:a1 T17:a0 T17:a1 T18:a0 T18:a1 T19:a0 T19:a1 T16:a4 T16:a5 T17:a4 T17:a5 T18:a4 T18:a5 T19:a4 T19:a5",
    "T20:a0 T20:a1 T21:a0 T21:a1 T22:a0 T22:a1 T23:a0 T23:a1 T20:a4 T20:a5 T21:a4 T21:a5 T22:a4 T22:a5 T23:a4 T23:a5",
    "T24:a0 T24:a1 T25:a0 T25:a1 T26:a0 T26:a1 T27:a0 T27:a1 T24:a4 T24:a5 T25:a4 T25:a5 T26:a4 T26:a5 T27:a4 T27:a5",
    "T28:a0 T28:a1 T29:a0 T29:a1 T30:a0 T30:a1 T31:a0 T31:a1 T28:a4 T28:a5 T29:a4 T29:a5 T30:a4 T30:a5 T31:a4 T31:a5",
    "T0:a2 T0:a3 T1:a2 T1:a3 T2:a2 T2:a3 T3:a2 T3:a3 T0:a6 T0:a7 T1:a6 T1:a7 T2:a6 T2:a7 T3:a6 T3:a7",
    "T4:a2 T4:a3 T5:a2 T5:a3 T6:a2 T6:a3 T7:a2 T7:a3 T4:a6 T4:a7 T5:a6 T5:a7 T6:a6 T6:a7 T7:a6 T7:a7",
    "T8:a2 T8:a3 T9:a2 T9:a3 T10:a2 T10:a3 T11:a2 T11:a3 T8:a6 T8:a7 T9:a6 T9:a7 T10:a6 T10:a7 T11:a6 T11:a7",
    "T12:a2 T12:a3 T13:a2 T13:a3 T14:a2 T14:a3 T15:a2 T15:a3 T12:a6 T12:a7 T13:a6 T13:a7 T14:a6 T14:a7 T15:a6 T15:a7",
    "T16:a2 T16:a3 T17:a2 T17:a3 T18:a2 T18:a3 T19:a2 T19:a3 T16:a6 T16:a7 T17:a6 T17:a7 T18:a6 T18:a7 T19:a6 T19:a7",
    "T20:a2 T20:a3 T21:a2 T21:a3 T22:a2 T22:a3 T23:a2 T23:a3 T20:a6 T20:a7 T21:a6 T21:a7 T22:a6 T22:a7 T23:a6 T23:a7",
    "T24:a2 T24:a3 T25:a2 T25:a3 T26:a2 T26:a3 T27:a2 T27:a3 T24:a6 T24:a7 T25:a6 T25:a7 T26:a6 T26:a7 T27:a6 T27:a7",
    "T28:a2 T28:a3 T29:a2 T29:a3 T30:a2 T30:a3 T31:a2 T31:a3 T28:a6 T28:a7 T29:a6 T29:a7 T30:a6 T30:a7 T31:a6 T31:a7",
};
// kF16B: 16x8, entry = T<lane>:<element>
static const char* const kF16B[16] = {
    "T0:b0 T4:b0 T8:b0 T12:b0 T16:b0 T20:b0 T24:b0 T28:b0",
    "T0:b1 T4:b1 T8:b1 T12:b1 T16:b1 T20:b1 T24:b1 T28:b1",
    "T1:b0 T5:b0 T9:b0 T13:b0 T17:b0 T21:b0 T25:b0 T29:b0",
    "T1:b1 T5:b1 T9:b1 T13:b1 T17:b1 T21:b1 T25:b1 T29:b1",
    "T2:b0 T6:b0 T10:b0 T14:b0 T18:b0 T22:b0 T26:b0 T30:b0",
    "T2:b1 T6:b1 T10:b1 T14:b1 T18:b1 T22:b1 T26:b1 T30:b1",
    "T3:b0 T7:b0 T11:b0 T15:b0 T19:b0 T23:b0 T27:b0 T31:b0",
    "T3:b1 T7:b1 T11:b1 T15:b1 T19:b1 T23:b1 T27:b1 T31:b1",
    "T0:b2 T4:b2 T8:b2 T12:b2 T16:b2 T20:b2 T24:b2 T28:b2",
    "T0:b3 T4:b3 T8:b3 T12:b3 T16:b3 T20:b3 T24:b3 T28:b3",
    "T1:b2 T5:b2 T9:b2 T13:b2 T17:b2 T21:b2 T25:b2 T29:b2",
    "T1:b3 T5:b3 T9:b3 T13:b3 T17:b3 T21:b3 T25:b3 T29:b3",
    "T2:b2 T6:b2 T10:b2 T14:b2 T18:b2 T22:b2 T26:b2 T30:b2",
    "T2:b3 T6:b3 T10:b3 T14:b3 T18:b3 T22:b3 T26:b3 T30:b3",
    "T3:b2 T7:b2 T11:b2 T15:b2 T19:b2 T23:b2 T27:b2 T31:b2",
    "T3:b3 T7:b3 T11:b3 T15:b3 T19:b3 T23:b3 T27:b3 T31:b3",
};
// kLdm: 8x8, entry = T<lane>:<element>
static const char* const kLdm[8] = {
    "T0:h0 T0:h1 T1:h0 T1:h1 T2:h0 T2:h1 T3:h0 T3:h1",
    "T4:h0 T4:h1 T5:h0 T5:h1 T6:h0 T6:h1 T7:h0 T7:h1",
    "T8:h0 T8:h1 T9:h0 T9:h1 T10:h0 T10:h1 T11:h0 T11:h1",
    "T12:h0 T12:h1 T13:h0 T13:h1 T14:h0 T14:h1 T15:h0 T15:h1",
    "T16:h0 T16:h1 T17:h0 T17:h1 T18:h0 T18:h1 T19:h0 T19:h1",
    "T20:h0 T20:h1 T21:h0 T21:h1 T22:h0 T22:h1 T23:h0 T23:h1",
    "T24:h0 T24:h1 T25:h0 T25:h1 T26:h0 T26:h1 T27:h0 T27:h1",
    "T28:h0 T28:h1 T29:h0 T29:h1 T30:h0 T30:h1 T31:h0 T31:h1",
};
// kLdmTrans: 8x8, entry = T<lane>:<element>
static const char* const kLdmTrans[8] = {
    "T0:h0 T4:h0 T8:h0 T12:h0 T16:h0 T20:h0 T24:h0 T28:h0",
    "T0:h1 T4:h1 T8:h1 T12:h1 T16:h1 T20:h1 T24:h1 T28:h1",
    "T1:h0 T5:h0 T9:h0 T13:h0 T17:h0 T21:h0 T25:h0 T29:h0",
    "T1:h1 T5:h1 T9:h1 T13:h1 T17:h1 T21:h1 T25:h1 T29:h1",
    "T2:h0 T6:h0 T10:h0 T14:h0 T18:h0 T22:h0 T26:h0 T30:h0",
    "T2:h1 T6:h1 T10:h1 T14:h1 T18:h1 T22:h1 T26:h1 T30:h1",
    "T3:h0 T7:h0 T11:h0 T15:h0 T19:h0 T23:h0 T27:h0 T31:h0",
    "T3:h1 T7:h1 T11:h1 T15:h1 T19:h1 T23:h1 T27:h1 T31:h1",
};

namespace {

struct Pos {
    int r = -1, c = -1;
};
// map[lane][element] = position in the matrix
struct FragMap {
    Pos at[32][8];
};

FragMap parse(const char* const* table, int rows, int cols, char elem_letter) {
    FragMap m;
    int seen = 0;
    for (int r = 0; r < rows; ++r) {
        const char* p = table[r];
        for (int c = 0; c < cols; ++c) {
            int lane = -1, elem = -1, n = 0;
            char letter = 0;
            if (std::sscanf(p, " T%d:%c%d%n", &lane, &letter, &elem, &n) != 3 || letter != elem_letter || lane < 0 ||
                lane > 31 || elem < 0 || elem > 7 || m.at[lane][elem].r != -1) {
                std::fprintf(stderr, "bad table entry row %d col %d\n", r, c);
                std::abort();
            }
            m.at[lane][elem] = Pos{r, c};
            p += n;
            ++seen;
        }
    }
    if (seen != rows * cols) std::abort();
    return m;
}

uint32_t f2u(float f) { return __float_as_uint(f); }

// Per-lane inputs/outputs of the test kernels.
struct MmaIO {
    uint32_t a[32][4];
    uint32_t b[32][2];
    float c[32][4];
    float d[32][4];
};

__global__ void mma_tf32_kernel(MmaIO* io) {
    const int l = static_cast<int>(threadIdx.x);
    float d[4];
    const uint32_t(&a)[4] = io->a[l];
    const uint32_t(&b)[2] = io->b[l];
    const float(&c)[4] = io->c[l];
    fc::cuda::mma_m16n8k8_tf32(d, a, b, c);
    for (int i = 0; i < 4; ++i) io->d[l][i] = d[i];
}

__global__ void mma_f16_kernel(MmaIO* io) {
    const int l = static_cast<int>(threadIdx.x);
    float d[4];
    float(&c)[4] = io->c[l];
    fc::cuda::mma_m16n8k16_f16(d, io->a[l], io->b[l], c);
    fc::cuda::mma_m16n8k16_f16(c, io->a[l], io->b[l], c);  // d aliasing c (accumulate in place)
    for (int i = 0; i < 4; ++i) io->d[l][i] = d[i];
}

// Runs one m16n8kK mma with A (16xK), B (Kx8), C (16x8) distributed by the given
// maps; returns the number of mismatching D elements vs. the plain product.
// f16: elements are halves (2 per register); tf32: one element per register.
int run_mma(bool f16, const FragMap& ma, const FragMap& mb, const FragMap& mc, const FragMap& md,
            const std::vector<float>& A, const std::vector<float>& B, const std::vector<float>& C) {
    const int K = f16 ? 16 : 8;
    MmaIO io;
    std::memset(&io, 0, sizeof io);
    for (int l = 0; l < 32; ++l) {
        if (f16) {
            for (int e = 0; e < 8; ++e) {
                const Pos p = ma.at[l][e];
                io.a[l][e / 2] |= static_cast<uint32_t>(fc::cuda::f32_to_f16_bits(A[p.r * K + p.c])) << (16 * (e % 2));
            }
            for (int e = 0; e < 4; ++e) {
                const Pos p = mb.at[l][e];
                io.b[l][e / 2] |= static_cast<uint32_t>(fc::cuda::f32_to_f16_bits(B[p.r * 8 + p.c])) << (16 * (e % 2));
            }
        } else {
            for (int e = 0; e < 4; ++e) {
                const Pos p = ma.at[l][e];
                io.a[l][e] = f2u(A[p.r * K + p.c]);
            }
            for (int e = 0; e < 2; ++e) {
                const Pos p = mb.at[l][e];
                io.b[l][e] = f2u(B[p.r * 8 + p.c]);
            }
        }
        for (int e = 0; e < 4; ++e) io.c[l][e] = C[mc.at[l][e].r * 8 + mc.at[l][e].c];
    }
    if (f16) fc_simt::launch(dim3(1), dim3(32), 0, mma_f16_kernel, &io);
    else fc_simt::launch(dim3(1), dim3(32), 0, mma_tf32_kernel, &io);
    int bad = 0;
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 4; ++e) {
            const Pos p = md.at[l][e];
            double ref = C[p.r * 8 + p.c];
            for (int k = 0; k < K; ++k) ref += static_cast<double>(A[p.r * K + k]) * B[k * 8 + p.c];
            if (static_cast<double>(io.d[l][e]) != ref) ++bad;
            if (f16 && io.c[l][e] != io.d[l][e]) ++bad;  // in-place accumulation gave the same
        }
    return bad;
}

// Distinct small integers (exact in tf32/f16 and in every partial sum).
std::vector<float> distinct(int n, int mul, int off) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>((i * mul) % n - off);
    return v;
}

FragMap swap_elems(FragMap m, int e0, int e1) {
    for (int l = 0; l < 32; ++l) std::swap(m.at[l][e0], m.at[l][e1]);
    return m;
}
FragMap transpose(FragMap m) {
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 8; ++e)
            if (m.at[l][e].r >= 0) std::swap(m.at[l][e].r, m.at[l][e].c);
    return m;
}
FragMap shift_lanes(const FragMap& m, int s) {
    FragMap o;
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 8; ++e) o.at[l][e] = m.at[(l + s) % 32][e];
    return o;
}

void test_mma_tf32() {
    const FragMap A = parse(kTf32A, 16, 8, 'a'), B = parse(kTf32B, 8, 8, 'b'), C = parse(kAccC, 16, 8, 'c');
    const auto a = distinct(128, 37, 64), b = distinct(64, 19, 32), c = distinct(128, 53, 60);
    CHECK(run_mma(false, A, B, C, C, a, b, c) == 0);
    // The checker must detect wrong layouts.
    CHECK(run_mma(false, swap_elems(A, 1, 2), B, C, C, a, b, c) > 0);  // a1/a2 swapped
    CHECK(run_mma(false, A, swap_elems(B, 0, 1), C, C, a, b, c) > 0);
    CHECK(run_mma(false, A, transpose(B), C, C, a, b, c) > 0);       // B given transposed
    CHECK(run_mma(false, shift_lanes(A, 1), B, C, C, a, b, c) > 0);  // lanes shifted
    CHECK(run_mma(false, A, B, C, swap_elems(C, 1, 2), a, b, c) > 0);  // D read with wrong layout
    CHECK(run_mma(false, A, B, shift_lanes(C, 4), C, a, b, c) > 0);

    // tf32 operands: the low 13 mantissa bits are ignored (truncated, not rounded).
    std::vector<float> a2(128), b2(64), c2(128, 0.f);
    for (int i = 0; i < 128; ++i) a2[static_cast<size_t>(i)] = __uint_as_float(f2u(1.0f + static_cast<float>(i % 8)) | 0x1fffu);
    for (int i = 0; i < 64; ++i) b2[static_cast<size_t>(i)] = 1.0f;
    MmaIO io;
    std::memset(&io, 0, sizeof io);
    for (int l = 0; l < 32; ++l) {
        for (int e = 0; e < 4; ++e) io.a[l][e] = f2u(a2[static_cast<size_t>(A.at[l][e].r * 8 + A.at[l][e].c)]);
        for (int e = 0; e < 2; ++e) io.b[l][e] = f2u(1.0f);
    }
    fc_simt::launch(dim3(1), dim3(32), 0, mma_tf32_kernel, &io);
    // each row of A is 1..8 (column index + 1), so every D = 36 exactly
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 4; ++e) CHECK_MSG(io.d[l][e] == 36.0f, "lane %d e %d: %.9g", l, e, io.d[l][e]);
}

void test_mma_f16() {
    const FragMap A = parse(kF16A, 16, 16, 'a'), B = parse(kF16B, 16, 8, 'b'), C = parse(kAccC, 16, 8, 'c');
    const auto a = distinct(256, 37, 128), b = distinct(128, 19, 64), c = distinct(128, 53, 60);
    CHECK(run_mma(true, A, B, C, C, a, b, c) == 0);
    CHECK(run_mma(true, swap_elems(A, 2, 4), B, C, C, a, b, c) > 0);  // register 1 <-> 2 halves
    CHECK(run_mma(true, swap_elems(A, 0, 1), B, C, C, a, b, c) > 0);  // halves swapped
    CHECK(run_mma(true, A, swap_elems(B, 1, 2), C, C, a, b, c) > 0);
    CHECK(run_mma(true, shift_lanes(A, 4), B, C, C, a, b, c) > 0);
    CHECK(run_mma(true, A, B, C, swap_elems(C, 0, 2), a, b, c) > 0);
    // non-integer values: f16 products are exact in fp32, sum order k ascending
    std::vector<float> af(256), bf(128), cf(128);
    for (int i = 0; i < 256; ++i) af[static_cast<size_t>(i)] = fc::cuda::f16_bits_to_f32(static_cast<uint16_t>(0x3000 + i * 3));
    for (int i = 0; i < 128; ++i) bf[static_cast<size_t>(i)] = fc::cuda::f16_bits_to_f32(static_cast<uint16_t>(0x2c00 + i * 5));
    for (int i = 0; i < 128; ++i) cf[static_cast<size_t>(i)] = 0.0f;
    MmaIO io;
    std::memset(&io, 0, sizeof io);
    for (int l = 0; l < 32; ++l) {
        for (int e = 0; e < 8; ++e) {
            const Pos p = A.at[l][e];
            io.a[l][e / 2] |= static_cast<uint32_t>(fc::cuda::f32_to_f16_bits(af[static_cast<size_t>(p.r * 16 + p.c)])) << (16 * (e % 2));
        }
        for (int e = 0; e < 4; ++e) {
            const Pos p = B.at[l][e];
            io.b[l][e / 2] |= static_cast<uint32_t>(fc::cuda::f32_to_f16_bits(bf[static_cast<size_t>(p.r * 8 + p.c)])) << (16 * (e % 2));
        }
    }
    fc_simt::launch(dim3(1), dim3(32), 0, mma_f16_kernel, &io);
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 4; ++e) {
            const Pos p = C.at[l][e];
            double ref = 0;
            for (int k = 0; k < 16; ++k) ref += static_cast<double>(af[static_cast<size_t>(p.r * 16 + k)]) * bf[static_cast<size_t>(k * 8 + p.c)];
            CHECK(std::fabs(io.d[l][e] - ref) <= std::fabs(ref) * 16 * 0x1p-24);
        }
}

// ---- ldmatrix ----
struct LdmIO {
    uint32_t r[32][4];
    uint32_t rt[32][4];
};

template <int N>
__global__ void ldmatrix_kernel(const uint16_t* mats, int row_stride_elems, LdmIO* io) {
    const int l = static_cast<int>(threadIdx.x);
    // lanes 8i..8i+7 address the rows of matrix i; other lanes pass garbage (ignored)
    const uint16_t* row = (l < 8 * N) ? mats + (l / 8) * 8 * row_stride_elems + (l % 8) * row_stride_elems
                                      : reinterpret_cast<const uint16_t*>(0x1);  // unaligned: must be ignored
    uint32_t r[N], rt[N];
    if constexpr (N == 1) { fc::cuda::ldmatrix_x1(r, row); fc::cuda::ldmatrix_x1_trans(rt, row); }
    if constexpr (N == 2) { fc::cuda::ldmatrix_x2(r, row); fc::cuda::ldmatrix_x2_trans(rt, row); }
    if constexpr (N == 4) { fc::cuda::ldmatrix_x4(r, row); fc::cuda::ldmatrix_x4_trans(rt, row); }
    for (int i = 0; i < N; ++i) {
        io->r[l][i] = r[i];
        io->rt[l][i] = rt[i];
    }
}

template <int N>
int run_ldmatrix(const FragMap& m, const FragMap& mt) {
    const int stride = 24;  // elements per row in "shared memory" (48 bytes: rows 16-byte aligned, padded)
    alignas(16) static uint16_t mats[4 * 8 * 24];
    auto val = [](int i, int r, int c) { return static_cast<uint16_t>(0x1000 * (i + 1) + 16 * r + c); };
    for (int i = 0; i < 4; ++i)
        for (int r = 0; r < 8; ++r)
            for (int c = 0; c < stride; ++c) mats[(i * 8 + r) * stride + c] = c < 8 ? val(i, r, c) : 0xdead;
    LdmIO io;
    std::memset(&io, 0, sizeof io);
    fc_simt::launch(dim3(1), dim3(32), 0, ldmatrix_kernel<N>, static_cast<const uint16_t*>(mats), stride, &io);
    int bad = 0;
    for (int l = 0; l < 32; ++l)
        for (int i = 0; i < N; ++i)
            for (int h = 0; h < 2; ++h) {
                const uint16_t got = static_cast<uint16_t>(io.r[l][i] >> (16 * h));
                const uint16_t got_t = static_cast<uint16_t>(io.rt[l][i] >> (16 * h));
                if (got != val(i, m.at[l][h].r, m.at[l][h].c)) ++bad;
                if (got_t != val(i, mt.at[l][h].r, mt.at[l][h].c)) ++bad;
            }
    return bad;
}

void test_ldmatrix() {
    const FragMap L = parse(kLdm, 8, 8, 'h'), LT = parse(kLdmTrans, 8, 8, 'h');
    CHECK(run_ldmatrix<1>(L, LT) == 0);
    CHECK(run_ldmatrix<2>(L, LT) == 0);
    CHECK(run_ldmatrix<4>(L, LT) == 0);
    // checker detects wrong layouts
    CHECK(run_ldmatrix<4>(LT, LT) > 0);
    CHECK(run_ldmatrix<4>(L, L) > 0);
    CHECK(run_ldmatrix<2>(swap_elems(L, 0, 1), LT) > 0);
    CHECK(run_ldmatrix<1>(L, shift_lanes(LT, 1)) > 0);

    // ldmatrix output feeds mma directly: x4 of a 16x16 f16 A tile gives a0..a3
    // in mma_m16n8k16 order when matrices are (rows 0-7, k 0-7), (rows 8-15, k 0-7),
    // (rows 0-7, k 8-15), (rows 8-15, k 8-15).
    const FragMap A = parse(kF16A, 16, 16, 'a');
    alignas(16) static uint16_t tile[16 * 16];
    for (int r = 0; r < 16; ++r)
        for (int c = 0; c < 16; ++c) tile[r * 16 + c] = static_cast<uint16_t>(r * 16 + c);
    struct IO { uint32_t r[32][4]; } io{};
    auto kern = [](const uint16_t* t, IO* o) {
        const int l = static_cast<int>(threadIdx.x);
        const int mat = l / 8, row = (l % 8) + (mat % 2) * 8, col = (mat / 2) * 8;
        uint32_t r[4];
        fc::cuda::ldmatrix_x4(r, t + row * 16 + col);
        for (int i = 0; i < 4; ++i) o->r[l][i] = r[i];
    };
    fc_simt::launch(dim3(1), dim3(32), 0, +kern, static_cast<const uint16_t*>(tile), &io);
    for (int l = 0; l < 32; ++l)
        for (int e = 0; e < 8; ++e) {
            const Pos p = A.at[l][e];
            CHECK(static_cast<uint16_t>(io.r[l][e / 2] >> (16 * (e % 2))) == tile[p.r * 16 + p.c]);
        }

    // misaligned row address is reported
    fc_simt::set_throw_on_error(true);
    bool thrown = false;
    static LdmIO dummy;
    try {
        fc_simt::launch(dim3(1), dim3(32), 0, ldmatrix_kernel<1>, static_cast<const uint16_t*>(tile) + 1, 24, &dummy);
    } catch (const fc_simt::SimtError& e) {
        thrown = std::string(e.what()).find("not 16-byte aligned") != std::string::npos;
    }
    CHECK(thrown);
    fc_simt::set_throw_on_error(false);
}

}  // namespace

int main() {
    test_mma_tf32();
    test_mma_f16();
    test_ldmatrix();
    return simt_test_result("test_simt_layouts");
}
