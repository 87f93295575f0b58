// Tests of the emulation's thread block clusters (simt.h "Thread block clusters"), independent of the kernels:
// ranks and indices, the blocks of a cluster running concurrently, the cluster barrier, distributed shared
// memory stores, per-block mbarriers, TMA multicast and remote mbarrier arrivals, and the errors -- a divergent cluster barrier, arrive / wait misuse, a
// store outside the target's shared memory or into a block that has exited, a bad cluster shape.
#include "simt/simt.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "simt_test_util.h"
#include "wgmma_cases.h"

using fc_simt::Schedule;
using namespace fc::cuda;

// ---------------------------------------------------------------------------
// Every thread records (rank, cluster size, block index).
__global__ void rank_kernel(unsigned* out) {
    const unsigned bl = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    if (threadIdx.x == 0) out[bl] = cluster_ctarank() | cluster_nctarank() << 8;
}

static void test_ranks() {
    struct Case {
        dim3 grid, cluster;
    } cases[] = {{dim3(2, 2, 3), dim3(1, 1, 3)}, {dim3(4, 3, 1), dim3(2, 1, 1)}, {dim3(4, 4, 2), dim3(2, 2, 2)}};
    for (const Case& c : cases) {
        const unsigned nb = c.grid.x * c.grid.y * c.grid.z, cs = c.cluster.x * c.cluster.y * c.cluster.z;
        std::vector<unsigned> out(nb, 0xffffffffu);
        const auto st = fc_simt::launch_cluster_named("rank_kernel", c.grid, c.cluster, dim3(64), 0, nullptr,
                                                      rank_kernel, out.data());
        CHECK(st.blocks_run == nb);
        for (unsigned z = 0; z < c.grid.z; ++z)
            for (unsigned y = 0; y < c.grid.y; ++y)
                for (unsigned x = 0; x < c.grid.x; ++x) {
                    const unsigned bl = x + c.grid.x * (y + c.grid.y * z);
                    const unsigned rank = x % c.cluster.x + c.cluster.x * (y % c.cluster.y + c.cluster.y * (z % c.cluster.z));
                    CHECK_MSG(out[bl] == (rank | cs << 8), "block (%u,%u,%u): got %#x want rank %u of %u", x, y, z,
                              out[bl], rank, cs);
                }
    }
    // A predicate selects clusters: one selected block runs its whole cluster.
    std::vector<unsigned> out(12, 0xffffffffu);
    const fc_simt::BlockPredicate pred = [](const dim3& b) { return b.x == 0 && b.y == 1 && b.z == 2; };
    const auto st = fc_simt::launch_cluster_named("rank_kernel", dim3(2, 2, 3), dim3(1, 1, 3), dim3(32), 0, &pred,
                                                  rank_kernel, out.data());
    CHECK(st.blocks_run == 3);
    unsigned ran = 0;
    for (unsigned v : out) ran += v != 0xffffffffu;
    CHECK(ran == 3);
    CHECK(out[0 + 2 * (1 + 2 * 0)] == (0u | 3u << 8) && out[2 + 4 * 2] == (2u | 3u << 8));
}

// ---------------------------------------------------------------------------
// The split-K reduction pattern of the cluster kernels: every rank computes a partial vector (its own values),
// ranks > 0 push theirs into rank 0's dynamic shared memory (slot rank - 1) between two cluster barriers, and
// rank 0 adds them to its own in rank order. kSecondBarrier false: rank 0 reads without waiting for the stores.
constexpr int kThreads = 96;  // three warps, the last lanes of no special size
template <bool kSecondBarrier>
__global__ void reduce_kernel(float* out) {
    FC_DYNAMIC_SHARED(float4, slots);  // [cluster size - 1][kThreads]
    const unsigned rank = cluster_ctarank(), ranks = cluster_nctarank();
    const int t = (int)threadIdx.x;
    const float base = (float)(blockIdx.x * 1000 + blockIdx.z * 10);
    const float4 mine = make_float4(base + t, base - t, (float)t * 0.5f, (float)rank);
    cluster_arrive();  // rank 0's slots may be written from here (on a GPU: its own earlier use of them is done)
    cluster_wait();
    if (rank > 0) st_cluster_v4(cluster_map_shared(smem_addr_(&slots[(rank - 1) * kThreads + t]), 0), mine);
    if (kSecondBarrier) {
        cluster_arrive();  // the partials have landed
        cluster_wait();
    }
    if (rank != 0) return;
    float4 acc = mine;
    for (unsigned r = 1; r < ranks; ++r) {
        const float4 v = slots[(r - 1) * kThreads + t];
        acc = make_float4(acc.x + v.x, acc.y + v.y, acc.z + v.z, acc.w + v.w);
    }
    float* o = out + ((size_t)blockIdx.x * kThreads + t) * 4;
    o[0] = acc.x;
    o[1] = acc.y;
    o[2] = acc.z;
    o[3] = acc.w;
}

