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
                const float4 w4 = lds(reinterpret_cast<const float4*>(wk + j));
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

// ---------------------------------------------------------------------------
// direct_strip_kernel — the fast direct kernel (what AUTO runs for few input
// channels: Kgemm = C/g*T*R*S <= 32, and every DIRECT problem whose filter
// slice fits kDirectStripMaxWsBytes of shared memory).
//
// Block = 128 threads x VW = 4 pixels = 512 consecutive output pixels of one
// image for KB output channels. Thread t owns pixels tile + t + 128 j
// (j < VW): for a fixed j the block's threads read and write 128 consecutive
// pixels, so NCHW loads are stride-1 across lanes (1 L1 wavefront per warp
// load) and NCHW stores are 128-byte (f32) runs per channel; NHWC stores are
// KB contiguous channels per pixel, written as 16-byte (f32) / 8-byte (f16)
// vectors. All C/g*T*R*S filter taps of the block's KB channels are staged
// once into shared memory as [tap][KB] in (c, t, r, s) order (NHWC weights are
// permuted while staging), so the tap loop is plain nested loops: the window
// row (c, t, r) validity and offset is computed once per row for the VW
// pixels, the inner s loop only adds iw. Per tap a thread issues VW loads
// (L1/L2 hits after the first touch), KB/4 LDS.128 broadcasts and VW*KB FFMA
// (64 for KB = 16: ~75% of the issued instructions are FFMA). Input rounding
// (tf32 / fp16 precisions on f32 tensors) is a template parameter: no per-load
// branch. Accumulation order per output: taps ascending in (c, t, r, s), fp32.
// ---------------------------------------------------------------------------
constexpr int kDirectStripVW = 4;
constexpr int kDirectStripPixels = kDirectThreads * kDirectStripVW;  // 512 per block

template <int RM>
__device__ __forceinline__ float round_rm(float v) {
    if constexpr (RM == ROUND_TF32) return __uint_as_float(f32_to_tf32(v));
    else if constexpr (RM == ROUND_F16) return f16_bits_to_f32(f32_to_f16_bits(v));
    else return v;
}

__device__ __forceinline__ void store_vec4(float* p, float a, float b, float c, float d) {
    *reinterpret_cast<float4*>(p) = make_float4(a, b, c, d);
}
__device__ __forceinline__ void store_vec4(half_t* p, float a, float b, float c, float d) {
    *reinterpret_cast<uint2*>(p) = make_uint2(pack_f16x2(a, b), pack_f16x2(c, d));
}
// 16 bytes of converted outputs (4 f32 / 8 f16) into shared memory (an output stage); f16 KB 4: 8 bytes.
__device__ __forceinline__ void sts_vec16(float* p, const float* v) {
    sts(reinterpret_cast<float4*>(p), make_float4(v[0], v[1], v[2], v[3]));
}
__device__ __forceinline__ void sts_vec16(half_t* p, const float* v) {
    sts(reinterpret_cast<uint4*>(p), make_uint4(pack_f16x2(v[0], v[1]), pack_f16x2(v[2], v[3]),
                                                pack_f16x2(v[4], v[5]), pack_f16x2(v[6], v[7])));
}
__device__ __forceinline__ void sts_vec8(half_t* p, const float* v) {
    sts(reinterpret_cast<uint2*>(p), make_uint2(pack_f16x2(v[0], v[1]), pack_f16x2(v[2], v[3])));
}

// Element offset of (pixel row, channel k) in a warp's output stage of 32 pixels x KB channels (the
// direct kernels' NHWC write-out): rows of KB elements, unpadded; rows of 2 or 4 16-byte chunks
// swizzled (swizzled_at: the lanes' 16-byte writes, one row each, and the read-back as consecutive
// vectors are both conflict-free), rows of <= 16 bytes packed (conflict-free as they are). Padded rows,
// as before, left the read-back 2-way conflicted (the emulation's bank model).
template <class Elem, int KB>
__device__ __forceinline__ int pixel_stage_at(int row, int k) {
    constexpr int L = KB * (int)sizeof(Elem) / 16;
    if constexpr (L == 2 || L == 4)
        return swizzled_at<(int)sizeof(Elem), KB>(row, k);
    else
        return row * KB + k;
}

