// cluster_cases.h — the thread-block-cluster patterns of the TMA kernel's cluster forms, as kernels shared by the
// emulation's test (test_simt_cluster.cpp, g++: the emulation's cluster model) and the device probe
// (tests/cuda/cluster_probe.cu, nvcc, sm_90a: the hardware), with the host checks that judge both -- so the
// hardware runs exactly what the emulation ran. The kernels call only the fc::cuda intrinsics the conv kernels
// call (cuda/intrinsics.cuh).
//  * reduce_kernel: the cluster-split reduction. Clusters of `ranks` blocks along z (1 x 1 x ranks, the
//    cluster-split launch shape); every block records the rank and cluster size it sees; ranks > 0 push one
//    float4 per thread into rank 0's dynamic shared memory (mapa + st.shared::cluster) between two cluster
//    barriers; rank 0 adds them in rank order. kSecondBarrier false (emulation only): rank 0 does not wait for
//    the stores.
//  * multicast_kernel: the multicast pipeline in miniature. Clusters of `ranks` blocks along x; block r loads
//    rows [8 r, 8 r + 8) of a 2-D fp32 tensor (one 8 x kCols box) multicast to every block of its cluster, each
//    block announcing the whole (ranks * 8)-row box on its own "full" mbarrier; then every block's thread 0
//    arrives on every block's "done" barrier (count ranks; remotely for the others), every block copies out
//    what landed, and a cluster barrier keeps each block alive until the others' arrivals are in. The waits are
//    bounded on the GPU (a load or arrival that never comes sets *timed_out instead of hanging); the emulation
//    reports a deadlock itself. kInitBarrier false (emulation only): no cluster barrier between the barrier
//    inits and the first load, the other blocks starting late.
#ifndef FASTCONV_TESTS_CLUSTER_CASES_H
#define FASTCONV_TESTS_CLUSTER_CASES_H

#include <cstdint>
#include <cstdio>
#include <vector>

#include "cuda/intrinsics.cuh"

namespace cluster_cases {

constexpr int kThreads = 96;  // reduce_kernel's block: three warps
constexpr int kCols = 32;     // multicast_kernel's tensor: fp32, 128-byte rows
constexpr int kRows = 64;     // ... rows (two clusters of 4 x 8 rows)

// What rank `rank` of cluster x contributes for thread t.
__host__ __device__ inline float4 reduce_value(unsigned x, unsigned rank, int t) {
    const float base = (float)(x * 1000 + rank * 10);
    return make_float4(base + t, base - t, (float)t * 0.5f, (float)rank);
}

// out[x * kThreads + t]: cluster x's sum for thread t; seen[x * ranks + z] = rank | size << 8 as block (x, 0, z)
// saw them. Dynamic shared memory: (ranks - 1) * kThreads float4.
template <bool kSecondBarrier>
__global__ void reduce_kernel(float4* out, unsigned* seen) {
    FC_DYNAMIC_SHARED(float4, slots);  // [ranks - 1][kThreads]
    const unsigned rank = fc::cuda::cluster_ctarank(), ranks = fc::cuda::cluster_nctarank();
    const int t = (int)threadIdx.x;
    if (t == 0) seen[blockIdx.x * gridDim.z + blockIdx.z] = rank | ranks << 8;
    const float4 mine = reduce_value(blockIdx.x, rank, t);
    fc::cuda::cluster_arrive();  // rank 0's slots may be written from here (in the kernel: its mainloop is over)
    fc::cuda::cluster_wait();
    if (rank > 0)
        fc::cuda::st_cluster_v4(fc::cuda::cluster_map_shared(fc::cuda::smem_addr_(&slots[(rank - 1) * kThreads + t]), 0),
                                mine);
    if (kSecondBarrier) {
        fc::cuda::cluster_arrive();  // the partials have landed
        fc::cuda::cluster_wait();
    }
    if (rank != 0) return;
    float4 acc = mine;
    for (unsigned r = 1; r < ranks; ++r) {
        const float4 v = slots[(r - 1) * kThreads + t];
        acc = make_float4(acc.x + v.x, acc.y + v.y, acc.z + v.z, acc.w + v.w);
    }
    out[blockIdx.x * kThreads + t] = acc;
}

// reduce_kernel's results for gx clusters of `ranks` blocks judged: the number of wrong values (the first few
// printed, each line prefixed by `tag`).
inline int reduce_mismatches(const float4* out, const unsigned* seen, unsigned gx, unsigned ranks, const char* tag) {
    int bad = 0;
    for (unsigned x = 0; x < gx; ++x) {
        for (unsigned z = 0; z < ranks; ++z)
            if (seen[x * ranks + z] != (z | ranks << 8) && bad++ < 4)
                printf("%s block (%u,0,%u): rank %u of %u, want %u of %u\n", tag, x, z, seen[x * ranks + z] & 255,
                       seen[x * ranks + z] >> 8, z, ranks);
        for (int t = 0; t < kThreads; ++t) {
            float want[4] = {0, 0, 0, 0};
            for (unsigned r = 0; r < ranks; ++r) {
                const float4 v = reduce_value(x, r, t);
                want[0] += v.x, want[1] += v.y, want[2] += v.z, want[3] += v.w;
            }
            const float4 g = out[x * kThreads + t];
            const float got[4] = {g.x, g.y, g.z, g.w};
            for (int e = 0; e < 4; ++e)
                if (got[e] != want[e] && bad++ < 4)
                    printf("%s cluster %u thread %d element %d: %g, want %g\n", tag, x, t, e, got[e], want[e]);
        }
    }
    return bad;
}

// An mbarrier wait that gives up on the GPU (false: the phase never completed); the emulation's wait blocks and
// reports a deadlock itself.
__device__ inline bool wait_bounded(uint64_t* bar, unsigned parity) {
#ifdef __CUDACC__
    uint32_t done = 0;
    for (int i = 0; i < (1 << 22) && !done; ++i)
        asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(fc::cuda::smem_addr_(bar)), "r"(parity)
                     : "memory");
    return done != 0;
#else
    fc::cuda::mbar_wait(bar, parity);
    return true;
#endif
}

