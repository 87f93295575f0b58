// Tests of the shared-memory bank model (smem_banks.h) and of how the
// emulation feeds it (ldmatrix rows, lds / sts, cp.async destinations):
// known conflict-free and known conflicting patterns, worked out by hand from
// the 32-banks-of-4-bytes rule, must score exactly as stated -- a model that
// ignores bank conflicts, or that invents them, fails here.
#include "simt/simt.h"
#include "simt/smem_banks.h"

#include <string>
#include <vector>

#include "simt_test_util.h"

using fc_simt::LaneAccess;
using fc_simt::smem_wavefronts;

namespace {

fc_simt::Wavefronts score(unsigned bytes, unsigned active, uint32_t (*off)(int lane)) {
    LaneAccess a[32];
    for (int l = 0; l < 32; ++l) a[l] = LaneAccess{off(l), bytes};
    return smem_wavefronts(a, active);
}

void test_model() {
    const unsigned all = 0xffffffffu;
    // 4 bytes: consecutive words -> 32 banks, 1 wavefront.
    auto w = score(4, all, [](int l) { return uint32_t(4 * l); });
    CHECK(w.ideal == 1 && w.actual == 1);
    // stride 2 words: 16 banks, two words each -> 2; stride 32 words: one bank, 32 words -> 32.
    w = score(4, all, [](int l) { return uint32_t(8 * l); });
    CHECK(w.ideal == 1 && w.actual == 2);
    w = score(4, all, [](int l) { return uint32_t(128 * l); });
    CHECK(w.ideal == 1 && w.actual == 32);
    // stride 3 words (odd): conflict-free.
    w = score(4, all, [](int l) { return uint32_t(12 * l); });
    CHECK(w.actual == 1);
    // Everyone reads the same word (broadcast), or pairs share words (multicast): 1.
    w = score(4, all, [](int) { return uint32_t(64); });
    CHECK(w.actual == 1);
    w = score(2, all, [](int l) { return uint32_t(2 * l); });
    CHECK(w.ideal == 1 && w.actual == 1);
    // Two lanes, same bank, different words: 2 (only active lanes count).
    w = score(4, 0x3u, [](int l) { return uint32_t(128 * l); });
    CHECK(w.ideal == 1 && w.actual == 2);
    w = score(4, 0x1u, [](int l) { return uint32_t(128 * l); });
    CHECK(w.ideal == 1 && w.actual == 1);
    // 8 bytes: two half-warp phases; consecutive -> 2 (ideal); lanes 16 B apart -> 2 per phase.
    w = score(8, all, [](int l) { return uint32_t(8 * l); });
    CHECK(w.ideal == 2 && w.actual == 2);
    w = score(8, all, [](int l) { return uint32_t(16 * l); });
    CHECK(w.ideal == 2 && w.actual == 4);
    // 16 bytes: four quarter-warp phases; consecutive -> 4.
    w = score(16, all, [](int l) { return uint32_t(16 * l); });
    CHECK(w.ideal == 4 && w.actual == 4);
    // 64-byte rows at an 80-byte pitch, 4 chunks per row (the fp16 tile loaders before the swizzle):
    // a phase = rows r, r+1 -> chunk groups {0,1,2,3} and {5,6,7,0} -> 2 wavefronts per phase.
    w = score(16, all, [](int l) { return uint32_t((l / 4) * 80 + (l % 4) * 16); });
    CHECK(w.ideal == 4 && w.actual == 8);
    // The same rows unpadded (64 B) with chunk c stored at c ^ ((row >> 1) & 3): conflict-free.
    w = score(16, all, [](int l) { return uint32_t((l / 4) * 64 + (((l % 4) ^ ((l / 4 >> 1) & 3)) * 16)); });
    CHECK(w.ideal == 4 && w.actual == 4);
    // 128-byte pitch, 8 lanes a column: 8 words in one bank group per phase -> 8 each.
    w = score(16, all, [](int l) { return uint32_t(l * 128); });
    CHECK(w.ideal == 4 && w.actual == 32);
}

// ---- through the emulation ----
template <int MODE>
__global__ void bank_kernel(int pitch_elems) {
    FC_DYNAMIC_SHARED(uint16_t, sm);
    const int lane = threadIdx.x & 31;
    if (MODE == 0) {  // ldmatrix.x4: 32 row addresses, rows of a [32][pitch] fp16 tile
        uint32_t r[4];
        fc::cuda::ldmatrix_x4(r, sm + lane * pitch_elems);
    } else if (MODE == 1) {  // lds of 4 bytes at lane * pitch (elements)
        const uint32_t v = fc::cuda::lds(reinterpret_cast<const uint32_t*>(sm + lane * pitch_elems));
        (void)v;
    } else if (MODE == 2) {  // sts, and a predicated tail: lanes < 8 store a second time at the same site
        for (int i = lane; i < 40; i += 32) fc::cuda::sts(reinterpret_cast<uint32_t*>(sm + i * pitch_elems), 1u);
    } else {  // cp.async 16 B into rows of pitch_elems, 4 chunks per row
        static const uint16_t src[8] __attribute__((aligned(16))) = {0};
        fc::cuda::cp_async_cg_16(sm + (lane / 4) * pitch_elems + (lane % 4) * 8, src, 16);
        fc::cuda::cp_async_wait_all();
    }
}

struct Delta {
    fc_simt::SmemTotals before = fc_simt::smem_totals();
    fc_simt::SmemCount get(int kind) const {
        const fc_simt::SmemCount& a = fc_simt::smem_totals().kind[kind];
        const fc_simt::SmemCount& b = before.kind[kind];
        return {a.instr - b.instr, a.ideal - b.ideal, a.wavefronts - b.wavefronts, a.conflicted - b.conflicted,
                a.unscored - b.unscored};
    }
};

template <int MODE>
fc_simt::SmemCount run(int pitch, int kind, unsigned threads = 32) {
    Delta d;
    fc_simt::launch(dim3(1), dim3(threads), 64 * 1024, bank_kernel<MODE>, pitch);
    return d.get(kind);
}

void test_emulation() {
    // ldmatrix rows 16 B apart (a dense [8][8] fp16 matrix each): 4 phases, conflict-free.
    auto c = run<0>(8, fc_simt::SmemLdmatrix);
    CHECK(c.instr == 1 && c.ideal == 4 && c.wavefronts == 4 && c.conflicted == 0);
    // 64-byte pitch: rows r, r + 2, r + 4, r + 6 share a bank group -> 4 wavefronts per matrix.
    c = run<0>(32, fc_simt::SmemLdmatrix);
    CHECK(c.instr == 1 && c.ideal == 4 && c.wavefronts == 16 && c.conflicted == 1);
    // 80-byte pitch (64 + 16 padding): conflict-free.
    c = run<0>(40, fc_simt::SmemLdmatrix);
    CHECK(c.wavefronts == 4 && c.conflicted == 0);
    // lds 4 B at a 128-byte stride: all in bank 0 -> 32; at 4 bytes + 1 word: conflict-free.
    c = run<1>(64, fc_simt::SmemLoad);
    CHECK(c.instr == 1 && c.wavefronts == 32 && c.conflicted == 1);
    c = run<1>(2, fc_simt::SmemLoad);
    CHECK(c.instr == 1 && c.wavefronts == 1 && c.conflicted == 0);
    // sts, two warps; the predicated second iteration (lanes 0-7) is its own instruction in each warp.
    c = run<2>(2, fc_simt::SmemStore, 64);
    CHECK(c.instr == 4 && c.ideal == 4 && c.wavefronts == 4 && c.conflicted == 0 && c.unscored == 0);
    // cp.async, 4 chunks per row: 80-byte pitch conflicts (8 for 4), 64-byte pitch is conflict-free.
    c = run<3>(40, fc_simt::SmemCpAsync);
    CHECK(c.instr == 1 && c.ideal == 4 && c.wavefronts == 8);
    c = run<3>(32, fc_simt::SmemCpAsync);
    CHECK(c.instr == 1 && c.ideal == 4 && c.wavefronts == 4);
    // Per-site accounting: the conflicting sites carry an example naming the site.
    bool found = false;
    for (const fc_simt::SmemSite& s : fc_simt::smem_sites())
        if (s.kind == fc_simt::SmemLdmatrix && s.count.conflicted && s.where.find("test_simt_banks.cpp") != std::string::npos)
            found = s.example.find("ldmatrix") != std::string::npos && s.example.find("wavefronts") != std::string::npos;
    CHECK(found);
    // An lds past the end of dynamic shared memory is an error, not a silent read.
    fc_simt::set_throw_on_error(true);
    bool threw = false;
    try {
        fc_simt::launch(dim3(1), dim3(32), 66, bank_kernel<1>, 32);  // lane 1 reads bytes 64..67 of 66
    } catch (const fc_simt::SimtError& e) {
        threw = std::string(e.what()).find("runs past") != std::string::npos;
    }
    fc_simt::set_throw_on_error(false);
    CHECK(threw);
}

}  // namespace

int main() {
    test_model();
    test_emulation();
    return simt_test_result("test_simt_banks");
}
