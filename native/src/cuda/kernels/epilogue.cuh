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

}  // namespace cuda
}  // namespace fc
#endif
