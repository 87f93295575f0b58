// Tests of the wgmma emulation (sm_90a wgmma.mma_async m64nNk16 f16 / m64nNk8 tf32 -> f32), independent
// of the convolution kernels. The single-instruction cases and their expectations, written from the PTX
// ISA, are in wgmma_cases.h (shared with the device probe tests/cuda/wgmma_probe.cu, which runs the same
// cases on an sm_90 GPU): accumulator layout position -> holder, 64-byte (f16) and 128-byte (tf32)
// swizzled K-major operands with descriptors from the ISA's bit table, the RS form's A fragments, N = 64
// and 128, one and two warpgroups; unswizzled tiles must give a wrong product. Here also:
//  * the no-swizzle core-matrix layout from starts shifted by 16-byte rows (test_core_layout);
//  * the 128-byte swizzle from starts shifted by whole 128-byte rows inside an atom, with the ISA's base offset
//    (test_sw128_shifted: the WIDE halo form's taps), and the descriptors the emulation refuses there;
//  * the kernels' own SmemRows tiles (smem_at) and descriptor helpers (wgmma_desc_sw64) must agree with
//    the ISA layout;
//  * semantics: the op is performed at wgmma_wait (a store between issue and wait is seen), and the
//    misuses the emulation reports (no wgmma fence, no wait before exit, operands stored without a proxy
//    fence after them, warps of a warpgroup issuing different wgmma, other swizzle modes, partial
//    warpgroups), and a stage released to its producer before the wgmma_wait that retires its reader
//    (test_release_before_wait: reported in the default schedule too).
#include "simt/simt.h"

#include <cstdio>
#include <string>
#include <vector>

#include "cuda/kernels/wgmma_step.cuh"
#include "simt_test_util.h"
#include "wgmma_cases.h"

namespace {

using namespace wgmma_cases;

template <int N>
void launch_case(int wgs, const std::vector<unsigned char>& img, Args<N> args) {
    args.image = img.data();
    args.image_bytes = static_cast<uint32_t>(img.size());
    fc_simt::launch(dim3(1), dim3(128u * static_cast<unsigned>(wgs)), img.size() + kAlignSlack, wgmma_case_kernel<N>,
                    args);
}

// The case in throw mode with `threads` threads: the emulation's error message ("" if it ran).
template <int N>
std::string case_error(unsigned threads, const std::vector<unsigned char>& img, Args<N> args) {
    args.image = img.data();
    args.image_bytes = static_cast<uint32_t>(img.size());
    fc_simt::set_throw_on_error(true);
    std::string msg;
    try {
        fc_simt::launch(dim3(1), dim3(threads), img.size() + kAlignSlack, wgmma_case_kernel<N>, args);
    } catch (const fc_simt::SimtError& e) {
        msg = e.what();
    }
    fc_simt::set_throw_on_error(false);
    return msg;
}

template <int N>
void test_product() {
    static Out<N> out;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_f16_image<N>(wgs, sw64_offset, &b_off);
        launch_case<N>(wgs, img, Args<N>{nullptr, 0, b_off, 2u, 0, &out});
        CHECK_MSG(check_product(out, wgs) == 0, "n%d, %d warpgroup(s), 64-byte swizzled operands", N, wgs);
        // A zeroed between issue and wait: a write into the operands of an in-flight wgmma is a race the
        // emulation reports (operand bytes hashed at issue and at the wait), whatever its late read would compute
        const std::string m = case_error<N>(128u * static_cast<unsigned>(wgs), img, Args<N>{nullptr, 0, b_off, 2u, 1, &out});
        CHECK_MSG(m.find("changed between its issue and the wgmma_wait") != std::string::npos,
                  "a store into the operands of an in-flight wgmma must be reported, got: %s", m.c_str());
    }
    // an unswizzled tile is not the layout the descriptor describes: the product must come out wrong
    uint32_t b_off = 0;
    const std::vector<unsigned char> plain = make_f16_image<N>(1, plain_offset, &b_off);
    launch_case<N>(1, plain, Args<N>{nullptr, 0, b_off, 2u, 0, &out});
    CHECK_MSG(check_product(out, 1, false, true) > 0, "an unswizzled tile must not pass as the 64-byte swizzle layout");
}

