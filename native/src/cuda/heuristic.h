// heuristic.h — which CUDA kernel runs a problem (plain C++: the backend and
// the emulation tests share it). Documented table:
//
//  algorithm requested  -> kernel
//  DIRECT               -> direct_tile_kernel (16x32-pixel x 16-channel tiles
//                          staged by cp.async, persistent + double-buffered;
//                          tensor-core step for f16 tensors and TF32 / FP16
//                          precision, FFMA step for FP32 / 3XTF32)
//                          for 2-D 3x3 stride-1 dilation-1 problems with
//                          C/g <= 3 and K/g >= 12 (NHWC: groups 1) — e.g. the
//                          RGB note shape (direct_tile_supported); else
//                          direct_strip_kernel (KB = 16 out channels/thread if
//                          K/g >= 12, else 4; 4 pixels/thread) when the
//                          filter slice Kgemm*KB*4 B <= 32 KB, else the
//                          generic direct_conv_kernel (1 pixel/thread).
//                          The backend honours FASTCONV_CUDA_DIRECT_KERNEL=strip
//                          (plan time) to force the strip kernel, =ffma to force
//                          the tile kernel's FFMA step (benchmarks).
//  UNFOLD_GEMM          -> unfold_kernel (workspace [G][M][Kgemm]) + GEMM on it:
//                          tc_conv_kernel<MED, math, A=matrix>, or
//                          simt_conv_kernel<A=matrix> for FP32 on f32 tensors
//  IMPLICIT_GEMM        -> tc_conv_kernel<tile, math, A=implicit>, or
//                          simt_conv_kernel<A=implicit> for FP32 on f32 tensors
//  AUTO                 -> DIRECT when Kgemm = C/g*prod(kernel) <= 32 (few
//                          input channels: memory-bound, e.g. RGB 3x3 = 27, or
//                          depthwise), else IMPLICIT_GEMM.
//  math: f16 tensors -> MATH_F16 for every precision (fp16 products are exact in
//  fp32); f32 tensors: TF32 -> MATH_TF32, FP16 -> MATH_F16_F32IO, 3XTF32 ->
//  MATH_3XTF32, FP32 -> MATH_SIMT.
//  tile (tensor cores, implicit): blocks(T) = ceil(M/BM)*ceil(Kg/BN)*G; the rules
//  below were set from the H200 timings of every candidate (gpu-check --tune,
//  numbers beside each rule in pick_tile / pick_halo / pick_splits):
//    WIDE  (f16 tensors) if Kg > 32, Kgemm <= 64 (short reduction, e.g. 1x1
//          from 64 channels) and blocks(WIDE) >= #SMs;
//    BIG   else if Kg > 64, blocks(BIG) >= #SMs, the device's per-block shared memory
//          limit fits it, and math is TF32 or F16 (has_big_tile: 3xTF32 and
//          FP16-on-f32 at 128x128 need > 128 registers/thread -> spills or
//          1 block/SM; MED keeps >= 2); also BIG split along K where blocks(MED)
//          < 2 x #SMs and the split fills the SMs (512@7 at batch 32);
//    WIDE  (f16 tensors) else if 32 < Kg <= 64 and blocks(WIDE) >= #SMs;
//    MED   else if blocks(MED) >= #SMs;
//    SMALL else if blocks(SMALL) >= #SMs (more blocks instead of split-K);
//    MED   else if blocks(MED) >= #SMs / 2 or Kg > 32;
//    SMALL otherwise (tiny problems: more, smaller blocks).
//    WGMMA (wgmma_conv_kernel, sm_90a; 128x64 for Kg <= 64) in place of BIG or MED for f16 tensors
//          and TF32 on a compute capability 9.0 device with the sm_90a image (has_wgmma), where
//          Kgemm >= 256 and its tiles cover >= #SMs / 4; same transform and split rule, but TF32
//          with fewer tiles than resident slots and Kgemm >= 1024: its stream-K form instead;
//    HALO16 / HALO (f16 tensors; f32 with TF32: HALO) instead, where pick_halo(): 3x3 stride-1
//          groups-1 layers with C % 32 (f16) / 16 (f32) == 0 (NHWC, or NCHW through the transform;
//          f16 only with an NHWC output), >= #SMs blocks and >= 6 warps per SM, <= 25 % of the
//          tiles' rows wasted;
//    WGMMA_TMA (wgmma_tma_conv_kernel's TMA64 form, sm_90a; 128x64 for Kg <= 64, 256x128 where those
//          tiles alone fill the SMs) in place of all the above for f16 tensors on such a device where
//          TMA takes the NHWC view with C % 64 == 0 (groups 1, 1-D / 2-D), Kgemm >= 256 and its 128-row
//          tiles cover >= #SMs / 4 (ResNet-50 at batch 32: 1.07-1.35x on an H200);
//    SMALL is skipped for MED + split-K where f32 tensors have Kgemm >= 512;
//    split-K (pick_splits) when a non-BIG tile count is below #SMs (aiming at 2 x #SMs; f32 tensors on
//    MED / SIMT also between 1 and 2 blocks per SM, aiming at 4): workspace G*splits*M*Kg*4 bytes of
//    fp32 partials + splitk_reduce_kernel.
//    NCHW inputs with C/g % (16 B / elem) == 0 (want_nhwc_transform; f32: GEMMs of >= 1 GFLOP with
//    a filter > 1x1 or >= 64 FLOP per byte of x): x and w transposed to NHWC in the workspace first,
//    then the 16-byte NHWC path.
//    f32 C/g not a multiple of it but padding at most triples it, in GEMMs of
//    >= 1 GFLOP (want_channel_pad, e.g. the RGB stem at batch 32): x and w copied
//    to NHWC with zero-padded channels.
//  FASTCONV_AUTOTUNE=1 replaces the table by timing (candidate_kernels below).
#ifndef FASTCONV_CUDA_HEURISTIC_H
#define FASTCONV_CUDA_HEURISTIC_H

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "cuda/conv_params.h"
#include "cuda/kernels/tile_config.cuh"
#include "cuda/kernels/tma_im2col.cuh"
#include "fastconv.h"

