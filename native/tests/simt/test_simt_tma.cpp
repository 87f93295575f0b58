// Tests of the emulation's TMA model (simt.h "TMA": tensor maps, cp.async.bulk.tensor im2col / tiled loads,
// mbarrier transaction counts), independent of the convolution kernels:
//  * every case of tma_cases.h (shared with the device probe tests/cuda/tma_probe.cu, which runs them on
//    an H200): im2col A tiles from the kernels' own map and coordinates (tma_im2col.cuh) against the
//    definition of the tile, in the 128-byte and 64-byte swizzles; tiled B tiles with zero fill;
//  * the corner order: corners passed {H, W} (as cuda.h's comment lists them) must reproduce what the H200
//    loaded in tma_probe's asymmetric-padding case (session 11: 112 of 128 rows wrong, row 8 = (n0 h0 w9),
//    row 9 = (n0 h1 w0)) -- the emulation follows the hardware, not the comment;
//  * semantics: the bytes are not in shared memory before a wait observes the phase (a read before the
//    wait sees the old contents); expect_tx announcing more bytes than issued never completes (deadlock
//    report naming the outstanding bytes); the encode calls refuse what the driver documents as invalid.
#include "simt/simt.h"

#include <cstdio>
#include <string>
#include <vector>

#include "simt_test_util.h"
#include "tma_cases.h"

