// implicit_gemm_wgmma.cuh — the implicit-GEMM convolution on sm_90 (Hopper) with warpgroup MMA
// (wgmma.mma_async), the tile loop of implicit_gemm_tc.cuh with its MMA step swapped: f16 tensors, and
// f32 tensors with TF32 precision (tiles in the 128-byte swizzle, each slice rounded with cvt.rna in
// shared memory by the threads that loaded it, then read by tf32 wgmma).
//
// Same GEMM view (M = output pixels, N = output channels of the group, K = C/g * T*R*S), the same
// im2col loaders (ConvAIterator / MatrixIterator, cp.async 16-byte gathers, zero-fill at edges and
// padding), the same SmemRows tiles, split-K and staged epilogue. What changes (wgmma_step.cuh):
// a block is BM = 128 output pixels x BN (128, or 64 for K/g <= 64 layers) channels, two warpgroups
// of 4 warps each own 64 rows and issue m64nBNk16 wgmma reading A and B from shared memory — no
// ldmatrix, no fragment registers, the tensor-core work is asynchronous to the warps.
//
// Pipeline: a STAGES = 5 ring. Iteration kt: wait for slice kt's cp.async (STAGES-3 groups may stay in
// flight), fence.proxy.async (the generic-proxy cp.async writes become visible to wgmma's async
// proxy), __syncthreads, prefetch slice kt + STAGES - 2 into the slot of slice kt - 2, issue the wgmma
// of slice kt, then wgmma_wait<1>: slice kt - 1's group is done, kt's keeps running while the next
// iteration waits for its loads. A slot is refilled only after every warpgroup has retired the group
// that read it (its wait<1> one iteration earlier, then the barrier). The emulation performs wgmma at
// that wait, so a refill that came too early reads the new data there and the tests fail.
//
// Stream-K form (wgmma_sk_conv_kernel, stream_k.cuh): the same tile loop run by a persistent grid on
// every resident slot, each block taking an equal share of all (tile, k-slice) iterations, so that a
// layer whose tiles fill the SMs unevenly (ResNet-50 256@14 at batch 32: 196 blocks for 264 slots, the
// SMs active 80 % of the time) keeps every SM busy to the end; tiles cut between blocks are summed by
// their last block. The fixup sums a cut tile's slots into the accumulators in place (the first slot
// overwrites them), which keeps the f16 128-wide tile within its 128-register cap (2 blocks per SM)
// without spills; adding into a copy spilled 120 bytes.
//
// Status (H200, two sessions): correct on hardware -- forced on every f16 and TF32 implicit GEMM of
// gpu_check's quick set, 1440 / 1440 runs matched the CPU backend, the stream-K form too; HGMMA in the
// SASS; compute-sanitizer clean. Forced everywhere it is about as fast as the mma.sync kernels (median
// 1.00x, 0.59x .. 1.30x over 182 benchmark rows); after the split-K reduction's fix it wins on the long
// reductions with enough tiles, so the heuristic picks it there (choose_kernel: f16 / TF32 BIG and MED
// picks with Kgemm >= 256 and tiles on >= a quarter of the SMs; TF32 short of one tile per SM: the
// stream-K form; 1.11-1.38x at ResNet-50 256@14 / 512@7 batch 32). Per block it is issue- and
// latency-bound: at 256@14 (f16, split 2; Nsight Compute) 37 % of issue slots used at 1.83 IPC over
// ~1,200 cycles per k-slice and block pair -- an estimated ~140 warp instructions per warp and k-slice
// for one 128x128x32 wgmma pair (the gathers: a cp.async + address per 16 bytes) -- tensor pipe 26 %. The autotuner times it everywhere it applies (candidate_kernels). For 3x3 layers
// the heuristic's halo kernel has a wgmma variant too (implicit_gemm_halo.cuh, kWgmma).
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_CUH

#include "cuda/kernels/conv_iterator.cuh"
#include "cuda/kernels/epilogue.cuh"
#include "cuda/kernels/mma_step.cuh"
#include "cuda/kernels/stream_k.cuh"
#include "cuda/kernels/wgmma_step.cuh"

