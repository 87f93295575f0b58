// cluster_probe.cu — thread block clusters on the GPU, before the TMA kernel's cluster forms rely on them: do the
// intrinsics the kernels call (cuda/intrinsics.cuh: cluster_ctarank, cluster_arrive / cluster_wait,
// cluster_map_shared + st_cluster_v4, mbar_arrive_cluster, tma_load_2d_multicast) do what the emulation says
// (native/tests/simt/simt.h, "Thread block clusters")?
//
// Why: wgmma_tma_conv_kernel's cluster-split form (the splits of a tile add their partials in rank 0's shared
// memory) and B-multicast form (a pair of blocks shares one B load) were written and emulated without a GPU.
// If either fails on the hardware, this probe tells which piece: the same two patterns as the emulation's own
// test (test_simt_cluster.cpp), on the device, every result checked on the host.
//  * reduce: clusters of 2, 3, 4 blocks along z (the cluster-split launch shape, 1 x 1 x ranks); every block
//    records its rank (must be blockIdx.z % ranks) and the cluster size; ranks > 0 push 96 threads x float4 into
//    rank 0's dynamic shared memory between two cluster barriers; rank 0 adds them in rank order.
//  * multicast: clusters of 2 and 4 blocks along x; block r loads rows [8 r, 8 r + 8) of a 2-D fp32 tensor
//    (one 8 x 32 box) multicast to every block of its cluster, each block expecting the whole box on its own
//    mbarrier; then each block's thread 0 arrives on every block's "done" barrier (remote arrivals), and every
//    block copies out what landed. Waits are bounded: a load or arrival that never comes is reported, not hung.
// Usage: cluster_probe. Exit 0: every case passes (or no compute capability 9.0 device: skipped); 1: a case
// failed; 2: a CUDA error.
#include <cuda.h>
#include <cuda_runtime.h>
#include <cudaTypedefs.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cuda/intrinsics.cuh"
#include "cuda_ck.h"

static const char* const kProgram = "cluster_probe";

namespace {

using namespace fc::cuda;

constexpr int kThreads = 96;
constexpr int kCols = 32;  // fp32: 128-byte rows

__device__ bool wait_bounded(uint64_t* bar, unsigned parity) {
    const uint32_t b = smem_addr_(bar);
    uint32_t done = 0;
    for (int i = 0; i < (1 << 22) && !done; ++i)
        asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(b), "r"(parity)
                     : "memory");
    return done != 0;
}

// out[(block x) * kThreads + t] (float4) = the cluster's sum of every rank's value for thread t; ranks[block] =
// rank | size << 8 as the block saw them.
__global__ void reduce_kernel(float4* out, unsigned* ranks_seen) {
    extern __shared__ __align__(16) float4 slots[];  // [size - 1][kThreads]
    const unsigned rank = cluster_ctarank(), ranks = cluster_nctarank();
    const int t = threadIdx.x;
    if (t == 0) ranks_seen[blockIdx.x * gridDim.z + blockIdx.z] = rank | ranks << 8;
    const float base = (float)(blockIdx.x * 1000 + blockIdx.z * 10);
    const float4 mine = make_float4(base + t, base - t, (float)t * 0.5f, (float)rank);
    cluster_arrive();
    cluster_wait();
    if (rank > 0) st_cluster_v4(cluster_map_shared(smem_addr_(&slots[(rank - 1) * kThreads + t]), 0), mine);
    cluster_arrive();
    cluster_wait();
    if (rank != 0) return;
    float4 acc = mine;
    for (unsigned r = 1; r < ranks; ++r) {
        const float4 v = slots[(r - 1) * kThreads + t];
        acc = make_float4(acc.x + v.x, acc.y + v.y, acc.z + v.z, acc.w + v.w);
    }
    out[blockIdx.x * kThreads + t] = acc;
}