void test_product_rs() {
    static Out<64> out;
    static Frags frags;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        make_frags(wgs, &frags);
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_f16_image<64>(wgs, sw64_offset, &b_off);
        Args<64> args{nullptr, 0, b_off, 2u, 0, &out, &frags};
        launch_case<64>(wgs, img, args);
        CHECK_MSG(check_product(out, wgs) == 0, "RS: %d warpgroup(s), A from registers", wgs);
        args.mode = 1;
        launch_case<64>(wgs, img, args);
        CHECK_MSG(check_product(out, wgs, true) == 0, "RS deferred: registers rewritten before the wait are read");
    }
}

template <int N>
void test_tf32() {
    static Out<N> out;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_tf32_image<N>(wgs, sw128_offset, &b_off);
        Args<N> args{nullptr, 0, b_off, 1u, 0, &out};
        args.tf32 = true;
        launch_case<N>(wgs, img, args);
        CHECK_MSG(check_product(out, wgs) == 0, "tf32 n%d: %d warpgroup(s), 128-byte swizzled operands", N, wgs);
    }
    uint32_t b_off = 0;
    const std::vector<unsigned char> img = make_tf32_image<N>(1, plain128_offset, &b_off);
    Args<N> args{nullptr, 0, b_off, 1u, 0, &out};
    args.tf32 = true;
    launch_case<N>(1, img, args);
    CHECK_MSG(check_product(out, 1, false, true) > 0, "tf32: an unswizzled tile must not pass as the 128-byte swizzle");
    int bad = 0;
    for (int row = 0; row < 128; ++row)
        for (int k = 0; k < 32; ++k)
            if (static_cast<uint32_t>(fc::cuda::smem_at<4, 32, true>(row, k)) * 4u != sw128_offset(row, k)) ++bad;
    CHECK_MSG(bad == 0, "smem_at<4, 32, true> differs from the 128-byte swizzle at %d positions", bad);
}

// f16 in 128-byte rows under the 128-byte swizzle (the TMA64 kernel's tiles; the same cases as wgmma_probe), and
// the kernels' layout helper for them (smem_at<2, 64, true>).
template <int N>
void test_f16_sw128() {
    static Out<N> out;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        Args<N> args{nullptr, 0, 0, 1u, 0, &out};
        const std::vector<unsigned char> img = make_f16_image128<N>(wgs, sw128_f16_offset, &args);
        launch_case<N>(wgs, img, args);
        CHECK_MSG(check_product(out, wgs) == 0, "f16 n%d: %d warpgroup(s), 128-byte swizzled 128-byte rows", N, wgs);
    }
    Args<N> args{nullptr, 0, 0, 1u, 0, &out};
    const std::vector<unsigned char> img = make_f16_image128<N>(1, plain128_f16_offset, &args);
    launch_case<N>(1, img, args);
    CHECK_MSG(check_product(out, 1, false, true) > 0, "f16: an unswizzled 128-byte-row tile must not pass as swizzled");
    int bad = 0;
    for (int row = 0; row < 128; ++row)
        for (int k = 0; k < 64; ++k)
            if (static_cast<uint32_t>(fc::cuda::smem_at<2, 64, true>(row, k)) * 2u != sw128_f16_offset(row, k)) ++bad;
    CHECK_MSG(bad == 0, "smem_at<2, 64, true> differs from the 128-byte swizzle at %d positions", bad);
}

