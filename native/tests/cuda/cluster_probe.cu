// cluster_probe.cu — thread block clusters on the GPU, before the TMA kernel's cluster forms rely on them: do the
// intrinsics the kernels call (cuda/intrinsics.cuh: cluster_ctarank, cluster_arrive / cluster_wait,
// cluster_map_shared + st_cluster_v4, mbar_arrive_cluster, tma_load_2d_multicast) do what the emulation says
// (native/tests/simt/simt.h, "Thread block clusters")?
//
// Why: wgmma_tma_conv_kernel's cluster-split form (the splits of a tile add their partials in rank 0's shared
// memory) and B-multicast form (a pair of blocks shares one B load) were written and emulated without a GPU.
// If either fails on the hardware, this probe tells which piece: the same two kernels and host checks as the
// emulation's own test (simt/cluster_cases.h, shared with test_simt_cluster.cpp), on the device.
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

#include "cuda/launch.cuh"
#include "cuda_ck.h"
#include "simt/cluster_cases.h"

static const char* const kProgram = "cluster_probe";

namespace {

using namespace cluster_cases;

int g_failed = 0;

void reduce_case(unsigned ranks) {
    const unsigned gx = 3;
    float4* d_out;
    unsigned* d_seen;
    CK(cudaMalloc(&d_out, gx * kThreads * sizeof(float4)));
    CK(cudaMalloc(&d_seen, gx * ranks * sizeof(unsigned)));
    CK(cudaMemset(d_out, 0xff, gx * kThreads * sizeof(float4)));
    CK(fc::cuda::launch_clustered(reduce_kernel<true>, dim3(gx, 1, ranks), dim3(1, 1, ranks), kThreads,
                                  (ranks - 1) * kThreads * sizeof(float4), nullptr, d_out, d_seen));
    CK(cudaDeviceSynchronize());
    std::vector<float4> out(gx * kThreads);
    std::vector<unsigned> seen(gx * ranks);
    CK(cudaMemcpy(out.data(), d_out, out.size() * sizeof(float4), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(seen.data(), d_seen, seen.size() * sizeof(unsigned), cudaMemcpyDeviceToHost));
    const int bad = reduce_mismatches(out.data(), seen.data(), gx, ranks, " ");
    printf("cluster_probe reduce (clusters of %u along z, DSMEM stores into rank 0 between cluster barriers): %s\n",
           ranks, bad ? "FAIL" : "ok");
    g_failed += bad != 0;
    CK(cudaFree(d_out));
    CK(cudaFree(d_seen));
}

void multicast_case(unsigned ranks, PFN_cuTensorMapEncodeTiled_v12000 encode) {
    const unsigned clusters = 2;
    const std::vector<float> src = multicast_source();
    const size_t out_elems = (size_t)clusters * ranks * ranks * 8 * kCols;
    float *d_src, *d_out;
    int* d_to;
    CK(cudaMalloc(&d_src, src.size() * sizeof(float)));
    CK(cudaMalloc(&d_out, out_elems * sizeof(float)));
    CK(cudaMalloc(&d_to, sizeof(int)));
    CK(cudaMemcpy(d_src, src.data(), src.size() * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemset(d_out, 0xff, out_elems * sizeof(float)));
    CK(cudaMemset(d_to, 0, sizeof(int)));
    CUtensorMap map;
    const cuuint64_t dims[2] = {kCols, (cuuint64_t)kRows}, strides[1] = {kCols * 4};
    const cuuint32_t box[2] = {kCols, 8}, estr[2] = {1, 1};
    if (encode(&map, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, d_src, dims, strides, box, estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
               CU_TENSOR_MAP_SWIZZLE_NONE, CU_TENSOR_MAP_L2_PROMOTION_NONE, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) !=
        CUDA_SUCCESS) {
        fprintf(stderr, "%s: cuTensorMapEncodeTiled refused the 2-D map\n", kProgram);
        exit(2);
    }
    CK(fc::cuda::launch_clustered(multicast_kernel<true>, dim3(clusters * ranks), dim3(ranks), 64,
                                  ranks * 8 * kCols * 4 + 128, nullptr, map, d_out, d_to));
    CK(cudaDeviceSynchronize());
    std::vector<float> out(out_elems);
    int to = 0;
    CK(cudaMemcpy(out.data(), d_out, out.size() * sizeof(float), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(&to, d_to, sizeof(int), cudaMemcpyDeviceToHost));
    if (to) printf("  a wait timed out (a multicast load or a remote arrival never came)\n");
    const int bad = to + multicast_mismatches(src, out.data(), clusters, ranks, " ");
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