// out[block][ranks * 8 * kCols]: what landed in each block; *timed_out set if a wait never completed.
__global__ void multicast_kernel(const __grid_constant__ CUtensorMap map, float* out, int* timed_out) {
    extern __shared__ __align__(16) unsigned char raw[];
    float* const tile = reinterpret_cast<float*>(raw + ((0u - smem_addr_(raw)) & 127u));  // [ranks * 8][kCols]
    __shared__ __align__(8) uint64_t full, done;
    const unsigned rank = cluster_ctarank(), ranks = cluster_nctarank();
    if (threadIdx.x == 0) {
        mbar_init(&full, 1);
        mbar_init(&done, ranks);
        fence_mbarrier_init();
    }
    __syncthreads();
    cluster_arrive();  // every block's barriers exist before any block's load or arrival signals them
    cluster_wait();
    const int cluster = blockIdx.x / ranks;
    if (threadIdx.x == 0) {
        mbar_arrive_expect_tx(&full, ranks * 8 * kCols * 4);
        tma_load_2d_multicast(tile + rank * 8 * kCols, &map, &full, 0, (int)(cluster * ranks + rank) * 8,
                              (uint16_t)((1u << ranks) - 1));
    }
    bool ok = wait_bounded(&full, 0);
    if (ok)
        for (int i = threadIdx.x; i < (int)ranks * 8 * kCols; i += blockDim.x)
            out[(size_t)blockIdx.x * ranks * 8 * kCols + i] = tile[i];
    if (threadIdx.x == 0)
        for (unsigned r = 0; r < ranks; ++r) {
            if (r == rank)
                mbar_arrive(&done);
            else
                mbar_arrive_cluster(&done, r);
        }
    ok = wait_bounded(&done, 0) && ok;
    if (!ok) atomicExch(timed_out, 1);
    cluster_arrive();  // no block leaves while another may still signal its barriers
    cluster_wait();
}

template <class... Args>
void launch(void (*kern)(Args...), dim3 grid, dim3 cluster, int threads, size_t smem, Args... args) {
    cudaLaunchConfig_t lc = {};
    lc.gridDim = grid;
    lc.blockDim = dim3(threads);
    lc.dynamicSmemBytes = smem;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = cluster.x;
    attr[0].val.clusterDim.y = cluster.y;
    attr[0].val.clusterDim.z = cluster.z;
    lc.attrs = attr;
    lc.numAttrs = 1;
    CK(cudaLaunchKernelEx(&lc, kern, args...));
    CK(cudaDeviceSynchronize());
}

int g_failed = 0;

