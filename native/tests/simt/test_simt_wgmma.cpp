// Tests of the wgmma emulation (sm_90a wgmma.mma_async m64nNk16 f16 -> f32), independent of the
// convolution kernels:
//  * the accumulator fragment layout, written position -> holder from the PTX ISA figure
//    ("WGMMA .m64nNk16 register fragment layout for accumulator matrix D": warp w of the warpgroup
//    holds rows 16w..16w+15; in a warp, row 8h + lane/4, columns 8j + 2 (lane % 4) + {0, 1} are
//    d[4j + 2h + {0, 1}]) -- the emulation maps holder -> position;
//  * the shared-memory operand layout: A and B written with the generic swizzle functor of the ISA's
//    "64B swizzling mode" (byte offset bits [4,6) ^= bits [7,9) of 64-byte K-major rows), descriptors
//    built from the ISA's bit table; both k16 halves of a 64-byte row (start address + 32 bytes);
//    the kernels' own SmemRows tiles (smem_at) and descriptor helper (wgmma_desc_sw64) must agree;
//    an unswizzled tile must give a different (wrong) product;
//  * the "RS" form (A from registers): A fragments placed position -> holder from the mma.m16n8k16 A
//    figure (row i, column k of a warp's 16 x 16 slice: lane 4 (i % 8) + (k % 8) / 2, register
//    2 (k / 8) + i / 8, half k % 2), B from shared memory;
//  * tf32 (m64nNk8, fp32 operands): A and B written with the ISA's "128B swizzling mode" functor
//    (Swizzle<3,4,3>: byte bits [4,7) ^= bits [7,10) of 128-byte K-major rows), four k8 steps 32 bytes
//    apart; the kernels' kSw128 tiles (smem_at<4, 32, true>) must agree;
//  * semantics: the op is performed at wgmma_wait (a store between issue and wait is seen), and the
//    misuses the emulation reports (no fence, no wait before exit, other swizzle modes, partial
//    warpgroups).
#include "simt/simt.h"

#include <cstdio>
#include <string>
#include <vector>

#include "cuda/kernels/wgmma_step.cuh"
#include "simt_test_util.h"

