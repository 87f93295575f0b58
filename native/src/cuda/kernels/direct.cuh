// direct.cuh — direct convolution for few input channels per output
// (C/g*T*R*S small, e.g. RGB 3x3: 27 taps): memory-bound, so the goal is to
// stream x and y once at DRAM speed with no GEMM tile overhead.
//
// Block = 128 threads = 128 consecutive output pixels of one image (grid x:
// pixel tiles, y: group x KB-channel tile, z: batch). Each thread computes KB
// output channels of its pixel (KB accumulators in registers): every input
// value it loads feeds KB FFMAs. The block's filter taps for its KB channels
// are staged in shared memory [k][KB] (128 taps per chunk; FFMA operands are
// float4 broadcasts). Loads: consecutive threads read consecutive pixels
// (NCHW: stride-1 along W when stride == 1; NHWC: adjacent C-runs) — mostly
// L1 hits after the first row. Stores: NCHW -> per channel a contiguous
// 128-pixel run (coalesced); NHWC -> KB contiguous channels per thread.
// Valid for EVERY problem (any groups/stride/dilation/padding/sizes): it is
// what FC_ALGO_DIRECT means on CUDA. Precision: inputs are rounded like the
// tensor-core paths (tf32 / fp16 via round_input), then exact fp32 FFMA; FP32
// and 3XTF32 use fp32 inputs (3XTF32 is "fp32 accuracy").
#ifndef FASTCONV_CUDA_KERNELS_DIRECT_CUH
#define FASTCONV_CUDA_KERNELS_DIRECT_CUH

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/epilogue.cuh"

namespace fc {
namespace cuda {

constexpr int kDirectThreads = 128;
constexpr int kDirectTapChunk = 128;

template <class Elem, int KB>
__global__ void __launch_bounds__(kDirectThreads, 4)
    direct_conv_kernel(ConvParams p, int round_mode, const Elem* x, const Elem* w, const Elem* bias, Elem* y) {
    __shared__ __align__(16) float ws[kDirectTapChunk * KB];
    const int tid = threadIdx.x;
    const int pix = blockIdx.x * kDirectThreads + tid;
    const int kb_tiles = (p.Kg + KB - 1) / KB;
    const int g = blockIdx.y / kb_tiles;
    const int kb0 = (blockIdx.y - g * kb_tiles) * KB;
    const int n = blockIdx.z;

    RowPos rp;
    rp.set(p, pix < p.OPQ ? n * p.OPQ + pix : p.M);  // invalid pixel -> origin far outside
    const int xbase = n * p.xs_n + g * p.Cg * p.xs_c;

    float acc[KB];
#pragma unroll
    for (int j = 0; j < KB; ++j) acc[j] = 0.f;

    for (int k0 = 0; k0 < p.Kgemm; k0 += kDirectTapChunk) {
        const int nk = min(kDirectTapChunk, p.Kgemm - k0);
        __syncthreads();  // previous chunk fully consumed
        for (int e = tid; e < kDirectTapChunk * KB; e += kDirectThreads) {
            const int kl = e / KB, j = e - kl * KB;
            const int oc = kb0 + j;
            float v = 0.f;
            if (kl < nk && oc < p.Kg) v = round_input(to_f32(w[(g * p.Kg + oc) * p.Kgemm + k0 + kl]), round_mode);
            ws[e] = v;
        }
        __syncthreads();
        KPos kp;
        kp.set(p, k0);
        for (int kl = 0; kl < nk; ++kl) {
            const int id = rp.id0 + kp.t * p.dd, ih = rp.ih0 + kp.r * p.dh, iw = rp.iw0 + kp.s * p.dw;
            float xv = 0.f;
            if (in_range(id, p.D) && in_range(ih, p.H) && in_range(iw, p.W))
                xv = round_input(to_f32(x[xbase + kp.c * p.xs_c + id * p.xs_d + ih * p.xs_h + iw * p.xs_w]),
                                 round_mode);
            const float* wk = ws + kl * KB;
#pragma unroll
            for (int j = 0; j < KB; j += 4) {
                const float4 w4 = *reinterpret_cast<const float4*>(wk + j);
                acc[j] = __fmaf_rn(xv, w4.x, acc[j]);
                acc[j + 1] = __fmaf_rn(xv, w4.y, acc[j + 1]);
                acc[j + 2] = __fmaf_rn(xv, w4.z, acc[j + 2]);
                acc[j + 3] = __fmaf_rn(xv, w4.w, acc[j + 3]);
            }
            kp.next(p);
        }
    }
    if (pix >= p.OPQ) return;
    Elem* yp = y + (n * p.ys_n + pix * p.ys_p);
#pragma unroll
    for (int j = 0; j < KB; ++j) {
        const int oc = kb0 + j;
        if (oc < p.Kg) {
            const int kk = g * p.Kg + oc;
            store_elem(yp + kk * p.ys_k, bias_act(p, bias, kk, acc[j]));
        }
    }
}

}  // namespace cuda
}  // namespace fc
#endif