// out[block][ranks * 8 * kCols]: what landed in each block (a 1-D grid of clusters along x); map: the tensor's
// 2-D tiled map, box kCols x 8, no swizzle. Dynamic shared memory: ranks * 8 * kCols * 4 + 128 bytes.
template <bool kInitBarrier>
__global__ void multicast_kernel(const __grid_constant__ fc::cuda::TmaDesc map, float* out, int* timed_out) {
    FC_DYNAMIC_SHARED(unsigned char, raw);
    float* const tile = reinterpret_cast<float*>(raw + ((0u - fc::cuda::smem_addr_(raw)) & 127u));  // TMA: 128 B
    __shared__ __align__(8) uint64_t full, done;
    const unsigned rank = fc::cuda::cluster_ctarank(), ranks = fc::cuda::cluster_nctarank();
    if (!kInitBarrier && rank != 0)  // the other blocks start late (nothing orders blocks without the barrier)
        for (int i = 0; i < 3; ++i) __syncthreads();
    if (threadIdx.x == 0) {
        fc::cuda::mbar_init(&full, 1);
        fc::cuda::mbar_init(&done, ranks);
        fc::cuda::fence_mbarrier_init();
    }
    __syncthreads();
    if (kInitBarrier) {
        fc::cuda::cluster_arrive();  // every block's barriers exist before any block's load or arrival signals them
        fc::cuda::cluster_wait();
    }
    const unsigned cluster = blockIdx.x / ranks;
    if (threadIdx.x == 0) {
        fc::cuda::mbar_arrive_expect_tx(&full, ranks * 8 * kCols * 4);
        fc::cuda::tma_load_2d_multicast(tile + rank * 8 * kCols, &map, &full, 0, (int)(cluster * ranks + rank) * 8,
                                        (uint16_t)((1u << ranks) - 1));
    }
    bool ok = wait_bounded(&full, 0);
    if (ok)
        for (int i = (int)threadIdx.x; i < (int)ranks * 8 * kCols; i += (int)blockDim.x)
            out[(size_t)blockIdx.x * ranks * 8 * kCols + i] = tile[i];
    if (threadIdx.x == 0)
        for (unsigned r = 0; r < ranks; ++r) {
            if (r == rank)
                fc::cuda::mbar_arrive(&done);
            else
                fc::cuda::mbar_arrive_cluster(&done, r);
        }
    ok = wait_bounded(&done, 0) && ok;
    if (!ok) *timed_out = 1;
    fc::cuda::cluster_arrive();  // no block leaves while another may still signal its barriers
    fc::cuda::cluster_wait();
}

// The tensor multicast_kernel loads: element i = i / 4 - 7 (exact in fp32).
inline std::vector<float> multicast_source() {
    std::vector<float> v((size_t)kRows * kCols);
    for (size_t i = 0; i < v.size(); ++i) v[i] = (float)i * 0.25f - 7.f;
    return v;
}
// multicast_kernel's results for `clusters` clusters of `ranks` blocks judged: the number of wrong values.
inline int multicast_mismatches(const std::vector<float>& src, const float* out, unsigned clusters, unsigned ranks,
                                const char* tag) {
    const size_t per_block = (size_t)ranks * 8 * kCols;
    int bad = 0;
    for (unsigned c = 0; c < clusters; ++c)
        for (unsigned b = 0; b < ranks; ++b)
            for (size_t i = 0; i < per_block; ++i) {
                const float want = src[c * per_block + i], got = out[(c * ranks + b) * per_block + i];
                if (got != want && bad++ < 4) printf("%s cluster %u block %u element %zu: %g, want %g\n", tag, c, b, i,
                                                     got, want);
            }
    return bad;
}

}  // namespace cluster_cases
#endif