// A descriptor that is not the layout's must not pass either (the probe's diagnostic sweep relies on
// wrong encodings giving wrong products): stride byte offset 256 or 1024 for the 64-byte swizzle.
void test_wrong_descriptor() {
    static Out<64> out;
    uint32_t b_off = 0;
    std::vector<unsigned char> img = make_f16_image<64>(1, sw64_offset, &b_off);
    img.resize(img.size() + 8 * 1024, 0);  // room for what the wider stride reads past the tiles
    for (uint32_t sbo : {256u, 1024u}) {
        Args<64> args{nullptr, 0, b_off, 2u, 0, &out};
        args.sbo = sbo;
        launch_case<64>(1, img, args);
        CHECK_MSG(check_product(out, 1, false, true) > 0, "sbo %u must not pass for 512-byte atoms", sbo);
    }
}

// The no-swizzle K-major layout (8-row x 16-byte core matrices, LBO between k chunks, SBO between row
// groups) from starts shifted by whole 16-byte rows: what an SS halo kernel would describe (A rows = halo
// pixels shifted by the tap). Must pass for every shift; a wrong LBO or SBO, or the layout described as the
// 64-byte swizzle, must not.
template <int N>
void test_core_layout() {
    static Out<N> out;
    for (int wgs = 1; wgs <= 2; ++wgs)
        for (int shift : {0, 1, 3, 8}) {
            Args<N> a{nullptr, 0, 0, 0u, 0, &out};
            std::vector<unsigned char> img = make_f16_core_image<N>(wgs, shift, &a);
            launch_case<N>(wgs, img, a);
            CHECK_MSG(check_product(out, wgs) == 0, "core matrices n%d, %d warpgroup(s), start shifted %d rows", N, wgs,
                      shift);
        }
    Args<N> a{nullptr, 0, 0, 0u, 0, &out};
    std::vector<unsigned char> img = make_f16_core_image<N>(1, 1, &a);
    img.resize(img.size() + 8 * 1024, 0);  // room for what the wrong strides read
    for (int wrong = 0; wrong < 2; ++wrong) {
        Args<N> t = a;
        (wrong ? t.sbo : t.lbo) += 16;
        launch_case<N>(1, img, t);
        CHECK_MSG(check_product(out, 1, false, true) > 0, "core matrices with a wrong %s must not pass",
                  wrong ? "SBO" : "LBO");
    }
    Args<N> t{nullptr, 0, 0, 0u, 0, &out};
    img = make_f16_core_image<N>(1, 0, &t);
    img.resize(img.size() + 8 * 1024, 0);
    t.desc_mode = 2u;  // the same bytes described as 64-byte swizzled rows
    t.sbo = 512u;
    t.kstep = 32u;
    t.row_bytes = 64u;
    launch_case<N>(1, img, t);
    CHECK_MSG(check_product(out, 1, false, true) > 0, "core matrices must not pass as the 64-byte swizzle");
}

// 128-byte swizzled f16 rows read from a start `shift` rows into a 1024-byte atom, base offset (start >> 7) & 7,
// SBO 1024 (make_f16_shifted128_image): must pass for every shift, with the WIDE halo form's descriptor helper
// too. The same start read as if the rows were not shifted (A's rows from row 0) must not; a start inside an
// atom with base offset 0, or with an SBO of part atoms, is refused (the two readings of the ISA differ there).
template <int N>
void test_sw128_shifted() {
    static Out<N> out;
    for (int wgs = 1; wgs <= 2; ++wgs)
        for (int shift : {1, 3, 6, 7, 9}) {
            Args<N> a{nullptr, 0, 0, 1u, 0, &out};
            std::vector<unsigned char> img = make_f16_shifted128_image<N>(wgs, shift, &a);
            launch_case<N>(wgs, img, a);
            CHECK_MSG(check_product(out, wgs) == 0, "128-byte swizzle n%d, %d warpgroup(s), start shifted %d rows", N,
                      wgs, shift);
        }
    Args<N> a{nullptr, 0, 0, 1u, 0, &out};
    std::vector<unsigned char> img = make_f16_shifted128_image<N>(1, 3, &a);
    Args<N> t = a;
    t.a_shift = 0;  // the rows as if unshifted
    launch_case<N>(1, img, t);
    CHECK_MSG(check_product(out, 1, false, true) > 0, "shifted rows read from row 0 must not pass");
    t = a;
    t.a_base_offset = false;
    std::string m = case_error<N>(128, img, t);
    CHECK_MSG(m.find("base offset 0") != std::string::npos, "shifted start, base offset 0: '%s'", m.c_str());
    img = make_f16_shifted128_image<N>(1, 3, &t, 10);  // groups 10 rows apart: SBO 1280, part atoms
    m = case_error<N>(128, img, t);
    CHECK_MSG(m.find("stride byte offset 1280") != std::string::npos, "shifted start, SBO 1280: '%s'", m.c_str());
}

