// epilogue.cuh — writes a warp's m16n8 accumulator fragments to y:
// y = act(acc + bias), predicated on m < M and n < K/groups, in f32 or f16,
// NCHW or NHWC through the element strides of ConvParams (no layout branch).
// Fragment element (row g or g+8, col 2t / 2t+1) with g = lane/4, t = lane%4
// (PTX ISA m16n8 C layout). NCHW: the 8 g-rows of a fragment are consecutive
// output pixels -> 32-byte segments; NHWC: column pairs are adjacent channels.
#ifndef FASTCONV_CUDA_KERNELS_EPILOGUE_CUH
#define FASTCONV_CUDA_KERNELS_EPILOGUE_CUH

#include "cuda/kernels/common.cuh"

namespace fc {
namespace cuda {

template <class Out>
__device__ __forceinline__ float bias_act(const ConvParams& p, const Out* bias, int kk, float v) {
    if (p.has_bias) v += to_f32(bias[kk]);
    if (p.relu) v = v < 0.f ? 0.f : v;  // keeps NaN like torch.relu
    return v;
}

// m0/n0: GEMM row/col of the warp tile's origin; g: group.
template <int MI, int NI, class Out>
__device__ __forceinline__ void epilogue_store(const ConvParams& p, const float (&acc)[MI][NI][4], Out* y,
                                               const Out* bias, int m0, int n0, int g, int lane) {
    const int gr = lane >> 2, tc = (lane & 3) * 2;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m0 + mi * 16 + gr + h * 8;
            if (m >= p.M) continue;
            const int n = m / p.OPQ;
            const int pix = m - n * p.OPQ;
            Out* yrow = y + (n * p.ys_n + pix * p.ys_p);
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    const int col = n0 + ni * 8 + tc + j;
                    if (col >= p.Kg) continue;
                    const int kk = g * p.Kg + col;
                    store_elem(yrow + kk * p.ys_k, bias_act(p, bias, kk, acc[mi][ni][h * 2 + j]));
                }
            }
        }
    }
}

// Split-K: the raw fp32 accumulators of a warp tile into a [M][Kg] partial
// matrix (row m, column n; float2 per fragment column pair when Kg is even).
template <int MI, int NI>
__device__ __forceinline__ void epilogue_store_partial(const ConvParams& p, const float (&acc)[MI][NI][4],
                                                       float* part, int m0, int n0, int lane) {
    const int gr = lane >> 2, tc = (lane & 3) * 2;
    const bool pair = (p.Kg & 1) == 0 && (reinterpret_cast<uintptr_t>(part) & 7) == 0;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m0 + mi * 16 + gr + h * 8;
            if (m >= p.M) continue;
            float* row = part + (size_t)m * p.Kg;
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
                const int col = n0 + ni * 8 + tc;
                if (pair && col + 1 < p.Kg) {
                    *reinterpret_cast<float2*>(row + col) = make_float2(acc[mi][ni][h * 2], acc[mi][ni][h * 2 + 1]);
                } else {
                    if (col < p.Kg) row[col] = acc[mi][ni][h * 2];
                    if (col + 1 < p.Kg) row[col + 1] = acc[mi][ni][h * 2 + 1];
                }
            }
        }
    }
}

// Split-K reduction: y[(g, m, n)] = act(bias + sum_{s < splits} partial[g][s][m][n])
// summed in split order (deterministic). One thread per output, grid-stride;
// the index order follows y (NHWC: n fastest; NCHW: m fastest) so the stores
// are coalesced; the partials are L2-resident (just written).
template <class Out>
__global__ void __launch_bounds__(256)
    splitk_reduce_kernel(ConvParams p, int splits, const float* __restrict__ partial, const Out* __restrict__ bias,
                         Out* __restrict__ y) {
    const long long total = (long long)p.G * p.M * p.Kg;
    const long long step = (long long)gridDim.x * blockDim.x;
    const size_t mk = (size_t)p.M * p.Kg;
    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += step) {
        int g, m, n;
        if (p.ys_k == 1) {  // NHWC y (p.chlast describes x: NCHW x may run as its NHWC view)
            n = (int)(idx % p.Kg);
            const long long r = idx / p.Kg;
            m = (int)(r % p.M);
            g = (int)(r / p.M);
        } else {
            m = (int)(idx % p.M);
            const long long r = idx / p.M;
            n = (int)(r % p.Kg);
            g = (int)(r / p.Kg);
        }
        const float* src = partial + (size_t)g * splits * mk + (size_t)m * p.Kg + n;
        float v = 0.f;
        for (int s = 0; s < splits; ++s) v += src[(size_t)s * mk];
        const int img = m / p.OPQ, pix = m - img * p.OPQ, kk = g * p.Kg + n;
        store_elem(y + (img * p.ys_n + pix * p.ys_p + kk * p.ys_k), bias_act(p, bias, kk, v));
    }
}

}  // namespace cuda
}  // namespace fc
#endif