// Output modes (host-checked, direct_strip_store_mode):
//  STORE_ELEM  : element stores (NCHW: contiguous across lanes per channel);
//  STORE_VEC4  : NHWC, K % 4 == 0, K/g % 4 == 0, y aligned for 4-element vectors;
//  STORE_STAGED: NHWC where the block's KB channels are whole pixels (G == 1,
//                K == KB) and y / image bases are 16-byte aligned: each warp
//                stages its 32 pixels x KB outputs in shared memory (after the
//                filter slice, [32][KB] per warp, pixel_stage_at) and writes them
//                back as one contiguous run of 16-byte vectors (512 B per warp store).
static_assert(kDirectThreads == 128, "direct_strip_smem (heuristic.h) assumes 4 warps per block");

template <class Elem, int KB, int RM>
__global__ void __launch_bounds__(kDirectThreads, 4)
    direct_strip_kernel(ConvParams p, const Elem* __restrict__ x, const Elem* __restrict__ w,
                        const Elem* __restrict__ bias, Elem* __restrict__ y, int store_mode) {
    static_assert(KB % 4 == 0, "KB must be a multiple of 4");
    constexpr int VW = kDirectStripVW, NT = kDirectThreads;
    FC_DYNAMIC_SHARED(float, ws);  // [Kgemm][KB]
    const int tid = threadIdx.x;
    const int kb_tiles = (p.Kg + KB - 1) / KB;
    const int g = blockIdx.y / kb_tiles;
    const int kb0 = (blockIdx.y - g * kb_tiles) * KB;
    const int n = blockIdx.z;
    const int pix0 = blockIdx.x * kDirectStripPixels + tid;

    const int nw = p.Kgemm * KB;
    for (int e = tid; e < nw; e += NT) {
        const int kl = e / KB, j = e - kl * KB;  // kl in (c, t, r, s) order
        const int oc = kb0 + j;
        float v = 0.f;
        if (oc < p.Kg) {
            int kw = kl;
            if (p.chlast) {
                const int c = kl / p.TRS;
                kw = (kl - c * p.TRS) * p.Cg + c;
            }
            v = round_rm<RM>(to_f32(w[(g * p.Kg + oc) * p.Kgemm + kw]));
        }
        ws[e] = v;
    }

    int id0[VW], ih0[VW], iw0[VW];
#pragma unroll
    for (int j = 0; j < VW; ++j) {
        const int pix = pix0 + j * NT;
        if (pix < p.OPQ) {
            const int o = pix / p.PQ;
            const int pq = pix - o * p.PQ;
            const int pp = pq / p.Q;
            const int q = pq - pp * p.Q;
            id0[j] = o * p.sd - p.pd;
            ih0[j] = pp * p.sh - p.ph;
            iw0[j] = q * p.sw - p.pw;
        } else {
            id0[j] = ih0[j] = iw0[j] = -(1 << 30);  // never in range (no address is formed)
        }
    }
    __syncthreads();

    float acc[VW][KB];
#pragma unroll
    for (int j = 0; j < VW; ++j)
#pragma unroll
        for (int k = 0; k < KB; ++k) acc[j][k] = 0.f;

    const Elem* xg = x + (n * p.xs_n + g * p.Cg * p.xs_c);
    const float* wk = ws;
    for (int c = 0; c < p.Cg; ++c) {
        const Elem* xc = xg + c * p.xs_c;
        for (int t = 0; t < p.T; ++t) {
            for (int r = 0; r < p.R; ++r) {
                int roff[VW];
                bool rok[VW];
#pragma unroll
                for (int j = 0; j < VW; ++j) {
                    const int id = id0[j] + t * p.dd, ih = ih0[j] + r * p.dh;
                    rok[j] = in_range(id, p.D) && in_range(ih, p.H);
                    roff[j] = rok[j] ? id * p.xs_d + ih * p.xs_h : 0;
                }
                for (int s = 0; s < p.S; ++s) {
                    float xv[VW];
#pragma unroll
                    for (int j = 0; j < VW; ++j) {
                        const int iw = iw0[j] + s * p.dw;
                        xv[j] = (rok[j] && in_range(iw, p.W)) ? round_rm<RM>(to_f32(__ldg(xc + roff[j] + iw * p.xs_w)))
                                                              : 0.f;
                    }
#pragma unroll
                    for (int k = 0; k < KB; k += 4) {
                        const float4 w4 = lds(reinterpret_cast<const float4*>(wk + k));
#pragma unroll
                        for (int j = 0; j < VW; ++j) {
                            acc[j][k] = __fmaf_rn(xv[j], w4.x, acc[j][k]);
                            acc[j][k + 1] = __fmaf_rn(xv[j], w4.y, acc[j][k + 1]);
                            acc[j][k + 2] = __fmaf_rn(xv[j], w4.z, acc[j][k + 2]);
                            acc[j][k + 3] = __fmaf_rn(xv[j], w4.w, acc[j][k + 3]);
                        }
                    }
                    wk += KB;
                }
            }
        }
    }

    if (store_mode == STORE_STAGED) {  // G == 1, K == KB, kb0 == 0: a warp's pixels are one contiguous run of y
        constexpr int OV = 16 / (int)sizeof(Elem);  // elements per 16-byte vector
        const int lane = tid & 31;
        Elem* st = reinterpret_cast<Elem*>(ws + p.Kgemm * KB) + (tid >> 5) * 32 * KB;
        constexpr int SV = KB < OV ? KB : OV;  // elements per stage store: 16 bytes (f16 KB 4: 8)
#pragma unroll
        for (int j = 0; j < VW; ++j) {
            const int pw0 = pix0 - lane + j * NT;  // first pixel of this warp's run
#pragma unroll
            for (int k = 0; k < KB; k += SV) {
                float v[SV];
#pragma unroll
                for (int e = 0; e < SV; ++e) v[e] = bias_act(p, bias, k + e, acc[j][k + e]);
                if constexpr (SV * sizeof(Elem) == 16)
                    sts_vec16(st + pixel_stage_at<Elem, KB>(lane, k), v);
                else
                    sts_vec8(st + pixel_stage_at<Elem, KB>(lane, k), v);
            }
            __syncwarp();
            Elem* yw = y + (n * p.ys_n + pw0 * KB);
#pragma unroll
            for (int i = lane; i < 32 * KB / OV; i += 32) {
                const int e = i * OV, pl = e / KB, ch = e - pl * KB;
                if (pw0 + pl < p.OPQ)
                    *reinterpret_cast<uint4*>(yw + e) = lds(reinterpret_cast<const uint4*>(st + pixel_stage_at<Elem, KB>(pl, ch)));
            }
            __syncwarp();
        }
        return;
    }
    const bool full = kb0 + KB <= p.Kg;
#pragma unroll
    for (int j = 0; j < VW; ++j) {
        const int pix = pix0 + j * NT;
        if (pix >= p.OPQ) continue;
        Elem* yp = y + (n * p.ys_n + pix * p.ys_p);
        const int kk0 = g * p.Kg + kb0;
        if (store_mode == STORE_VEC4 && full) {
#pragma unroll
            for (int k = 0; k < KB; k += 4)
                store_vec4(yp + kk0 + k, bias_act(p, bias, kk0 + k, acc[j][k]),
                           bias_act(p, bias, kk0 + k + 1, acc[j][k + 1]), bias_act(p, bias, kk0 + k + 2, acc[j][k + 2]),
                           bias_act(p, bias, kk0 + k + 3, acc[j][k + 3]));
        } else {
#pragma unroll
            for (int k = 0; k < KB; ++k)
                if (kb0 + k < p.Kg) store_elem(yp + (kk0 + k) * p.ys_k, bias_act(p, bias, kk0 + k, acc[j][k]));
        }
    }
}

}  // namespace cuda
}  // namespace fc
#endif