// wgmma_desc_sw128_rows (the WIDE halo form's taps) encodes the ISA's fields: start, SBO, base offset, mode 1.
__global__ void desc_rows_kernel(uint64_t* out) {
    FC_DYNAMIC_SHARED(unsigned char, raw);
    unsigned char* const sm = fc::cuda::align_smem<1024>(raw);
    if (threadIdx.x == 0) {
        out[0] = fc::cuda::wgmma_desc_sw128_rows(sm + 3 * 128 + 64, 2048);
        out[1] = isa_desc(fc::cuda::smem_addr_(sm) + 3 * 128 + 64, 16, 2048, 1u, 3u);
        out[2] = fc::cuda::wgmma_desc_sw128_rows(sm + 8 * 128, 1024);
        out[3] = isa_desc(fc::cuda::smem_addr_(sm) + 8 * 128, 16, 1024, 1u, 0u);
    }
}
void test_desc_rows() {
    static uint64_t out[4];
    fc_simt::launch(dim3(1), dim3(32), 4096 + kAlignSlack, desc_rows_kernel, out);
    CHECK_MSG(out[0] == out[1], "wgmma_desc_sw128_rows, start row 3 + 64 bytes: %llx, ISA %llx",
              (unsigned long long)out[0], (unsigned long long)out[1]);
    CHECK_MSG(out[2] == out[3], "wgmma_desc_sw128_rows, start at an atom: %llx, ISA %llx", (unsigned long long)out[2],
              (unsigned long long)out[3]);
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

// Absolute shared addresses (set_smem_base): the descriptors hold the shared window's address and the
// swizzle applies to it. The cases align their image (align_smem) and pass wherever dynamic shared memory
// begins; without that, a base off the 1024-byte tf32 atom makes the operand start mid-atom: reported.
void test_smem_base() {
    static Out<64> out;
    for (uint32_t base : {16u, 512u, 1040u, 4096u}) {
        fc_simt::set_smem_base(base);
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_f16_image<64>(2, sw64_offset, &b_off);
        launch_case<64>(2, img, Args<64>{nullptr, 0, b_off, 2u, 0, &out});
        CHECK_MSG(check_product(out, 2) == 0 && out.smem_base == base, "f16 with the dynamic smem at %u", base);
        const std::vector<unsigned char> t = make_tf32_image<64>(1, sw128_offset, &b_off);
        Args<64> args{nullptr, 0, b_off, 1u, 0, &out};
        args.tf32 = true;
        launch_case<64>(1, t, args);
        CHECK_MSG(check_product(out, 1) == 0, "tf32 with the dynamic smem at %u", base);
    }
    fc_simt::set_smem_base(512);
    uint32_t b_off = 0;
    const std::vector<unsigned char> t = make_tf32_image<64>(1, sw128_offset, &b_off);
    Args<64> args{nullptr, 0, b_off, 1u, 0, &out};
    args.tf32 = true;
    args.no_align = true;
    const std::string msg = case_error<64>(128, t, args);
    fc_simt::set_smem_base(0);
    CHECK_MSG(msg.find("swizzle atom") != std::string::npos, "unaligned tf32 operands at base 512: '%s'", msg.c_str());
}

// Each misuse the emulation reports, on the f16 case: (threads, case mode, descriptor swizzle mode, what the
// message must say).
void test_misuse() {
    struct Misuse { unsigned threads; int mode; unsigned desc_mode; const char* says; const char* what; };
    const Misuse cases[] = {
        {128, 2, 2u, "without a wgmma_fence", "no fence"},
        {128, 3, 2u, "never waited for", "no wait"},
        {128, 0, 3u, "swizzle mode 3", "32-byte swizzle descriptor"},
        {128, 4, 2u, "without a fence_proxy_async_smem", "no proxy fence"},
        {128, 5, 2u, "another warp of its warpgroup", "divergent warpgroup"},
        {96, 0, 2u, "whole warpgroup", "96 threads"},
    };
    static Out<64> out;
    uint32_t b_off = 0;
    const std::vector<unsigned char> img = make_f16_image<64>(1, sw64_offset, &b_off);
    for (const Misuse& c : cases) {
        const std::string m = case_error<64>(c.threads, img, Args<64>{nullptr, 0, b_off, c.desc_mode, c.mode, &out});
        CHECK_MSG(m.find(c.says) != std::string::npos, "%s: '%s'", c.what, m.c_str());
    }
}

// The shared-memory traffic model's counters (simt.h SmemTotals; test_cuda_kernels profile): per warpgroup
// instruction, A's 64 rows (SS only) and B's N rows once, 64 N k multiply-adds; the image's staging stores byte by byte.
void test_traffic_counters() {
    static Out<128> out;
    static Out<64> out64;
    static Frags frags;
    const uint64_t kk = static_cast<uint64_t>(kK);
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_f16_image<128>(wgs, sw64_offset, &b_off);
        const fc_simt::SmemTotals t0 = fc_simt::smem_totals();
        launch_case<128>(wgs, img, Args<128>{nullptr, 0, b_off, 2u, 0, &out});
        const fc_simt::SmemTotals& t1 = fc_simt::smem_totals();
        const uint64_t w = static_cast<uint64_t>(wgs);
        CHECK_MSG(t1.wgmma_macs_f16 - t0.wgmma_macs_f16 == w * 64 * 128 * kk, "f16 n128 x %d: multiply-adds", wgs);
        CHECK_MSG(t1.wgmma_smem_bytes - t0.wgmma_smem_bytes == w * (64 + 128) * kk * 2,
                  "f16 n128 x %d: operand bytes %llu", wgs,
                  static_cast<unsigned long long>(t1.wgmma_smem_bytes - t0.wgmma_smem_bytes));
        CHECK_MSG(t1.generic_bytes - t0.generic_bytes == img.size(), "f16 n128 x %d: the staging stores", wgs);
    }
    make_frags(1, &frags);
    uint32_t b_off = 0;
    const std::vector<unsigned char> img = make_f16_image<64>(1, sw64_offset, &b_off);
    const uint64_t b0 = fc_simt::smem_totals().wgmma_smem_bytes;
    launch_case<64>(1, img, Args<64>{nullptr, 0, b_off, 2u, 0, &out64, &frags});
    CHECK_MSG(fc_simt::smem_totals().wgmma_smem_bytes - b0 == 64 * kk * 2, "RS: B's bytes only");
    const std::vector<unsigned char> img32 = make_tf32_image<64>(1, sw128_offset, &b_off);
    Args<64> args{nullptr, 0, b_off, 1u, 0, &out64};
    args.tf32 = true;
    const fc_simt::SmemTotals t0 = fc_simt::smem_totals();
    launch_case<64>(1, img32, args);
    const fc_simt::SmemTotals& t1 = fc_simt::smem_totals();
    CHECK_MSG(t1.wgmma_macs_tf32 - t0.wgmma_macs_tf32 == 64 * 64 * kK && t1.wgmma_macs_f16 == t0.wgmma_macs_f16,
              "tf32: multiply-adds");
    CHECK_MSG(t1.wgmma_smem_bytes - t0.wgmma_smem_bytes == (64 + 64) * kk * 4, "tf32: operand bytes");
}

