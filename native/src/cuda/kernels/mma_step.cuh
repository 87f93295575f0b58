// mma_step.cuh — the warp-level MMA step: for one BK slice held in shared
// memory, load this warp's A and B fragments with ldmatrix and issue mma.sync
// into the fp32 accumulators acc[MI][NI][4] (m16n8 C fragments).
//
// Shared tiles are [rows][BK] with k contiguous, laid out by SmemRows
// (tile_config.cuh; addresses from smem_at: 64-byte rows are swizzled). For every
// math the fragments come from ldmatrix.x4 (no .trans needed because both
// operands are stored k-contiguous = "row.col"):
//  * TF32 / 3xTF32 (fp32 smem): an 8x8 b16 matrix is 8 rows x 4 floats, so lane
//    l of matrix j receives float (row l/4, col l%4) = exactly the m16n8k8 tf32
//    fragment element. A: matrices (rows 0-7|8-15) x (k 0-3|4-7) -> a0..a3;
//    B: (n 0-7 | 8-15) x (k 0-3|4-7) -> two n8 tiles. Rounded with cvt.rna at
//    this smem -> register step. 3xTF32 splits x = big + small (big =
//    tf32(x), small = tf32(x - big)) and accumulates small*big + big*small +
//    big*big (CUTLASS example 27/28 order: small terms first).
//  * FP16 precision on fp32 tensors (fp32 smem): fp16 m16n8k16 wants k pairs
//    (2t, 2t+1) per register, but ldmatrix on floats gives one k per lane. Any
//    permutation of k applied to both A and B leaves the product unchanged, so
//    mma-k {2t, 2t+1, 2t+8, 2t+9} is mapped to smem-k {t, t+4, t+8, t+12}:
//    two ldmatrix.x4 per A tile (rows 0-7 / 8-15, k 0-3,4-7,8-11,12-15) and
//    one per B tile, then cvt.rn.f16x2 packs pairs. Conversion happens once
//    per fragment element, while staying on the async cp.async pipeline.
//  * F16 tensors (fp16 smem): the textbook m16n8k16 ldmatrix.x4 loads.
#ifndef FASTCONV_CUDA_KERNELS_MMA_STEP_CUH
#define FASTCONV_CUDA_KERNELS_MMA_STEP_CUH

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/tile_config.cuh"

namespace fc {
namespace cuda {

template <int MathK> struct MathTraits;
template <> struct MathTraits<MATH_TF32> { typedef float Elem; typedef float Out; };
template <> struct MathTraits<MATH_3XTF32> { typedef float Elem; typedef float Out; };
template <> struct MathTraits<MATH_F16_F32IO> { typedef float Elem; typedef float Out; };
template <> struct MathTraits<MATH_F16> { typedef half_t Elem; typedef half_t Out; };

__device__ __forceinline__ uint32_t tf32_bits(uint32_t raw) { return f32_to_tf32(__uint_as_float(raw)); }

// Zeroes a warp tile's m16n8 accumulators acc[MI][NI][4].
template <int MI, int NI>
__device__ __forceinline__ void zero_acc(float (&acc)[MI][NI][4]) {
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni)
#pragma unroll
            for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0.f;
}

// At / Bt: A / B tile rows in the SmemRows layout (smem_at) and a0 / b0: this warp's first row from
// there: rows a0 + i of At (the swizzle is a function of the row). A base moved by a multiple of 8 rows
// (the swizzle period) with a0 = 0 gives the same addresses with a per-lane swizzle (tc_conv_kernel's
// warp tiles); the halo kernel's A rows start anywhere (a0 at run time). AMI: rows between the A tile's
// m16 tiles (16: a plain tile; the halo kernel's m16 tiles are halo rows, TW + S - 1 pixels apart).
template <int MathK, class Cfg, int AMI = 16>
__device__ __forceinline__ void warp_mma_slice(const typename MathTraits<MathK>::Elem* At, int a0,
                                               const typename MathTraits<MathK>::Elem* Bt, int b0,
                                               float (&acc)[Cfg::MI][Cfg::NI][4], int lane) {
    typedef typename MathTraits<MathK>::Elem Elem;
    constexpr int MI = Cfg::MI, NI = Cfg::NI, BK = Cfg::BK;
    static_assert(Cfg::LD == SmemRows<(int)sizeof(Elem), BK>::LD, "tiles laid out by SmemRows");
    // ldmatrix row address: element k of A row a0 + row / B row b0 + row
    auto A = [&](int row, int k) { return At + smem_at<(int)sizeof(Elem), BK>(a0 + row, k); };
    auto B = [&](int row, int k) { return Bt + smem_at<(int)sizeof(Elem), BK>(b0 + row, k); };
    static_assert(NI % 2 == 0, "NI must be even (B loaded two n8 tiles at a time)");
    if constexpr (MathK == MATH_TF32) {
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            uint32_t a[MI][4], b[NI][2];
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) {
                ldmatrix_x4(a[mi], A(mi * AMI + (lane & 15), kk + (lane >> 4) * 4));
#pragma unroll
                for (int j = 0; j < 4; ++j) a[mi][j] = tf32_bits(a[mi][j]);
            }
#pragma unroll
            for (int nj = 0; nj < NI / 2; ++nj) {
                uint32_t raw[4];
                ldmatrix_x4(raw, B(nj * 16 + (lane & 7) + ((lane >> 4) << 3), kk + ((lane >> 3) & 1) * 4));
#pragma unroll
                for (int j = 0; j < 4; ++j) b[2 * nj + (j >> 1)][j & 1] = tf32_bits(raw[j]);
            }
#pragma unroll
            for (int mi = 0; mi < MI; ++mi)
#pragma unroll
                for (int ni = 0; ni < NI; ++ni) mma_m16n8k8_tf32(acc[mi][ni], a[mi], b[ni], acc[mi][ni]);
        }
    } else if constexpr (MathK == MATH_3XTF32) {
        // Register budget (BIG: 64 accumulators, <= 128 regs for 2 blocks/SM):
        // B big+small for all NI tiles, then A one mi tile at a time.
#pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            uint32_t b[NI][2], bs[NI][2];
#pragma unroll
            for (int nj = 0; nj < NI / 2; ++nj) {
                uint32_t raw[4];
                ldmatrix_x4(raw, B(nj * 16 + (lane & 7) + ((lane >> 4) << 3), kk + ((lane >> 3) & 1) * 4));
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    const uint32_t big = tf32_bits(raw[j]);
                    b[2 * nj + (j >> 1)][j & 1] = big;
                    bs[2 * nj + (j >> 1)][j & 1] = f32_to_tf32(__uint_as_float(raw[j]) - __uint_as_float(big));
                }
            }
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) {
                uint32_t a[4], as[4];
                ldmatrix_x4(a, A(mi * AMI + (lane & 15), kk + (lane >> 4) * 4));
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    const float raw = __uint_as_float(a[j]);
                    a[j] = f32_to_tf32(raw);
                    as[j] = f32_to_tf32(raw - __uint_as_float(a[j]));
                }
