// tma_cases.h — single TMA loads written from the definition of the tiles a convolution kernel needs,
// shared by the device probe (tests/cuda/tma_probe.cu, nvcc, sm_90a: the hardware) and the emulation's
// test (test_simt_tma.cpp, g++: the emulation's TMA model), so one table judges both. Host code.
//
// im2col cases: the A tile of GEMM rows m0 .. m0+127 (m = (n, p, q)) at filter tap (r, s) and channels
// c0 .. c0 + channels - 1: row i = x[n][p*sh - ph + r*dh][q*sw - pw + s*dw][c0 + j], 0 in the padding
// and past C. The map and the coordinates are those of the kernels (tma_im2col.cuh: tma_x_map,
// tma_x_coords) with the box's channel count and swizzle per case: 64 channels / 128-byte swizzle (the
// layout a BK = 64 kernel would read) and the f16 kernels' 32 channels / 64-byte swizzle; and maps of 4-byte
// elements (the TF32 kernels': 32 fp32 channels / 128-byte swizzle), judged in the same 16-bit view. Only rows m < M
// are judged (past the last image the kernel discards them). Each element of x holds its own index + 1
// (uint16), so a wrong element names where it came from.
// Tiled cases: a [rows][cols] uint16 matrix (element e holds e + 1), box box_cols x 128 rows at (col0,
// row0), zeros past the edges: the B tiles (tma_w_map's form).
// Halo cases: the halo form's 4-D tiled boxes of 8 channels (see halo_cases).
// Tile layout: 16-byte chunk j of row i at chunk j ^ (i % 8) (128-byte rows) or j ^ ((i / 2) % 4)
// (64-byte rows) -- smem_at / swizzled_at, what the wgmma descriptors read.
#ifndef FASTCONV_TESTS_TMA_CASES_H
#define FASTCONV_TESTS_TMA_CASES_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cuda/kernels/tma_im2col.cuh"