template <bool kSecondBarrier>
static int reduce_mismatches(unsigned ranks) {
    const unsigned gx = 3;
    std::vector<float> out((size_t)gx * kThreads * 4, -1.f);
    fc_simt::launch_cluster_named("reduce_kernel", dim3(gx, 1, ranks), dim3(1, 1, ranks), dim3(kThreads),
                                  (ranks - 1) * kThreads * sizeof(float4), nullptr, reduce_kernel<kSecondBarrier>,
                                  out.data());
    int bad = 0;
    for (unsigned x = 0; x < gx; ++x)
        for (int t = 0; t < kThreads; ++t) {
            float want[4] = {0, 0, 0, 0};
            for (unsigned r = 0; r < ranks; ++r) {
                const float base = (float)(x * 1000 + r * 10);  // blockIdx.z == rank
                want[0] += base + t;
                want[1] += base - t;
                want[2] += (float)t * 0.5f;
                want[3] += (float)r;
            }
            for (int e = 0; e < 4; ++e) bad += out[((size_t)x * kThreads + t) * 4 + e] != want[e];
        }
    return bad;
}

static void test_reduce() {
    const Schedule scheds[] = {Schedule::Forward, Schedule::Reverse, Schedule::Random};
    for (Schedule s : scheds)
        for (unsigned ranks = 1; ranks <= 4; ++ranks) {
            fc_simt::set_schedule(s, 7 + ranks);
            CHECK_MSG(reduce_mismatches<true>(ranks) == 0, "schedule %d, cluster of %u", (int)s, ranks);
        }
    // Without the second barrier rank 0 may read its slots before the stores and exit before them: under the
    // forward schedule its fibers run ahead of the other ranks', so the stores find it gone -- an error; under
    // the others the result is wrong or the same error. Either way the barrier matters.
    fc_simt::set_throw_on_error(true);
    for (Schedule s : scheds) {
        fc_simt::set_schedule(s, 5);
        std::string err;
        int bad = 0;
        try {
            bad = reduce_mismatches<false>(2);
        } catch (const fc_simt::SimtError& e) {
            err = e.what();
        }
        CHECK_MSG(bad > 0 || err.find("which has exited") != std::string::npos, "schedule %d: %d wrong, error '%s'",
                  (int)s, bad, err.c_str());
        if (s == Schedule::Forward) CHECK_MSG(!err.empty(), "forward schedule: the store into an exited block");
    }
    fc_simt::set_throw_on_error(false);
    fc_simt::set_schedule(Schedule::Forward);
}

// ---------------------------------------------------------------------------
// A static __shared__ mbarrier is one object for every block of the cluster, but its state is per block: two
// blocks each init it for their own threads, arrive and wait, and neither sees the other's arrivals.
__global__ void mbar_kernel(int* out) {
    __shared__ __align__(8) uint64_t bar;
    if (threadIdx.x == 0) mbar_init(&bar, blockDim.x);
    __syncthreads();
    mbar_arrive(&bar);
    mbar_wait(&bar, 0);
    if (threadIdx.x == 0) out[blockIdx.x] = (int)cluster_ctarank() + 1;
}

static void test_mbarrier_per_block() {
    std::vector<int> out(4, 0);
    fc_simt::set_schedule(Schedule::Random, 3);
    fc_simt::launch_cluster_named("mbar_kernel", dim3(4), dim3(2), dim3(64), 0, nullptr, mbar_kernel, out.data());
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 1 && out[3] == 2);
    fc_simt::set_schedule(Schedule::Forward);
}