void reduce_case(unsigned ranks) {
    const unsigned gx = 3;
    float4* d_out;
    unsigned* d_ranks;
    CK(cudaMalloc(&d_out, gx * kThreads * sizeof(float4)));
    CK(cudaMalloc(&d_ranks, gx * ranks * sizeof(unsigned)));
    CK(cudaMemset(d_out, 0xff, gx * kThreads * sizeof(float4)));
    launch(reduce_kernel, dim3(gx, 1, ranks), dim3(1, 1, ranks), kThreads, (ranks - 1) * kThreads * sizeof(float4),
           d_out, d_ranks);
    std::vector<float4> out(gx * kThreads);
    std::vector<unsigned> seen(gx * ranks);
    CK(cudaMemcpy(out.data(), d_out, out.size() * sizeof(float4), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(seen.data(), d_ranks, seen.size() * sizeof(unsigned), cudaMemcpyDeviceToHost));
    int bad = 0;
    for (unsigned x = 0; x < gx; ++x) {
        for (unsigned z = 0; z < ranks; ++z)
            if (seen[x * ranks + z] != (z | ranks << 8)) {
                if (bad++ < 4)
                    printf("  block (%u,0,%u): rank %u of %u, want %u of %u\n", x, z, seen[x * ranks + z] & 255,
                           seen[x * ranks + z] >> 8, z, ranks);
            }
        for (int t = 0; t < kThreads; ++t) {
            float want[4] = {0, 0, 0, 0};
            for (unsigned r = 0; r < ranks; ++r) {
                const float base = (float)(x * 1000 + r * 10);
                want[0] += base + t;
                want[1] += base - t;
                want[2] += (float)t * 0.5f;
                want[3] += (float)r;
            }
            const float4 g = out[x * kThreads + t];
            const float got[4] = {g.x, g.y, g.z, g.w};
            for (int e = 0; e < 4; ++e)
                if (got[e] != want[e] && bad++ < 4)
                    printf("  cluster %u thread %d element %d: %g, want %g\n", x, t, e, got[e], want[e]);
        }
    }
    printf("cluster_probe reduce (clusters of %u along z, DSMEM stores into rank 0 between cluster barriers): %s\n",
           ranks, bad ? "FAIL" : "ok");
    g_failed += bad != 0;
    CK(cudaFree(d_out));
    CK(cudaFree(d_ranks));
}

void multicast_case(unsigned ranks, PFN_cuTensorMapEncodeTiled_v12000 encode) {
    const int rows = 64, clusters = 2;
    std::vector<float> src((size_t)rows * kCols);
    for (size_t i = 0; i < src.size(); ++i) src[i] = (float)i * 0.25f - 7.f;
    float *d_src, *d_out;
    int* d_to;
    const size_t per_block = (size_t)ranks * 8 * kCols;
    CK(cudaMalloc(&d_src, src.size() * sizeof(float)));
    CK(cudaMalloc(&d_out, clusters * ranks * per_block * sizeof(float)));
    CK(cudaMalloc(&d_to, sizeof(int)));
    CK(cudaMemcpy(d_src, src.data(), src.size() * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemset(d_out, 0xff, clusters * ranks * per_block * sizeof(float)));
    CK(cudaMemset(d_to, 0, sizeof(int)));
    CUtensorMap map;
    const cuuint64_t dims[2] = {kCols, (cuuint64_t)rows}, strides[1] = {kCols * 4};
    const cuuint32_t box[2] = {kCols, 8}, estr[2] = {1, 1};
    if (encode(&map, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, d_src, dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
               CU_TENSOR_MAP_SWIZZLE_NONE, CU_TENSOR_MAP_L2_PROMOTION_NONE, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) !=
        CUDA_SUCCESS) {
        fprintf(stderr, "%s: cuTensorMapEncodeTiled refused the 2-D map\n", kProgram);
        exit(2);
    }
    launch(multicast_kernel, dim3(clusters * ranks), dim3(ranks), 64, per_block * sizeof(float) + 128, map, d_out, d_to);
    std::vector<float> out(clusters * ranks * per_block);
    int to = 0;
    CK(cudaMemcpy(out.data(), d_out, out.size() * sizeof(float), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(&to, d_to, sizeof(int), cudaMemcpyDeviceToHost));
    int bad = to;
    if (to) printf("  a wait timed out (a multicast load or a remote arrival never came)\n");
    for (int c = 0; c < clusters; ++c)
        for (unsigned b = 0; b < ranks; ++b)
            for (size_t i = 0; i < per_block; ++i) {
                const float want = src[c * per_block + i], got = out[(c * ranks + b) * per_block + i];
                if (got != want && bad++ < 4)
                    printf("  cluster %d block %u element %zu: %g, want %g\n", c, b, i, got, want);
            }
    printf("cluster_probe multicast (clusters of %u along x: 8-row slices multicast to all, remote mbarrier arrivals): "
           "%s\n", ranks, bad ? "FAIL" : "ok");
    g_failed += bad != 0;
    CK(cudaFree(d_src));
    CK(cudaFree(d_out));
    CK(cudaFree(d_to));
}

}  // namespace

int main() {
    cudaDeviceProp prop;
    if (!sm90a_device(kProgram, "this sm_90a build", &prop)) return 0;
    PFN_cuTensorMapEncodeTiled_v12000 encode = nullptr;
    cudaDriverEntryPointQueryResult q;
    CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", reinterpret_cast<void**>(&encode), 12000,
                                        cudaEnableDefault, &q));
    if (q != cudaDriverEntryPointSuccess || !encode) {
        fprintf(stderr, "%s: the driver has no cuTensorMapEncodeTiled\n", kProgram);
        return 2;
    }
    printf("cluster_probe on %s (%d SMs)\n", prop.name, prop.multiProcessorCount);
    for (unsigned ranks : {2u, 3u, 4u}) reduce_case(ranks);
    for (unsigned ranks : {2u, 4u}) multicast_case(ranks, encode);
    printf("cluster_probe: %s\n", g_failed ? "FAILED cases above" : "all cases pass");
    return g_failed ? 1 : 0;
}