namespace {

constexpr int kN = 64;  // wgmma N under test (the kernels use 64 and 128)
constexpr int kK = 32;  // two k16 steps: one 64-byte row of f16

// Byte offset of (row, k) in K-major f16 rows of 64 bytes under the ISA's 64-byte swizzle, written as
// the generic functor Swizzle<B=2, M=4, S=3> on the byte offset: bits [M, M+B) ^= bits [M+S, M+S+B).
uint32_t sw64_offset(int row, int k) {
    const uint32_t off = static_cast<uint32_t>(row) * 64u + static_cast<uint32_t>(k) * 2u;
    const uint32_t yyy = (off >> (4 + 3)) & 3u;
    return off ^ (yyy << 4);
}
uint32_t plain_offset(int row, int k) { return static_cast<uint32_t>(row) * 64u + static_cast<uint32_t>(k) * 2u; }

// Descriptor from the ISA's bit table: start >> 4 in [0,14), LBO >> 4 in [16,30), SBO >> 4 in [32,46),
// base offset [49,52) = 0, swizzle mode [62,64) (2 = 64 bytes).
uint64_t isa_desc(uint32_t start, uint32_t lbo, uint32_t sbo, unsigned mode) {
    return static_cast<uint64_t>(start >> 4) | (static_cast<uint64_t>(lbo >> 4) << 16) |
           (static_cast<uint64_t>(sbo >> 4) << 32) | (static_cast<uint64_t>(mode) << 62);
}

float a_val(int i, int k) { return static_cast<float>((i * 7 + k * 3) % 11 - 5); }  // small integers:
float b_val(int j, int k) { return static_cast<float>((j * 5 + k) % 9 - 4); }      // exact in f16 and fp32

struct Out {
    float d[8][32][kN / 8][4];  // [warp][lane][j][e]
};

// Block: warpgroups of 4 warps (threads = 128 * wgs). smem image: A rows [64 * wgs][32] at 0, B [kN][32]
// after it. Mode: 0 normal; 1 overwrite A with zeros between issue and wait; 2 no fence; 3 no wait.
struct Frags {
    uint32_t a[8][32][kK / 16][4];  // [warp][lane][k16 step][register]
};
struct Args {
    const unsigned char* image;
    uint32_t image_bytes, b_off;
    unsigned desc_mode;
    int mode;
    Out* out;
    const Frags* frags = nullptr;  // set: A from registers (RS); mode 1 then rewrites them with zeros instead
    bool tf32 = false;             // m64nNk8 tf32 on 128-byte rows (128-byte swizzle) instead of f16
};

void wgmma_kernel(Args a) {
    FC_DYNAMIC_SHARED(unsigned char, sm);
    const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, lane = tid % 32, wg = warp / 4;
    if (tid == 0) std::memcpy(sm, a.image, a.image_bytes);
    __syncthreads();
    float d[kN / 8][4];
    for (auto& r : d)
        for (float& v : r) v = 1.0f;  // C = 1: the product accumulates onto it
    uint32_t ra[kK / 16][4];
    if (a.frags)
        for (int s = 0; s < kK / 16; ++s)
            for (int r = 0; r < 4; ++r) ra[s][r] = a.frags->a[warp][lane][s][r];
    if (a.mode != 2) fc::cuda::wgmma_fence();
    for (int kk = 0; kk < kK && a.tf32; kk += 8) {  // rows of 128 bytes, k8 = 32 bytes per step
        const uint32_t a0 = static_cast<uint32_t>(wg) * 64u * 128u + static_cast<uint32_t>(kk) * 4u;
        const uint32_t b0 = a.b_off + static_cast<uint32_t>(kk) * 4u;
        fc::cuda::wgmma_m64k8_tf32<kN>(d, isa_desc(a0, 16, 1024, 1), isa_desc(b0, 16, 1024, 1));
    }
    for (int kk = 0; kk < kK && !a.tf32; kk += 16) {
        const uint32_t a0 = static_cast<uint32_t>(wg) * 64u * 64u + static_cast<uint32_t>(kk) * 2u;
        const uint32_t b0 = a.b_off + static_cast<uint32_t>(kk) * 2u;
        if (a.frags)
            fc::cuda::wgmma_m64k16_f16_rs<kN>(d, ra[kk / 16], isa_desc(b0, 16, 512, a.desc_mode));
        else
            fc::cuda::wgmma_m64k16_f16<kN>(d, isa_desc(a0, 16, 512, a.desc_mode), isa_desc(b0, 16, 512, a.desc_mode));
    }
    fc::cuda::wgmma_commit();
    if (a.mode == 3) return;
    if (a.mode == 1 && a.frags) {
        for (auto& s : ra)
            for (uint32_t& r : s) r = 0;  // A registers rewritten before the wait: the wait reads them
    } else if (a.mode == 1) {
        __syncthreads();
        if (tid == 0) std::memset(sm, 0, a.b_off);  // A := 0 before the wait: the wait reads it
        __syncthreads();
    }
    fc::cuda::wgmma_wait<0>();
    for (int j = 0; j < kN / 8; ++j)
        for (int e = 0; e < 4; ++e) a.out->d[warp][lane][j][e] = d[j][e];
}

// The image: A [64 * wgs][kK] then B [kN][kK], each by `at`.
template <class At>
std::vector<unsigned char> make_image(int wgs, At at, uint32_t* b_off) {
    const int arows = 64 * wgs;
    *b_off = static_cast<uint32_t>(arows) * 64u;
    std::vector<unsigned char> img(*b_off + kN * 64u, 0xff);
    for (int i = 0; i < arows; ++i)
        for (int k = 0; k < kK; ++k) {
            const uint16_t h = fc::cuda::f32_to_f16_bits(a_val(i, k));
            std::memcpy(&img[at(i, k)], &h, 2);
        }
    for (int j = 0; j < kN; ++j)
        for (int k = 0; k < kK; ++k) {
            const uint16_t h = fc::cuda::f32_to_f16_bits(b_val(j, k));
            std::memcpy(&img[*b_off + at(j, k)], &h, 2);
        }
    return img;
}

// Checks every D element through the ISA's position -> holder map; returns mismatches.
int check_product(const Out& o, int wgs, bool a_zero = false, bool quiet = false) {
    int bad = 0;
    for (int i = 0; i < 64 * wgs; ++i)
        for (int j = 0; j < kN; ++j) {
            float want = 1.0f;
            if (!a_zero)
                for (int k = 0; k < kK; ++k) want += a_val(i, k) * b_val(j, k);
            const int warp = i / 16, r = i % 16, lane = 4 * (r % 8) + (j % 8) / 2;
            const int reg = 4 * (j / 8) + 2 * (r / 8) + j % 2;
            const float got = o.d[warp][lane][reg / 4][reg % 4];
            if (got != want && bad++ < 3 && !quiet)
                std::fprintf(stderr, "  D[%d][%d] = %g, want %g (warp %d lane %d d%d)\n", i, j, got, want, warp, lane, reg);
        }
    return bad;
}

std::string run_expect_error(int threads, int mode, unsigned desc_mode) {
    uint32_t b_off = 0;
    const std::vector<unsigned char> img = make_image(1, sw64_offset, &b_off);
    static Out out;
    fc_simt::set_throw_on_error(true);
    std::string msg;
    try {
        fc_simt::launch(dim3(1), dim3(static_cast<unsigned>(threads)), img.size(), wgmma_kernel,
                        Args{img.data(), static_cast<uint32_t>(img.size()), b_off, desc_mode, mode, &out});
    } catch (const fc_simt::SimtError& e) {
        msg = e.what();
    }
    fc_simt::set_throw_on_error(false);
    return msg;
}

// A fragments of every warp, placed position -> holder (the mma.m16n8k16 A figure).
void make_frags(int wgs, Frags* f) {
    for (int warp = 0; warp < 4 * wgs; ++warp)
        for (int s = 0; s < kK / 16; ++s)
            for (int i = 0; i < 16; ++i)
                for (int k = 0; k < 16; ++k) {
                    const int lane = 4 * (i % 8) + (k % 8) / 2, reg = 2 * (k / 8) + i / 8, half = k % 2;
                    const uint32_t h = fc::cuda::f32_to_f16_bits(a_val(16 * warp + i, 16 * s + k));
                    uint32_t& r = f->a[warp][lane][s][reg];
                    r = (r & (half ? 0x0000ffffu : 0xffff0000u)) | (h << (16 * half));
                }
}

void test_product_rs() {
    static Out out;
    static Frags frags;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        make_frags(wgs, &frags);
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_image(wgs, sw64_offset, &b_off);
        Args args{img.data(), static_cast<uint32_t>(img.size()), b_off, 2u, 0, &out, &frags};
        fc_simt::launch(dim3(1), dim3(128u * static_cast<unsigned>(wgs)), img.size(), wgmma_kernel, args);
        CHECK_MSG(check_product(out, wgs) == 0, "RS: %d warpgroup(s), A from registers", wgs);
        args.mode = 1;
        fc_simt::launch(dim3(1), dim3(128u * static_cast<unsigned>(wgs)), img.size(), wgmma_kernel, args);
        CHECK_MSG(check_product(out, wgs, true) == 0, "RS deferred: registers rewritten before the wait are read");
    }
}

