// launch.cuh — host launchers of the kernel instantiations (nvcc only). Each
// tc_<math>.cu instantiates one math's tensor-core kernels; kernels_misc.cu
// holds SIMT, direct and unfold. Every launcher can also just "prepare" its
// kernel (raise the dynamic shared memory limit above 48 KB), done once per
// plan on the plan's device.
#ifndef FASTCONV_CUDA_LAUNCH_CUH
#define FASTCONV_CUDA_LAUNCH_CUH

#include <cuda_runtime.h>

#include <utility>

#include "cuda/conv_params.h"
#include "cuda/heuristic.h"
#ifdef FC_CUDA_TC_LAUNCH_IMPL
#include "cuda/kernels/implicit_gemm_halo.cuh"
#include "cuda/kernels/implicit_gemm_tc.cuh"
#endif

namespace fc {
namespace cuda {

struct GemmArgs {
    const void* a;     // x (implicit) or the unfold workspace
    const void* w;
    const void* bias;  // may be NULL when !has_bias
    void* y;
    int vec_a, vec_b;
    int splits;        // split-K factor (1: none)
    int stream_k;      // > 0: wgmma_conv_kernel's stream-K grid (tiles TILE_WGMMA / TILE_WGMMA_N64), splits 1
    float* partial;    // split-K partials [G][splits][M][Kg] (workspace) when splits > 1; stream-K: its slots,
                       // then (at stream_k_slot_bytes) its tickets
    int num_sms;       // grid sizing of the split-K reduction
    int vec_y;         // y 16-byte aligned: staged epilogue may store 16-byte vectors
    int tf32_rounded;  // f32 a and w already rounded to tf32 (the NCHW -> NHWC transform did it): the TMA kernel's
                       // TF32 configs run without their rounding warpgroup (TmaRounded)
};

cudaError_t tc_tf32(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
cudaError_t tc_f16_f32io(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
cudaError_t tc_3xtf32(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
cudaError_t tc_f16(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
cudaError_t simt_gemm(bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
// sm_90a warpgroup-MMA kernels, f16 tensors (tc_wgmma.cu): tile TILE_WGMMA / TILE_WGMMA_N64 /
// TILE_HALO16_WGMMA / TILE_WGMMA_WS / TILE_WGMMA_WS_N64 / TILE_WGMMA_WS_M256 / TILE_WGMMA_TMA* (TMA loads;
// falls back to its warp-specialized twin where TMA cannot take the problem or the pointers).
cudaError_t tc_wgmma_f16(int tile, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
// ... and for f32 tensors with TF32 precision: the same but TILE_HALO16_WGMMA and the 256-row tiles (TILE_WGMMA_TMA /
// _N64: the TMA kernel's TF32 configs, a rounding warpgroup per block).
cudaError_t tc_wgmma_tf32(int tile, const ConvParams& p, const GemmArgs* args, cudaStream_t s);
// Whether the loaded module has a kernel image of it for the current device (sm_90 only).
bool wgmma_available();
// args == NULL: prepare only (cudaFuncSetAttribute), no launch.
// tile: direct_tile_kernel (only where direct_tile_supported) with 2 = the tensor-core step
// (direct_tile_mma_ok), 1 = the FFMA step; 0 = strip / generic;
// tile_bps: its resident blocks per SM (direct_tile_occupancy, at plan time).
cudaError_t direct_conv(int f16, int kb, int round_mode, int tile, int num_sms, int tile_bps, const ConvParams& p,
                        const void* x, const void* w, const void* bias, void* y, cudaStream_t s);
// Resident blocks/SM of the direct_tile_kernel instantiation a problem runs (cudaOccupancy...).
cudaError_t direct_tile_occupancy(int f16, int round_mode, int tile, const ConvParams& p, int* blocks_per_sm);
cudaError_t unfold(int f16, int mode, const ConvParams& p, const void* x, void* out, int num_sms, cudaStream_t s);
// Batched transpose [b][rows][cols] -> [b][cols][rows] (NCHW -> NHWC of x / w); round_tf32 (f32 only): the values
// written rounded to tf32 (cvt.rna).
cudaError_t transpose(int f16, const void* in, void* out, int b, int rows, int cols, cudaStream_t s,
                      bool round_tf32 = false);
// x -> NHWC with channels padded to cgp per group; w -> [K][TRS][cgp] (zero-padded).
cudaError_t pad_nhwc(int f16, const ConvParams& p, int cgp, const void* x, void* out, int num_sms, cudaStream_t s);
cudaError_t pad_weights(int f16, const ConvParams& p, int cgp, const void* w, void* out, int num_sms, cudaStream_t s);
// Split-K reduction partials -> y (bias, activation, layout).
cudaError_t splitk_reduce(int f16, const ConvParams& p, int splits, const float* partial, const void* bias, void* y,
                          int num_sms, cudaStream_t s);

// A launch configuration with the cluster-dimension attribute (sm_90): grid, `cluster` blocks per cluster.
struct ClusterLaunchConfig {
    cudaLaunchAttribute attr[1];
    cudaLaunchConfig_t lc = {};
    ClusterLaunchConfig(dim3 grid, dim3 cluster, unsigned threads, size_t smem, cudaStream_t s) {
        lc.gridDim = grid;
        lc.blockDim = dim3(threads);
        lc.dynamicSmemBytes = smem;
        lc.stream = s;
        attr[0].id = cudaLaunchAttributeClusterDimension;
        attr[0].val.clusterDim.x = cluster.x;
        attr[0].val.clusterDim.y = cluster.y;
        attr[0].val.clusterDim.z = cluster.z;
        lc.attrs = attr;
        lc.numAttrs = 1;
    }
    ClusterLaunchConfig(const ClusterLaunchConfig&) = delete;  // (lc.attrs points into this object)
};
// One launch of kern in thread block clusters of `cluster` blocks (cudaLaunchKernelEx): the TMA kernel's cluster
// forms and tests/cuda/cluster_probe.cu.
template <class... Params, class... Args>
inline cudaError_t launch_clustered(void (*kern)(Params...), dim3 grid, dim3 cluster, unsigned threads, size_t smem,
                                    cudaStream_t s, Args&&... args) {
    ClusterLaunchConfig c(grid, cluster, threads, smem, s);
    return cudaLaunchKernelEx(&c.lc, kern, std::forward<Args>(args)...);
}
// How many clusters of `cluster` blocks of kern the device holds at once (cudaOccupancyMaxActiveClusters; 0 where
// the query fails): a cluster is placed whole within one GPC, so clusters x blocks per cluster can fall short of
// the SMs -- what FASTCONV_CUDA_VERBOSE prints for the TMA kernel's cluster forms.
template <class... Params>
inline int max_active_clusters(void (*kern)(Params...), dim3 cluster, unsigned threads, size_t smem) {
    ClusterLaunchConfig c(cluster, cluster, threads, smem, 0);
    int n = 0;
    return cudaOccupancyMaxActiveClusters(&n, reinterpret_cast<const void*>(kern), &c.lc) == cudaSuccess ? n : 0;
}

#ifdef FC_CUDA_TC_LAUNCH_IMPL
// Shared body of the tc_<math>.cu files.
template <int MathK, int Tile, bool Impl>
cudaError_t run_tc(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef typename TileFor<Tile, MathK == MATH_F16 ? 2 : 4>::type Cfg;
    void (*kern)(ConvParams, const void*, const void*, const void*, void*, int, int, int, float*, int) =
        tc_conv_kernel<Cfg, MathK, Impl>;
    if (!args)
        return cudaFuncSetAttribute(reinterpret_cast<const void*>(kern), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    (int)Cfg::kSmemBytes);
    const int splits = args->splits > 1 ? args->splits : 1;
    const dim3 grid((unsigned)cdiv(p.M, Cfg::BM), (unsigned)cdiv(p.Kg, Cfg::BN), (unsigned)(p.G * splits));
    kern<<<grid, Cfg::kThreads, Cfg::kSmemBytes, s>>>(p, args->a, args->w, args->bias, args->y, args->vec_a,
                                                       args->vec_b, splits, args->partial, args->vec_y);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess || splits == 1) return e;
    return splitk_reduce(MathK == MATH_F16, p, splits, args->partial, args->bias, args->y, args->num_sms, s);
}
// tc_halo_kernel (f16 / tf32; the heuristic only picks it where halo_supported). Needs the 16-byte paths
// (x, w 16-byte aligned): else the MED gathering kernel, prepared along with it (f32 MED: 72 KB).
template <int MathK, int TH>
cudaError_t run_halo(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    static_assert(MathK == MATH_F16 || MathK == MATH_TF32, "tc_halo_kernel: f16 tensors or TF32");
    typedef typename MathTraits<MathK>::Elem Elem;
    typedef HaloConfigT<(int)sizeof(Elem), TH> Cfg;
    void (*kern)(ConvParams, const Elem*, const Elem*, const Elem*, Elem*, int, int, int) = tc_halo_kernel<Cfg, MathK>;
    if (!args) {
        const cudaError_t e = cudaFuncSetAttribute(reinterpret_cast<const void*>(kern),
                                                   cudaFuncAttributeMaxDynamicSharedMemorySize, (int)Cfg::kSmemBytes);
        return e != cudaSuccess ? e : run_tc<MathK, TILE_MED, true>(p, nullptr, s);
    }
    if (!args->vec_a || !args->vec_b) return run_tc<MathK, TILE_MED, true>(p, args, s);
    unsigned gx, gy;
    int tq, tp;
    halo_grid(p, TH, &gx, &gy, &tq, &tp);
    kern<<<dim3(gx, gy, 1u), Cfg::kThreads, Cfg::kSmemBytes, s>>>(
        p, static_cast<const Elem*>(args->a), static_cast<const Elem*>(args->w), static_cast<const Elem*>(args->bias),
        static_cast<Elem*>(args->y), tq, tp, args->vec_y);
    return cudaGetLastError();
}
template <int MathK>
cudaError_t dispatch_tc(int tile, bool implicit, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    if (!implicit) return run_tc<MathK, TILE_MED, false>(p, args, s);
    if constexpr (MathK == MATH_F16 || MathK == MATH_TF32)
        if (tile == TILE_HALO) return run_halo<MathK, 8>(p, args, s);
    if constexpr (MathK == MATH_F16)
        if (tile == TILE_HALO16) return run_halo<MathK, 16>(p, args, s);
    if constexpr (MathK == MATH_F16)
        if (is_wgmma_tile(tile)) return tc_wgmma_f16(tile, p, args, s);
    if constexpr (MathK == MATH_TF32)
        if (is_wgmma_tile(tile) && tile != TILE_HALO16_WGMMA && tile != TILE_WGMMA_WS_M256 && tile != TILE_WGMMA_TMA_M256)
            return tc_wgmma_tf32(tile, p, args, s);
    if constexpr (has_big_tile(MathK))
        if (tile == TILE_BIG) return run_tc<MathK, TILE_BIG, true>(p, args, s);
    if constexpr (MathK == MATH_F16)
        if (tile == TILE_WIDE) return run_tc<MathK, TILE_WIDE, true>(p, args, s);
    if (tile == TILE_SMALL) return run_tc<MathK, TILE_SMALL, true>(p, args, s);
    return run_tc<MathK, TILE_MED, true>(p, args, s);
}
#endif

}  // namespace cuda
}  // namespace fc
#endif