#pragma unroll
                for (int ni = 0; ni < NI; ++ni) {
                    mma_m16n8k8_tf32(acc[mi][ni], as, b[ni], acc[mi][ni]);
                    mma_m16n8k8_tf32(acc[mi][ni], a, bs[ni], acc[mi][ni]);
                    mma_m16n8k8_tf32(acc[mi][ni], a, b[ni], acc[mi][ni]);
                }
            }
        }
    } else if constexpr (MathK == MATH_F16_F32IO) {
        // Register budget (BIG: 64 accumulators, <= 128 regs for 2 blocks/SM):
        // B for all NI tiles, then A one mi tile at a time (same ldmatrix count).
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t b[NI][2];
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
                uint32_t z[4];
                ldmatrix_x4(z, B(ni * 8 + (lane & 7), kk + (lane >> 3) * 4));
                b[ni][0] = pack_f16x2(__uint_as_float(z[0]), __uint_as_float(z[1]));
                b[ni][1] = pack_f16x2(__uint_as_float(z[2]), __uint_as_float(z[3]));
            }
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) {
                uint32_t x[4], a[4];  // rows 0-7 then 8-15: one 4-register temporary
                ldmatrix_x4(x, A(mi * AMI + (lane & 7), kk + (lane >> 3) * 4));
                a[0] = pack_f16x2(__uint_as_float(x[0]), __uint_as_float(x[1]));
                a[2] = pack_f16x2(__uint_as_float(x[2]), __uint_as_float(x[3]));
                ldmatrix_x4(x, A(mi * AMI + 8 + (lane & 7), kk + (lane >> 3) * 4));
                a[1] = pack_f16x2(__uint_as_float(x[0]), __uint_as_float(x[1]));
                a[3] = pack_f16x2(__uint_as_float(x[2]), __uint_as_float(x[3]));
#pragma unroll
                for (int ni = 0; ni < NI; ++ni) mma_m16n8k16_f16(acc[mi][ni], a, b[ni], acc[mi][ni]);
            }
        }
    } else {  // MATH_F16
#pragma unroll
        for (int kk = 0; kk < BK; kk += 16) {
            uint32_t a[MI][4], b[NI][2];
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) ldmatrix_x4(a[mi], A(mi * AMI + (lane & 15), kk + (lane >> 4) * 8));
#pragma unroll
            for (int nj = 0; nj < NI / 2; ++nj) {
                uint32_t raw[4];
                ldmatrix_x4(raw, B(nj * 16 + (lane & 7) + ((lane >> 4) << 3), kk + ((lane >> 3) & 1) * 8));
                b[2 * nj][0] = raw[0];
                b[2 * nj][1] = raw[1];
                b[2 * nj + 1][0] = raw[2];
                b[2 * nj + 1][1] = raw[3];
            }
#pragma unroll
            for (int mi = 0; mi < MI; ++mi)
#pragma unroll
                for (int ni = 0; ni < NI; ++ni) mma_m16n8k16_f16(acc[mi][ni], a[mi], b[ni], acc[mi][ni]);
        }
    }
}

}  // namespace cuda
}  // namespace fc
#endif