// ---- tf32: 64 x 32 fp32 A rows and kN x 32 B rows of 128 bytes, 128-byte swizzle ----
uint32_t sw128_offset(int row, int k) {
    const uint32_t off = static_cast<uint32_t>(row) * 128u + static_cast<uint32_t>(k) * 4u;
    return off ^ (((off >> (4 + 3)) & 7u) << 4);
}
template <class At>
std::vector<unsigned char> make_tf32_image(int wgs, At at, uint32_t* b_off) {
    *b_off = static_cast<uint32_t>(64 * wgs) * 128u;
    std::vector<unsigned char> img(*b_off + kN * 128u, 0xff);
    for (int i = 0; i < 64 * wgs; ++i)
        for (int k = 0; k < 32; ++k) {
            const float v = a_val(i, k);
            std::memcpy(&img[at(i, k)], &v, 4);
        }
    for (int j = 0; j < kN; ++j)
        for (int k = 0; k < 32; ++k) {
            const float v = b_val(j, k);
            std::memcpy(&img[*b_off + at(j, k)], &v, 4);
        }
    return img;
}

void test_tf32() {
    static Out out;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_tf32_image(wgs, sw128_offset, &b_off);
        Args args{img.data(), static_cast<uint32_t>(img.size()), b_off, 1u, 0, &out};
        args.tf32 = true;
        fc_simt::launch(dim3(1), dim3(128u * static_cast<unsigned>(wgs)), img.size(), wgmma_kernel, args);
        CHECK_MSG(check_product(out, wgs) == 0, "tf32: %d warpgroup(s), 128-byte swizzled operands", wgs);
    }
    uint32_t b_off = 0;
    const std::vector<unsigned char> img = make_tf32_image(
        1, [](int r, int k) { return static_cast<uint32_t>(r) * 128u + static_cast<uint32_t>(k) * 4u; }, &b_off);
    Args args{img.data(), static_cast<uint32_t>(img.size()), b_off, 1u, 0, &out};
    args.tf32 = true;
    fc_simt::launch(dim3(1), dim3(128), img.size(), wgmma_kernel, args);
    CHECK_MSG(check_product(out, 1, false, true) > 0, "tf32: an unswizzled tile must not pass as the 128-byte swizzle");
    int bad = 0;
    for (int row = 0; row < 128; ++row)
        for (int k = 0; k < 32; ++k)
            if (static_cast<uint32_t>(fc::cuda::smem_at<4, 32, true>(row, k)) * 4u != sw128_offset(row, k)) ++bad;
    CHECK_MSG(bad == 0, "smem_at<4, 32, true> differs from the 128-byte swizzle at %d positions", bad);
}