namespace fc {
namespace cuda {

// Devices the kernels run on: every kernel uses cp.async, ldmatrix or mma.sync (m16n8k16 f16, m16n8k8
// tf32), which need compute capability 8.0; the build carries SASS for 8.x / 9.0 (8.x SASS runs on
// every 8.y, y >= x) and compute_90 PTX for newer devices. Plans and fc_unfold on an older device are
// refused with this reason (cuda_backend.cu) instead of failing at the first launch ("no kernel image").
constexpr int kMinComputeMajor = FC_CUDA_MIN_COMPUTE_MAJOR;
constexpr bool cuda_cc_supported(int major) { return major >= kMinComputeMajor; }

enum KernelKind { KK_DIRECT = 0, KK_IMPLICIT = 1, KK_UNFOLD_GEMM = 2 };

struct KernelChoice {
    int algorithm;   // fc_algorithm, resolved
    int kind;        // KernelKind
    int math;        // MathKind
    int tile;        // TileKind (TILE_SIMT for MATH_SIMT)
    int direct_kb;   // 4 or 16
    int direct_tile; // direct_tile_kernel (direct_tile_supported): 2 tensor-core step (direct_tile_mma_ok),
                     // 1 FFMA step; 0: strip / generic direct kernel
    int round_mode;  // RoundMode for the direct kernel
    int splits;      // split-K factor of the tensor-core implicit GEMM (1: none)
    int stream_k;    // > 0: wgmma_conv_kernel's stream-K form on this many persistent blocks (stream_k.cuh;
                     // splits 1, its slots + tickets at ws_partial); 0: none
    int to_nhwc;     // implicit GEMM input transform: 0 none; NHWC_TRANSPOSE; NHWC_PAD (to cgp channels/group)
    int cgp;         // NHWC_PAD: padded C/g (multiple of the 16-byte vector)
    size_t ws_x, ws_w, ws_partial;  // workspace offsets (bytes) of x_nhwc, w_nhwc, split-K partials
    size_t workspace;
};

inline int math_for(const fc_conv_desc* d) {
    if (d->dtype == FC_DTYPE_F16) return MATH_F16;
    switch (d->precision) {
    case FC_PRECISION_TF32: return MATH_TF32;
    case FC_PRECISION_FP16: return MATH_F16_F32IO;
    case FC_PRECISION_3XTF32: return MATH_3XTF32;
    default: return MATH_SIMT;
    }
}

// A wgmma gather tile's shared memory for f16 tensors, or (Tf32: the tile has a TF32 configuration) f32
// tensors with TF32 precision; (size_t)-1 for any other math (no such kernel).
template <int Tile, bool Tf32 = true>
inline size_t wgmma_tile_smem(int math) {
    if (math == MATH_F16) return TileFor<Tile, 2>::type::kSmemBytes;
    if constexpr (Tf32)
        if (math == MATH_TF32) return TileFor<Tile, 4>::type::kSmemBytes;
    return (size_t)-1;
}

// The TMA kernel's tiles: the most any of its forms launches with (BK 32 = the twin's ring, the TMA64 ring,
// the persistent form's ring + epilogue stage; implicit_gemm_wgmma_tma.cuh; for the 128 x 64 tile also the
// B-resident form with the largest B it keeps, implicit_gemm_wgmma_tma_bres.cuh).
template <int Tile>
size_t tma_tile_smem() {
    typedef typename TileFor<Tile, 2>::type C32;
    typedef typename Tma64For<Tile>::type C64;
    typedef typename TmaPersistFor<Tile>::type CP;
    const size_t persist = CP::kSmemBytes + tma_epi_bytes(CP::BM, CP::BN);
    size_t m = C32::kSmemBytes > C64::kSmemBytes ? C32::kSmemBytes : C64::kSmemBytes;
    if (m < persist) m = persist;
    if (Tile == TILE_WGMMA_TMA_N64 && m < tma_bres_smem_bytes(kTmaBresMaxSlices)) m = tma_bres_smem_bytes(kTmaBresMaxSlices);
    return m;
}

// ... its TF32 configs (f32 tensors): the 4-byte tile, and for TILE_WGMMA_TMA its 192-row form.
template <int Tile>
size_t tma_tf32_tile_smem() {
    const size_t m = TileFor<Tile, 4>::type::kSmemBytes;
    return Tile == TILE_WGMMA_TMA && TmaTf32M192::kSmemBytes > m ? TmaTf32M192::kSmemBytes : m;
}

inline size_t tile_smem_bytes(int math, int tile) {
    if (math == MATH_SIMT) return TileFor<TILE_SIMT, 4>::type::kSmemBytes;
    const bool h = math == MATH_F16;
    switch (tile) {
    case TILE_BIG: return h ? TileFor<TILE_BIG, 2>::type::kSmemBytes : TileFor<TILE_BIG, 4>::type::kSmemBytes;
    case TILE_MED: return h ? TileFor<TILE_MED, 2>::type::kSmemBytes : TileFor<TILE_MED, 4>::type::kSmemBytes;
    case TILE_WIDE: return h ? TileFor<TILE_WIDE, 2>::type::kSmemBytes : (size_t)-1;  // f16 only
    case TILE_HALO: return h ? HaloConfigT<2>::kSmemBytes : math == MATH_TF32 ? HaloConfigT<4>::kSmemBytes : (size_t)-1;
    case TILE_HALO16:
    case TILE_HALO16_WGMMA: return h ? HaloConfigT<2, 16>::kSmemBytesWgmma : (size_t)-1;  // f16 only
    case TILE_WGMMA: return wgmma_tile_smem<TILE_WGMMA>(math);
    case TILE_WGMMA_N64: return wgmma_tile_smem<TILE_WGMMA_N64>(math);
    case TILE_WGMMA_WS: return wgmma_tile_smem<TILE_WGMMA_WS>(math);
    case TILE_WGMMA_WS_N64: return wgmma_tile_smem<TILE_WGMMA_WS_N64>(math);
    case TILE_WGMMA_WS_M256: return wgmma_tile_smem<TILE_WGMMA_WS_M256, false>(math);  // f16 only
    case TILE_WGMMA_TMA: return h ? tma_tile_smem<TILE_WGMMA_TMA>() : math == MATH_TF32 ? tma_tf32_tile_smem<TILE_WGMMA_TMA>()
                                                                               : (size_t)-1;
    case TILE_WGMMA_TMA_N64:
        return h ? tma_tile_smem<TILE_WGMMA_TMA_N64>() : math == MATH_TF32 ? tma_tf32_tile_smem<TILE_WGMMA_TMA_N64>()
                                                                           : (size_t)-1;
    case TILE_WGMMA_TMA_M256: return h ? tma_tile_smem<TILE_WGMMA_TMA_M256>() : (size_t)-1;  // f16 only
    default: return h ? TileFor<TILE_SMALL, 2>::type::kSmemBytes : TileFor<TILE_SMALL, 4>::type::kSmemBytes;
    }
}
inline int tile_bm(int tile) {
    tile = tma_ws_twin(tile);
    return tile == TILE_HALO16 || tile == TILE_HALO16_WGMMA || tile == TILE_WGMMA_WS_M256 ? 256
           : tile == TILE_BIG || tile == TILE_WIDE || tile == TILE_HALO || tile == TILE_WGMMA ||
                   tile == TILE_WGMMA_N64 || tile == TILE_WGMMA_WS || tile == TILE_WGMMA_WS_N64
               ? 128
           : tile == TILE_SMALL                                          ? 32
                                                                         : 64;
}

inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// tc_halo_kernel (implicit_gemm_halo.cuh) computes a problem given as its NHWC
// view q (elements of elem_bytes) when: 2-D, 3x3, stride 1, dilation 1,
// groups 1, C a multiple of the 64-byte channel chunk (32 f16 / 16 f32: no
// channel predicates, the weights of one tap never spill into the next), NHWC
// x (the backend's NCHW transform provides it).
inline bool halo_supported(const ConvParams& q, int elem_bytes = 2) {
    return q.chlast && q.G == 1 && q.D == 1 && q.T == 1 && q.O == 1 && q.R == HaloConfig::R && q.S == HaloConfig::S &&
           q.sh == 1 && q.sw == 1 && q.dh == 1 && q.dw == 1 && q.Cg % (64 / elem_bytes) == 0 && q.N <= 65535;
}
inline int halo_tiles_p(const ConvParams& q, int th) { return (int)cdiv(q.P, th); }
inline int halo_tiles_q(const ConvParams& q) { return (int)cdiv(q.Q, HaloConfig::TW); }
// tc_halo_kernel's launch (launch.cuh and the emulation tests): x = one block per image x TH x 16 pixel
// tile, y = 64-channel tiles; *tq / *tp: tiles along Q / P (kernel arguments).
inline void halo_grid(const ConvParams& q, int th, unsigned* gx, unsigned* gy, int* tq, int* tp) {
    *tq = halo_tiles_q(q);
    *tp = halo_tiles_p(q, th);
    *gx = (unsigned)((int64_t)q.N * *tp * *tq);
    *gy = (unsigned)cdiv(q.Kg, HaloConfig::BN);
}
// Which halo tile (TILE_HALO16 / TILE_HALO, or -1: none) serves q: f16 tensors,
// and f32 tensors with TF32 precision, where halo_supported; the first of
// 16 x 16 (f16 only: half the weight bytes per FLOP) and 8 x 16 pixel tiles
// that fills the GPU without split-K (>= one block per SM and >= 6 warps per SM
// on average) and wastes at most 25 % of its rows (P x Q vs the tiles' area:
// 56x56 23 % / 12.5 %, 28x28 and 14x14 23 %, 7x7 62 % -> 7x7 keeps
// tc_conv_kernel + split-K). Not for f16 with an NCHW output (its 16-pixel
// row segments store 32 bytes per channel row).
// Measured on the H200 (gpu-check --tune, ResNet-50 3x3 at batch 32): halo 8x16
// at 256@14 has 256 blocks of 2 warps (3.9 warps per SM) and lost to MED (f16
// NHWC 51.3 vs 45.2 us, TF32 102.0 vs 92.4); at 128@28 (7.8 warps per SM) it
// won (TF32 80.1 vs BIG 85.4; f16 16x16 39.2 vs WIDE 39.7). f16 NCHW: behind the
// same NHWC transform, WIDE beat the halo kernel (128@28: 50.3 vs 68.6 us;
// 64@56: 59.3 vs 62.8), while TF32 NCHW kept its lead (128@28: 92.1 vs 96.4).
static_assert(HaloConfigT<2, 16>::kThreads == 128 && HaloConfigT<2, 8>::kThreads == 64 &&
                  HaloConfigT<4, 8>::kThreads == 64,
              "pick_halo counts th / 4 warps per block");
inline int pick_halo(const ConvParams& q, int math, int num_sms, size_t smem_optin) {
    if (math != MATH_F16 && math != MATH_TF32) return -1;
    if (!halo_supported(q, math == MATH_F16 ? 2 : 4)) return -1;
    if (math == MATH_F16 && q.ys_k != 1) return -1;  // NCHW output
    for (int tile : {TILE_HALO16, TILE_HALO}) {
        if (tile_smem_bytes(math, tile) > smem_optin) continue;
        const int th = halo_th(tile);
        const int64_t tiles = (int64_t)halo_tiles_p(q, th) * halo_tiles_q(q);
        const int64_t blocks = (int64_t)q.N * tiles * cdiv(q.Kg, HaloConfig::BN);
        if (blocks >= num_sms && blocks * (th / 4) >= 6 * (int64_t)num_sms && blocks <= 0x7fffffff &&
            4 * (int64_t)q.P * q.Q >= 3 * tiles * th * HaloConfig::TW)
            return tile;
    }
    return -1;
}

// BIG (128x128; TF32: 8 warps of 64x32, <= 128 registers/thread; F16: 4 warps
// of 64x64, <= 255; 2 blocks/SM) exists for TF32 and F16 only: 3xTF32 and
// FP16-on-f32 (which converts fp32 fragments to f16 pairs in registers) need
// more than 128 registers at 64x32 warps and would spill or drop to 1 block/SM;
// they use MED.
constexpr bool has_big_tile(int math) { return math == MATH_TF32 || math == MATH_F16; }

inline int pick_splits(const ConvParams& p, int tile, int num_sms, int waves = 1);  // below

inline int pick_tile(const ConvParams& p, int math, int num_sms, size_t smem_optin) {
    if (math == MATH_SIMT) return TILE_SIMT;
    const int64_t blocks_big = cdiv(p.M, 128) * cdiv(p.Kg, 128) * p.G;
    const int64_t blocks_med = cdiv(p.M, 64) * cdiv(p.Kg, 64) * p.G;
    const int64_t blocks_wide = cdiv(p.M, 128) * cdiv(p.Kg, 64) * p.G;
    const int64_t blocks_small = cdiv(p.M, 32) * cdiv(p.Kg, 32) * p.G;
    const bool big_fits = has_big_tile(math) && p.Kg > 64 && tile_smem_bytes(math, TILE_BIG) <= smem_optin;
    const bool wide_fits = math == MATH_F16 && p.Kg > 32 && tile_smem_bytes(math, TILE_WIDE) <= smem_optin;
    // Short reductions (Kgemm <= 64: two k-tiles, e.g. 1x1 layers from 64 channels): a 128x128 block
    // spends most of its time filling the pipeline and in the epilogue. H200, ResNet-50 64 -> 256 1x1
    // at 56x56 batch 32, f16 NHWC: WIDE 49.2 us, BIG 65.4.
    if (wide_fits && p.Kgemm <= 64 && blocks_wide >= num_sms) return TILE_WIDE;
    if (big_fits && blocks_big >= num_sms) return TILE_BIG;
    // Too few BIG tiles (512@7 at batch 32: 52 for 132 SMs): BIG split along K (pick_splits) rather
    // than MED, whose 32x32 warp tiles need 3.01 shared-memory wavefronts per mma.sync (the
    // emulation's profile group): 1.51x the 2-cycle sm_80 tensor time, a 66 % cap. f16 BIG (64x64
    // warps): 1.51 per mma; TF32 BIG (64x32 warps, fp32 tiles): 2.01. H200, 512@7 batch 32 NHWC:
    // f16 BIG split 3 56.6 us vs MED 68.0, TF32 112.4 vs 118.1. Only while MED has fewer than two
    // blocks per SM: at 256@14 (MED 392 blocks) MED won (f16 45.2 us vs BIG split 2 53.7).
    // (pick_splits decides the split within its limits; BIG only where the split fills every SM)
    if (big_fits && num_sms > 0 && blocks_med < 2 * (int64_t)num_sms &&
        blocks_big * pick_splits(p, TILE_BIG, num_sms) >= num_sms)
        return TILE_BIG;
    if (wide_fits && p.Kg <= 64 && blocks_wide >= num_sms) return TILE_WIDE;
    if (blocks_med >= num_sms) return TILE_MED;
    // Fewer MED blocks than SMs: smaller tiles that fill the SMs beat split-K's partials and extra
    // reduction pass. H200, batch 1, f16 NHWC: 64@56 3x3 SMALL 12.4 us vs MED split 4 13.0;
    // 256 -> 64 1x1 at 56x56 SMALL 9.9 vs MED split 2 13.6.
    // Except for f32 tensors with long reductions (Kgemm >= 512), where MED split along K won once
    // the split-K reduction was fixed (H200, ResNet-50 64@56 3x3 at batch 1, MED split 4 vs SMALL: TF32
    // NCHW 16.4 vs 22.2 us, NHWC 12.4 vs 13.4; FP16-on-f32 16.2 vs 21.6, 12.3 vs 12.8; 3xTF32 20.6 vs
    // 26.9, 16.7 vs 18.4). f16 keeps SMALL there (9.5 vs MED split 4 10.3) and so do short reductions
    // (1x1 256 -> 64 at batch 1, Kgemm 256: TF32 SMALL 13.2 us, MED 15.3).
    if (blocks_small >= num_sms && (math == MATH_F16 || p.Kgemm < 512 || pick_splits(p, TILE_MED, num_sms) < 2))
        return TILE_SMALL;
    if (blocks_med >= num_sms / 2 || p.Kg > 32) return TILE_MED;
    return TILE_SMALL;
}

// The fast direct kernel (direct_strip_kernel) stages the block's whole filter
// slice [Kgemm][KB] in shared memory: used when that fits kDirectStripMaxWsBytes
// (AUTO's direct problems always do), else the generic direct_conv_kernel.
inline bool direct_strip_fits(const ConvParams& p, int kb) {
    return (size_t)p.Kgemm * (size_t)kb * sizeof(float) <= (size_t)kDirectStripMaxWsBytes;
}
// direct_strip_kernel's output mode (DirectStore): NHWC whole pixels per block
// (G == 1, K == KB) with 16-byte aligned y and image bases -> STAGED; NHWC with
// K and K/g multiples of 4 and y aligned for a 4-element vector -> VEC4; else
// element stores.
inline int direct_strip_store_mode(const ConvParams& p, int kb, const void* y, int elem_bytes) {
    if (!p.chlast) return STORE_ELEM;
    const uintptr_t a = reinterpret_cast<uintptr_t>(y);
    const int ov = 16 / elem_bytes;
    if (p.G == 1 && p.K == kb && a % 16 == 0 && ((int64_t)p.K * p.OPQ) % ov == 0) return STORE_STAGED;
    if (p.K % 4 == 0 && p.Kg % 4 == 0 && a % (uintptr_t)(4 * elem_bytes) == 0) return STORE_VEC4;
    return STORE_ELEM;
}
// Dynamic shared memory of direct_strip_kernel: the filter slice [Kgemm][KB]
// fp32 (+ the per-warp output stage for STORE_STAGED).
inline size_t direct_strip_smem(const ConvParams& p, int kb, int store_mode, int elem_bytes) {
    size_t b = (size_t)p.Kgemm * kb * sizeof(float);
    if (store_mode == STORE_STAGED)
        b += (size_t)4 * 32 * kb * elem_bytes;  // the output stage: 4 warps x 32 pixels x KB (pixel_stage_at)
    return b;
}

// direct_tile_kernel (direct_tile.cuh) serves a DIRECT problem when: 2-D
// (D = T = O = 1), 3x3 filter (the compiled set), stride 1, dilation 1,
// C/g in {1, 2, 3} (Kgemm <= 27), KB = 16 (K/g >= 12), NHWC only with
// groups == 1. Everything else: direct_strip_kernel / direct_conv_kernel.
inline bool direct_tile_supported(const ConvParams& p, int kb) {
    return kb == kDirectTileKB && p.D == 1 && p.T == 1 && p.O == 1 && p.R == 3 && p.S == 3 && p.sh == 1 &&
           p.sw == 1 && p.dh == 1 && p.dw == 1 && p.Cg >= 1 && p.Cg <= 3 && (!p.chlast || p.G == 1) &&
           direct_strip_fits(p, kb);
}
inline size_t direct_tile_smem(const ConvParams& p, int elem_bytes, bool mma = false) {
    return direct_tile_smem_bytes(elem_bytes, p.Cg, p.R, p.S, p.chlast != 0, mma);
}
// Launch arguments: tile counts, the staged-row alignment shift, and whether
// 16-byte copies (x 16-byte aligned, every row / plane / image start a
// multiple of 16 bytes) and 16-byte NHWC stores (K multiple of the vector,
// y 16-byte aligned) are legal.
inline DirectTileArgs direct_tile_args(const ConvParams& p, int elem_bytes, const void* x, const void* y) {
    DirectTileArgs a;
    const int ve = 16 / elem_bytes, ew = p.chlast ? p.Cg : 1;
    a.tiles_q = (int)cdiv(p.Q, kDirectTileTW);
    a.tiles_p = (int)cdiv(p.P, kDirectTileTH);
    a.ntiles = p.N * a.tiles_p * a.tiles_q;
    a.shift = ((-(p.pw % ve) * ew) % ve + ve) % ve;  // (q0 - pw) * ew mod ve, q0 * ew a multiple of ve
    a.vec_in = (reinterpret_cast<uintptr_t>(x) % 16 == 0) && p.xs_h % ve == 0 && (p.chlast || p.xs_c % ve == 0) &&
               p.xs_n % ve == 0;
    a.vec_out = p.chlast && p.K % ve == 0 && reinterpret_cast<uintptr_t>(y) % 16 == 0;
    return a;
}
// Persistent grid: x = tiles, at most what is resident at once over all
// y-blocks (blocks_per_sm: the plan's occupancy query; a block that is not
// resident would start only after others finished all their tiles),
// y = groups x KB-channel tiles.
inline void direct_tile_grid(const ConvParams& p, const DirectTileArgs& a, int num_sms, int blocks_per_sm,
                             unsigned* gx, unsigned* gy) {
    const int64_t y = (int64_t)p.G * cdiv(p.Kg, kDirectTileKB);
    int64_t x = (int64_t)(blocks_per_sm > 0 ? blocks_per_sm : 1) * (num_sms > 0 ? num_sms : 1) / y;
    if (x < 1) x = 1;
    if (x > a.ntiles) x = a.ntiles;
    *gx = (unsigned)x;
    *gy = (unsigned)y;
}

inline int tile_bn(int tile) {
    tile = tma_ws_twin(tile);
    return tile == TILE_BIG || tile == TILE_WGMMA || tile == TILE_WGMMA_WS || tile == TILE_WGMMA_WS_M256 ? 128
           : tile == TILE_SMALL                                                                          ? 32
                                                                                                         : 64;
}

// The warp-specialized kernels' tile for the GEMM view q: 128 x 64 for K/g <= 64, else 128 x 128, or for f16
// 256 x 128 where those tiles alone give every SM a block; tma: the TMA kernel's tile of the same shape.
inline int ws_tile(const ConvParams& q, int math, int num_sms, bool tma) {
    int t = q.Kg <= 64 ? TILE_WGMMA_WS_N64 : TILE_WGMMA_WS;
    if (t == TILE_WGMMA_WS && math == MATH_F16 && cdiv(q.M, 256) * cdiv(q.Kg, 128) * q.G >= num_sms)
        t = TILE_WGMMA_WS_M256;
    if (!tma) return t;
    return t == TILE_WGMMA_WS_N64 ? TILE_WGMMA_TMA_N64 : t == TILE_WGMMA_WS ? TILE_WGMMA_TMA : TILE_WGMMA_TMA_M256;
}

// Split-K for implicit GEMMs with few output tiles (small M = N*P*Q, e.g.
// ResNet's 7x7 / 14x14 layers: 512@7x7 has 8 MED tiles for 132 SMs at batch 1,
// 200 at batch 32): aim at ~2 blocks per SM, keep >= 4 k-tiles (of 32) per
// split, at most 16 splits, partials <= 16 MB (x waves below); the fp32 partials
// [G][splits][M][Kg] go to the workspace and splitk_reduce_kernel sums them in
// order (deterministic). waves > 1 (autotuning candidates only, candidate_kernels): aim at waves times
// that many blocks, also where the blocks already cover the SMs once -- for the tuner to measure
// whether more resident blocks beat the extra partials (512@7 at batch 32: BIG split 3 leaves 1.2
// blocks per SM; split 6 gives 2.4).
inline int pick_splits(const ConvParams& p, int tile, int num_sms, int waves) {
    const int64_t blocks = cdiv(p.M, tile_bm(tile)) * cdiv(p.Kg, tile_bn(tile)) * p.G;
    // BIG (64x64 warp tiles, ~2 blocks per SM): one block per SM is the goal
    // (f16 picks it with fewer tiles than SMs, pick_tile); the lighter tiles
    // (MED/WIDE/SMALL/SIMT) keep 3-4 resident blocks per SM, so fewer than 2 per
    // SM leaves most warp slots empty -> split too, as long as the fp32
    // partials stay small (<= 16 MB: L2-resident-ish).
    const int64_t w = waves > 1 ? waves : 1;
    const int t = tma_ws_twin(tile);
    const bool one_per_sm = t == TILE_BIG || t == TILE_WGMMA || t == TILE_WGMMA_WS || t == TILE_WGMMA_WS_M256;
    const int64_t target = (one_per_sm ? 1 : 2) * (int64_t)num_sms * w;
    // Never where the blocks already cover the SMs: the partials and the reduction pass cost more
    // than the extra resident warps gain (H200, ResNet-50 stem at batch 1, 196 MED blocks: split 2
    // 36.1 us, none 21.7 -- timed with the first splitk_reduce_kernel, whose three 64-bit divisions per
    // output cost ~16 us at 1.6 M outputs; the rules set after its replacement are in pick_tile and
    // choose_kernel: MED split over SMALL and the two-wave split for f32 tensors, wgmma split 2 at 256@14).
    if (num_sms <= 0 || blocks >= target || (w == 1 && blocks >= num_sms)) return 1;
    const int64_t kt = cdiv(p.Kgemm, 32);
    int64_t s = cdiv(target, blocks);
    if (s > kt / 4) s = kt / 4;
    if (s > 16) s = 16;
    if (s < 2) return 1;
    const int64_t per = cdiv(kt, s);
    s = cdiv(kt, per);  // no empty split
    if (s < 2 || (int64_t)p.G * s > 65535) return 1;
    if ((int64_t)p.G * s * p.M * p.Kg * 4 > ((int64_t)16 << 20) * w) return 1;
    return (int)s;
}

inline size_t ws_round(size_t b) { return (b + 255) & ~(size_t)255; }

// Stream-K (stream_k.cuh) for wgmma_conv_kernel's tiles (TILE_WGMMA, TILE_WGMMA_N64): the output tiles
// of q, the fp32 slot bytes of a grid of `ctas` blocks (2 partial tiles per block; the tickets follow at
// this offset), and the grid: every resident slot of the device (num_sms x the tile's blocks per SM,
// its __launch_bounds__ minimum, which check-kernels holds ptxas to) but at least 4 k-slices of 32 per
// block -- 0 where the tile has no stream-K form or the GEMM is too short.
constexpr bool stream_k_tile(int tile) { return tile == TILE_WGMMA || tile == TILE_WGMMA_N64; }
inline int64_t stream_k_tiles(const ConvParams& q, int tile) {
    return cdiv(q.M, tile_bm(tile)) * cdiv(q.Kg, tile_bn(tile)) * q.G;
}
inline size_t stream_k_slot_bytes(int ctas, int tile) {
    return ws_round((size_t)2 * ctas * tile_bm(tile) * tile_bn(tile) * sizeof(float));
}
inline int stream_k_ctas(const ConvParams& q, int tile, int math, int num_sms) {
    if (!stream_k_tile(tile) || (math != MATH_F16 && math != MATH_TF32) || num_sms <= 0) return 0;
    const int per_sm = math == MATH_F16 ? (tile == TILE_WGMMA ? TileFor<TILE_WGMMA, 2>::type::kMinBlocks
                                                              : TileFor<TILE_WGMMA_N64, 2>::type::kMinBlocks)
                                        : (tile == TILE_WGMMA ? TileFor<TILE_WGMMA, 4>::type::kMinBlocks
                                                              : TileFor<TILE_WGMMA_N64, 4>::type::kMinBlocks);
    const int64_t work = stream_k_tiles(q, tile) * cdiv(q.Kgemm, 32);
    if (work > 0x7fffffff) return 0;  // 32-bit iteration indices
    int64_t p = (int64_t)num_sms * per_sm;
    if (p > work / 4) p = work / 4;
    return p >= 2 && p <= 65535 ? (int)p : 0;
}

// NCHW input to the implicit GEMM: A-operand gathers along C are strided by
// D*H*W, so every element is a separate 4-byte cp.async (f32) or even a
// synchronous 2-byte copy (f16). When C/g is a multiple of the 16-byte vector
// (8 halves / 4 floats), transform x to NHWC in the workspace (transpose_kernel:
// one read + one write of x at ~DRAM speed) and run the 16-byte NHWC path; the
// weights [K][Cg][TRS] are transposed to [K][TRS][Cg] too (TRS > 1). Not for
// f32 1x1 layers with few FLOP per byte of x: there the transform of a large x costs
// more than it saves (NCHW 1x1 f32 is only ~1.4x slower than NHWC), while f16 is
// ~2.3x slower (want_nhwc_transform below).
enum { NHWC_NONE = 0, NHWC_TRANSPOSE = 1, NHWC_PAD = 2 };
// Nor for f32 GEMMs under 1 GFLOP (H200, ResNet-50 3x3 at batch 1, NCHW TF32: 512@7 23.9 us
// untransformed vs 40.7, 256@14 22.6 vs 28.8, 128@28 22.9 vs 27.9; the fp32 gathers are
// asynchronous 4-byte cp.async, and the two transform kernels cost more than they save); f16's
// element gathers are synchronous 2-byte copies and keep it (64@56 batch 1: 20.4 vs 53.9 us).
inline bool nhwc_transform_ok(const ConvParams& p, bool f16) {
    const int vec = f16 ? 8 : 4;
    return !p.chlast && p.Cg % vec == 0 && p.N <= 65535 && p.K <= 65535;
}
// f32 1x1 layers of >= 1 GFLOP do transform when the GEMM does >= 64 FLOP per byte of x (1x1 stride 1:
// K/g >= 128), where the transform's pass over x is small against it -- H200, ResNet-50 64 -> 256 at 56x56
// batch 32 (128 FLOP/B), NCHW, transposed vs not, two runs: FP32 170 vs 209 us, FP16-on-f32 118 vs 159,
// 3xTF32 145 vs 160, TF32 (BIG) 84 vs 87; 256 -> 64 (32 FLOP/B) keeps the rule above: FP32 166 vs 161,
// TF32 (MED) 127 vs 102, FP16 127 vs 102, 3xTF32 149 vs 120.
// f16 skips it only where the weights (transposed too) are over 32x the bytes of x: H200, ResNet-50 512@7
// at batch 1 (w 94x x), two runs: MED split 16 untransformed 27.9 / 28.1 us vs 33.9 / 34.4 through the
// transform; 256@14 (11.8x) 21.1 / 21.4 vs 21.3 / 23.8 and 128@28 (1.5x) 19.0 vs 17.9 keep it.
inline bool want_nhwc_transform(const ConvParams& p, bool f16) {
    if (!nhwc_transform_ok(p, f16)) return false;
    const double x_elems = (double)p.N * p.C * p.D * p.H * p.W;
    if (f16) return (double)p.K * p.Kgemm <= 32.0 * x_elems;
    const double flops = 2.0 * p.M * p.K * p.Kgemm;
    const double x_bytes = 4.0 * x_elems;
    return flops >= 1e9 && (p.TRS > 1 || flops >= 64.0 * x_bytes);
}
// Few / odd channels (e.g. the RGB stem, C = 3, 7x7): the A gather is element
// by element in both layouts. Pad every group's channels to cgp = the next
// multiple of the vector (3 -> 4 f32, 3 -> 8 f16) in an NHWC copy of x (one
// 16-byte vector per thread, pad_nhwc_kernel) and of w, then run the 16-byte
// NHWC path: up to 3x the MMA work for full-speed loads. channel_pad_cgp: cgp
// where that is possible, or 0 when padding would more than triple C/g.
inline int channel_pad_cgp(const ConvParams& p, bool f16) {
    const int vec = f16 ? 8 : 4;
    if (p.Cg % vec == 0) return 0;
    const int cgp = (p.Cg + vec - 1) / vec * vec;
    if (cgp > 3 * p.Cg) return 0;
    // 32-bit offsets of the padded copy, including the iterators' window origins
    // in the padding: D + pad_begin + pad_end < O*sd + (T-1)*dd + 1 per dim.
    const int64_t vol = (int64_t)p.N * p.G * cgp * ((int64_t)p.O * p.sd + (int64_t)(p.T - 1) * p.dd) *
                        ((int64_t)p.P * p.sh + (int64_t)(p.R - 1) * p.dh) *
                        ((int64_t)p.Q * p.sw + (int64_t)(p.S - 1) * p.dw);
    if (vol >= ((int64_t)1 << 31) || (int64_t)p.K * cgp * p.TRS >= ((int64_t)1 << 31)) return 0;
    return cgp;
}
// Whether the heuristic pads (returns cgp, else 0): f32 tensors only, and only for a GEMM of at least
// 1 GFLOP. Measured on the H200 (ResNet-50 stem, 3 -> 64, 7x7 stride 2; gpu-check --tune): TF32 at
// batch 32 215.7 us padded vs 236.6 unpadded; at batch 1 the two extra kernels cost more than they
// save (23.6 vs 17.8 us); f16 loses at both (batch 32: 180.5 vs 154.1 us; batch 1: 36.1 vs 20.9).
inline int want_channel_pad(const ConvParams& p, bool f16) {
    if (f16 || 2.0 * p.M * p.K * p.Kgemm < 1e9) return 0;
    return channel_pad_cgp(p, f16);
}
// What the GEMM kernel sees for a choice (x/w possibly transformed).
inline ConvParams gemm_view(const ConvParams& p, int to_nhwc, int cgp) {
    if (to_nhwc == NHWC_TRANSPOSE) return nhwc_input_view(p);
    if (to_nhwc == NHWC_PAD) return nhwc_input_view(p, cgp);
    return p;
}

// The fields every choice shares, for a resolved algorithm.
inline KernelChoice base_choice(const fc_conv_desc* d, const ConvParams& p, int algorithm) {
    KernelChoice k;
    k.algorithm = algorithm;
    k.kind = algorithm == FC_ALGO_DIRECT ? KK_DIRECT : algorithm == FC_ALGO_UNFOLD_GEMM ? KK_UNFOLD_GEMM : KK_IMPLICIT;
    k.math = math_for(d);
    k.tile = TILE_MED;
    k.direct_kb = p.Kg >= 12 ? 16 : 4;
    k.round_mode = d->dtype == FC_DTYPE_F16 ? ROUND_NONE
                   : d->precision == FC_PRECISION_TF32 ? ROUND_TF32
                   : d->precision == FC_PRECISION_FP16 ? ROUND_F16
                                                       : ROUND_NONE;
    k.workspace = 0;
    k.splits = 1;
    k.stream_k = 0;
    k.to_nhwc = NHWC_NONE;
    k.cgp = 0;
    k.ws_x = k.ws_w = k.ws_partial = 0;
    k.direct_tile = 0;
    return k;
}
inline KernelChoice unfold_choice(const fc_conv_desc* d, const ConvParams& p) {
    KernelChoice k = base_choice(d, p, FC_ALGO_UNFOLD_GEMM);
    k.tile = k.math == MATH_SIMT ? TILE_SIMT : TILE_MED;
    k.workspace = (size_t)p.G * (size_t)p.M * (size_t)p.Kgemm * (d->dtype == FC_DTYPE_F16 ? 2 : 4);
    return k;
}
// Whether an implicit choice's NCHW -> NHWC transform also rounds x and w to tf32 (cvt.rna, transpose_kernel's
// kRoundTf32): TF32 on the TMA kernel, whose TF32 configs otherwise round every landed stage in shared memory with
// a warpgroup of their own (implicit_gemm_wgmma_tma.cuh) -- done in the transform it costs nothing, the pass over
// the tensors being made anyway. w is then always transformed (a rounded copy even where TRS == 1). Rounding
// twice is rounding once, so whichever TF32 kernel the launch ends up on (the TMA kernel's fallbacks) computes
// the same result.
inline bool tf32_round_in_transform(int math, int tile, int to_nhwc) {
    return math == MATH_TF32 && to_nhwc == NHWC_TRANSPOSE && is_wgmma_tma_tile(tile);
}
// An implicit-GEMM choice: tile, split-K factor and input transform given; the workspace laid out as
// [x in NHWC][w in NHWC][fp32 split-K partials] (each part only where used).
inline KernelChoice implicit_choice(const fc_conv_desc* d, const ConvParams& p, int tile, int splits, int to_nhwc,
                                    int cgp, int stream_k = 0) {
    KernelChoice k = base_choice(d, p, FC_ALGO_IMPLICIT_GEMM);
    k.tile = tile;
    k.splits = stream_k > 0 ? 1 : splits;
    k.stream_k = stream_k;
    k.to_nhwc = to_nhwc;
    k.cgp = to_nhwc == NHWC_PAD ? cgp : 0;
    const ConvParams q = gemm_view(p, k.to_nhwc, k.cgp);
    const size_t es = d->dtype == FC_DTYPE_F16 ? 2 : 4;
    size_t off = 0;
    if (k.to_nhwc) {
        off = ws_round((size_t)q.N * q.C * q.D * q.H * q.W * es);
        k.ws_w = off;
        if (p.TRS > 1 || k.to_nhwc == NHWC_PAD || tf32_round_in_transform(k.math, k.tile, k.to_nhwc))
            off += ws_round((size_t)q.K * q.Kgemm * es);
    }
    k.ws_partial = off;
    if (k.splits > 1) off += (size_t)p.G * k.splits * (size_t)p.M * (size_t)p.Kg * sizeof(float);
    if (k.stream_k > 0)
        off += stream_k_slot_bytes(k.stream_k, tile) + (size_t)stream_k_tiles(q, tile) * sizeof(unsigned);
    k.workspace = off;
    return k;
}

// allow_halo = false: never tc_halo_kernel (the backend honours
// FASTCONV_CUDA_IMPLICIT_KERNEL=gather for comparisons).
inline KernelChoice choose_kernel(const fc_conv_desc* d, const ConvParams& p, int num_sms, size_t smem_optin,
                                  bool allow_halo = true, bool has_wgmma = false) {
    int algorithm = d->algorithm;
    if (algorithm == FC_ALGO_AUTO) algorithm = p.Kgemm <= 32 ? FC_ALGO_DIRECT : FC_ALGO_IMPLICIT_GEMM;
    if (algorithm == FC_ALGO_DIRECT) {
        KernelChoice k = base_choice(d, p, FC_ALGO_DIRECT);
        k.direct_tile = !direct_tile_supported(p, k.direct_kb)                            ? 0
                        : direct_tile_mma_ok(d->dtype == FC_DTYPE_F16 ? 2 : 4, k.round_mode) ? 2
                                                                                            : 1;
        return k;
    }
    if (algorithm == FC_ALGO_UNFOLD_GEMM) return unfold_choice(d, p);
    const int math = math_for(d);
    const bool f16 = d->dtype == FC_DTYPE_F16;
    const int cgp = want_channel_pad(p, f16);
    const int to_nhwc = cgp ? NHWC_PAD : want_nhwc_transform(p, f16) ? NHWC_TRANSPOSE : NHWC_NONE;
    const ConvParams q = gemm_view(p, to_nhwc, cgp);
    int tile = pick_tile(p, math, num_sms, smem_optin);
    const int halo = allow_halo && !cgp ? pick_halo(q, math, num_sms, smem_optin) : -1;
    if (halo >= 0) tile = halo;
    // A device that runs the sm_90a image (has_wgmma), f16 tensors or TF32: where the table says BIG or
    // MED, wgmma_conv_kernel (128 x 128, or 128 x 64 for K/g <= 64; same transform, pick_splits' split)
    // when the reduction is long enough to keep its pipeline busy (Kgemm >= 256) and its tiles alone
    // cover a quarter of the SMs (no batch-1 layer of ResNet-50: there the MED split-K picks stayed
    // ahead or even). For TF32 with whole tiles short of one per SM and a long reduction (Kgemm >= 1024),
    // its stream-K form on every resident slot instead of split-K (stream_k.cuh). H200, ResNet-50 at
    // batch 32, after the split-K reduction's fix (gpu-check --all: the tuner's timings, and the same
    // kernels forced in a separate benchmark pass): f16 256@14 NHWC 35.4 vs MED 41.4 us (forced 40.6
    // vs 46.4), NCHW 51.7 vs 58.8; f16 512@7 (BIG split 3 before; an earlier run) 49.6 vs 55.2, NCHW
    // 81.1 vs 86.7; TF32 256@14 stream-K 74.3 vs MED 93.3 (NCHW 86.1 vs 102.9), 512@7 76.8 vs BIG
    // split 3 105.7 (NCHW 104.1 vs 130.1); TF32 1x1 256 -> 64 on 128 x 64 tiles 50.3 vs MED 65.9 (NCHW
    // 96.4 vs 102.4). Left alone:
    // halo picks (64@56, 128@28: even or slower forced), WIDE / SMALL picks, Kgemm < 256 (1x1 from 64
    // channels: TF32 BIG 71.2 vs wgmma 101.2; the stem's 147), stream-K for f16 (256@14: 40.3 vs
    // split 2 35.4) and for short TF32 reductions (batch-1 stem: 21.1 vs MED 13.8).
    int stream_k = 0;
    if (has_wgmma && halo < 0 && (math == MATH_F16 || math == MATH_TF32) && (tile == TILE_BIG || tile == TILE_MED) &&
        q.Kgemm >= 256) {
        const int wt = q.Kg > 64 ? TILE_WGMMA : TILE_WGMMA_N64;
        const int64_t tiles = stream_k_tiles(q, wt);
        if (4 * tiles >= num_sms && tile_smem_bytes(math, wt) <= smem_optin && cdiv(q.M, tile_bm(wt)) <= 0x7fffffff) {
            tile = wt;
            const int ctas = math == MATH_TF32 && q.Kgemm >= 1024 ? stream_k_ctas(q, wt, math, num_sms) : 0;
            if (ctas > 0 && tiles < ctas) stream_k = ctas;
        }
    }
    // On such a device, f16 tensors whose GEMM view TMA takes with C % 64 == 0 (NHWC after the transform,
    // groups 1, 2-D), Kgemm >= 256 and 128-row tiles covering a quarter of the SMs: wgmma_tma_conv_kernel's
    // TMA64 form instead of whatever the rules above picked, halo included (the warp-specialized kernel's
    // tile choice: 128 x 64 for K/g <= 64, 256 x 128 where those tiles alone fill the SMs, else 128 x 128;
    // pick_splits' split). H200, ResNet-50 f16 at batch 32, forced against this table's picks in one
    // gpu-check --tma run (batches of 20 launches): NHWC 64@56 27.6 vs HALO16 37.1 us, 128@28 27.8 vs
    // HALO16 33.4, 256@14 31.2 vs wgmma split 2 34.9, 512@7 35.2 vs 41.1, 1x1 256 -> 64 26.3 vs WIDE 33.6;
    // NCHW (transposed) 1.07-1.26x. Left alone: batch 1 (<= 25 tiles: 0.59-0.92x), 1x1 from 64 channels
    // (Kgemm 64: one slice, 0.98x), C % 64 != 0 (the BK 32 form was 0.86-0.92x on 128@28..512@7).
    bool tma = false;
    if (has_wgmma && math == MATH_F16 && stream_k == 0 && q.Kgemm >= 256 && q.C % 64 == 0 && !tma_conv_unsupported(q)) {
        const int tt = ws_tile(q, math, num_sms, true);
        const int64_t tiles = cdiv(q.M, 128) * cdiv(q.Kg, tile_bn(tt)) * q.G;
        if (4 * tiles >= num_sms && tile_smem_bytes(math, tt) <= smem_optin && cdiv(q.M, tile_bm(tt)) <= 0x7fffffff) {
            tile = tt;
            tma = true;
        }
    }
    int splits = (halo >= 0 && !tma) || stream_k > 0 ? 1 : pick_splits(q, tile, num_sms);  // TILE_SIMT: as MED
    // f32 tensors on the light 64 x 64 tiles (MED, SIMT) with between one and two blocks per SM: split for
    // about four (pick_splits' two-wave target). H200, ResNet-50 512@7 at batch 32 (200 blocks), split 3
    // vs none: FP32 NHWC 237.8 vs 285.6 us, NCHW 262.5 vs 306.6; 3xTF32 182.2 vs 221.1, 210.7 vs 246.6;
    // FP16-on-f32 100.2 vs 106.5, 125.0 vs 130.9.
    if (splits == 1 && stream_k == 0 && halo < 0 && !f16 && (tile == TILE_MED || tile == TILE_SIMT)) {
        const int64_t blocks = cdiv(q.M, tile_bm(tile)) * cdiv(q.Kg, tile_bn(tile)) * q.G;
        if (num_sms > 0 && blocks >= num_sms && blocks < 2 * (int64_t)num_sms)
            splits = pick_splits(q, tile, num_sms, 2);
    }
    return implicit_choice(d, p, tile, splits, to_nhwc, cgp, stream_k);
}

inline bool same_choice(const KernelChoice& a, const KernelChoice& b) {
    return a.algorithm == b.algorithm && a.kind == b.kind && a.math == b.math && a.tile == b.tile &&
           a.direct_kb == b.direct_kb && a.direct_tile == b.direct_tile && a.round_mode == b.round_mode &&
           a.splits == b.splits && a.stream_k == b.stream_k && a.to_nhwc == b.to_nhwc && a.cgp == b.cgp;
}

// Whether the GEMM kernel of an implicit choice can take q (the problem as the kernel sees it) on a
// device with smem_optin bytes of shared memory per block: the tile exists for the math (dispatch_tc
// maps the others to MED), fits, and its grid fits the launch limits.
inline bool implicit_tile_ok(const ConvParams& q, int math, int tile, size_t smem_optin) {
    if (math == MATH_SIMT) return tile == TILE_SIMT;
    if (tile == TILE_SIMT) return false;
    if (tile == TILE_BIG && !has_big_tile(math)) return false;
    if ((tile == TILE_WIDE || tile == TILE_HALO16 || tile == TILE_HALO16_WGMMA || tile == TILE_WGMMA_WS_M256 ||
         tile == TILE_WGMMA_TMA_M256) &&
        math != MATH_F16)
        return false;
    if ((tile == TILE_HALO || is_wgmma_tile(tile)) && math != MATH_F16 && math != MATH_TF32) return false;
    if (tile_smem_bytes(math, tile) > smem_optin) return false;
    if (tile == TILE_HALO || tile == TILE_HALO16 || tile == TILE_HALO16_WGMMA) {
        if (!halo_supported(q, math == MATH_F16 ? 2 : 4)) return false;
        const int64_t gx = (int64_t)q.N * halo_tiles_p(q, halo_th(tile)) * halo_tiles_q(q);
        return gx <= 0x7fffffff && cdiv(q.Kg, HaloConfig::BN) <= 65535;
    }
    return cdiv(q.M, tile_bm(tile)) <= 0x7fffffff;
}

// FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma (cuda_backend.cu): the heuristic's implicit choice k of an f16
// problem, or of an f32 one with TF32 precision, moved to the sm_90a wgmma kernels: HALO16 (f16) ->
// tc_halo_kernel with the wgmma step; any other tile -> wgmma_conv_kernel (BN 64 for K/g <= 64, else
// 128), keeping the input transform, split-K re-picked for the tile; k itself where that does not
// apply (not such an implicit choice, or the device cannot run it: has_wgmma = compute capability 9.0
// with the sm_90a image). ws (=wgmma_ws): every such choice, HALO16 included, to the warp-specialized
// wgmma_ws_conv_kernel instead: f16 with K/g > 64 and enough rows for a 256-row tile on every SM -> 256 x
// 128, else 128 x 128 / 128 x 64 as above. sk (=wgmma_sk): every such choice, HALO16 included, to
// wgmma_conv_kernel's stream-K form on the device's resident slots (stream_k_ctas; split-K as for =wgmma
// where the GEMM is too short for it). tma (=wgmma_tma): every such choice (f16, or f32 with TF32: the TMA
// kernel's rounding-warpgroup configs) whose GEMM view TMA can take (tma_conv_unsupported: NHWC after the
// transform, groups 1, 2-D, C % 32 == 0), HALO16 included, to wgmma_tma_conv_kernel with the warp-specialized
// kernel's tile choice; every other problem keeps k.
// The tuner offers the non-warp-specialized ones since their H200 verification (candidate_kernels); the
// heuristic table picks wgmma_conv_kernel for f16 / TF32 BIG and MED choices of long enough reductions
// (choose_kernel, measured pairs there).
inline KernelChoice force_wgmma(const fc_conv_desc* d, const ConvParams& p, const KernelChoice& k, int num_sms,
                                size_t smem_optin, bool has_wgmma, bool ws = false, bool sk = false, bool tma = false) {
    if (!has_wgmma || k.kind != KK_IMPLICIT || (k.math != MATH_F16 && k.math != MATH_TF32)) return k;
    const ConvParams q = gemm_view(p, k.to_nhwc, k.cgp);
    if (tma && tma_conv_unsupported(q, k.math == MATH_F16 ? 2 : 4)) return k;  // TMA cannot take it
    if (k.tile == TILE_HALO16 && !ws && !sk && !tma) {
        KernelChoice h = k;
        h.tile = TILE_HALO16_WGMMA;
        return h;
    }
    const int tile = ws || tma ? ws_tile(q, k.math, num_sms, tma) : q.Kg <= 64 ? TILE_WGMMA_N64 : TILE_WGMMA;
    if (tile_smem_bytes(k.math, tile) > smem_optin || cdiv(q.M, tile_bm(tile)) > 0x7fffffff) return k;
    const int ctas = sk ? stream_k_ctas(q, tile, k.math, num_sms) : 0;
    return implicit_choice(d, p, tile, pick_splits(q, tile, num_sms), k.to_nhwc, k.cgp, ctas);
}

// Every kernel the backend can run a problem with under the requested algorithm, the heuristic's
// choice first (duplicates removed): what autotuning (FASTCONV_AUTOTUNE=1, cuda_backend.cu) times.
// has_wgmma (the device runs the sm_90a image: compute capability 9.0): the f16 and TF32 implicit
// GEMMs also get the wgmma kernels -- wgmma_conv_kernel's 128x128 and 128x64 tiles (with the same
// split choices) and, for f16, tc_halo_kernel's wgmma step -- verified on an H200 (forced on every f16
// and TF32 implicit GEMM of gpu_check's correctness set: 1440 of 1440 runs within bounds) and faster
// than the heuristic's kernel on some layers only (ResNet-50 batch 32: f16 512@7 NHWC 49.6 vs 55.2 us,
// f16 128@28 NCHW 46.3 vs 52.9, TF32 1x1 256->64 NHWC 52.0 vs 67.8; slower on most batch-1 layers), so
// the tuner decides (the table itself moves its f16 / TF32 BIG and MED picks of Kgemm >= 256 there,
// choose_kernel). The warp-specialized kernel is not offered: forced, it was never clearly faster than the
// heuristic's kernel (0.51x .. 1.03x over gpu_check's benchmark set; after the split-K fix 0.51x .. 1.16x,
// median 0.99x, its wins on batch-1 layers of ~20 us, where a kernel the forcing did not touch moved by
// 7 % in the same comparison).
//  DIRECT        direct_tile_kernel's tensor-core step (where the precision allows it) and FFMA step
//                (where direct_tile_supported), and the strip / generic kernel;
//  UNFOLD_GEMM   the one MED (SIMT) GEMM on the unfolded workspace;
//  IMPLICIT_GEMM every tile the math has (HALO16, HALO, BIG, WIDE, MED, SMALL; SIMT for FP32; the wgmma
//                tiles below; wgmma_conv_kernel's stream-K form too where tiles fill the SMs unevenly) x
//                {no split, pick_splits' split, its split for two waves} x {NHWC transpose / channel padding where possible,
//                none};
//  AUTO          all three, DIRECT only where its fast kernels apply (direct_strip_fits) and
//                UNFOLD_GEMM only with a workspace <= 256 MiB.
inline std::vector<KernelChoice> candidate_kernels(const fc_conv_desc* d, const ConvParams& p, int num_sms,
                                                   size_t smem_optin, bool has_wgmma = false) {
    std::vector<KernelChoice> v;
    auto add = [&v](const KernelChoice& k) {
        for (const KernelChoice& o : v)
            if (same_choice(o, k)) return;
        v.push_back(k);
    };
    add(choose_kernel(d, p, num_sms, smem_optin, true, has_wgmma));
    const int algo = d->algorithm;
    const bool auto_ = algo == FC_ALGO_AUTO;
    if (algo == FC_ALGO_DIRECT || (auto_ && direct_strip_fits(p, p.Kg >= 12 ? 16 : 4))) {
        KernelChoice k = base_choice(d, p, FC_ALGO_DIRECT);
        if (direct_tile_supported(p, k.direct_kb)) {
            if (direct_tile_mma_ok(d->dtype == FC_DTYPE_F16 ? 2 : 4, k.round_mode)) {
                k.direct_tile = 2;
                add(k);
            }
            k.direct_tile = 1;
            add(k);
        }
        k.direct_tile = 0;
        add(k);
    }
    if (algo == FC_ALGO_UNFOLD_GEMM || (auto_ && unfold_choice(d, p).workspace <= ((size_t)256 << 20)))
        add(unfold_choice(d, p));
    if (algo == FC_ALGO_IMPLICIT_GEMM || auto_) {
        const int math = math_for(d);
        const bool f16 = d->dtype == FC_DTYPE_F16;
        // every input transform the backend can run, whether or not the heuristic would (its own
        // choice is already first in the list)
        const int cgp = channel_pad_cgp(p, f16);
        int opts[3], nopt = 0;
        if (cgp) opts[nopt++] = NHWC_PAD;
        if (nhwc_transform_ok(p, f16)) opts[nopt++] = NHWC_TRANSPOSE;
        opts[nopt++] = NHWC_NONE;
        for (int oi = 0; oi < nopt; ++oi) {
            const int to_nhwc = opts[oi];
            const ConvParams q = gemm_view(p, to_nhwc, cgp);
            for (int tile : {TILE_HALO16, TILE_HALO16_WGMMA, TILE_HALO, TILE_WGMMA, TILE_WGMMA_N64, TILE_BIG, TILE_WIDE,
                             TILE_MED, TILE_SMALL, TILE_SIMT}) {
                if (is_wgmma_tile(tile) && !has_wgmma) continue;
                if (!implicit_tile_ok(q, math, tile, smem_optin)) continue;
                const bool halo = tile == TILE_HALO || tile == TILE_HALO16 || tile == TILE_HALO16_WGMMA;
                if (halo && to_nhwc == NHWC_PAD) continue;  // the halo kernel wants C/g % 32 (16) anyway
                add(implicit_choice(d, p, tile, 1, to_nhwc, cgp));
                if (halo) continue;  // no split-K in the halo kernels
                const int s = pick_splits(q, tile, num_sms), s2 = pick_splits(q, tile, num_sms, 2);
                if (s > 1) add(implicit_choice(d, p, tile, s, to_nhwc, cgp));
                if (s2 > s) add(implicit_choice(d, p, tile, s2, to_nhwc, cgp));
                // stream-K where whole tiles leave the resident slots unevenly filled: fewer than 4
                // waves of tiles, not a whole number of waves
                const int ctas = stream_k_ctas(q, tile, math, num_sms);
                const int64_t tiles = stream_k_tiles(q, tile);
                if (ctas > 0 && tiles < 4 * (int64_t)ctas && tiles % ctas != 0)
                    add(implicit_choice(d, p, tile, 1, to_nhwc, cgp, ctas));
                // (Not split-K's own decomposition as a stream-K grid -- tiles x s blocks, the partials summed
                // by each tile's last block instead of splitk_reduce_kernel's extra launch: offered once, it
                // lost everywhere on the H200, f16 batch 32 256@14 38.8 vs split 2 36.0 us, 512@7 47.1 vs
                // split 3 41.8, batch-1 512@7 28.4 vs split 16 13.6: one block summing a tile's slots
                // serially costs more than a launch of the parallel reduction.)
            }
        }
    }
    return v;
}

// The autotuner's cache key (cuda_backend.cu): the device and every descriptor field that defines the
// problem (the spatial entries up to spatial_dims; `reserved` is not part of a problem).
inline std::string tune_key(const fc_conv_desc* d, int dev) {
    char b[640];
    int n = snprintf(b, sizeof b, "%d|%d %d %d %d %d %d %d|%lld %lld %lld %lld", dev, (int)d->spatial_dims,
                     (int)d->dtype, (int)d->precision, (int)d->layout, (int)d->algorithm, (int)d->has_bias,
                     (int)d->activation, (long long)d->batch, (long long)d->in_channels, (long long)d->out_channels,
                     (long long)d->groups);
    for (int i = 0; i < d->spatial_dims && i < FC_MAX_SPATIAL_DIMS && n > 0 && n < (int)sizeof b; ++i)
        n += snprintf(b + n, sizeof b - n, "|%lld %lld %lld %lld %lld %lld", (long long)d->in_size[i],
                      (long long)d->kernel_size[i], (long long)d->stride[i], (long long)d->pad_begin[i],
                      (long long)d->pad_end[i], (long long)d->dilation[i]);
    return std::string(b);
}

// A short name of a choice ("implicit HALO16 via NHWC transpose", "direct tile mma", ...) for logs.
inline const char* tile_name(int tile) {
    switch (tile) {
    case TILE_BIG: return "BIG 128x128";
    case TILE_MED: return "MED 64x64";
    case TILE_SMALL: return "SMALL 32x32";
    case TILE_SIMT: return "SIMT 64x64";
    case TILE_WIDE: return "WIDE 128x64";
    case TILE_HALO: return "HALO 8x16px";
    case TILE_HALO16: return "HALO16 16x16px";
    case TILE_WGMMA: return "WGMMA 128x128";
    case TILE_WGMMA_N64: return "WGMMA 128x64";
    case TILE_HALO16_WGMMA: return "HALO16 16x16px wgmma";
    case TILE_WGMMA_WS: return "WGMMA_WS 128x128";
    case TILE_WGMMA_WS_N64: return "WGMMA_WS 128x64";
    case TILE_WGMMA_WS_M256: return "WGMMA_WS 256x128";
    case TILE_WGMMA_TMA: return "WGMMA_TMA 128x128";
    case TILE_WGMMA_TMA_N64: return "WGMMA_TMA 128x64";
    case TILE_WGMMA_TMA_M256: return "WGMMA_TMA 256x128";
    default: return "?";
    }
}
inline void describe_choice(const KernelChoice& k, char* buf, size_t n) {
    if (k.kind == KK_DIRECT) {
        snprintf(buf, n, "direct %s", k.direct_tile == 2 ? "tile (tensor-core step)"
                                      : k.direct_tile == 1 ? "tile (FFMA step)"
                                                           : "strip/generic");
    } else if (k.kind == KK_UNFOLD_GEMM) {
        snprintf(buf, n, "unfold + GEMM %s", tile_name(k.tile));
    } else {
        const char* via = k.to_nhwc == NHWC_TRANSPOSE ? " via NHWC transpose" : k.to_nhwc == NHWC_PAD ? " via channel pad" : "";
        if (k.stream_k > 0)
            snprintf(buf, n, "implicit %s%s, stream-K on %d blocks", tile_name(k.tile), via, k.stream_k);
        else
            snprintf(buf, n, "implicit %s%s, split-K %d", tile_name(k.tile), via, k.splits);
    }
}

}  // namespace cuda
}  // namespace fc
#endif
