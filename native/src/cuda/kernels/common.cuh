// common.cuh — small device helpers shared by the kernels: element types
// (fp16 tensors are raw IEEE binary16 bits in uint16_t, so the same code
// compiles under g++ emulation), element load/store with conversion, the
// per-precision input rounding used by the direct kernel, and the GEMM-k
// decomposition k -> (c, t, r, s) with cheap incremental stepping.
#ifndef FASTCONV_CUDA_KERNELS_COMMON_CUH
#define FASTCONV_CUDA_KERNELS_COMMON_CUH

#include <type_traits>

#include "cuda/intrinsics.cuh"
#include "cuda/conv_params.h"
#include "cuda/kernels/tile_config.cuh"

namespace fc {
namespace cuda {

typedef uint16_t half_t;  // IEEE binary16 bits

__device__ __forceinline__ float to_f32(float v) { return v; }
__device__ __forceinline__ float to_f32(half_t v) { return f16_bits_to_f32(v); }
__device__ __forceinline__ void store_elem(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_elem(half_t* p, float v) { *p = f32_to_f16_bits(v); }

// Input rounding of a precision for SIMT code paths (direct kernel): products of
// rounded values are exact in fp32, so FFMA then reproduces tensor-core math.
__device__ __forceinline__ float round_input(float v, int mode) {
    if (mode == ROUND_TF32) return __uint_as_float(f32_to_tf32(v));
    if (mode == ROUND_F16) return f16_bits_to_f32(f32_to_f16_bits(v));
    return v;
}

// Position of one GEMM k inside the filter window: channel c (within the group)
// and kernel offsets t, r, s. Order of k depends on the layout (conv_params.h).
struct KPos {
    int c, t, r, s;
    __device__ __forceinline__ void set(const ConvParams& p, int k) {
        int trs;
        if (p.chlast) {
            trs = k / p.Cg;
            c = k - trs * p.Cg;
        } else {
            c = k / p.TRS;
            trs = k - c * p.TRS;
        }
        t = trs / p.RS;
        const int rs = trs - t * p.RS;
        r = rs / p.S;
        s = rs - r * p.S;
    }
    // k -> k + kGemmBK: adds the slice's (c, t, r, s) digits precomputed on the
    // host (ConvParams::kstep_*, set_k_step) — mixed-radix addition with one
    // carry per digit, no division (CUTLASS's "optimized" iterator idea), and
    // the digits live in the kernel parameters, not in registers. Past Kgemm
    // the position is meaningless and the caller masks by k.
    __device__ __forceinline__ void add_bk(const ConvParams& p) {
        if (p.chlast) {  // digits (c | s | r | t), radices Cg, S, R
            c += p.kstep_c;
            int carry = c >= p.Cg;
            if (carry) c -= p.Cg;
            s += p.kstep_s + carry;
            carry = s >= p.S;
            if (carry) s -= p.S;
            r += p.kstep_r + carry;
            carry = r >= p.R;
            if (carry) r -= p.R;
            t += p.kstep_t + carry;
        } else {  // digits (s | r | t | c), radices S, R, T
            s += p.kstep_s;
            int carry = s >= p.S;
            if (carry) s -= p.S;
            r += p.kstep_r + carry;
            carry = r >= p.R;
            if (carry) r -= p.R;
            t += p.kstep_t + carry;
            carry = t >= p.T;
            if (carry) t -= p.T;
            c += p.kstep_c + carry;
        }
    }
    // k -> k + 1 (valid while k + 1 < Kgemm; beyond it the caller masks by k).
    __device__ __forceinline__ void next(const ConvParams& p) {
        if (p.chlast) {
            if (++c < p.Cg) return;
            c = 0;
            if (++s < p.S) return;
            s = 0;
            if (++r < p.R) return;
            r = 0;
            ++t;
        } else {
            if (++s < p.S) return;
            s = 0;
            if (++r < p.R) return;
            r = 0;
            if (++t < p.T) return;
            t = 0;
            ++c;
        }
    }
};

// Output pixel m (GEMM row) -> batch index n and the input coordinates of the
// filter window's origin. Rows >= M get an origin far outside every tensor so
// that all their loads are predicated off by the ordinary bounds checks.
struct RowPos {
    int n, pix, id0, ih0, iw0;
    __device__ __forceinline__ void set(const ConvParams& p, int m) {
        if (m < p.M) {
            n = m / p.OPQ;
            pix = m - n * p.OPQ;
            const int o = pix / p.PQ;
            const int pq = pix - o * p.PQ;
            const int pp = pq / p.Q;
            const int q = pq - pp * p.Q;
            id0 = o * p.sd - p.pd;
            ih0 = pp * p.sh - p.ph;
            iw0 = q * p.sw - p.pw;
        } else {
            n = 0;
            pix = 0;
            id0 = ih0 = iw0 = -(1 << 30);
        }
    }
};

__device__ __forceinline__ bool in_range(int v, int n) { return static_cast<unsigned>(v) < static_cast<unsigned>(n); }

// p moved up to the next ALIGN-byte boundary of the shared window. For layouts that are a function of the
// absolute shared address (wgmma's swizzled operands): the kernel launches with ALIGN bytes of slack and
// starts its buffers here, instead of relying on where the dynamic shared memory happens to begin.
template <unsigned ALIGN, class T>
__device__ __forceinline__ T* align_smem(T* p) {
    static_assert(ALIGN >= 16 && (ALIGN & (ALIGN - 1)) == 0, "a power of two >= 16");
    const uint32_t pad = (0u - smem_addr_(p)) & (ALIGN - 1u);
    return reinterpret_cast<T*>(reinterpret_cast<unsigned char*>(p) + pad);
}

// Element offset of (row, k) in unpadded shared rows of ROW ES-byte elements = L 16-byte chunks (L = 2
// or 4), chunk c of row r stored at c ^ ((r / (8 / L)) % L): any 8 consecutive rows hold a given chunk in
// 8 distinct 16-byte bank groups (ldmatrix phases, one 16-byte store per row and lane), and so do 8 / L
// consecutive rows x their L chunks (a phase of row-major 16-byte accesses) -- which no padding gives
// both of. The GEMM tiles (smem_at), the epilogue stage (stage_at) and the direct kernels' pixel stage
// (pixel_stage_at) all lay their short rows out this way.
template <int ES, int ROW>
__device__ __forceinline__ int swizzled_at(int row, int k) {
    constexpr int VE = 16 / ES, L = ROW / VE;
    static_assert(ROW % VE == 0 && (L == 2 || L == 4), "rows of 2 or 4 16-byte chunks");
    return row * ROW + (k ^ (((row / (8 / L)) % L) * VE));
}

// Element offset of (row, k) in a shared tile of BK-element rows of ES-byte elements (SmemRows,
// tile_config.cuh: 128-byte rows padded, 64-byte rows swizzled; kSw128: 128-byte rows swizzled).
template <int ES, int BK, bool kSw128 = false>
__device__ __forceinline__ int smem_at(int row, int k) {
    typedef SmemRows<ES, BK, kSw128> L;
    if constexpr (kSw128)
        return row * BK + (k ^ ((row & 7) * L::kVec));
    else if constexpr (L::kSwizzle)
        return swizzled_at<ES, BK>(row, k);
    else
        return row * L::LD + k;
}

}  // namespace cuda
}  // namespace fc
#endif