void test_product() {
    static Out out;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_image(wgs, sw64_offset, &b_off);
        fc_simt::launch(dim3(1), dim3(128u * static_cast<unsigned>(wgs)), img.size(), wgmma_kernel,
                        Args{img.data(), static_cast<uint32_t>(img.size()), b_off, 2u, 0, &out});
        CHECK_MSG(check_product(out, wgs) == 0, "%d warpgroup(s), 64-byte swizzled operands", wgs);
        // the operands read at the wait: A zeroed between issue and wait -> D = C
        fc_simt::launch(dim3(1), dim3(128u * static_cast<unsigned>(wgs)), img.size(), wgmma_kernel,
                        Args{img.data(), static_cast<uint32_t>(img.size()), b_off, 2u, 1, &out});
        CHECK_MSG(check_product(out, wgs, true) == 0, "deferred: a store before the wait is what wgmma reads");
    }
    // an unswizzled tile is not the layout the descriptor describes: the product must come out wrong
    uint32_t b_off = 0;
    const std::vector<unsigned char> plain = make_image(1, plain_offset, &b_off);
    fc_simt::launch(dim3(1), dim3(128), plain.size(), wgmma_kernel,
                    Args{plain.data(), static_cast<uint32_t>(plain.size()), b_off, 2u, 0, &out});
    CHECK_MSG(check_product(out, 1, false, true) > 0, "an unswizzled tile must not pass as the 64-byte swizzle layout");
}

// The kernels' tiles (SmemRows / smem_at, 64-byte f16 rows) are the same bytes as the ISA layout, and
// their descriptor helper encodes the ISA's fields.
void test_kernel_layout_agrees() {
    int bad = 0;
    for (int row = 0; row < 128; ++row)
        for (int k = 0; k < 32; ++k)
            if (static_cast<uint32_t>(fc::cuda::smem_at<2, 32>(row, k)) * 2u != sw64_offset(row, k)) ++bad;
    CHECK_MSG(bad == 0, "smem_at<2, 32> differs from the 64-byte swizzle at %d positions", bad);
    struct DescOut { uint64_t got[3]; };
    static DescOut o;
    auto kern = [](DescOut* r) {
        FC_DYNAMIC_SHARED(fc::cuda::half_t, sm);
        if (threadIdx.x == 0) {
            r->got[0] = fc::cuda::wgmma_desc_sw64(sm);
            r->got[1] = fc::cuda::wgmma_desc_sw64(sm + 16);         // second k16 of row 0: +32 bytes
            r->got[2] = fc::cuda::wgmma_desc_sw64(sm + 64 * 32);   // row 64: 4096 bytes
        }
    };
    fc_simt::launch(dim3(1), dim3(32), 8192, +kern, &o);
    CHECK(o.got[0] == isa_desc(0, 16, 512, 2));
    CHECK(o.got[1] == isa_desc(32, 16, 512, 2));
    CHECK(o.got[2] == isa_desc(4096, 16, 512, 2));
}

void test_misuse() {
    std::string m = run_expect_error(128, 2, 2u);
    CHECK_MSG(m.find("without a wgmma_fence") != std::string::npos, "no fence: '%s'", m.c_str());
    m = run_expect_error(128, 3, 2u);
    CHECK_MSG(m.find("never waited for") != std::string::npos, "no wait: '%s'", m.c_str());
    m = run_expect_error(128, 0, 3u);
    CHECK_MSG(m.find("swizzle mode 3") != std::string::npos, "32-byte swizzle descriptor: '%s'", m.c_str());
    m = run_expect_error(128, 0, 1u);
    CHECK_MSG(m.find("use the 64-byte swizzle") != std::string::npos, "f16 with the 128-byte swizzle: '%s'", m.c_str());
    m = run_expect_error(96, 0, 2u);
    CHECK_MSG(m.find("whole warpgroups") != std::string::npos, "96 threads: '%s'", m.c_str());
}

}  // namespace

int main() {
    test_product();
    test_product_rs();
    test_tf32();
    test_kernel_layout_agrees();
    test_misuse();
    return simt_test_result("test_simt_wgmma");
}
