// implicit_gemm_halo.cuh — tc_halo_kernel: the implicit GEMM for 3x3 stride-1
// layers with the unfold fused one level further: the A operand of all nine
// taps comes from ONE shared-memory halo tile per channel chunk, instead of
// nine gathered im2col tiles.
//
// What it computes: y = act(bias + conv(x, w)) for 2-D NHWC problems (NCHW
// runs on the backend's NHWC transform) with a 3x3 filter, stride 1,
// dilation 1, groups 1, any padding, N, H, W, K: f16 tensors (C a multiple of
// 32; fp16 products, mma.sync m16n8k16) or f32 tensors with TF32 precision (C
// a multiple of 16; m16n8k8 on cvt.rna-rounded inputs); fp32 accumulation.
//
// Why (issue 3): tc_conv_kernel loads, per BK slice, a BM x BK im2col tile
// of A: for a 3x3 layer every input value crosses L2 -> SM up to nine times
// (once per tap), so the ResNet-50 3x3 layers at batch 32 move ~170 MB of
// A+B tiles through L2 for 7.4 GFLOP (64@56): A is ~2/3 of that traffic and
// at ~3 TB/s it plausibly caps the kernel near the 130 TFLOP/s the H200
// measured (the mma.sync ceiling is 635; not profiled yet). Here a block's A traffic per channel chunk
// is its halo: (8+2) x (16+2) = 180 pixels instead of 9 x 128 = 1152 rows
// (6.4x less; 324 instead of 2304 for 16 x 16); B (weights, L2-resident) is
// unchanged per block.
//
// Tiling: a block owns TH x TW = TH x 16 output pixels of one image (GEMM
// rows: tile row r = output pixel (th0 + r / 16, tw0 + r % 16)) x BN = 64
// output channels; TH / 4 warps (TH = 8: 2, TH = 16: 4), warp tile 64 x 64
// = 4 output rows x 16 pixels x 64 channels (m16 tile i = one output row: its
// 16 A rows are 16 consecutive halo pixels (SmemRows rows), so ldmatrix reads
// them like any tile). Why 64 x 64 (128 fp32 accumulators, ~200 registers,
// launch bounds for 255): per k16 a warp's 4 A + 4 B ldmatrix.x4 (32
// wavefronts) feed 32 mma.sync = 1 wavefront per mma; with 64 x 32 warps it
// was 1.5, plus the loader stores, and the emulation's profile group counted
// 1.74-1.93 shared-memory wavefronts per mma for the ResNet layers: more
// shared-memory cycles than the mma.sync rate leaves on sm_90 (~1.7 cycles
// per m16n8k16 at the H200's measured 635 TFLOP/s) and 87-96 % of the A100's
// (2 cycles). Now 1.24-1.30 (16 x 16 tiles). Static sm_90 SASS: 64 HMMA, 16
// LDSM and ~280 instructions per k-step (16 x 16 f16), 4.3 per HMMA (64 x 32:
// 9.7). 16 x 16 tiles (f16 only) halve the weight bytes per FLOP, which with
// the halo are ~3/4 of the L2 traffic.
// K loop: steps s = (chunk j of BK = 64 bytes of channels: 32 f16 / 16 f32,
// tap t = (r, s)), tap fastest; per step one B tile [64][BK] (weights
// [K][R][S][C]: row n, columns t*C + BK*j ..) goes through a STAGES-deep cp.async ring exactly like
// tc_conv_kernel's; the halo of chunk j ([(TH+2) * 18 pixels][BK], 64-byte
// rows swizzled as SmemRows, zero-filled outside the image = padding) is issued with step
// 9j's B tile into one of two halo buffers (a buffer is refilled 18 steps
// after its previous fill, long after its last reader, step 9j + 8). One
// commit group per step, so cp_async_wait<STAGES-2> + __syncthreads at step s
// also covers the halo of s's chunk. The MMA step is mma_step.cuh's with the
// A tile's m16 tiles 18 rows apart (one halo row) and shifted by the tap.
// Shared memory: 2 x (TH+2)*18 x 64 B (halo) + 4 x 64 x 64 B (B ring) = 39 KB
// (TH 8: 4 blocks of 2 warps per SM on sm_80/90, 2 on sm_86/89) / 57 KB (TH 16:
// 2 blocks of 4 warps on sm_80/90, 1 on sm_86/89). Epilogue: epilogue_staged
// with the patch row map (rows past P or Q are skipped).
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_HALO_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_HALO_CUH