namespace {

using fc::cuda::TmaDesc;

constexpr int kBoxBytes = 128 * 128;

struct LoadArgs {
    const TmaDesc* map;
    int im2col;            // 0: 2-D tiled, 1: im2col, 2: 4-D tiled (the halo boxes)
    int c[4];
    uint16_t off[2];
    unsigned bytes;        // the box
    unsigned announce;     // what expect_tx announces
    uint16_t* out;         // the tile after the wait
    uint16_t* early;       // (if set) the tile read by the issuing thread before any wait
};

// Thread 0 inits the barrier, announces, issues the load; every thread waits, then copies the tile out.
void tma_load_kernel(LoadArgs a) {
    FC_DYNAMIC_SHARED(unsigned char, raw);
    unsigned char* buf = raw + ((1024u - fc::cuda::smem_addr_(raw) % 1024u) % 1024u);
    __shared__ __align__(8) uint64_t bar;
    if (threadIdx.x == 0) {
        fc::cuda::mbar_init(&bar, 1);
        fc::cuda::fence_mbarrier_init();
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        fc::cuda::mbar_arrive_expect_tx(&bar, a.announce);
        if (a.im2col == 2)
            fc::cuda::tma_load_4d(buf, a.map, &bar, a.c[0], a.c[1], a.c[2], a.c[3]);
        else if (a.im2col)
            fc::cuda::tma_load_im2col_4d(buf, a.map, &bar, a.c[0], a.c[1], a.c[2], a.c[3], a.off[0], a.off[1]);
        else
            fc::cuda::tma_load_2d(buf, a.map, &bar, a.c[0], a.c[1]);
        if (a.early)
            for (unsigned i = 0; i < a.bytes / 2; ++i) a.early[i] = reinterpret_cast<const uint16_t*>(buf)[i];
    }
    fc::cuda::mbar_wait(&bar, 0);
    for (unsigned i = threadIdx.x; i < a.bytes / 2; i += blockDim.x) a.out[i] = reinterpret_cast<const uint16_t*>(buf)[i];
}

// Runs one load (throw mode): "" or the emulation's error.
std::string run(const LoadArgs& a) {
    fc_simt::set_throw_on_error(true);
    std::string msg;
    try {
        fc_simt::launch(dim3(1), dim3(64), kBoxBytes + 1024, tma_load_kernel, a);
    } catch (const fc_simt::SimtError& e) {
        msg = e.what();
    }
    fc_simt::set_throw_on_error(false);
    return msg;
}

std::vector<uint16_t> self_indexed(size_t n) {
    std::vector<uint16_t> v(n + 8);
    for (size_t i = 0; i < n; ++i) v[i] = (uint16_t)(i + 1);
    return v;
}
const uint16_t* aligned16(const std::vector<uint16_t>& v) {  // vector storage is 16-byte aligned (malloc)
    CHECK(reinterpret_cast<uintptr_t>(v.data()) % 16 == 0);
    return v.data();
}

// Encodes case k's map (corners swapped if asked: the {H, W} reading of cuda.h's comment), loads, returns
// the wrong judged rows (-1: encode refused).
int conv_case(const tma_cases::ConvCase& k, bool swap_corners, std::vector<uint16_t>* tile_out = nullptr) {
    const std::vector<uint16_t> x = self_indexed((size_t)k.N * k.H * k.W * k.C);
    fc::cuda::TmaIm2colMap m = tma_cases::map(k);
    if (swap_corners) {
        std::swap(m.lower[0], m.lower[1]);
        std::swap(m.upper[0], m.upper[1]);
    }
    TmaDesc d;
    std::string why;
    if (fc_simt::tma_encode_im2col(&d, k.es, 4, aligned16(x), m.dims, m.strides, m.lower, m.upper, m.channels, m.pixels,
                                   m.estr, tma_cases::swizzle_bytes(k), &why)) {
        fprintf(stderr, "%s: encode refused: %s\n", k.name, why.c_str());
        return -1;
    }
    std::vector<uint16_t> tile(kBoxBytes / 2, 0xffff);
    LoadArgs a{&d, 1, {0, 0, 0, 0}, {0, 0}, 128u * k.channels * 2, 128u * k.channels * 2, tile.data(), nullptr};
    tma_cases::coords(k, a.c, a.off);
    const std::string err = run(a);
    CHECK_MSG(err.empty(), "%s: %s", k.name, err.c_str());
    if (tile_out) *tile_out = tile;
    return tma_cases::check(k, tile.data(), k.name);
}

void test_conv_cases() {
    for (const tma_cases::ConvCase& k : tma_cases::conv_cases()) {
        const int bad = conv_case(k, false);
        CHECK_MSG(bad == 0, "im2col %s: %d of %d judged rows wrong", k.name, bad, tma_cases::rows_judged(k));
    }
}

// The H200's answer to corners in {H, W} order (tma_probe, asymmetric padding h1 w0, tap (0, 1)).
void test_corner_order_as_measured() {
    for (const tma_cases::ConvCase& k : tma_cases::conv_cases()) {
        if (std::string(k.name) != "3x3 pad h1 w0 tap(0,1)") continue;
        std::vector<uint16_t> tile;
        printf("(expected: the swapped-corner rows below are what the H200 loaded)\n");
        const int bad = conv_case(k, true, &tile);
        CHECK_MSG(bad == 112, "swapped corners: %d wrong rows, the H200 had 112 of 128", bad);
        auto at = [&](int row) { return tma_cases::name_of(tile[tma_cases::swizzled_chunk(row, 0, 128) / 2], k.H, k.W, k.C); };
        CHECK_MSG(at(8) == "(n0 h0 w9 c0)", "row 8 holds %s, the H200 loaded (n0 h0 w9 c0)", at(8).c_str());
        CHECK_MSG(at(9) == "(n0 h1 w0 c0)", "row 9 holds %s, the H200 loaded (n0 h1 w0 c0)", at(9).c_str());
        return;
    }
    CHECK_MSG(false, "the asymmetric-padding case is missing from tma_cases.h");
}

void test_tiled_cases() {
    for (const tma_cases::TiledCase& t : tma_cases::tiled_cases()) {
        const std::vector<uint16_t> mtx = self_indexed((size_t)t.rows * t.cols);
        const uint64_t dims[2] = {(uint64_t)t.cols, (uint64_t)t.rows}, strides[1] = {(uint64_t)t.cols * 2};
        const uint32_t box[2] = {(uint32_t)t.box_cols, 128}, estr[2] = {1, 1};
        TmaDesc d;
        std::string why;
        const int rc = fc_simt::tma_encode_tiled(&d, 2, 2, aligned16(mtx), dims, strides, box, estr, t.box_cols * 2, &why);
        CHECK_MSG(rc == 0, "tiled %s: encode refused: %s", t.name, why.c_str());
        if (rc) continue;
        std::vector<uint16_t> tile(kBoxBytes / 2, 0xffff);
        const unsigned bytes = 128u * t.box_cols * 2;
        LoadArgs a{&d, 0, {t.col0, t.row0, 0, 0}, {0, 0}, bytes, bytes, tile.data(), nullptr};
        const std::string err = run(a);
        CHECK_MSG(err.empty(), "tiled %s: %s", t.name, err.c_str());
        CHECK_MSG(tma_cases::check_tiled(t, tile.data()) == 0, "tiled %s: wrong elements", t.name);
    }
}

// The halo form's 4-D boxes: every pixel and channel of the box, zeros outside x.
void test_halo_cases() {
    for (const tma_cases::HaloCase& h : tma_cases::halo_cases()) {
        const std::vector<uint16_t> x = self_indexed((size_t)h.N * h.H * h.W * h.C);
        const fc::cuda::ConvParams p = tma_cases::halo_params(h);
        const fc::cuda::TmaTiled4Map m = fc::cuda::tma_halo_map(p);
        TmaDesc d;
        std::string why;
        const int rc = fc_simt::tma_encode_tiled(&d, 2, 4, aligned16(x), m.dims, m.strides, m.box, m.estr, 0, &why);
        CHECK_MSG(rc == 0, "halo %s: encode refused: %s", h.name, why.c_str());
        if (rc) continue;
        std::vector<uint16_t> tile(kBoxBytes / 2, 0xffff);
        const unsigned bytes = (unsigned)tma_cases::halo_box_bytes(h);
        LoadArgs a{&d, 2, {0, 0, 0, 0}, {0, 0}, bytes, bytes, tile.data(), nullptr};
        fc::cuda::tma_halo_coords(p, fc::cuda::tma_halo_geom(p), h.u, h.c0, a.c);
        const std::string err = run(a);
        CHECK_MSG(err.empty(), "halo %s: %s", h.name, err.c_str());
        CHECK_MSG(tma_cases::check_halo(h, tile.data()) == 0, "halo %s: wrong elements", h.name);
    }
}

void test_semantics() {
    const tma_cases::TiledCase t = tma_cases::tiled_cases()[2];
    const std::vector<uint16_t> mtx = self_indexed((size_t)t.rows * t.cols);
    const uint64_t dims[2] = {(uint64_t)t.cols, (uint64_t)t.rows}, strides[1] = {(uint64_t)t.cols * 2};
    const uint32_t box[2] = {(uint32_t)t.box_cols, 128}, estr[2] = {1, 1};
    TmaDesc d;
    CHECK(fc_simt::tma_encode_tiled(&d, 2, 2, mtx.data(), dims, strides, box, estr, 64) == 0);
    const unsigned bytes = 128u * t.box_cols * 2;
    std::vector<uint16_t> tile(kBoxBytes / 2, 0), early(bytes / 2, 0);
    // a read before the wait: the block's dynamic shared memory starts as 0xFF bytes
    LoadArgs a{&d, 0, {t.col0, t.row0, 0, 0}, {0, 0}, bytes, bytes, tile.data(), early.data()};
    CHECK(run(a).empty());
    size_t stale = 0;
    for (uint16_t v : early) stale += v == 0xffff;
    CHECK_MSG(stale == early.size(), "a read before the wait saw %zu of %zu elements already loaded",
              early.size() - stale, early.size());
    CHECK(tma_cases::check_tiled(t, tile.data()) == 0);
    // more bytes announced than the load brings: the phase never completes
    a.early = nullptr;
    a.announce = bytes + 16;
    const std::string e = run(a);
    CHECK_MSG(e.find("transaction bytes outstanding 16") != std::string::npos, "over-announced: '%s'", e.c_str());

    // encode: the driver's documented refusals
    std::string why;
    const uint64_t bad_strides[1] = {(uint64_t)t.cols * 2 + 2};
    CHECK(fc_simt::tma_encode_tiled(&d, 2, 2, mtx.data(), dims, bad_strides, box, estr, 64, &why) != 0 &&
          why.find("globalStrides[0]") != std::string::npos);
    CHECK(fc_simt::tma_encode_tiled(&d, 2, 2, mtx.data() + 1, dims, strides, box, estr, 64, &why) != 0 &&
          why.find("16-byte aligned") != std::string::npos);
    const uint32_t wide[2] = {64, 128};  // 128-byte rows under the 64-byte swizzle
    CHECK(fc_simt::tma_encode_tiled(&d, 2, 2, mtx.data(), dims, strides, wide, estr, 64, &why) != 0 &&
          why.find("exceeds the 64-byte swizzle") != std::string::npos);
    const tma_cases::ConvCase k = tma_cases::conv_cases()[0];
    fc::cuda::TmaIm2colMap m = tma_cases::map(k);
    m.lower[1] = -129;
    CHECK(fc_simt::tma_encode_im2col(&d, k.es, 4, mtx.data(), m.dims, m.strides, m.lower, m.upper, m.channels, m.pixels,
                                     m.estr, 128, &why) != 0 &&
          why.find("[-128, 127]") != std::string::npos);
}

}  // namespace

int main() {
    test_conv_cases();
    test_corner_order_as_measured();
    test_tiled_cases();
    test_halo_cases();
    test_semantics();
    return simt_test_result("test_simt_tma");
}
