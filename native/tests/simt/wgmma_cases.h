// wgmma_cases.h — single-instruction wgmma checks written from the PTX ISA, shared by the host
// emulation's test (test_simt_wgmma.cpp, g++) and the device probe (tests/cuda/wgmma_probe.cu, nvcc
// for sm_90a), so the same kernel and the same expectations judge the emulation here and the tensor
// cores on a GPU. What they pin down (each a reading of the ISA the sm_90a kernels depend on):
//  * the accumulator fragment layout, written position -> holder from the ISA figure ("WGMMA
//    .m64nNk16 register fragment layout for accumulator matrix D": warp w of the warpgroup holds rows
//    16w..16w+15; in a warp, row 8h + lane/4, columns 8j + 2 (lane % 4) + {0, 1} are
//    d[4j + 2h + {0, 1}]);
//  * the shared-memory operand layouts: f16 A and B in K-major 64-byte rows under the "64B swizzling
//    mode" (the generic Swizzle<B=2, M=4, S=3> on the byte offset: bits [4,6) ^= bits [7,9)), fp32 (tf32)
//    rows of 128 bytes under the "128B swizzling mode" (Swizzle<3,4,3>: bits [4,7) ^= bits [7,10));
//    descriptors built from the ISA's bit table; k steps inside a row move the start address by 32 bytes;
//  * the "RS" form: A fragments placed position -> holder from the mma.m16n8k16 A figure (row i,
//    column k of a warp's 16 x 16 slice: lane 4 (i % 8) + (k % 8) / 2, register 2 (k / 8) + i / 8,
//    half k % 2), B from shared memory.
// Operand values are small integers, exact in f16 and fp32, so every product must be exact.
#ifndef FASTCONV_TESTS_WGMMA_CASES_H
#define FASTCONV_TESTS_WGMMA_CASES_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda/kernels/common.cuh"