// A one-stage hand-off: warpgroup 0 multiplies the image's tile, warp 4 (the producer) waits on the stage's
// "empty" mbarrier and then rewrites A. early: the stage is released before the wgmma_wait that retires its reader.
struct ReleaseArgs {
    const unsigned char* image;
    uint32_t image_bytes, b_off;
    bool early;
    Out<64>* out;
};
__global__ void release_kernel(ReleaseArgs a) {
    FC_DYNAMIC_SHARED(unsigned char, raw);
    unsigned char* const sm = fc::cuda::align_smem<1024>(raw);
    __shared__ __align__(8) uint64_t empty;
    const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, lane = tid % 32;
    for (uint32_t i = static_cast<uint32_t>(tid); i < a.image_bytes; i += blockDim.x) fc::cuda::sts(&sm[i], a.image[i]);
    if (tid == 0) {
        fc::cuda::mbar_init(&empty, 1);
        fc::cuda::fence_mbarrier_init();
    }
    fc::cuda::fence_proxy_async_smem();
    __syncthreads();
    if (warp == 4) {  // the producer: refills A once the stage is released
        if (lane != 0) return;
        fc::cuda::mbar_wait(&empty, 0u);
        for (uint32_t i = 0; i < a.b_off; ++i) fc::cuda::sts(&sm[i], static_cast<unsigned char>(0));
        return;
    }
    float d[8][4];
    for (auto& r : d)
        for (float& v : r) v = 1.0f;
    const uint32_t base = fc::cuda::smem_addr_(sm);
    fc::cuda::wgmma_fence();
    for (int kk = 0; kk < kK; kk += 16) {
        const uint32_t step = static_cast<uint32_t>(kk / 16) * 32u;
        fc::cuda::wgmma_m64k16_f16<64>(d, isa_desc(base + step, 16, 512, 2u), isa_desc(base + a.b_off + step, 16, 512, 2u));
    }
    fc::cuda::wgmma_commit();
    if (a.early && tid == 0) fc::cuda::mbar_arrive(&empty);
    fc::cuda::wgmma_wait<0>();
    if (!a.early && tid == 0) fc::cuda::mbar_arrive(&empty);
    for (int j = 0; j < 8; ++j)
        for (int e = 0; e < 4; ++e) a.out->d[warp][lane][j][e] = d[j][e];
}

