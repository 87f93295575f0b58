// implicit_gemm_tc.cuh — convolution as a tensor-core GEMM with the unfold
// fused into the operand loads (implicit GEMM), and the same GEMM reading an
// explicit unfold matrix (UNFOLD_GEMM): only the A iterator differs.
//
// Per group g (grid z), GEMM  Y[m][n] = sum_k A[m][k] * B[n][k]:
//   m = output pixel (n, o, p, q)   M = N*O*P*Q        (grid x, BM per block)
//   n = output channel in group     N = K/groups       (grid y, BN per block)
//   k = (c, t, r, s)                K = C/g*T*R*S      (BK per pipeline step)
// Pipeline (multistage, CUTLASS sm80 style): STAGES-1 slices in flight via
// cp.async; each iteration waits for the oldest, __syncthreads (it also
// protects the slot about to be overwritten: every warp finished computing on
// it in the previous iteration), prefetches slice kt+STAGES-1 into that slot,
// then runs the warp MMA step (mma_step.cuh) on slice kt. Epilogue staged
// through shared memory for coalesced 16-byte stores (epilogue.cuh). Tile
// shapes: tile_config.cuh.
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_TC_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_TC_CUH

#include "cuda/kernels/conv_iterator.cuh"
#include "cuda/kernels/epilogue.cuh"
#include "cuda/kernels/mma_step.cuh"

namespace fc {
namespace cuda {

// kImplicit: A = ConvAIterator over x; else A = MatrixIterator over the unfold
// workspace laid out [G][M][Kgemm]. vec_a / vec_b: host-checked 16-byte paths.
// splits > 1 (split-K, grid z = G * splits): block z = g * splits + split
// multiplies only k-tiles [split * per, (split + 1) * per) and writes its raw
// fp32 partial tile to partial[(g * splits + split)][M][Kg]; splitk_reduce_kernel
// (epilogue.cuh) then sums the splits in order (deterministic), adds bias,
// applies the activation and writes y.
template <class Cfg, int MathK, bool kImplicit>
__device__ __forceinline__ void tc_conv_body(const ConvParams& p, const void* a_src, const void* w, const void* bias,
                                             void* y, int vec_a, int vec_b, int splits, float* partial, int vec_y) {
    typedef typename MathTraits<MathK>::Elem Elem;
    typedef typename MathTraits<MathK>::Out Out;
    constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, LD = Cfg::LD, STAGES = Cfg::kStages;
    FC_DYNAMIC_SHARED(Elem, smem);

    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp % Cfg::kWarpsM, warp_n = warp / Cfg::kWarpsM;
    const int m_block = blockIdx.x * BM, n_block = blockIdx.y * BN;
    const int g = blockIdx.z / splits, split = blockIdx.z - g * splits;

    typedef typename std::conditional<kImplicit, ConvAIterator<Elem, BM, Cfg::kThreads, BK>,
                                      MatrixIterator<Elem, BM, Cfg::kThreads, BK>>::type AIter;
    const KRange kr(p, BK, splits, split);
    const int k_begin = kr.k_begin, ktiles = kr.ktiles;

    const Elem* a_ptr = static_cast<const Elem*>(a_src);
    AIter a_it = [&]() {
        if constexpr (kImplicit)
            return AIter(p, a_ptr, m_block, g, tid, vec_a != 0, k_begin);
        else
            return AIter(a_ptr + g * p.M * p.Kgemm, p.M, m_block, p.Kgemm, tid, vec_a != 0);
    }();
    const MatrixIterator<Elem, BN, Cfg::kThreads, BK> b_it(static_cast<const Elem*>(w) + g * p.Kg * p.Kgemm, p.Kg,
                                                           n_block, p.Kgemm, tid, vec_b != 0);

    float acc[Cfg::MI][Cfg::NI][4];
    zero_acc(acc);

#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < ktiles) {
            Elem* st = smem + s * Cfg::kStageElems;
            a_it.load(p, st, k_begin + s * BK);
            b_it.load(p, st + BM * LD, k_begin + s * BK);
        }
        cp_async_commit();
    }
    for (int kt = 0; kt < ktiles; ++kt) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
        const int pf = kt + STAGES - 1;
        if (pf < ktiles) {
            Elem* st = smem + (pf % STAGES) * Cfg::kStageElems;
            a_it.load(p, st, k_begin + pf * BK);
            b_it.load(p, st + BM * LD, k_begin + pf * BK);
        }
        cp_async_commit();
        const Elem* st = smem + (kt % STAGES) * Cfg::kStageElems;
        // Warp rows start at multiples of 16 (WM, WN), a whole swizzle period (8 rows): passed as base
        // pointers with row 0, the swizzle is per lane only (a runtime first row cost WIDE f16 a spill).
        warp_mma_slice<MathK, Cfg>(st + warp_m * Cfg::WM * LD, 0, st + (BM + warp_n * Cfg::WN) * LD, 0, acc, lane);
    }
    cp_async_wait_all();

    if (splits > 1) {
        epilogue_store_partial(p, acc, partial + (size_t)blockIdx.z * p.M * p.Kg, m_block + warp_m * Cfg::WM,
                               n_block + warp_n * Cfg::WN, lane);
        return;
    }
    epilogue_staged<Cfg, Out>(p, acc, reinterpret_cast<Out*>(smem), static_cast<Out*>(y),
                              static_cast<const Out*>(bias), LinearRows{m_block}, n_block, warp_m, warp_n, g, tid,
                              vec_y);
}

// Tiles whose shared memory exceeds what sm_86 / sm_89 allow per block
// (99 KB: the fp32 BIG tile, 108 KB) can never launch there (plan-time check),
// so their body is not compiled for those archs (it only costs registers:
// ptxas spilled it there).
template <class Cfg, int MathK, bool kImplicit>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks)
    tc_conv_kernel(ConvParams p, const void* a_src, const void* w, const void* bias, void* y, int vec_a, int vec_b,
                   int splits, float* partial, int vec_y) {
#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ == 860 || __CUDA_ARCH__ == 870 || __CUDA_ARCH__ == 890)
    if constexpr (Cfg::kSmemBytes > 101376) {
        __trap();
    } else
#endif
    {
        tc_conv_body<Cfg, MathK, kImplicit>(p, a_src, w, bias, y, vec_a, vec_b, splits, partial, vec_y);
    }
}

}  // namespace cuda
}  // namespace fc
#endif
