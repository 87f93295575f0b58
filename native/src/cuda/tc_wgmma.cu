// tc_wgmma.cu — instantiations + launchers of the sm_90a warpgroup-MMA kernels: wgmma_conv_kernel
// (implicit_gemm_wgmma.cuh; f16 tensors, and f32 tensors with TF32 precision), its warp-specialized
// form wgmma_ws_conv_kernel (implicit_gemm_wgmma_ws.cuh; the same), the TMA-fed wgmma_tma_conv_kernel
// (implicit_gemm_wgmma_tma.cuh; f16 NHWC, and f32 NHWC with TF32) and tc_halo_kernel's wgmma variant (implicit_gemm_halo.cuh; f16). Its own translation unit and CMake target because only
// an arch-specific sm_90a compile has wgmma (native/src/cuda/CMakeLists.txt builds it for sm_90a
// alone); compiled for any other arch it holds trap stubs, which the backend never launches.
#include "core/backend.h"
#include "cuda/kernels/implicit_gemm_halo.cuh"
#include "cuda/kernels/implicit_gemm_wgmma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_tma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_halo_tma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_tma_bres.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_ws.cuh"
#include "cuda/launch.cuh"

#include <cudaTypedefs.h>  // PFN_cuTensorMapEncode*: the driver's encoders through the runtime (no -lcuda)
#include <stdlib.h>
#include <string.h>

namespace fc {
namespace cuda {

// Tile: TILE_WGMMA / TILE_WGMMA_N64 -> wgmma_conv_kernel (Cfg::kThreads threads); TILE_WGMMA_WS /
// TILE_WGMMA_WS_N64 / TILE_WGMMA_WS_M256 (f16) -> wgmma_ws_conv_kernel (+ its producer warpgroup).
template <int Tile, class Elem>
static cudaError_t run_wgmma(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef WgmmaKernel<Tile, Elem> K;
    typedef typename K::Cfg Cfg;
    const typename K::Fn kern = K::fn();
    if (!args) {
        cudaError_t e = cudaFuncSetAttribute(reinterpret_cast<const void*>(kern),
                                             cudaFuncAttributeMaxDynamicSharedMemorySize, (int)Cfg::kSmemBytes);
        if constexpr (stream_k_tile(Tile))
            if (e == cudaSuccess)
                e = cudaFuncSetAttribute(reinterpret_cast<const void*>(wgmma_sk_conv_kernel<Cfg, Elem>),
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, (int)Cfg::kSmemBytes);
        return e;
    }
    if constexpr (stream_k_tile(Tile)) {
        if (args->stream_k > 0) {  // persistent stream-K grid: tickets zeroed, then the kernel
            unsigned* tickets = reinterpret_cast<unsigned*>(reinterpret_cast<unsigned char*>(args->partial) +
                                                            stream_k_slot_bytes(args->stream_k, Tile));
            const StreamK sk = make_stream_k(p, Cfg::BM, Cfg::BN, Cfg::BK, args->stream_k, tickets, args->partial);
            cudaError_t e = cudaMemsetAsync(tickets, 0, (size_t)stream_k_tiles(p, Tile) * sizeof(unsigned), s);
            if (e != cudaSuccess) return e;
            wgmma_sk_conv_kernel<Cfg, Elem><<<(unsigned)sk.ctas, Cfg::kThreads, Cfg::kSmemBytes, s>>>(
                p, static_cast<const Elem*>(args->a), static_cast<const Elem*>(args->w),
                static_cast<const Elem*>(args->bias), static_cast<Elem*>(args->y), args->vec_a, args->vec_b, sk,
                args->vec_y);
            return cudaGetLastError();
        }
    }
    const int splits = args->splits > 1 ? args->splits : 1;
    const dim3 grid((unsigned)cdiv(p.M, Cfg::BM), (unsigned)cdiv(p.Kg, Cfg::BN), (unsigned)(p.G * splits));
    kern<<<grid, K::kThreads, Cfg::kSmemBytes, s>>>(p, static_cast<const Elem*>(args->a),
                                                     static_cast<const Elem*>(args->w),
                                                     static_cast<const Elem*>(args->bias), static_cast<Elem*>(args->y),
                                                     args->vec_a, args->vec_b, splits, args->partial, args->vec_y);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess || splits == 1) return e;
    return splitk_reduce(sizeof(Elem) == 2, p, splits, args->partial, args->bias, args->y, args->num_sms, s);
}

// The driver's tensor-map encoders, resolved once through cudaGetDriverEntryPointByVersion (null where the
// driver has none: the TMA tiles then run their warp-specialized twin).
struct TmaEncoders {
    PFN_cuTensorMapEncodeIm2col_v12000 im2col = nullptr;
    PFN_cuTensorMapEncodeTiled_v12000 tiled = nullptr;
};
static const TmaEncoders& tma_encoders() {
    static const TmaEncoders e = [] {
        TmaEncoders r;
        cudaDriverEntryPointQueryResult q1 = cudaDriverEntryPointSymbolNotFound, q2 = q1;
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeIm2col", reinterpret_cast<void**>(&r.im2col), 12000,
                                             cudaEnableDefault, &q1) != cudaSuccess ||
            q1 != cudaDriverEntryPointSuccess)
            r.im2col = nullptr;
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", reinterpret_cast<void**>(&r.tiled), 12000,
                                             cudaEnableDefault, &q2) != cudaSuccess ||
            q2 != cudaDriverEntryPointSuccess)
            r.tiled = nullptr;
        (void)cudaGetLastError();
        return r;
    }();
    return e;
}