// ---------------------------------------------------------------------------
// TMA multicast and remote mbarrier arrivals (the multicast pipeline of the TMA kernel in miniature): every block
// of a 2- / 4-block cluster loads rows [rank * 8, rank * 8 + 8) of a 2-D box and multicasts them to all blocks, so
// each block ends with the whole (ranks * 8)-row box, having announced all of its bytes on its own "full"
// barrier; then every block's thread 0 arrives on every block's "done" barrier (count = ranks), locally or
// remotely, and all wait for it. kInitBarrier false: no cluster barrier between the inits and the first load.
constexpr int kCols = 32;  // fp32: 128-byte rows
template <bool kInitBarrier>
__global__ void multicast_kernel(const fc_simt::TensorMap* map, float* out) {
    FC_DYNAMIC_SHARED(float, tile);  // [ranks * 8][kCols]
    __shared__ __align__(8) uint64_t full, done;
    const unsigned rank = cluster_ctarank(), ranks = cluster_nctarank();
    if (!kInitBarrier && rank != 0)  // the other blocks start late (nothing orders blocks without the barrier)
        for (int i = 0; i < 3; ++i) __syncthreads();
    if (threadIdx.x == 0) {
        mbar_init(&full, 1);
        mbar_init(&done, ranks);
    }
    __syncthreads();
    if (kInitBarrier) {
        cluster_arrive();  // every block's barriers exist before any block's load or arrival signals them
        cluster_wait();
    }
    if (threadIdx.x == 0) {
        mbar_arrive_expect_tx(&full, ranks * 8 * kCols * 4);
        tma_load_2d_multicast(tile + rank * 8 * kCols, map, &full, 0, (int)(blockIdx.y * ranks + rank) * 8,
                              (uint16_t)((1u << ranks) - 1));
    }
    mbar_wait(&full, 0);
    for (int i = threadIdx.x; i < (int)ranks * 8 * kCols; i += blockDim.x)
        out[(size_t)blockIdx.x * ranks * 8 * kCols + i] = tile[i];  // (blockIdx.x == rank: a 1 x y grid of clusters)
    if (threadIdx.x == 0)
        for (unsigned r = 0; r < ranks; ++r) {
            if (r == rank)
                mbar_arrive(&done);
            else
                mbar_arrive_cluster(&done, r);
        }
    mbar_wait(&done, 0);
    cluster_arrive();  // no block leaves while another may still signal its barriers
    cluster_wait();
}

static std::string run_multicast(unsigned ranks, bool init_barrier, std::vector<float>* out_all) {
    const int rows = 64;
    std::vector<float> src((size_t)rows * kCols);
    for (size_t i = 0; i < src.size(); ++i) src[i] = (float)i * 0.25f - 7.f;
    fc_simt::TensorMap map;
    const uint64_t dims[2] = {kCols, (uint64_t)rows}, strides[1] = {kCols * 4};  // (the driver's: dims 1..)
    const uint32_t box[2] = {kCols, 8}, estr[2] = {1, 1};
    std::string why;
    if (fc_simt::tma_encode_tiled(&map, 4, 2, src.data(), dims, strides, box, estr, 0, &why)) return "encode: " + why;
    const unsigned gy = 2;  // two clusters along y: rows [0, ranks * 8) and [ranks * 8, 2 * ranks * 8)
    out_all->assign((size_t)ranks * gy * ranks * 8 * kCols, NAN);
    std::vector<float> out((size_t)ranks * ranks * 8 * kCols);
    try {
        for (unsigned y = 0; y < gy; ++y) {
            const fc_simt::BlockPredicate pred = [y](const dim3& b) { return b.y == y; };
            if (init_barrier)
                fc_simt::launch_cluster_named("multicast_kernel", dim3(ranks, gy), dim3(ranks), dim3(64),
                                              ranks * 8 * kCols * 4, &pred, multicast_kernel<true>, &map, out.data());
            else
                fc_simt::launch_cluster_named("multicast_kernel", dim3(ranks, gy), dim3(ranks), dim3(64),
                                              ranks * 8 * kCols * 4, &pred, multicast_kernel<false>, &map, out.data());
            std::copy(out.begin(), out.end(), out_all->begin() + (size_t)y * out.size());
        }
    } catch (const fc_simt::SimtError& e) {
        return e.what();
    }
    for (unsigned y = 0; y < gy; ++y)
        for (unsigned b = 0; b < ranks; ++b)
            for (unsigned i = 0; i < ranks * 8 * kCols; ++i) {
                const float want = src[(size_t)y * ranks * 8 * kCols + i];
                const float got = (*out_all)[((size_t)y * ranks + b) * ranks * 8 * kCols + i];
                if (got != want)
                    return "block " + std::to_string(b) + " of cluster " + std::to_string(y) + ": element " +
                           std::to_string(i) + " = " + std::to_string(got) + ", want " + std::to_string(want);
            }
    return "";
}