namespace tma_cases {

struct ConvCase {
    const char* name;
    int N, H, W, C, R, S, sh, sw, ph, pw, peh, pew, dh, dw;  // pe*: padding at the end
    int m0, r, s, c0, channels;                               // channels 64: 128-byte swizzle; 32: 64-byte
    // Bytes per element of the map (2; 4: the TF32 kernels' fp32 maps). C, c0 and channels always count 16-bit
    // halves -- the view the checker judges -- so an fp32 case maps x as C / 2 fp32 channels, loads channels / 2
    // of them from c0 / 2, and its tile must hold the same bytes as the 16-bit case would.
    int es = 2;
};

// The convolution as the kernels see it (the fields tma_x_map / tma_x_coords read).
inline fc::cuda::ConvParams params(const ConvCase& k) {
    fc::cuda::ConvParams p = fc::cuda::ConvParams();
    p.N = k.N, p.C = p.Cg = k.C, p.K = p.Kg = 64, p.G = 1;
    p.D = 1, p.H = k.H, p.W = k.W, p.T = 1, p.R = k.R, p.S = k.S;
    p.O = 1, p.P = (k.H + k.ph + k.peh - k.dh * (k.R - 1) - 1) / k.sh + 1;
    p.Q = (k.W + k.pw + k.pew - k.dw * (k.S - 1) - 1) / k.sw + 1;
    p.sd = 1, p.sh = k.sh, p.sw = k.sw, p.pd = 0, p.ph = k.ph, p.pw = k.pw, p.dd = 1, p.dh = k.dh, p.dw = k.dw;
    p.chlast = 1;
    p.M = k.N * p.P * p.Q, p.Kgemm = k.C * k.R * k.S;
    p.TRS = p.RS = k.R * k.S, p.OPQ = p.PQ = p.P * p.Q;
    p.xs_c = 1, p.xs_w = k.C, p.xs_h = k.W * k.C, p.xs_d = p.xs_n = k.H * k.W * k.C;
    return p;
}
inline int swizzle_bytes(const ConvCase& k) { return k.channels * 2; }
// The convolution in the map's elements (es = 4: C / 2 fp32 channels).
inline fc::cuda::ConvParams elem_params(const ConvCase& k) {
    ConvCase e = k;
    const int h = k.es / 2;  // 16-bit halves per element
    e.C = k.C / h;
    return params(e);
}
inline fc::cuda::TmaIm2colMap map(const ConvCase& k) {
    fc::cuda::TmaIm2colMap m = fc::cuda::tma_x_map(elem_params(k), fc::cuda::kGemmBK, fc::cuda::kTmaPixels, k.es);
    m.channels = (uint32_t)(k.channels / (k.es / 2));
    return m;
}
inline void coords(const ConvCase& k, int (&c)[4], uint16_t (&off)[2]) {
    const int h = k.es / 2, ce = k.C / h;
    fc::cuda::tma_x_coords(elem_params(k), k.m0, (k.r * k.S + k.s) * ce + k.c0 / h, c, off);
}
inline int rows_judged(const ConvCase& k) {
    const int M = params(k).M;
    return M - k.m0 < 128 ? M - k.m0 : 128;
}
// What element j of row i must hold (0 = zero fill).
inline uint16_t want(const ConvCase& k, int i, int j) {
    const fc::cuda::ConvParams p = params(k);
    const int m = k.m0 + i, n = m / (p.P * p.Q), pp = m / p.Q % p.P, q = m % p.Q;
    const int ih = pp * k.sh - k.ph + k.r * k.dh, iw = q * k.sw - k.pw + k.s * k.dw, c = k.c0 + j;
    const bool in = ih >= 0 && ih < k.H && iw >= 0 && iw < k.W && c < k.C;
    return in ? (uint16_t)(((size_t)((n * k.H + ih) * k.W + iw) * k.C + c) + 1) : 0;
}
// Byte offset of 16-byte chunk `chunk` of row `row` in a 128- or 64-byte-row swizzled tile.
inline int swizzled_chunk(int row, int chunk, int row_bytes) {
    if (row_bytes == 128) return row * 128 + ((chunk ^ (row & 7)) * 16);
    return row * 64 + ((chunk ^ ((row / 2) % 4)) * 16);
}
inline std::string name_of(uint16_t v, int H, int W, int C) {
    if (v == 0) return "0";
    const size_t e = v - 1u;
    char s[64];
    snprintf(s, sizeof s, "(n%d h%d w%d c%d)", (int)(e / C / W / H), (int)(e / C / W % H), (int)(e / C % W),
             (int)(e % C));
    return s;
}
// Checks a loaded tile (uint16 elements, as stored) against want(); prints up to 6 wrong rows. Returns
// the number of wrong judged rows.
inline int check(const ConvCase& k, const uint16_t* tile, const char* tag) {
    const int rb = k.channels * 2, judged = rows_judged(k);
    int bad_rows = 0;
    for (int i = 0; i < judged; ++i) {
        int bad_j = -1;
        for (int j = 0; j < k.channels && bad_j < 0; ++j)
            if (tile[swizzled_chunk(i, j / 8, rb) / 2 + j % 8] != want(k, i, j)) bad_j = j;
        if (bad_j < 0) continue;
        if (bad_rows++ < 6) {
            const uint16_t have = tile[swizzled_chunk(i, bad_j / 8, rb) / 2 + bad_j % 8];
            printf("    %s row %3d col %2d: want %s, got %s\n", tag, i, bad_j,
                   name_of(want(k, i, bad_j), k.H, k.W, k.C).c_str(), name_of(have, k.H, k.W, k.C).c_str());
        }
    }
    return bad_rows;
}

// name, N H W C, R S, sh sw, ph pw, peh pew, dh dw, m0, r s, c0, channels
inline std::vector<ConvCase> conv_cases() {
    return {
        {"3x3 p1 s1 tap(0,0)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 64},
        {"3x3 p1 s1 tap(1,1)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 64},
        {"3x3 p1 s1 tap(2,2) 2 images", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 64, 2, 2, 0, 64},
        {"3x3 p1 s1 tap(0,2)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, 0, 2, 0, 64},
        {"3x3 p1 s1 tap(2,0)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, 2, 0, 0, 64},
        {"3x3 p1 stride 2 tap(2,1)", 3, 11, 11, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 20, 2, 1, 0, 64},
        {"3x3 p2 dilation 2 tap(1,2)", 2, 9, 9, 64, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 30, 1, 2, 0, 64},
        {"3x3 pad h1 w0 tap(0,1)", 2, 10, 10, 64, 3, 3, 1, 1, 1, 0, 1, 0, 1, 1, 8, 0, 1, 0, 64},
        {"3x3 p1 C128 c0 64 tap(1,0)", 2, 8, 8, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 40, 1, 0, 64, 64},
        {"3x3 p1 C40 (zero fill) tap(1,1)", 3, 9, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 100, 1, 1, 0, 64},
        // the f16 kernels' boxes: 32 channels, 64-byte swizzle
        {"k: 3x3 p1 s1 tap(2,1) c0 32", 2, 10, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 40, 2, 1, 32, 32},
        {"k: s2x1 d1x2 pads (1,0)/(2,1)", 2, 9, 11, 32, 3, 3, 2, 1, 1, 0, 2, 1, 1, 2, 10, 2, 2, 0, 32},
        {"k: 1-D s2 d2 pads 2/1 tap 2", 3, 1, 30, 32, 1, 3, 1, 2, 0, 2, 0, 1, 1, 2, 5, 0, 2, 0, 32},
        {"k: 1x1 s2 past the last image", 2, 7, 9, 32, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 32},
        // the TF32 kernels' fp32 maps (es 4): 32 fp32 channels = 128-byte rows under the 128-byte swizzle
        {"f32: 3x3 p1 tap(1,2) c0 32 of 64", 2, 10, 10, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 24, 1, 2, 64, 64, 4},
        {"f32: s2x1 d1x2 pads (1,0)/(2,1)", 2, 9, 11, 64, 3, 3, 2, 1, 1, 0, 2, 1, 1, 2, 10, 2, 2, 0, 64, 4},
    };
}

struct TiledCase {
    const char* name;
    int rows, cols, box_cols, row0, col0;  // box_cols 64: 128-byte swizzle; 32: 64-byte
};
inline std::vector<TiledCase> tiled_cases() {
    return {
        {"B 128B swizzle", 100, 200, 64, 0, 64},
        {"B 128B swizzle edges", 100, 200, 64, 64, 168},
        {"B 64B swizzle", 160, 96, 32, 16, 32},
        {"B 64B swizzle edges (tma_w_map's box)", 70, 72, 32, 0, 64},
    };
}
inline int check_tiled(const TiledCase& t, const uint16_t* tile) {
    int bad = 0;
    for (int i = 0; i < 128; ++i)
        for (int j = 0; j < t.box_cols; ++j) {
            const int r = t.row0 + i, c = t.col0 + j;
            const uint16_t want = r < t.rows && c < t.cols ? (uint16_t)(r * t.cols + c + 1) : 0;
            const uint16_t have = tile[swizzled_chunk(i, j / 8, t.box_cols * 2) / 2 + j % 8];
            if (have != want && bad++ < 4) printf("    row %3d col %3d: want %u, got %u\n", i, j, want, have);
        }
    return bad;
}

// Halo cases (the halo form, implicit_gemm_wgmma_halo_tma.cuh): unit u's box {8, HW, HH, 1} at channel c0 with
// the kernel's map and coordinates (tma_halo_map, tma_halo_coords; stride 1): box pixel (i, j) = x[n][p0 - ph +
// i][q0 - pw + j][c0 .. c0 + 7], zeros outside x, at byte (i HW + j) 16 of the tile (no swizzle).
struct HaloCase {
    const char* name;
    int N, H, W, C, R, S, ph, pw, peh, pew, dh, dw;
    int u, c0;
};
inline fc::cuda::ConvParams halo_params(const HaloCase& h) {
    const ConvCase k = {h.name, h.N, h.H, h.W, h.C, h.R, h.S, 1, 1, h.ph, h.pw, h.peh, h.pew, h.dh, h.dw, 0, 0, 0, 0, 8};
    return params(k);
}
// name, N H W C, R S, ph pw, peh pew, dh dw, unit, c0
inline std::vector<HaloCase> halo_cases() {
    return {
        {"3x3 p1 unit 0 (top-left padding)", 2, 10, 12, 64, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0},
        {"3x3 p1 last unit, image 1 c0 56", 2, 10, 12, 64, 3, 3, 1, 1, 1, 1, 1, 1, 7, 56},
        {"5x3 d(1,2) p(3,2)/(1,2) unit 1 c0 64", 1, 9, 20, 128, 5, 3, 3, 2, 1, 2, 1, 2, 1, 64},
        {"1x1 p0 unit 3 c0 8", 1, 16, 24, 32, 1, 1, 0, 0, 0, 0, 1, 1, 3, 8},
    };
}
inline int halo_box_bytes(const HaloCase& h) {
    const fc::cuda::TmaHaloGeom g = fc::cuda::tma_halo_geom(halo_params(h));
    return g.HH * g.HW * 16;
}
// Wrong elements of a loaded halo box (prints up to 4).
inline int check_halo(const HaloCase& h, const uint16_t* tile) {
    const fc::cuda::ConvParams p = halo_params(h);
    const fc::cuda::TmaHaloGeom g = fc::cuda::tma_halo_geom(p);
    int c[4];
    fc::cuda::tma_halo_coords(p, g, h.u, h.c0, c);
    int bad = 0;
    for (int i = 0; i < g.HH; ++i)
        for (int j = 0; j < g.HW; ++j)
            for (int e = 0; e < 8; ++e) {
                const int ih = c[2] + i, iw = c[1] + j, ch = c[0] + e;
                const bool in = ih >= 0 && ih < h.H && iw >= 0 && iw < h.W && ch < h.C;
                const uint16_t want = in ? (uint16_t)(((size_t)((c[3] * h.H + ih) * h.W + iw) * h.C + ch) + 1) : 0;
                const uint16_t have = tile[(i * g.HW + j) * 8 + e];
                if (have != want && bad++ < 4)
                    printf("    pixel (%d, %d) ch %d: want %s, got %s\n", i, j, e, name_of(want, h.H, h.W, h.C).c_str(),
                           name_of(have, h.H, h.W, h.C).c_str());
            }
    return bad;
}

}  // namespace tma_cases
#endif