// The two maps of an im2col TMA kernel (wgmma_tma_conv_kernel, wgmma_tma_bres_kernel): x in im2col mode (bk
// channels x pixels per box), the weights tiled (bk x bn boxes), es-byte elements (2: f16, 4: f32), 128-byte rows
// under the 128-byte swizzle, 64-byte rows (f16 BK 32) under the 64-byte one.
static CUresult encode_im2col_maps(const TmaEncoders& enc, const ConvParams& p, const GemmArgs* args, int bk, int bn,
                                   int pixels, int es, CUtensorMap* xd, CUtensorMap* wd) {
    const CUtensorMapSwizzle sw = bk * es == 128 ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_64B;
    const CUtensorMapDataType dt = es == 4 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT32 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
    const TmaIm2colMap xm = tma_x_map(p, bk, pixels, es);
    const TmaTiledMap wm = tma_w_map(p, bn, bk, es);
    const CUresult r = enc.im2col(xd, dt, 4, const_cast<void*>(args->a), xm.dims, xm.strides, xm.lower, xm.upper,
                                  xm.channels, xm.pixels, xm.estr, CU_TENSOR_MAP_INTERLEAVE_NONE, sw,
                                  CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS) return r;
    return enc.tiled(wd, dt, 2, const_cast<void*>(args->w), wm.dims, wm.strides, wm.box, wm.estr,
                     CU_TENSOR_MAP_INTERLEAVE_NONE, sw, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                     CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
}

// wgmma_tma_conv_kernel (TILE_WGMMA_TMA*) with tile config Cfg (f16: BK 32 or the TMA64 form; 4-byte configs:
// f32 tensors, TF32): the two maps encoded per call (x and w change between calls; an encode is host
// arithmetic), then the kernel and, split, the reduction. An encode the driver refuses for a problem accepted
// here is an error. kPersist: the persistent form (one block per SM walking the tiles; its own epilogue stage
// after the ring). Forced only, for comparisons, until a GPU has timed them (configs with the cluster forms:
// kTmaClusterForms): FASTCONV_CUDA_TMA_CLUSTER=1 runs a split problem in the cluster-split form -- the splits of a
// tile as one cluster (cluster dims 1 x 1 x splits, clamped to tma_cluster_max_splits), no reduction launch;
// FASTCONV_CUDA_TMA_MULTICAST=1 (or B; where the first does not apply) the B-multicast form -- 2-block clusters
// along M sharing their n tile's B slices (the w map's box BN / 2 rows, grid x rounded up to even) -- and
// FASTCONV_CUDA_TMA_MULTICAST=A the A-multicast form -- 2-block clusters along N sharing their m tile's A slices
// (64-pixel im2col boxes, grid y rounded up to even); both together, a split problem in the split A-multicast form
// (1 x 2 x splits clusters, splits clamped to tma_cluster_max_splits<Cfg>(kTmaSplitMulticastA) <= 4).
// FASTCONV_CUDA_VERBOSE=1 says once per config which form ran and how many of its clusters the device holds at once.
template <class Cfg>
constexpr bool kTmaClusterForms = Cfg::kElemBytes == 4 || Cfg::BK == 64;  // TF32, and f16 TMA64 / 192 rows
template <class Cfg, bool kPersist = false>
static cudaError_t launch_wgmma_tma(const TmaEncoders& enc, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef TmaElem<Cfg> Elem;
    constexpr int es = Cfg::kElemBytes;
    typedef void (*Kern)(const TmaDesc, const TmaDesc, ConvParams, const Elem*, Elem*, int, float*, int);
    const Kern kern = wgmma_tma_conv_kernel<Cfg, kPersist ? kTmaPersistent : kTmaOneTile>;
    constexpr bool kClusterForms = !kPersist && kTmaClusterForms<Cfg>;
    constexpr size_t kSmem = Cfg::kSmemBytes + (kPersist ? tma_epi_bytes(Cfg::BM, Cfg::BN) : 0);
    if (!args) {
        cudaError_t e = cudaFuncSetAttribute(reinterpret_cast<const void*>(kern),
                                             cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSmem);
        if constexpr (kClusterForms)
            for (const Kern k : {wgmma_tma_conv_kernel<Cfg, kTmaClusterSplit>, wgmma_tma_conv_kernel<Cfg, kTmaMulticastB>,
                                 wgmma_tma_conv_kernel<Cfg, kTmaMulticastA>,
                                 wgmma_tma_conv_kernel<Cfg, kTmaSplitMulticastA>})
                if (e == cudaSuccess)
                    e = cudaFuncSetAttribute(reinterpret_cast<const void*>(k),
                                             cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSmem);
        return e;
    }
    const int splits = args->splits > 1 ? args->splits : 1;
    dim3 grid((unsigned)cdiv(p.M, Cfg::BM), (unsigned)cdiv(p.Kg, Cfg::BN), (unsigned)splits);
    const Elem* const bias = static_cast<const Elem*>(args->bias);
    Elem* const y = static_cast<Elem*>(args->y);
    CUtensorMap xd, wd;
    if constexpr (kClusterForms) {
        static const bool cluster = fc_env_on("FASTCONV_CUDA_TMA_CLUSTER");  // (core/backend.h)
        static const int mcast = [] {  // 0, kTmaMulticastB or kTmaMulticastA
            const char* e = getenv("FASTCONV_CUDA_TMA_MULTICAST");
            if (!e || !*e || !strcmp(e, "0")) return 0;
            return !strcmp(e, "A") || !strcmp(e, "a") ? kTmaMulticastA : kTmaMulticastB;
        }();
        static const bool verbose = fc_env_on("FASTCONV_CUDA_VERBOSE");  // (benchmarks: did the forcing apply?)
        // (the split count clamped to what the form takes: it needs no workspace, and KRange splits any way)
        const int cform = mcast == kTmaMulticastA ? kTmaSplitMulticastA : kTmaClusterSplit;
        const int most = tma_cluster_max_splits<Cfg>(cform), cs = splits < most ? splits : most;
        if (cluster && tma_cluster_fits<Cfg>(cs, cform)) {
            const bool a = cform == kTmaSplitMulticastA;  // the pair of n tiles sharing A: 1 x 2 x cs clusters
            if (encode_im2col_maps(enc, p, args, Cfg::BK, Cfg::BN, tma_box_pixels<Cfg>(cform), es, &xd, &wd) !=
                CUDA_SUCCESS)
                return cudaErrorInvalidValue;
            const Kern k =
                a ? wgmma_tma_conv_kernel<Cfg, kTmaSplitMulticastA> : wgmma_tma_conv_kernel<Cfg, kTmaClusterSplit>;
            const dim3 cl(1, a ? 2u : 1u, (unsigned)cs);
            static bool said = false;
            if (verbose && !said) {
                said = true;
                fprintf(stderr, "fastconv cuda: wgmma_tma cluster-split%s form %dx%dx%d, clusters of %ux%ux%u blocks "
                        "(plan: %d splits), at most %d clusters resident\n", a ? " A-multicast" : "", Cfg::BM, Cfg::BN,
                        Cfg::BK, cl.x, cl.y, cl.z, splits,
                        max_active_clusters(k, cl, TmaShape<Cfg>::kBlockThreads, kSmem));
            }
            return launch_clustered(k, dim3(grid.x, (grid.y + cl.y - 1) / cl.y * cl.y, (unsigned)cs), cl,
                                    TmaShape<Cfg>::kBlockThreads, kSmem, s, xd, wd, p, bias, y, cs,
                                    static_cast<float*>(nullptr), args->vec_y);
        }
        if (mcast) {  // (mcast: the form, kTmaMulticastA or kTmaMulticastB)
            if (encode_im2col_maps(enc, p, args, Cfg::BK, tma_w_box_rows<Cfg>(mcast), tma_box_pixels<Cfg>(mcast), es,
                                   &xd, &wd) != CUDA_SUCCESS)
                return cudaErrorInvalidValue;
            const bool a = mcast == kTmaMulticastA;
            const Kern k = a ? wgmma_tma_conv_kernel<Cfg, kTmaMulticastA> : wgmma_tma_conv_kernel<Cfg, kTmaMulticastB>;
            const dim3 cl = a ? dim3(1, 2, 1) : dim3(2, 1, 1);  // the pair: along N (A shared) or along M (B shared)
            static bool said = false;
            if (verbose && !said) {
                said = true;
                fprintf(stderr, "fastconv cuda: wgmma_tma %s-multicast form %dx%dx%d, 2-block clusters (%d splits), at "
                        "most %d clusters resident\n", a ? "A" : "B", Cfg::BM, Cfg::BN, Cfg::BK, splits,
                        max_active_clusters(k, cl, TmaShape<Cfg>::kBlockThreads, kSmem));
            }
            const cudaError_t e =
                launch_clustered(k, dim3((grid.x + cl.x - 1) / cl.x * cl.x, (grid.y + cl.y - 1) / cl.y * cl.y, grid.z),
                                 cl, TmaShape<Cfg>::kBlockThreads, kSmem, s, xd, wd, p, bias, y, splits, args->partial,
                                 args->vec_y);
            if (e != cudaSuccess || splits == 1) return e;
            return splitk_reduce(es == 2, p, splits, args->partial, args->bias, args->y, args->num_sms, s);
        }
    }
    if (encode_im2col_maps(enc, p, args, Cfg::BK, Cfg::BN, TmaShape<Cfg>::kBoxPixels, es, &xd, &wd) != CUDA_SUCCESS)
        return cudaErrorInvalidValue;
    if (kPersist) {
        const int64_t units = (int64_t)grid.x * grid.y * grid.z;
        grid = dim3((unsigned)(args->num_sms > 0 && units > args->num_sms ? args->num_sms : units));
    }
    kern<<<grid, TmaShape<Cfg>::kBlockThreads, kSmem, s>>>(xd, wd, p, bias, y, splits, args->partial, args->vec_y);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess || splits == 1) return e;
    return splitk_reduce(es == 2, p, splits, args->partial, args->bias, args->y, args->num_sms, s);
}