static void test_multicast() {
    fc_simt::set_throw_on_error(true);
    std::vector<float> out;
    const Schedule scheds[] = {Schedule::Forward, Schedule::Reverse, Schedule::Random};
    for (Schedule s : scheds)
        for (unsigned ranks : {2u, 4u}) {
            fc_simt::set_schedule(s, 17);
            const uint64_t before = fc_simt::smem_totals().tma_bytes;
            const std::string e = run_multicast(ranks, true, &out);
            CHECK_MSG(e.empty(), "schedule %d, %u blocks: %s", (int)s, ranks, e.c_str());
            // each block's slice is read once: 2 clusters x the box rows once, not once per receiving block
            CHECK(fc_simt::smem_totals().tma_bytes - before == 2ull * ranks * 8 * kCols * 4);
        }
    // Without the cluster barrier after the inits, rank 0 multicasts into a block (started late) whose barrier
    // does not exist yet: an error.
    fc_simt::set_schedule(Schedule::Forward);
    const std::string e = run_multicast(2, false, &out);
    CHECK_MSG(e.find("no mbarrier_init set up") != std::string::npos, "%s", e.c_str());
    fc_simt::set_throw_on_error(false);
}

template <class F>
std::string expect_error(F&& f);

// ---------------------------------------------------------------------------
// A wgmma may not read shared bytes another block wrote through distributed shared memory (a generic-proxy write
// its writer never fences for this block's async proxy): rank 1 stores 16 bytes into rank 0's A operand, then
// rank 0's warpgroup issues a wgmma over it -- an error; kRemote false: rank 1 stores elsewhere, no error.
template <bool kRemote>
__global__ void remote_operand_kernel() {
    FC_DYNAMIC_SHARED(unsigned char, sm);  // A [64][64 B] at 0, B [8][64 B] at 4096 (64-byte swizzle atoms)
    const unsigned rank = cluster_ctarank();
    if (rank == 1 && threadIdx.x == 0)
        st_cluster_v4(cluster_map_shared(smem_addr_(sm + (kRemote ? 0 : 8192)), 0), make_float4(1, 2, 3, 4));
    cluster_arrive();
    cluster_wait();
    if (rank == 0) {
        float d[1][4] = {};
        const uint32_t base = smem_addr_(sm);
        wgmma_fence();
        wgmma_m64k16_f16<8>(d, wgmma_cases::isa_desc(base, 16, 512, 2), wgmma_cases::isa_desc(base + 4096, 16, 512, 2));
        wgmma_commit();
        wgmma_wait<0>();
    }
    cluster_arrive();  // rank 1 (the writer) leaves with rank 0
    cluster_wait();
}

static void test_remote_wgmma_operand() {
    fc_simt::set_throw_on_error(true);
    auto run = [](bool remote) {
        return expect_error([&] {
            if (remote)
                fc_simt::launch_cluster_named("remote_operand_kernel", dim3(2), dim3(2), dim3(128), 8192 + 16, nullptr,
                                              remote_operand_kernel<true>);
            else
                fc_simt::launch_cluster_named("remote_operand_kernel", dim3(2), dim3(2), dim3(128), 8192 + 16, nullptr,
                                              remote_operand_kernel<false>);
        });
    };
    std::string e = run(true);
    CHECK_MSG(e.find("another block of the cluster wrote through distributed shared memory") != std::string::npos,
              "%s", e.c_str());
    e = run(false);
    CHECK_MSG(e.empty(), "%s", e.c_str());
    fc_simt::set_throw_on_error(false);
}