// The emulation's default order never runs the producer between a release and the releasing warp's next
// wgmma_wait on its own (the consumer's fibers reach the wait first); an arrival made with wgmma in flight hands
// the processor over, so the early release is reported in every schedule, and the right one still runs.
void test_release_before_wait() {
    static Out<64> out;
    uint32_t b_off = 0;
    const std::vector<unsigned char> img = make_f16_image<64>(1, sw64_offset, &b_off);
    for (const bool early : {false, true}) {
        ReleaseArgs args{img.data(), static_cast<uint32_t>(img.size()), b_off, early, &out};
        fc_simt::set_throw_on_error(true);
        std::string msg;
        try {
            fc_simt::launch(dim3(1), dim3(160), img.size() + kAlignSlack, release_kernel, args);
        } catch (const fc_simt::SimtError& e) {
            msg = e.what();
        }
        fc_simt::set_throw_on_error(false);
        if (early) {
            CHECK_MSG(msg.find("changed between its issue and the wgmma_wait") != std::string::npos,
                      "a stage released before its reader's wgmma_wait must be reported, got: '%s'", msg.c_str());
        } else {
            CHECK_MSG(msg.empty(), "release after the wait: '%s'", msg.c_str());
            CHECK_MSG(check_product(out, 1) == 0, "release after the wait: the product");
        }
    }
}

}  // namespace

int main() {
    test_product<64>();
    test_product<128>();
    test_product_rs();
    test_tf32<64>();
    test_tf32<128>();
    test_f16_sw128<64>();
    test_f16_sw128<128>();
    test_wrong_descriptor();
    test_core_layout<64>();
    test_core_layout<128>();
    test_sw128_shifted<64>();
    test_sw128_shifted<128>();
    test_desc_rows();
    test_kernel_layout_agrees();
    test_smem_base();
    test_misuse();
    test_release_before_wait();
    test_traffic_counters();
    return simt_test_result("test_simt_wgmma");
}