#include "cuda/kernels/conv_iterator.cuh"
#include "cuda/kernels/epilogue.cuh"
#include "cuda/kernels/mma_step.cuh"
#include "cuda/kernels/wgmma_step.cuh"

namespace fc {
namespace cuda {

// Copies chunk j's halo (channels BK*j .. BK*j + BK-1 of the (TH+2) x (TW+2) input window at (ih0, iw0))
// into hb [HALO_PIX][LD] with 16-byte cp.async, zero-filling pixels outside the image. x: NHWC, 16-byte
// aligned, C % BK == 0 (host-checked), so every chunk is one aligned 16-byte copy.
template <class Cfg, class Elem>
__device__ __forceinline__ void halo_load(const ConvParams& p, const Elem* x, int n, int ih0, int iw0, int j,
                                          Elem* hb, int tid) {
    constexpr int VE = 16 / (int)sizeof(Elem);
    constexpr int CPP = Cfg::BK / VE;  // 16-byte chunks per pixel
#pragma unroll 2
    for (int e = tid; e < Cfg::HALO_PIX * CPP; e += Cfg::kThreads) {
        const int px = e / CPP, ch = e - px * CPP;
        const int hr = px / Cfg::HW, hw = px - hr * Cfg::HW;
        const int ih = ih0 + hr, iw = iw0 + hw;
        const bool v = in_range(ih, p.H) && in_range(iw, p.W);
        const Elem* src = v ? x + (n * p.xs_n + ih * p.xs_h + iw * p.xs_w + j * Cfg::BK + ch * VE) : x;
        cp_async_cg_16(hb + smem_at<(int)sizeof(Elem), Cfg::BK>(px, ch * VE), src, v ? 16 : 0);
    }
}

// MathK: MATH_F16 (half_t tensors, Cfg = HaloConfigT<2>) or MATH_TF32 (float tensors, HaloConfigT<4>).
// kWgmma (sm_90a, tc_wgmma.cu; f16, TH = 16: one warpgroup): the MMA step is warpgroup_mma_slice_rs
// (wgmma_step.cuh) -- A fragments by ldmatrix as below, B straight from the stage, wgmma.mma_async
// m64n64k16 waited for within the step; the cp.async writes are fenced for wgmma's async proxy before
// the barrier. Correct on an H200 (forced with =wgmma: 1440 / 1440 quick correctness runs), 1.02x the
// mma.sync halo kernel at 64@56 batch 32 f16 NHWC (40.5 vs 41.3 us): the heuristic keeps mma.sync, the
// autotuner times both.
template <class Cfg, int MathK, bool kWgmma = false>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    tc_halo_kernel(ConvParams p, const typename MathTraits<MathK>::Elem* __restrict__ x,
                   const typename MathTraits<MathK>::Elem* __restrict__ w,
                   const typename MathTraits<MathK>::Elem* __restrict__ bias,
                   typename MathTraits<MathK>::Elem* __restrict__ y, int tiles_q, int tiles_p, int vec_y) {
    typedef typename MathTraits<MathK>::Elem Elem;
    static_assert(sizeof(Elem) == Cfg::kElemBytes && (MathK == MATH_F16 || MathK == MATH_TF32), "f16 or tf32");
    constexpr int BN = Cfg::BN, BK = Cfg::BK, STAGES = Cfg::kStages, TAPS = Cfg::R * Cfg::S;
#if defined(__CUDA_ARCH__) && !FC_WGMMA_PTX
    if constexpr (kWgmma) {
        __trap();
        return;
    }
#endif
    static_assert(!kWgmma || (MathK == MATH_F16 && Cfg::TH == 16 && (2 * Cfg::kHaloElems * 2) % 512 == 0 &&
                              (Cfg::kBStageElems * 2) % 512 == 0),
                  "wgmma step: f16, one warpgroup, B stages on 512-byte swizzle atoms");
    FC_DYNAMIC_SHARED(Elem, smem_raw);
    // wgmma: B stages on swizzle atoms of the absolute address (launched with kSmemBytesWgmma)
    Elem* const smem = kWgmma ? align_smem<Cfg::kWgmmaAlign>(smem_raw) : smem_raw;
    Elem* halo = smem;                          // [2][HALO_PIX][LD]
    Elem* bring = smem + 2 * Cfg::kHaloElems;   // [STAGES][BN][LD]

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp % Cfg::kWarpsM, warp_n = warp / Cfg::kWarpsM;
    int t = blockIdx.x;
    const int n = t / (tiles_p * tiles_q);
    t -= n * tiles_p * tiles_q;
    const int tp = t / tiles_q, tq = t - tp * tiles_q;
    const int th0 = tp * Cfg::TH, tw0 = tq * Cfg::TW;
    const int ih0 = th0 - p.ph, iw0 = tw0 - p.pw;
    const int n_block = blockIdx.y * BN;

    const MatrixIterator<Elem, BN, Cfg::kThreads, BK> b_it(w, p.Kg, n_block, p.Kgemm, tid, true);
    const int steps = (p.Cg / BK) * TAPS;
    // Step s's loads: its B tile (weights of tap s % 9, channels 32 (s / 9) ..) and, at a chunk's first tap,
    // the chunk's halo.
    auto load_step = [&](int s) {
        const int j = s / TAPS, tap = s - j * TAPS;
        if (tap == 0) halo_load<Cfg, Elem>(p, x, n, ih0, iw0, j, halo + (j & 1) * Cfg::kHaloElems, tid);
        b_it.load(p, bring + (s % STAGES) * Cfg::kBStageElems, tap * p.Cg + j * BK);
    };

    float acc[Cfg::MI][Cfg::NI][4];
    zero_acc(acc);

#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < steps) load_step(s);
        cp_async_commit();
    }
    int j = 0, r = 0, sc = 0;  // step kt's chunk and tap (r, sc)
    for (int kt = 0; kt < steps; ++kt) {
        cp_async_wait<STAGES - 2>();
        if constexpr (kWgmma) fence_proxy_async_smem();
        __syncthreads();
        const int pf = kt + STAGES - 1;
        if (pf < steps) load_step(pf);
        cp_async_commit();
        // A: m16 tile mi = output row warp_m * 4 + mi = halo row (that + r), pixels sc .. sc + 15.
        if constexpr (kWgmma)
            warpgroup_mma_slice_rs<Cfg, Cfg::HW>(halo + (j & 1) * Cfg::kHaloElems,
                                                 (warp_m * Cfg::MI + r) * Cfg::HW + sc,
                                                 bring + (kt % STAGES) * Cfg::kBStageElems, acc, lane);
        else
            warp_mma_slice<MathK, Cfg, Cfg::HW>(halo + (j & 1) * Cfg::kHaloElems,
                                                (warp_m * Cfg::MI + r) * Cfg::HW + sc,
                                                bring + (kt % STAGES) * Cfg::kBStageElems + warp_n * Cfg::WN * Cfg::LD,
                                                0, acc, lane);
        if (++sc == Cfg::S) {
            sc = 0;
            if (++r == Cfg::R) {
                r = 0;
                ++j;
            }
        }
    }
    cp_async_wait_all();
    epilogue_staged<Cfg, Elem>(p, acc, smem, y, bias, PatchRows<Cfg::TW>{n, th0, tw0}, n_block, warp_m, warp_n, 0,
                               tid, vec_y);
}

}  // namespace cuda
}  // namespace fc
#endif
