// Tests of the emulation's thread block clusters (simt.h "Thread block clusters"), independent of the conv kernels:
// ranks and indices, the blocks of a cluster running concurrently, the cluster barrier, distributed shared memory
// stores, per-block mbarriers, TMA multicast and remote mbarrier arrivals (cluster_cases.h: the patterns the device
// probe runs too), a wgmma over bytes another block wrote, and the errors -- a divergent cluster barrier, arrive /
// wait misuse, a store outside the target's shared memory or into a block that has exited, a bad cluster shape.
#include "simt/simt.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cluster_cases.h"
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
// The cluster-split reduction (cluster_cases.h: the same kernel and check the device probe runs) in clusters of 1
// to 4 blocks under every schedule; without its second barrier rank 0 may read its slots before the stores land.
static int reduce_run(unsigned ranks, bool second_barrier) {
    using namespace cluster_cases;
    const unsigned gx = 3;
    std::vector<float4> out(gx * kThreads, make_float4(NAN, NAN, NAN, NAN));
    std::vector<unsigned> seen(gx * ranks, ~0u);
    const size_t smem = (ranks - 1) * kThreads * sizeof(float4);
    if (second_barrier)
        fc_simt::launch_cluster_named("reduce_kernel", dim3(gx, 1, ranks), dim3(1, 1, ranks), dim3(kThreads), smem,
                                      nullptr, reduce_kernel<true>, out.data(), seen.data());
    else
        fc_simt::launch_cluster_named("reduce_kernel", dim3(gx, 1, ranks), dim3(1, 1, ranks), dim3(kThreads), smem,
                                      nullptr, reduce_kernel<false>, out.data(), seen.data());
    return reduce_mismatches(out.data(), seen.data(), gx, ranks,
                             second_barrier ? "  reduce:" : "  reduce without its second barrier (wrong, as it must be):");
}

static void test_reduce() {
    const Schedule scheds[] = {Schedule::Forward, Schedule::Reverse, Schedule::Random};
    for (Schedule s : scheds)
        for (unsigned ranks = 1; ranks <= 4; ++ranks) {
            fc_simt::set_schedule(s, 7 + ranks);
            CHECK_MSG(reduce_run(ranks, true) == 0, "schedule %d, cluster of %u", (int)s, ranks);
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
            bad = reduce_run(2, false);
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
// TMA multicast and remote mbarrier arrivals (cluster_cases.h's multicast_kernel, which the device probe runs too)
// in clusters of 2 and 4 blocks: every block ends with the whole box, each slice read once.
static std::string run_multicast(unsigned ranks, bool init_barrier) {
    using namespace cluster_cases;
    const std::vector<float> src = multicast_source();
    fc_simt::TensorMap map;
    const uint64_t dims[2] = {kCols, (uint64_t)kRows}, strides[1] = {kCols * 4};  // (the driver's: dims 1..)
    const uint32_t box[2] = {kCols, 8}, estr[2] = {1, 1};
    std::string why;
    if (fc_simt::tma_encode_tiled(&map, 4, 2, src.data(), dims, strides, box, estr, 0, &why)) return "encode: " + why;
    const unsigned clusters = 2;
    std::vector<float> out((size_t)clusters * ranks * ranks * 8 * kCols, NAN);
    int timed_out = 0;
    const size_t smem = ranks * 8 * kCols * 4 + 128;
    try {
        if (init_barrier)
            fc_simt::launch_cluster_named("multicast_kernel", dim3(clusters * ranks), dim3(ranks), dim3(64), smem,
                                          nullptr, multicast_kernel<true>, map, out.data(), &timed_out);
        else
            fc_simt::launch_cluster_named("multicast_kernel", dim3(clusters * ranks), dim3(ranks), dim3(64), smem,
                                          nullptr, multicast_kernel<false>, map, out.data(), &timed_out);
    } catch (const fc_simt::SimtError& e) {
        return e.what();
    }
    const int bad = multicast_mismatches(src, out.data(), clusters, ranks, "  multicast:") + timed_out;
    return bad ? std::to_string(bad) + " wrong values" : "";
}

static void test_multicast() {
    fc_simt::set_throw_on_error(true);
    const Schedule scheds[] = {Schedule::Forward, Schedule::Reverse, Schedule::Random};
    for (Schedule s : scheds)
        for (unsigned ranks : {2u, 4u}) {
            fc_simt::set_schedule(s, 17);
            const uint64_t before = fc_simt::smem_totals().tma_bytes, landed = fc_simt::smem_totals().tma_smem_bytes;
            const std::string e = run_multicast(ranks, true);
            CHECK_MSG(e.empty(), "schedule %d, %u blocks: %s", (int)s, ranks, e.c_str());
            // each block's slice is read once: 2 clusters x the box rows once, not once per receiving block
            CHECK(fc_simt::smem_totals().tma_bytes - before == 2ull * ranks * 8 * cluster_cases::kCols * 4);
            // ... and written into every block's shared memory (the smem traffic model counts each landing)
            CHECK(fc_simt::smem_totals().tma_smem_bytes - landed == 2ull * ranks * ranks * 8 * cluster_cases::kCols * 4);
        }
    // Without the cluster barrier after the inits, rank 0 multicasts into a block (started late) whose barrier
    // does not exist yet: an error.
    fc_simt::set_schedule(Schedule::Forward);
    const std::string e = run_multicast(2, false);
    CHECK_MSG(e.find("no mbarrier_init set up") != std::string::npos, "%s", e.c_str());
    fc_simt::set_throw_on_error(false);
}


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