// FASTCONV_CUDA_TMA_M192: 0 never the 192-row form, 1 wherever its tile runs (comparisons), -1 (unset): where
// tma_m192_better.
static int tma_m192_mode() {
    static const int m = [] {
        const char* e = getenv("FASTCONV_CUDA_TMA_M192");
        return e && *e ? (int)fc_env_on("FASTCONV_CUDA_TMA_M192") : -1;  // (core/backend.h: set and not "0" = on)
    }();
    return m;
}
static bool tma_take_m192(const ConvParams& p, int n_tiles, const GemmArgs* args) {
    const int m192 = tma_m192_mode(), splits = args->splits > 1 ? args->splits : 1;
    return m192 != 0 && (m192 == 1 || tma_m192_better(p, n_tiles, splits, args->num_sms));
}

// The halo forms' maps: x as the 4-D tiled map of tma_halo_map (no swizzle; wide: the WIDE halos' 64-channel boxes
// under the 128-byte swizzle) and w as the TMA64 B map of bn-row boxes.
static CUresult encode_halo_maps(const TmaEncoders& enc, const ConvParams& p, const GemmArgs* args, bool wide, int bn,
                                 CUtensorMap* xd, CUtensorMap* wd) {
    const TmaTiled4Map xm = tma_halo_map(p, wide);
    const TmaTiledMap wm = tma_w_map(p, bn, 64);
    CUresult r = enc.tiled(xd, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 4, const_cast<void*>(args->a), xm.dims, xm.strides,
                           xm.box, xm.estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
                           wide ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_NONE,
                           CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r == CUDA_SUCCESS)
        r = enc.tiled(wd, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, const_cast<void*>(args->w), wm.dims, wm.strides, wm.box,
                      wm.estr, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                      CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    return r;
}
// wgmma_halo_tma_kernel (the halo form, implicit_gemm_wgmma_halo_tma.cuh) with config Cfg: the x map (4-D
// tiled: tma_halo_map; no swizzle, the WIDE form's 64-channel boxes under the 128-byte swizzle) and the TMA64 B
// map encoded per call, then the kernel. Prepare: the largest opt-in shared memory (the halo buffers' size
// depends on the filter).
template <class Cfg>
static cudaError_t launch_halo_tma(const TmaEncoders& enc, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    void (*kern)(const TmaDesc, const TmaDesc, ConvParams, TmaHaloGeom, const half_t*, half_t*, int) =
        wgmma_halo_tma_kernel<Cfg>;
    if (!args)
        return cudaFuncSetAttribute(reinterpret_cast<const void*>(kern), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    (int)kTmaHaloSmemMax);
    CUtensorMap xd, wd;
    if (encode_halo_maps(enc, p, args, Cfg::kWide, Cfg::BN, &xd, &wd) != CUDA_SUCCESS) return cudaErrorInvalidValue;
    const TmaHaloGeom g = tma_halo_geom(p, Cfg::kWide);
    const dim3 grid((unsigned)cdiv(g.units, Cfg::MU), (unsigned)cdiv(p.Kg, Cfg::BN), 1u);
    kern<<<grid, kTmaThreads, tma_halo_smem_bytes(p, Cfg::kRingBytes, Cfg::MU, Cfg::kWide), s>>>(
        xd, wd, p, g, static_cast<const half_t*>(args->bias), static_cast<half_t*>(args->y), args->vec_y);
    return cudaGetLastError();
}
// FASTCONV_CUDA_TMA_BRES_BLOCKS=n: at most n blocks of the B-resident forms (so a small problem walks several units
// per block: the sanitizer runs of gpu-check)
static int tma_bres_blocks_cap() {
    static const int cap = [] {
        const char* e = getenv("FASTCONV_CUDA_TMA_BRES_BLOCKS");
        return e ? atoi(e) : 0;
    }();
    return cap;
}
// wgmma_tma_bres_kernel (the B-resident ping-pong form, implicit_gemm_wgmma_tma_bres.cuh; tma_bres_unsupported
// said yes): the TMA64 maps of a 128 x 64 tile, one block per SM (at most one per 128-row unit). Prepare: the
// form's largest shared memory (Kgemm 576).
static cudaError_t launch_tma_bres(const TmaEncoders& enc, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    void (*kern)(const TmaDesc, const TmaDesc, ConvParams, const half_t*, half_t*, int) = wgmma_tma_bres_kernel;
    if (!args)
        return cudaFuncSetAttribute(reinterpret_cast<const void*>(kern), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    (int)tma_bres_smem_bytes(TmaBres::kMaxSlices));
    CUtensorMap xd, wd;
    if (encode_im2col_maps(enc, p, args, TmaBres::BK, TmaBres::BN, kTmaPixels, 2, &xd, &wd) != CUDA_SUCCESS)
        return cudaErrorInvalidValue;
    const int cap = tma_bres_blocks_cap();
    const int64_t units = cdiv(p.M, TmaBres::BM);
    int64_t blocks = args->num_sms > 0 && units > args->num_sms ? args->num_sms : units;
    if (cap > 0 && blocks > cap) blocks = cap;
    const unsigned grid = (unsigned)blocks;
    kern<<<grid, kTmaThreads, tma_bres_smem_bytes((int)cdiv(p.Kgemm, TmaBres::BK)), s>>>(
        xd, wd, p, static_cast<const half_t*>(args->bias), static_cast<half_t*>(args->y), args->vec_y);
    return cudaGetLastError();
}
// wgmma_tma_bres_halo_kernel (the B-resident form's WIDE-halo variant; tma_bres_halo_unsupported said yes): the WIDE
// halo map (128-byte swizzle) and the 128 x 64 tile's B map, one block per SM (at most one per 128-row tile).
// Prepare: the largest opt-in shared memory (the stages' size depends on the filter).
static cudaError_t launch_tma_bres_halo(const TmaEncoders& enc, const ConvParams& p, const GemmArgs* args,
                                       cudaStream_t s) {
    void (*kern)(const TmaDesc, const TmaDesc, ConvParams, TmaHaloGeom, const half_t*, half_t*, int) =
        wgmma_tma_bres_halo_kernel;
    if (!args)
        return cudaFuncSetAttribute(reinterpret_cast<const void*>(kern), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    (int)kTmaHaloSmemMax);
    CUtensorMap xd, wd;
    if (encode_halo_maps(enc, p, args, true, TmaBres::BN, &xd, &wd) != CUDA_SUCCESS) return cudaErrorInvalidValue;
    const TmaHaloGeom g = tma_halo_geom(p, true);
    const int64_t tiles = cdiv(g.units, 2);
    int64_t blocks = args->num_sms > 0 && tiles > args->num_sms ? args->num_sms : tiles;
    const int cap = tma_bres_blocks_cap();
    if (cap > 0 && blocks > cap) blocks = cap;
    kern<<<(unsigned)blocks, kTmaThreads, tma_bres_halo_smem_bytes(p), s>>>(
        xd, wd, p, g, static_cast<const half_t*>(args->bias), static_cast<half_t*>(args->y), args->vec_y);
    return cudaGetLastError();
}

// The halo form (Wide: its WIDE form) of a TMA tile of BN channels: tma_halo_mu (tma_im2col.cuh) picks 256- or
// 128-row blocks.
template <int BN, bool Wide = false>
struct HaloTmaPick {
    typedef typename std::conditional<BN == 64, HaloTmaN64M256, HaloTmaN128M256>::type Big16;
    typedef typename std::conditional<BN == 64, HaloTmaN64M128, HaloTmaN128M128>::type Small16;
    typedef typename std::conditional<BN == 64, HaloWideN64M256, HaloWideN128M256>::type BigWide;
    typedef typename std::conditional<BN == 64, HaloWideN64M128, HaloWideN128M128>::type SmallWide;
    typedef typename std::conditional<Wide, BigWide, Big16>::type Big;
    typedef typename std::conditional<Wide, SmallWide, Small16>::type Small;
    static int mu(const ConvParams& p, int num_sms) {
        // FASTCONV_CUDA_TMA_HALO_MU=2 / =4: 128- / 256-row blocks wherever that config takes p (the GPU
        // comparison: 256 rows read B half as often, 128 rows may fit two blocks per SM)
        static const int force = [] {
            const char* e = getenv("FASTCONV_CUDA_TMA_HALO_MU");
            return e ? atoi(e) : 0;
        }();
        return tma_halo_mu(p, num_sms, BN, Wide, Big::kRingBytes, Small::kRingBytes, force);
    }
};

// TILE_WGMMA_TMA*: the TMA64 form where C % 64 == 0 (FASTCONV_CUDA_TMA_BK=32 keeps BK 32, and
// FASTCONV_CUDA_TMA_PERSISTENT=1 takes its persistent form instead, FASTCONV_CUDA_TMA_HALO=1 its halo form (=wide:
// the halo form's WIDE form, 128-byte halo rows),
// FASTCONV_CUDA_TMA_BRES=1 on TILE_WGMMA_TMA_N64 its B-resident ping-pong form (whole K: a split is ignored; with
// FASTCONV_CUDA_TMA_HALO=wide its WIDE-halo variant where stride 1), for
// comparisons; TILE_WGMMA_TMA: its 192-row form where tma_m192_better), else BK 32; where TMA cannot take the problem (tma_conv_unsupported, unaligned x / w, no encoders) the warp-specialized twin
// instead. Prepare (args == NULL): every form.
template <int Tile>
static cudaError_t run_wgmma_tma(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef typename TileFor<Tile, 2>::type Cfg32;
    typedef typename Tma64For<Tile>::type Cfg64;
    typedef typename TmaPersistFor<Tile>::type CfgP;
    constexpr int kTwin = tma_ws_twin(Tile);
    const TmaEncoders& enc = tma_encoders();
    if (!args) {
        cudaError_t e = launch_wgmma_tma<Cfg32>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_wgmma_tma<Cfg64>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_wgmma_tma<CfgP, true>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_halo_tma<typename HaloTmaPick<Cfg64::BN>::Big>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_halo_tma<typename HaloTmaPick<Cfg64::BN>::Small>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_halo_tma<typename HaloTmaPick<Cfg64::BN, true>::Big>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_halo_tma<typename HaloTmaPick<Cfg64::BN, true>::Small>(enc, p, nullptr, s);
        if constexpr (Tile == TILE_WGMMA_TMA)
            if (e == cudaSuccess) e = launch_wgmma_tma<Tma64M192>(enc, p, nullptr, s);
        if constexpr (Tile == TILE_WGMMA_TMA_N64) {
            if (e == cudaSuccess) e = launch_tma_bres(enc, p, nullptr, s);
            if (e == cudaSuccess) e = launch_tma_bres_halo(enc, p, nullptr, s);
        }
        return e != cudaSuccess ? e : run_wgmma<kTwin, half_t>(p, nullptr, s);
    }
    if (!args->vec_a || !args->vec_b || tma_conv_unsupported(p) || !enc.im2col || !enc.tiled)
        return run_wgmma<kTwin, half_t>(p, args, s);
    static const bool bk32 = [] {
        const char* e = getenv("FASTCONV_CUDA_TMA_BK");
        return e && !strcmp(e, "32");
    }();
    static const bool persist = fc_env_on("FASTCONV_CUDA_TMA_PERSISTENT");  // (core/backend.h)
    static const bool halo = fc_env_on("FASTCONV_CUDA_TMA_HALO");  // the halo form (forced only, for now)
    static const bool halo_wide = halo && !strcmp(getenv("FASTCONV_CUDA_TMA_HALO"), "wide");  // ... its WIDE form
    static const bool bres = fc_env_on("FASTCONV_CUDA_TMA_BRES");  // the B-resident ping-pong form (forced only)
    if constexpr (Tile == TILE_WGMMA_TMA_N64) {  // (split or not: whole K)
        if (bres && halo_wide && !tma_bres_halo_unsupported(p)) return launch_tma_bres_halo(enc, p, args, s);
        if (bres && !tma_bres_unsupported(p)) return launch_tma_bres(enc, p, args, s);
    }
    if (halo_wide && args->splits <= 1 && !bk32 && !persist) {
        typedef HaloTmaPick<Cfg64::BN, true> Pick;
        const int mu = Pick::mu(p, args->num_sms);
        if (mu == 4) return launch_halo_tma<typename Pick::Big>(enc, p, args, s);
        if (mu == 2) return launch_halo_tma<typename Pick::Small>(enc, p, args, s);
    } else if (halo && args->splits <= 1 && !bk32 && !persist) {
        typedef HaloTmaPick<Cfg64::BN> Pick;
        const int mu = Pick::mu(p, args->num_sms);
        if (mu == 4) return launch_halo_tma<typename Pick::Big>(enc, p, args, s);
        if (mu == 2) return launch_halo_tma<typename Pick::Small>(enc, p, args, s);
    }
    if constexpr (Tile == TILE_WGMMA_TMA)  // the 192-row form where it fills the SMs in fewer waves
        if (p.C % 64 == 0 && !bk32 && !persist && tma_take_m192(p, cdiv(p.Kg, Cfg64::BN), args))
            return launch_wgmma_tma<Tma64M192>(enc, p, args, s);
    if (p.C % 64 == 0 && !bk32) return persist ? launch_wgmma_tma<CfgP, true>(enc, p, args, s)
                                               : launch_wgmma_tma<Cfg64>(enc, p, args, s);
    return launch_wgmma_tma<Cfg32>(enc, p, args, s);
}

// TILE_WGMMA_TMA / TILE_WGMMA_TMA_N64 for f32 tensors with TF32 precision: the kernel's 4-byte configs (BK 32 fp32 in
// 128-byte rows; a rounding warpgroup per block -- none where the operands arrive rounded, args->tf32_rounded:
// TmaRounded), TILE_WGMMA_TMA's 192-row form where tma_take_m192; where TMA cannot take the problem the
// warp-specialized twin. Prepare (args == NULL): every form.
template <int Tile>
static cudaError_t run_wgmma_tma_tf32(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef typename TileFor<Tile, 4>::type Cfg;
    constexpr int kTwin = tma_ws_twin(Tile);
    const TmaEncoders& enc = tma_encoders();
    if (!args) {
        cudaError_t e = launch_wgmma_tma<Cfg>(enc, p, nullptr, s);
        if (e == cudaSuccess) e = launch_wgmma_tma<TmaRounded<Cfg>>(enc, p, nullptr, s);
        if constexpr (Tile == TILE_WGMMA_TMA) {
            if (e == cudaSuccess) e = launch_wgmma_tma<TmaTf32M192>(enc, p, nullptr, s);
            if (e == cudaSuccess) e = launch_wgmma_tma<TmaRounded<TmaTf32M192>>(enc, p, nullptr, s);
        }
        return e != cudaSuccess ? e : run_wgmma<kTwin, float>(p, nullptr, s);
    }
    if (!args->vec_a || !args->vec_b || tma_conv_unsupported(p, 4) || !enc.im2col || !enc.tiled)
        return run_wgmma<kTwin, float>(p, args, s);
    const bool rounded = args->tf32_rounded;
    if constexpr (Tile == TILE_WGMMA_TMA)
        if (tma_take_m192(p, cdiv(p.Kg, Cfg::BN), args))
            return rounded ? launch_wgmma_tma<TmaRounded<TmaTf32M192>>(enc, p, args, s)
                           : launch_wgmma_tma<TmaTf32M192>(enc, p, args, s);
    return rounded ? launch_wgmma_tma<TmaRounded<Cfg>>(enc, p, args, s) : launch_wgmma_tma<Cfg>(enc, p, args, s);
}

// tc_halo_kernel with the wgmma step (TILE_HALO16_WGMMA; the problem is halo_supported). Needs the
// 16-byte paths like run_halo; else wgmma_conv_kernel, prepared along with it.
static cudaError_t run_halo_wgmma(const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    typedef HaloConfigT<2, 16> Cfg;
    void (*kern)(ConvParams, const half_t*, const half_t*, const half_t*, half_t*, int, int, int) =
        tc_halo_kernel<Cfg, MATH_F16, true>;
    const int gather = p.Kg <= 64 ? TILE_WGMMA_N64 : TILE_WGMMA;
    if (!args) {
        const cudaError_t e = cudaFuncSetAttribute(reinterpret_cast<const void*>(kern),
                                                   cudaFuncAttributeMaxDynamicSharedMemorySize, (int)Cfg::kSmemBytesWgmma);
        return e != cudaSuccess ? e : tc_wgmma_f16(gather, p, nullptr, s);
    }
    if (!args->vec_a || !args->vec_b) return tc_wgmma_f16(gather, p, args, s);
    unsigned gx, gy;
    int tq, tp;
    halo_grid(p, Cfg::TH, &gx, &gy, &tq, &tp);
    kern<<<dim3(gx, gy, 1u), Cfg::kThreads, Cfg::kSmemBytesWgmma, s>>>(
        p, static_cast<const half_t*>(args->a), static_cast<const half_t*>(args->w),
        static_cast<const half_t*>(args->bias), static_cast<half_t*>(args->y), tq, tp, args->vec_y);
    return cudaGetLastError();
}

cudaError_t tc_wgmma_f16(int tile, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    if (tile == TILE_HALO16_WGMMA) return run_halo_wgmma(p, args, s);
    if (tile == TILE_WGMMA_TMA) return run_wgmma_tma<TILE_WGMMA_TMA>(p, args, s);
    if (tile == TILE_WGMMA_TMA_N64) return run_wgmma_tma<TILE_WGMMA_TMA_N64>(p, args, s);
    if (tile == TILE_WGMMA_TMA_M256) return run_wgmma_tma<TILE_WGMMA_TMA_M256>(p, args, s);
    if (tile == TILE_WGMMA_WS) return run_wgmma<TILE_WGMMA_WS, half_t>(p, args, s);
    if (tile == TILE_WGMMA_WS_N64) return run_wgmma<TILE_WGMMA_WS_N64, half_t>(p, args, s);
    if (tile == TILE_WGMMA_WS_M256) return run_wgmma<TILE_WGMMA_WS_M256, half_t>(p, args, s);
    return tile == TILE_WGMMA_N64 ? run_wgmma<TILE_WGMMA_N64, half_t>(p, args, s)
                                  : run_wgmma<TILE_WGMMA, half_t>(p, args, s);
}

cudaError_t tc_wgmma_tf32(int tile, const ConvParams& p, const GemmArgs* args, cudaStream_t s) {
    if (tile == TILE_WGMMA_TMA || tile == TILE_WGMMA_TMA_M256)  // (no 256-row tf32 tile: ws_tile never picks it)
        return run_wgmma_tma_tf32<TILE_WGMMA_TMA>(p, args, s);
    if (tile == TILE_WGMMA_TMA_N64) return run_wgmma_tma_tf32<TILE_WGMMA_TMA_N64>(p, args, s);
    if (tile == TILE_WGMMA_WS) return run_wgmma<TILE_WGMMA_WS, float>(p, args, s);
    if (tile == TILE_WGMMA_WS_N64) return run_wgmma<TILE_WGMMA_WS_N64, float>(p, args, s);
    return tile == TILE_WGMMA_N64 ? run_wgmma<TILE_WGMMA_N64, float>(p, args, s)
                                  : run_wgmma<TILE_WGMMA, float>(p, args, s);
}

bool wgmma_available() {
    cudaFuncAttributes a;
    if (cudaFuncGetAttributes(&a, reinterpret_cast<const void*>(wgmma_conv_kernel<TileFor<TILE_WGMMA, 2>::type, half_t>)) ==
        cudaSuccess)
        return true;
    (void)cudaGetLastError();  // "no kernel image" must not surface at a later launch check
    return false;
}

}  // namespace cuda
}  // namespace fc