namespace fc {
namespace cuda {

// The tile loop of one block tile (m_block, n_block) of group g over the k-slices [k_begin, k_begin +
// ktiles * BK): acc += A_tile x B_tile. Elem: half_t (f16 tensors, fp16 products) or float (f32
// tensors, TF32 precision: the slice is rounded with cvt.rna in shared memory before the wgmma read it
// -- the same products as the mma.sync kernels). Leaves no copy or wgmma in flight; the caller
// synchronizes before the stages are written again.
template <class Cfg, class Elem>
__device__ __forceinline__ void wgmma_mainloop(const ConvParams& p, const Elem* x, const Elem* w, int m_block,
                                               int n_block, int g, int k_begin, int ktiles, int vec_a, int vec_b,
                                               Elem* smem, float (&acc)[1][Cfg::NI][4]) {
    constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, LD = Cfg::LD, STAGES = Cfg::kStages;
    constexpr bool kSw = Cfg::kSw128;
    static_assert(sizeof(Elem) == Cfg::kElemBytes, "tile config of the element");
    static_assert(BM == 128 && Cfg::kWarpsM == 8 && Cfg::kWarpsN == 1 && Cfg::MI == 1,
                  "two warpgroups of m64 x BN; warp w owns rows 16w..16w+15 (wgmma's accumulator layout)");
    static_assert(STAGES >= 4, "two slices in flight + the one computing + the one wgmma may still read");
    static_assert((Cfg::kStageElems * Cfg::kElemBytes) % Cfg::kAtomBytes == 0 &&
                      (64 * LD * Cfg::kElemBytes) % Cfg::kAtomBytes == 0,
                  "stages and the warpgroups' A rows on swizzle atoms");
    const int tid = threadIdx.x, wg = tid >> 7;

    typedef ConvAIterator<Elem, BM, Cfg::kThreads, BK, kSw> AIter;
    typedef MatrixIterator<Elem, BN, Cfg::kThreads, BK, kSw> BIter;
    AIter a_it(p, x, m_block, g, tid, vec_a != 0, k_begin);
    const BIter b_it(w + g * p.Kg * p.Kgemm, p.Kg, n_block, p.Kgemm, tid, vec_b != 0);
    zero_acc(acc);

#pragma unroll
    for (int s = 0; s < STAGES - 2; ++s) {
        if (s < ktiles) load_stage<Cfg>(p, a_it, b_it, smem + s * Cfg::kStageElems, k_begin + s * BK);
        cp_async_commit();
    }
    for (int kt = 0; kt < ktiles; ++kt) {
        Elem* const st = smem + (kt % STAGES) * Cfg::kStageElems;  // slice kt's stage
        cp_async_wait<STAGES - 3>();
        if constexpr (sizeof(Elem) == 4) {  // TF32: round this thread's chunks of slice kt (cvt.rna)
            round_tf32_chunks<typename AIter::Map>(st, tid);
            round_tf32_chunks<typename BIter::Map>(st + BM * LD, tid);
        }
        fence_proxy_async_smem();
        __syncthreads();
        const int pf = kt + STAGES - 2;
        if (pf < ktiles) load_stage<Cfg>(p, a_it, b_it, smem + (pf % STAGES) * Cfg::kStageElems, k_begin + pf * BK);
        cp_async_commit();
        warpgroup_mma_slice<Cfg, Elem>(st + wg * 64 * LD, st + BM * LD, acc);
        wgmma_wait<1>();
    }
    wgmma_wait<0>();
    cp_async_wait_all();
}

template <class Cfg, class Elem>
__device__ __forceinline__ void wgmma_conv_body(const ConvParams& p, const Elem* x, const Elem* w, const Elem* bias,
                                                Elem* y, int vec_a, int vec_b, int splits, float* partial,
                                                int vec_y) {
    FC_DYNAMIC_SHARED(Elem, smem_raw);
    Elem* const smem = align_smem<Cfg::kAtomBytes>(smem_raw);  // the swizzle is a function of the absolute address
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int m_block = blockIdx.x * Cfg::BM, n_block = blockIdx.y * Cfg::BN;
    const int g = blockIdx.z / splits, split = blockIdx.z - g * splits;
    const KRange kr(p, Cfg::BK, splits, split);
    float acc[1][Cfg::NI][4];
    wgmma_mainloop<Cfg, Elem>(p, x, w, m_block, n_block, g, kr.k_begin, kr.ktiles, vec_a, vec_b, smem, acc);
    if (splits > 1) {
        epilogue_store_partial(p, acc, partial + (size_t)blockIdx.z * p.M * p.Kg, m_block + warp * Cfg::WM, n_block,
                               lane);
        return;
    }
    epilogue_staged<Cfg, Elem>(p, acc, smem, y, bias, LinearRows{m_block}, n_block, warp, 0, g, tid, vec_y);
}

// The stream-K form (stream_k.cuh): a persistent grid of sk.ctas blocks, block c running the segments of
// its iteration range; whole tiles end in the staged epilogue, cut ones in stream_k_fixup, whose last
// block runs the epilogue on the tile's sum.
template <class Cfg, class Elem>
__device__ __forceinline__ void wgmma_sk_conv_body(const ConvParams& p, const Elem* x, const Elem* w, const Elem* bias,
                                                   Elem* y, int vec_a, int vec_b, const StreamK& sk, int vec_y) {
    FC_DYNAMIC_SHARED(Elem, smem_raw);
    Elem* const smem = align_smem<Cfg::kAtomBytes>(smem_raw);
    const int tid = threadIdx.x, warp = tid >> 5, c = blockIdx.x;
    const int tiles_mn = sk.tiles_m * sk.tiles_n;
    const int end = sk.begin(c + 1);
    float acc[1][Cfg::NI][4];
    for (int it = sk.begin(c); it < end;) {
        const StreamKSegment seg = stream_k_segment(sk, it, end);
        const int g = seg.tile / tiles_mn, mn = seg.tile - g * tiles_mn;
        const int n_block = (mn / sk.tiles_m) * Cfg::BN, m_block = (mn % sk.tiles_m) * Cfg::BM;
        wgmma_mainloop<Cfg, Elem>(p, x, w, m_block, n_block, g, seg.k0 * Cfg::BK, seg.k1 - seg.k0, vec_a, vec_b, smem,
                                  acc);
        if (seg.whole(sk) || stream_k_fixup<Cfg::kThreads>(sk, c, seg.tile, acc, tid))
            epilogue_staged<Cfg, Elem>(p, acc, smem, y, bias, LinearRows{m_block}, n_block, warp, 0, g, tid, vec_y);
        it += seg.k1 - seg.k0;
        __syncthreads();  // the epilogue's staging reads end before the next segment's copies land
    }
}

// Compiled with instructions only for sm_90a (FC_SM90A_ONLY); any other device compile is a trap stub
// (the backend launches it only on compute capability 9.0, from the sm_90a cubin).
template <class Cfg, class Elem>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    wgmma_conv_kernel(ConvParams p, const Elem* x, const Elem* w, const Elem* bias, Elem* y, int vec_a, int vec_b,
                      int splits, float* partial, int vec_y) {
    FC_SM90A_ONLY(wgmma_conv_body<Cfg, Elem>(p, x, w, bias, y, vec_a, vec_b, splits, partial, vec_y));
}

template <class Cfg, class Elem>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    wgmma_sk_conv_kernel(ConvParams p, const Elem* x, const Elem* w, const Elem* bias, Elem* y, int vec_a, int vec_b,
                         StreamK sk, int vec_y) {
    FC_SM90A_ONLY(wgmma_sk_conv_body<Cfg, Elem>(p, x, w, bias, y, vec_a, vec_b, sk, vec_y));
}

}  // namespace cuda
}  // namespace fc
#endif
