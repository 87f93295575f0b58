// implicit_gemm_simt.cuh — FP32-exact convolution GEMM on the FFMA pipes (no
// tensor cores): same problem mapping, iterators and cp.async multistage ring
// as implicit_gemm_tc.cuh (TileFor<TILE_SIMT,4>: 64x64x32, 128 threads, 3
// stages), different inner product.
//
// Thread tile 4 (m) x 8 (n): thread (tx = tid%16, ty = tid/16) owns rows
// tx + 16i and columns ty + 8j. Per 4-k step it reads 4 A and 8 B float4 from
// shared memory (LDS.128: an 8-lane phase reads A rows tx..tx+7 -> 8 distinct
// 16-byte bank groups with the 144-byte pitch; B is a broadcast) for 128 FFMA.
// Stores: 16 lanes write 16 consecutive pixels of a channel (NCHW coalesced).
// Accumulation order per output is k ascending in fp32 FFMA (like the CPU
// reference up to association).
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_SIMT_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_SIMT_CUH

#include "cuda/kernels/conv_iterator.cuh"
#include "cuda/kernels/epilogue.cuh"
#include "cuda/kernels/tile_config.cuh"

namespace fc {
namespace cuda {

// splits > 1: split-K exactly as tc_conv_kernel (grid z = G * splits, raw fp32
// partials [G][splits][M][Kg] + splitk_reduce_kernel).
template <bool kImplicit>
__global__ void __launch_bounds__(128, 2)
    simt_conv_kernel(ConvParams p, const void* a_src, const void* w, const void* bias, void* y, int vec_a, int vec_b,
                     int splits, float* partial) {
    typedef typename TileFor<TILE_SIMT, 4>::type Cfg;
    constexpr int BM = Cfg::BM, BK = Cfg::BK, LD = Cfg::LD, STAGES = Cfg::kStages;
    static_assert(Cfg::kThreads == 128 && BM == 64 && Cfg::BN == 64, "thread tile assumes 64x64 / 128 threads");
    FC_DYNAMIC_SHARED(float, smem);

    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const int m_block = blockIdx.x * BM, n_block = blockIdx.y * Cfg::BN;
    const int g = blockIdx.z / splits, split = blockIdx.z - g * splits;
    const KRange kr(p, BK, splits, split);
    const int k_begin = kr.k_begin, ktiles = kr.ktiles;

    typedef typename std::conditional<kImplicit, ConvAIterator<float, BM, 128, BK>,
                                      MatrixIterator<float, BM, 128, BK>>::type AIter;
    const float* a_ptr = static_cast<const float*>(a_src);
    AIter a_it = [&]() {
        if constexpr (kImplicit)
            return AIter(p, a_ptr, m_block, g, tid, vec_a != 0, k_begin);
        else
            return AIter(a_ptr + g * p.M * p.Kgemm, p.M, m_block, p.Kgemm, tid, vec_a != 0);
    }();
    const MatrixIterator<float, Cfg::BN, 128, BK> b_it(static_cast<const float*>(w) + g * p.Kg * p.Kgemm, p.Kg,
                                                       n_block, p.Kgemm, tid, vec_b != 0);

    float acc[4][8];
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;

#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < ktiles) {
            float* st = smem + s * Cfg::kStageElems;
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
            float* st = smem + (pf % STAGES) * Cfg::kStageElems;
            a_it.load(p, st, k_begin + pf * BK);
            b_it.load(p, st + BM * LD, k_begin + pf * BK);
        }
        cp_async_commit();
        const float* As = smem + (kt % STAGES) * Cfg::kStageElems;
        const float* Bs = As + BM * LD;
#pragma unroll
        for (int k4 = 0; k4 < BK; k4 += 4) {
            float4 a[4], b[8];
#pragma unroll
            for (int i = 0; i < 4; ++i) a[i] = lds(reinterpret_cast<const float4*>(As + (tx + 16 * i) * LD + k4));
#pragma unroll
            for (int j = 0; j < 8; ++j) b[j] = lds(reinterpret_cast<const float4*>(Bs + (ty + 8 * j) * LD + k4));
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 8; ++j) {
                    float v = acc[i][j];
                    v = __fmaf_rn(a[i].x, b[j].x, v);
                    v = __fmaf_rn(a[i].y, b[j].y, v);
                    v = __fmaf_rn(a[i].z, b[j].z, v);
                    v = __fmaf_rn(a[i].w, b[j].w, v);
                    acc[i][j] = v;
                }
        }
    }
    cp_async_wait_all();

    if (splits > 1) {  // raw partials, row m, column n
        float* part = partial + (size_t)blockIdx.z * p.M * p.Kg;
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int m = m_block + tx + 16 * i;
            if (m >= p.M) continue;
#pragma unroll
            for (int j = 0; j < 8; ++j) {
                const int col = n_block + ty + 8 * j;
                if (col < p.Kg) part[(size_t)m * p.Kg + col] = acc[i][j];
            }
        }
        return;
    }
    float* yp = static_cast<float*>(y);
    const float* bp = static_cast<const float*>(bias);
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int m = m_block + tx + 16 * i;
        if (m >= p.M) continue;
        const int n = m / p.OPQ;
        const int pix = m - n * p.OPQ;
        float* yrow = yp + (n * p.ys_n + pix * p.ys_p);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int col = n_block + ty + 8 * j;
            if (col >= p.Kg) continue;
            const int kk = g * p.Kg + col;
            yrow[kk * p.ys_k] = bias_act(p, bp, kk, acc[i][j]);
        }
    }
}

}  // namespace cuda
}  // namespace fc
#endif