namespace wgmma_cases {

constexpr int kK = 32;  // the reduction each case runs: two f16 k16 steps (one 64-byte row) or four tf32 k8

inline float a_val(int i, int k) { return static_cast<float>((i * 7 + k * 3) % 11 - 5); }
inline float b_val(int j, int k) { return static_cast<float>((j * 5 + k) % 9 - 4); }

// f16 bits of a value with at most 11 significant bits in the normal range (the small integers above):
// exact, so no rounding rule is involved. Host code on both builds.
inline uint16_t f16_bits_exact(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    const uint32_t sign = (u >> 16) & 0x8000u;
    if ((u & 0x7fffffffu) == 0) return static_cast<uint16_t>(sign);
    const uint32_t exp = ((u >> 23) & 0xffu) - 127u + 15u, mant = (u >> 13) & 0x3ffu;
    return static_cast<uint16_t>(sign | (exp << 10) | mant);
}

// Byte offsets of (row, k) in K-major rows: f16, 64-byte rows under the 64-byte swizzle; plain (no
// swizzle); fp32, 128-byte rows under the 128-byte swizzle; plain fp32.
inline uint32_t sw64_offset(int row, int k) {
    const uint32_t off = static_cast<uint32_t>(row) * 64u + static_cast<uint32_t>(k) * 2u;
    return off ^ (((off >> (4 + 3)) & 3u) << 4);
}
inline uint32_t plain_offset(int row, int k) { return static_cast<uint32_t>(row) * 64u + static_cast<uint32_t>(k) * 2u; }
inline uint32_t sw128_offset(int row, int k) {
    const uint32_t off = static_cast<uint32_t>(row) * 128u + static_cast<uint32_t>(k) * 4u;
    return off ^ (((off >> (4 + 3)) & 7u) << 4);
}
// f16 in 128-byte rows (64 f16; the cases use the first kK) under the 128-byte swizzle: the BK = 64 f16 tiles
// of wgmma_tma_conv_kernel's TMA64 form (TMA SWIZZLE_128B boxes).
inline uint32_t sw128_f16_offset(int row, int k) {
    const uint32_t off = static_cast<uint32_t>(row) * 128u + static_cast<uint32_t>(k) * 2u;
    return off ^ (((off >> (4 + 3)) & 7u) << 4);
}
inline uint32_t plain128_f16_offset(int row, int k) { return static_cast<uint32_t>(row) * 128u + static_cast<uint32_t>(k) * 2u; }
inline uint32_t plain128_offset(int row, int k) {
    return static_cast<uint32_t>(row) * 128u + static_cast<uint32_t>(k) * 4u;
}

// Descriptor from the ISA's bit table: start >> 4 in [0,14), LBO >> 4 in [16,30), SBO >> 4 in [32,46),
// base offset [49,52) (0 unless given), swizzle mode [62,64) (1 = 128 bytes, 2 = 64 bytes, 3 = 32 bytes, 0 = none).
__host__ __device__ inline uint64_t isa_desc(uint32_t start, uint32_t lbo, uint32_t sbo, unsigned mode,
                                             unsigned base_offset = 0) {
    return static_cast<uint64_t>((start >> 4) & 0x3fffu) | (static_cast<uint64_t>((lbo >> 4) & 0x3fffu) << 16) |
           (static_cast<uint64_t>((sbo >> 4) & 0x3fffu) << 32) | (static_cast<uint64_t>(base_offset & 7u) << 49) |
           (static_cast<uint64_t>(mode & 3u) << 62);
}

template <int N>
struct Out {
    float d[8][32][N / 8][4];  // [warp][lane][j][e]: up to 2 warpgroups
    uint32_t smem_base;        // shared-window address of the block's dynamic shared memory
};
struct Frags {
    uint32_t a[8][32][kK / 16][4];  // [warp][lane][k16 step][register]
};

// The block: warpgroups of 4 warps (threads = 128 * wgs). Shared memory = the image, from the first
// 1024-byte boundary of the shared window (align_smem; launch with kAlignSlack more bytes than the image):
// A rows [64 * wgs] at 0, B [N] rows at b_off. Mode: 0 normal; emulation only (undefined on hardware): 1 overwrite A (or the
// RS registers) with zeros between issue and wait (shared A: reported as a race; RS registers: read at the
// wait), 2 no wgmma fence, 3 no wait, 4 no proxy fence after
// the shared-memory stores, 5 warp 1 of each warpgroup reads B one k16 step further than the others.
template <int N>
struct Args {
    const unsigned char* image;  // device memory on a GPU, host memory under the emulation
    uint32_t image_bytes, b_off;
    unsigned desc_mode;  // descriptor swizzle mode field
    int mode;
    Out<N>* out;
    const Frags* frags = nullptr;  // set: A from registers (RS)
    bool tf32 = false;             // m64nNk8 tf32 on 128-byte rows instead of f16 on 64-byte rows
    uint32_t lbo = 16, sbo = 0;    // descriptor byte offsets; sbo 0: the 8-row atom (512 f16, 1024 tf32)
    bool no_align = false;         // image at the dynamic shared memory's start, wherever that is
    // where the instruction's operands start (swizzled rows: the defaults): A's warpgroup w at
    // a_shift + 64 w row_bytes, each k16 (f16) / k8 (tf32) step kstep bytes further (B too)
    uint32_t row_bytes = 0, kstep = 32, a_shift = 0;  // row_bytes 0: 64 (f16) / 128 (tf32)
    bool a_base_offset = false;  // A's descriptors carry the ISA's base offset (start >> 7) & 7 (start inside an atom)
};
constexpr uint32_t kAlignSlack = 1024;

template <int N>
__global__ void wgmma_case_kernel(Args<N> a) {
    FC_DYNAMIC_SHARED(unsigned char, raw);
    unsigned char* const sm = a.no_align ? raw : fc::cuda::align_smem<1024>(raw);
    const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, lane = tid % 32, wg = warp / 4;
    for (uint32_t i = static_cast<uint32_t>(tid); i < a.image_bytes; i += blockDim.x) fc::cuda::sts(&sm[i], a.image[i]);
    if (tid == 0) a.out->smem_base = fc::cuda::smem_addr_(raw);
    if (a.mode != 4) fc::cuda::fence_proxy_async_smem();  // generic-proxy stores, then async-proxy (wgmma) reads
    __syncthreads();
    float d[N / 8][4];
    for (auto& r : d)
        for (float& v : r) v = 1.0f;  // C = 1: the product accumulates onto it
    uint32_t ra[kK / 16][4] = {};
    if (a.frags)
        for (int s = 0; s < kK / 16; ++s)
            for (int r = 0; r < 4; ++r) ra[s][r] = a.frags->a[warp][lane][s][r];
    const uint32_t sbo = a.sbo ? a.sbo : (a.tf32 ? 1024u : 512u), base = fc::cuda::smem_addr_(sm);
    const uint32_t row_bytes = a.row_bytes ? a.row_bytes : (a.tf32 ? 128u : 64u);
    const uint32_t a_base = base + a.a_shift + static_cast<uint32_t>(wg) * 64u * row_bytes;
    if (a.mode != 2) fc::cuda::wgmma_fence();
    for (int kk = 0; kk < kK && a.tf32; kk += 8) {  // k8 steps
        const uint32_t a0 = a_base + static_cast<uint32_t>(kk / 8) * a.kstep;
        const uint32_t b0 = base + a.b_off + static_cast<uint32_t>(kk / 8) * a.kstep;
        fc::cuda::wgmma_m64k8_tf32<N>(d, isa_desc(a0, a.lbo, sbo, a.desc_mode), isa_desc(b0, a.lbo, sbo, a.desc_mode));
    }
    for (int kk = 0; kk < kK && !a.tf32; kk += 16) {
        const uint32_t a0 = a_base + static_cast<uint32_t>(kk / 16) * a.kstep;
        const uint32_t b0 = base + a.b_off + static_cast<uint32_t>(kk / 16 + (a.mode == 5 && warp % 4 == 1)) * a.kstep;
        const unsigned a_bo = a.a_base_offset ? (a0 >> 7) & 7u : 0u;
        if constexpr (N == 64) {  // the RS form exists for n64 (what the halo kernel issues)
            if (a.frags) {
                fc::cuda::wgmma_m64k16_f16_rs<N>(d, ra[kk / 16], isa_desc(b0, a.lbo, sbo, a.desc_mode));
                continue;
            }
        }
        fc::cuda::wgmma_m64k16_f16<N>(d, isa_desc(a0, a.lbo, sbo, a.desc_mode, a_bo),
                                      isa_desc(b0, a.lbo, sbo, a.desc_mode));
    }
    fc::cuda::wgmma_commit();
    if (a.mode == 3) return;
    if (a.mode == 1 && a.frags) {
        for (auto& s : ra)
            for (uint32_t& r : s) r = 0;  // A registers rewritten before the wait: the wait reads them
    } else if (a.mode == 1) {
        __syncthreads();
        for (uint32_t i = static_cast<uint32_t>(tid); i < a.b_off; i += blockDim.x) sm[i] = 0;  // A := 0
        __syncthreads();
    }
    fc::cuda::wgmma_wait<0>();
    for (int j = 0; j < N / 8; ++j)
        for (int e = 0; e < 4; ++e) a.out->d[warp][lane][j][e] = d[j][e];
}

// Writes A [64 * wgs][kK] (a_val) and B [N][kK] (b_val) as f16 into img, element (row, k) of A at a_at(row, k), of
// B at b_at(row, k): the one loop every f16 image builder below places its operands with.
template <int N, class AAt, class BAt>
void put_f16_operands(std::vector<unsigned char>& img, int wgs, AAt a_at, BAt b_at) {
    for (int i = 0; i < 64 * wgs; ++i)
        for (int k = 0; k < kK; ++k) {
            const uint16_t h = f16_bits_exact(a_val(i, k));
            std::memcpy(&img[a_at(i, k)], &h, 2);
        }
    for (int j = 0; j < N; ++j)
        for (int k = 0; k < kK; ++k) {
            const uint16_t h = f16_bits_exact(b_val(j, k));
            std::memcpy(&img[b_at(j, k)], &h, 2);
        }
}

// The f16 image: A [64 * wgs][kK] then B [N][kK] (rows of row_bytes: 64, or 128 with the first kK of each
// row set), each placed by `at`; filler 0xff elsewhere.
template <int N, class At>
std::vector<unsigned char> make_f16_image(int wgs, At at, uint32_t* b_off, uint32_t row_bytes = 64) {
    *b_off = static_cast<uint32_t>(64 * wgs) * row_bytes;
    std::vector<unsigned char> img(*b_off + N * row_bytes, 0xff);
    const uint32_t bo = *b_off;
    put_f16_operands<N>(img, wgs, at, [&](int j, int k) { return bo + at(j, k); });
    return img;
}

// The f16 image in 128-byte rows: A [64 * wgs][64] then B [N][64] (the first kK of each row set), placed by
// `at`; descriptors: 128-byte swizzle (mode 1), SBO 1024, row_bytes 128, k16 steps 32 bytes into the row.
template <int N, class At>
std::vector<unsigned char> make_f16_image128(int wgs, At at, Args<N>* a) {
    uint32_t b_off = 0;
    std::vector<unsigned char> img = make_f16_image<N>(wgs, at, &b_off, 128u);
    a->b_off = b_off;
    a->desc_mode = 1;
    a->sbo = 1024;
    a->row_bytes = 128;
    return img;
}

// The f16 image in 128-byte rows under the 128-byte swizzle with A's rows starting `shift` rows into the A region
// (A row i stored as row i + shift; B from the next 1024-byte atom on): what the WIDE halo form's taps describe (a
// halo shifted by the filter tap). Descriptors: 128-byte swizzle, SBO 1024, A's start `shift` rows into its first
// atom with the ISA's base offset (start >> 7) & 7 (a_base_offset). group: rows from one 8-row group of A to the
// next (SBO = 128 group; 8 = whole atoms, what the kernel uses; 10 = an unpadded 3 x 3 halo row, which the
// emulation refuses and the device probe reports for information).
template <int N>
std::vector<unsigned char> make_f16_shifted128_image(int wgs, int shift, Args<N>* a, int group = 8) {
    const int a_rows = (64 * wgs / 8 - 1) * group + 8 + shift;
    const uint32_t b_off = static_cast<uint32_t>((a_rows + 7) / 8) * 1024u;
    std::vector<unsigned char> img(b_off + N * 128u, 0xff);
    put_f16_operands<N>(
        img, wgs, [&](int i, int k) { return sw128_f16_offset(i / 8 * group + i % 8 + shift, k); },
        [&](int j, int k) { return b_off + sw128_f16_offset(j, k); });
    a->b_off = b_off;
    a->desc_mode = 1;
    a->sbo = 128u * static_cast<uint32_t>(group);
    a->row_bytes = 128;
    a->a_shift = 128u * static_cast<uint32_t>(shift);
    a->a_base_offset = true;
    return img;
}

// The f16 image in the no-swizzle K-major layout of "core matrices" (8 rows x 16 bytes = 8 k, 128 contiguous
// bytes): A and B each as kK / 8 planes of R rows x 16 bytes (plane = one 16-byte k chunk of every row: row r,
// k at plane k / 8, byte 16 r + 2 (k % 8)), R = the larger of the two row counts + 8, with A's rows starting
// `shift` rows into each plane -- a start 16 shift bytes past a core-matrix boundary, which is what halo
// pixels shifted by a filter tap would look like. Descriptor: no swizzle, SBO 128 (the next 8 rows), LBO =
// 16 R (the next k chunk), k16 step 2 LBO; A's warpgroup w at 64 w rows (row_bytes 16).
template <int N>
std::vector<unsigned char> make_f16_core_image(int wgs, int shift, Args<N>* a) {
    const int R = (64 * wgs > N ? 64 * wgs : N) + 8;
    const uint32_t plane = 16u * static_cast<uint32_t>(R), region = plane * (kK / 8);
    std::vector<unsigned char> img(2 * region, 0xff);
    auto at = [&](int row, int k) { return static_cast<uint32_t>(k / 8) * plane + 16u * static_cast<uint32_t>(row) + 2u * (k % 8); };
    put_f16_operands<N>(img, wgs, [&](int i, int k) { return at(i + shift, k); },
                        [&](int j, int k) { return region + at(j, k); });
    a->b_off = region;
    a->desc_mode = 0;
    a->sbo = 128;
    a->lbo = plane;
    a->kstep = 2 * plane;
    a->row_bytes = 16;
    a->a_shift = 16u * static_cast<uint32_t>(shift);
    return img;
}

// The fp32 image: A [64 * wgs][kK] then B [N][kK] (128-byte rows).
template <int N, class At>
std::vector<unsigned char> make_tf32_image(int wgs, At at, uint32_t* b_off) {
    *b_off = static_cast<uint32_t>(64 * wgs) * 128u;
    std::vector<unsigned char> img(*b_off + N * 128u, 0xff);
    for (int i = 0; i < 64 * wgs; ++i)
        for (int k = 0; k < kK; ++k) {
            const float v = a_val(i, k);
            std::memcpy(&img[at(i, k)], &v, 4);
        }
    for (int j = 0; j < N; ++j)
        for (int k = 0; k < kK; ++k) {
            const float v = b_val(j, k);
            std::memcpy(&img[*b_off + at(j, k)], &v, 4);
        }
    return img;
}

// A fragments of every warp for the RS form, placed position -> holder (the mma.m16n8k16 A figure).
inline void make_frags(int wgs, Frags* f) {
    for (int warp = 0; warp < 4 * wgs; ++warp)
        for (int s = 0; s < kK / 16; ++s)
            for (int i = 0; i < 16; ++i)
                for (int k = 0; k < 16; ++k) {
                    const int lane = 4 * (i % 8) + (k % 8) / 2, reg = 2 * (k / 8) + i / 8, half = k % 2;
                    const uint32_t h = f16_bits_exact(a_val(16 * warp + i, 16 * s + k));
                    uint32_t& r = f->a[warp][lane][s][reg];
                    r = (r & (half ? 0x0000ffffu : 0xffff0000u)) | (h << (16 * half));
                }
}

// Checks every D element through the ISA's position -> holder map; returns the mismatches and prints
// the first three (unless quiet) with where they were read.
template <int N>
int check_product(const Out<N>& o, int wgs, bool a_zero = false, bool quiet = false) {
    int bad = 0;
    for (int i = 0; i < 64 * wgs; ++i)
        for (int j = 0; j < N; ++j) {
            float want = 1.0f;
            if (!a_zero)
                for (int k = 0; k < kK; ++k) want += a_val(i, k) * b_val(j, k);
            const int warp = i / 16, r = i % 16, lane = 4 * (r % 8) + (j % 8) / 2;
            const int reg = 4 * (j / 8) + 2 * (r / 8) + j % 2;
            const float got = o.d[warp][lane][reg / 4][reg % 4];
            if (got != want && bad++ < 3 && !quiet)
                std::fprintf(stderr, "  D[%d][%d] = %g, want %g (warp %d lane %d d%d)\n", i, j, got, want, warp, lane,
                             reg);
        }
    return bad;
}

}  // namespace wgmma_cases

#endif