// ---------------------------------------------------------------------------
// Errors.
__global__ void early_exit_kernel(int mode) {
    FC_DYNAMIC_SHARED(float, sm);
    const unsigned rank = cluster_ctarank();
    if (mode == 0 && rank == 1 && threadIdx.x == 5) return;  // misses the barrier the others wait at
    if (mode == 1 && threadIdx.x == 0) {                     // two arrivals
        cluster_arrive();
        cluster_arrive();
    }
    if (mode == 2 && threadIdx.x == 0) cluster_wait();  // a wait with no arrival
    if (mode == 3 && rank == 1) {                       // 16 bytes past rank 0's shared memory
        const float4 v = make_float4(1, 2, 3, 4);
        st_cluster_v4(cluster_map_shared(smem_addr_(sm) + 64 * 4 - 16 + 16 * (threadIdx.x == 0), 0), v);
        return;
    }
    if (mode == 4) {  // rank 0 leaves at once, rank 1 then stores into its shared memory
        if (rank == 0) return;
        st_cluster_v4(cluster_map_shared(smem_addr_(sm), 0), make_float4(1, 2, 3, 4));
        return;
    }
    if (mode == 5 && threadIdx.x == 0) (void)cluster_map_shared(smem_addr_(sm), 2);  // rank outside the cluster
    if (mode == 7) {  // rank 0 leaves at once, rank 1 then arrives on its barrier
        __shared__ __align__(8) uint64_t bar;
        if (rank == 0) return;
        mbar_arrive_cluster(&bar, 0);
        return;
    }
    cluster_arrive();
    cluster_wait();
}

template <class F>
std::string expect_error(F&& f) {
    try {
        f();
    } catch (const fc_simt::SimtError& e) {
        return e.what();
    }
    return "";
}

static void test_errors() {
    fc_simt::set_throw_on_error(true);
    fc_simt::set_schedule(Schedule::Forward);
    auto run = [](int mode) {
        return expect_error([&] {
            fc_simt::launch_cluster_named("early_exit_kernel", dim3(2), dim3(2), dim3(64), 64 * sizeof(float), nullptr,
                                          early_exit_kernel, mode);
        });
    };
    std::string e = run(0);
    CHECK_MSG(e.find("divergent cluster barrier") != std::string::npos, "%s", e.c_str());
    e = run(1);
    CHECK_MSG(e.find("cluster_arrive twice") != std::string::npos, "%s", e.c_str());
    e = run(2);
    CHECK_MSG(e.find("cluster_wait without a cluster_arrive") != std::string::npos, "%s", e.c_str());
    e = run(3);
    CHECK_MSG(e.find("outside block rank 0's dynamic shared memory") != std::string::npos, "%s", e.c_str());
    e = run(4);
    CHECK_MSG(e.find("which has exited") != std::string::npos, "%s", e.c_str());
    e = run(5);
    CHECK_MSG(e.find("rank 2 outside the cluster's 2 blocks") != std::string::npos, "%s", e.c_str());
    e = run(7);
    CHECK_MSG(e.find("mbarrier_arrive_cluster on block rank 0, which has exited") != std::string::npos, "%s", e.c_str());
    e = run(6);  // every thread arrives and waits: no error
    CHECK_MSG(e.empty(), "%s", e.c_str());
    e = expect_error([] {
        fc_simt::launch_cluster_named("early_exit_kernel", dim3(3), dim3(2), dim3(64), 256, nullptr, early_exit_kernel, 6);
    });
    CHECK_MSG(e.find("invalid cluster") != std::string::npos, "%s", e.c_str());
    e = expect_error([] {
        fc_simt::launch_cluster_named("early_exit_kernel", dim3(16), dim3(16), dim3(64), 256, nullptr, early_exit_kernel,
                                      6);
    });
    CHECK_MSG(e.find("invalid cluster") != std::string::npos, "%s", e.c_str());
    fc_simt::set_throw_on_error(false);
}

int main() {
    test_ranks();
    test_reduce();
    test_mbarrier_per_block();
    test_multicast();
    test_remote_wgmma_operand();
    test_errors();
    return simt_test_result("test_simt_cluster");
}
