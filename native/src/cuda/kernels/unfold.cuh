// unfold.cuh — explicit unfold (im2col): one thread per output element,
// grid-stride, writes coalesced (consecutive threads = consecutive outputs).
//  mode UNFOLD_PUBLIC:    fc_unfold's layout (N, C*T*R*S, L), row
//                         c*T*R*S + (t*R + r)*S + s (params built with G = 1).
//  mode UNFOLD_WORKSPACE: the UNFOLD_GEMM operand A, [G][M][Kgemm] row-major
//                         with the layout's k order (conv_params.h), so the
//                         GEMM reads it with MatrixIterator (16-byte chunks).
// Padding / out-of-range taps are written as 0.
// Index math is 32-bit (total < 2^31: make_conv_params refuses larger unfold matrices and padded
// inputs; the launchers check again): 64-bit divisions per element cost more than the copies (the
// split-K reduction's did, on the H200).
#ifndef FASTCONV_CUDA_KERNELS_UNFOLD_CUH
#define FASTCONV_CUDA_KERNELS_UNFOLD_CUH

#include "cuda/kernels/common.cuh"

namespace fc {
namespace cuda {

template <class Elem>
__global__ void __launch_bounds__(256) unfold_kernel(ConvParams p, int mode, const Elem* x, Elem* out, int total) {
    const unsigned step = gridDim.x * blockDim.x;
    for (unsigned idx = blockIdx.x * blockDim.x + threadIdx.x; idx < (unsigned)total; idx += step) {
        int n, pix, g, c, t, r, s;
        if (mode == UNFOLD_PUBLIC) {
            const int l = (int)(idx % (unsigned)p.OPQ);
            const unsigned rest = idx / (unsigned)p.OPQ;
            const unsigned rows = (unsigned)(p.C * p.TRS);
            const int row = (int)(rest % rows);
            n = (int)(rest / rows);
            pix = l;
            g = 0;
            c = row / p.TRS;
            const int trs = row - c * p.TRS;
            t = trs / p.RS;
            const int rs = trs - t * p.RS;
            r = rs / p.S;
            s = rs - r * p.S;
        } else {
            const int k = (int)(idx % (unsigned)p.Kgemm);
            const unsigned rest = idx / (unsigned)p.Kgemm;
            const int m = (int)(rest % (unsigned)p.M);
            g = (int)(rest / (unsigned)p.M);
            n = m / p.OPQ;
            pix = m - n * p.OPQ;
            KPos kp;
            kp.set(p, k);
            c = kp.c;
            t = kp.t;
            r = kp.r;
            s = kp.s;
        }
        RowPos rp;
        rp.set(p, n * p.OPQ + pix);
        const int id = rp.id0 + t * p.dd, ih = rp.ih0 + r * p.dh, iw = rp.iw0 + s * p.dw;
        Elem v = Elem(0);
        if (in_range(id, p.D) && in_range(ih, p.H) && in_range(iw, p.W))
            v = x[n * p.xs_n + (g * p.Cg + c) * p.xs_c + id * p.xs_d + ih * p.xs_h + iw * p.xs_w];
        out[idx] = v;
    }
}

// Batched transpose in[b][rows][cols] -> out[b][cols][rows] through a 32 x 32
// shared tile whose rows are an odd number of 4-byte words (33 floats / 34
// halves), so the column reads hit 32 distinct banks (coalesced reads along
// cols, coalesced writes along rows; with 33 halves, rows of 16.5 words, the
// emulation's bank model counted 2-way conflicts on the f16 column reads).
// NCHW -> NHWC of x: b = N, rows = C, cols = D*H*W; weights [K][Cg][TRS] ->
// [K][TRS][Cg]: b = K, rows = Cg, cols = TRS. Grid (cdiv(cols,32),
// cdiv(rows,32), b), block 32x8. kRoundTf32 (f32): every value written is
// rounded to tf32 (cvt.rna) on the way -- for the TMA kernel's TmaRounded
// configs, which then need no rounding pass of their own.
template <class Elem, bool kRoundTf32 = false>
__global__ void __launch_bounds__(256)
    transpose_kernel(const Elem* __restrict__ in, Elem* __restrict__ out, int rows, int cols) {
    static_assert(!kRoundTf32 || sizeof(Elem) == 4, "tf32 rounding of f32 tensors");
    __shared__ __align__(16) Elem tile[32][32 + 4 / (int)sizeof(Elem)];
    const int c0 = blockIdx.x * 32, r0 = blockIdx.y * 32;
    const size_t base = (size_t)blockIdx.z * rows * cols;
    const int tx = threadIdx.x, ty = threadIdx.y;
#pragma unroll
    for (int i = ty; i < 32; i += 8) {
        const int r = r0 + i, c = c0 + tx;
        if (r < rows && c < cols) sts(&tile[i][tx], in[base + (size_t)r * cols + c]);
    }
    __syncthreads();
#pragma unroll
    for (int i = ty; i < 32; i += 8) {
        const int c = c0 + i, r = r0 + tx;
        if (r < rows && c < cols) {
            Elem v = lds(&tile[tx][i]);
            if constexpr (kRoundTf32) v = __uint_as_float(f32_to_tf32(v));
            out[base + (size_t)c * rows + r] = v;
        }
    }
}

__device__ __forceinline__ void store16(float* dst, const float (&v)[4]) {
    *reinterpret_cast<float4*>(dst) = make_float4(v[0], v[1], v[2], v[3]);
}
__device__ __forceinline__ void store16(half_t* dst, const half_t (&v)[8]) {
    uint4 u;
    u.x = (uint32_t)v[0] | ((uint32_t)v[1] << 16);
    u.y = (uint32_t)v[2] | ((uint32_t)v[3] << 16);
    u.z = (uint32_t)v[4] | ((uint32_t)v[5] << 16);
    u.w = (uint32_t)v[6] | ((uint32_t)v[7] << 16);
    *reinterpret_cast<uint4*>(dst) = u;
}

// x -> NHWC with every group's channels zero-padded from Cg to cgp (cgp % VEC
// == 0, VEC = 16 B / elem): one thread writes one 16-byte vector (VEC channels
// of one pixel; coalesced), reading its source channels from NCHW or NHWC x.
// total = N * DHW * (G * cgp / VEC) vectors, grid-stride.
template <class Elem>
__global__ void __launch_bounds__(256)
    pad_nhwc_kernel(ConvParams p, int cgp, const Elem* __restrict__ x, Elem* __restrict__ out, int total) {
    constexpr int VEC = 16 / (int)sizeof(Elem);
    const unsigned cpv = (unsigned)(p.G * cgp / VEC);  // vectors per pixel
    const unsigned dhw = (unsigned)(p.D * p.H * p.W);
    const unsigned step = gridDim.x * blockDim.x;
    for (unsigned idx = blockIdx.x * blockDim.x + threadIdx.x; idx < (unsigned)total; idx += step) {
        const unsigned pixall = idx / cpv;
        const int oc0 = (int)(idx - pixall * cpv) * VEC;
        const int n = (int)(pixall / dhw), pix = (int)(pixall - (unsigned)n * dhw);
        Elem v[VEC];
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
            const int oc = oc0 + e, g = p.G == 1 ? 0 : oc / cgp, c = oc - g * cgp;  // no division for G == 1
            Elem val = Elem(0);
            if (c < p.Cg) {
                const int ic = g * p.Cg + c;
                val = p.chlast ? x[(size_t)pixall * p.C + ic] : x[((size_t)n * p.C + ic) * dhw + pix];
            }
            v[e] = val;
        }
        store16(out + (size_t)idx * VEC, v);
    }
}

// Weights -> [K][TRS][cgp] with zero-padded channels, from [K][Cg][TRS] (NCHW)
// or [K][TRS][Cg] (NHWC). One thread per output element, grid-stride.
template <class Elem>
__global__ void __launch_bounds__(256)
    pad_weights_kernel(ConvParams p, int cgp, const Elem* __restrict__ w, Elem* __restrict__ out, int total) {
    const unsigned step = gridDim.x * blockDim.x;
    for (unsigned idx = blockIdx.x * blockDim.x + threadIdx.x; idx < (unsigned)total; idx += step) {
        const int c = (int)(idx % (unsigned)cgp);
        const unsigned rest = idx / (unsigned)cgp;
        const int trs = (int)(rest % (unsigned)p.TRS), kk = (int)(rest / (unsigned)p.TRS);
        Elem val = Elem(0);
        if (c < p.Cg) val = p.chlast ? w[((size_t)kk * p.TRS + trs) * p.Cg + c] : w[((size_t)kk * p.Cg + c) * p.TRS + trs];
        out[idx] = val;
    }
}

}  // namespace cuda
}  // namespace fc
#endif
