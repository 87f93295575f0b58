// direct_tile_mma.cuh — the tensor-core compute step of direct_tile_kernel
// (direct_tile.cuh): the same halo tiles, pipeline and epilogue, but a warp's
// 128 pixels x 16 output channels come from mma.sync instead of FFMA.
//
// What it computes: for the warp's VH = 4 output rows x 32 columns, the
// little GEMM  acc[pixel][k_out] = sum_k A[pixel][k] * B[k][k_out]  with
// k = (c, r, s) of the filter window (Kgemm = CG*R*S = 9..27), A gathered from
// the shared-memory halo tile (an implicit im2col: A[pixel][(c,r,s)] is the
// staged input at row + r, column + s, channel c) and B = the block's
// filter slice, fp32 accumulate.
//  * MATH_F16 (f16 tensors, any precision; f32 tensors with FP16 precision,
//    rounded RNE like round_rm): m16n8k16, Kgemm padded to 16 / 32.
//  * MATH_TF32 (f32 tensors with TF32 precision, cvt.rna like round_rm):
//    m16n8k8, Kgemm padded to 16 / 24 / 32.
// Products of the rounded inputs are exact, so only the fp32 accumulation
// order differs from the FFMA step (the tests hold it to the fp32 bound).
//
// Why (issue 3): the note shape (RGB 3x3 -> 16) does 432 FMA per pixel; the
// FFMA step needs 13.5 warp instructions per pixel for them and keeps the
// kernel compute-bound (~35 us for 76 MB on an H200, 48 % of DRAM). Here a
// warp tile costs, per 128 pixels: f16: 32 HMMA + 128 LDS.U16 + 64 PRMT;
// tf32 (Kgemm 27): 64 HMMA + 128 LDS + 2 x 128 for cvt.rna — with the stores,
// 138 (f16) / 175 (tf32) SASS instructions per output row on sm_90, 3-4x
// fewer per tile than the FFMA step. Measured (H200, gpu_check --compare):
// NHWC f16 17.7 us vs 31.1 with the FFMA step (47 % of DRAM), NHWC TF32
// 27.4 vs 36.2 (61 %), NCHW TF32 30.9 vs 37.7; not yet DRAM-bound (~10 us for
// f16): the A gathers and the resident warps leave it latency-bound.
//
// Fragments (PTX ISA "Matrix Fragments for mma.m16n8k16 / m16n8k8", g =
// lane / 4, t = lane % 4): m-tile (i, h) = output row i of the warp, columns
// 16h .. 16h+15; A row g / g+8 = columns 16h+g / 16h+g+8.
//  f16:  a0 = (g, k 2t..2t+1), a1 = (g+8, 2t..2t+1), a2 = (g, 2t+8..2t+9),
//        a3 = (g+8, 2t+8..2t+9); b0 = (k 2t..2t+1, n g), b1 = (2t+8..2t+9, g)
//  tf32: a0 = (g, t), a1 = (g+8, t), a2 = (g, t+4), a3 = (g+8, t+4);
//        b0 = (k t, n g), b1 = (t+4, g)
//  C:    c0,c1 = (g, n 2t..2t+1), c2,c3 = (g+8, 2t..2t+1)
// So a lane reads the same few k ("slots", 8 for every CG) for all its
// m-tiles: each slot becomes one shared-memory base (the tap's offset + the
// lane's column g), and every A element is a load at base + an immediate
// (i * PITCH + (16h + 8) * EW): no per-element index math. A k past Kgemm
// (the padding up to the mma's k) points its base at the zero strip behind
// the buffer, and its B entries are 0: a pad contributes exactly +0 (never
// Inf * 0 from a real input). B fragments are built once per block from the
// staged, already rounded slice into a shared table [k-step][lane][4 x u32]
// and read per tile (one conflict-free LDS.128 per k-step) into 8 (f16) / 16
// (tf32) registers.
// Epilogue (store_row): one output row at a time, straight from the C
// fragments (c0,c1 = pixel g, channels 2t, 2t+1; c2,c3 = pixel g+8): only 16
// accumulators are live, and the warp's stores stay sector-efficient (NCHW: 8
// consecutive pixels per channel; NHWC: a lane's channel pair as one vector).
#ifndef FASTCONV_CUDA_KERNELS_DIRECT_TILE_MMA_CUH
#define FASTCONV_CUDA_KERNELS_DIRECT_TILE_MMA_CUH

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/mma_step.cuh"

namespace fc {
namespace cuda {

template <class Elem, int MathK, int RM, int CG, int R, int S, int PITCH, int PLANE, bool NHWC>
struct DirectTileMma {
    static_assert(MathK == MATH_F16 || MathK == MATH_TF32, "f16 or tf32 tensor-core step");
    static constexpr int KB = kDirectTileKB, VH = kDirectTileVH;
    static constexpr int EW = NHWC ? CG : 1;
    static constexpr int KG = CG * R * S;               // GEMM k (taps)
    static constexpr int MK = MathK == MATH_F16 ? 16 : 8;  // mma k
    static constexpr int KSTEPS = (KG + MK - 1) / MK;
    static constexpr int SPS = MathK == MATH_F16 ? 4 : 2;  // slots per k-step
    static constexpr int NSLOT = KSTEPS * SPS;
    static constexpr int NT = KB / 8;                   // n8 tiles
    static constexpr int MT = 2;                        // m16 tiles per output row (2 halves of 16 pixels)
    static_assert(KB == 16 && kDirectTileTW == 32, "two n8 tiles, two m16 halves per output row");

    int off[NSLOT];  // element offset of each slot's base from the buffer start

    // k of slot j (lane quad index t): f16 slot (ks, half, e) -> 16ks + 8half + 2t + e;
    // tf32 slot (ks, half) -> 8ks + 4half + t.
    __device__ __forceinline__ static int slot_k(int j, int t) {
        if constexpr (MathK == MATH_F16)
            return (j / 4) * 16 + ((j >> 1) & 1) * 8 + 2 * t + (j & 1);
        else
            return (j / 2) * 8 + (j & 1) * 4 + t;
    }

    // wrow: the warp's first output row in the tile; shift: DirectTileArgs::shift; zero: offset of the
    // zero strip (= the buffer's element count); ws: the block's rounded filter slice [KG][KB] fp32,
    // complete (after a barrier); bfrag: the B fragment table [KSTEPS][32 lanes][NT * 2] u32 that warp
    // 0 fills here from ws (published by the caller's next barrier). B fragments live in shared memory,
    // one LDS.128 per k-step, not in 8-16 registers across the persistent tile loop.
    __device__ __forceinline__ void init(int wrow, int shift, int zero, const float* ws, uint32_t* bfrag, int tid) {
        const int lane = tid & 31, g = lane >> 2, t = lane & 3;
#pragma unroll
        for (int j = 0; j < NSLOT; ++j) {
            const int k = slot_k(j, t);
            const int c = k / (R * S), rs = k - c * (R * S), r = rs / S, s = rs - r * S;
            off[j] = k < KG ? (NHWC ? c : c * PLANE) + (wrow + r) * PITCH + shift + (g + s) * EW : zero;
        }
        if (tid >= 32) return;
        auto wv = [&](int k, int n) { return k < KG ? ws[k * KB + n] : 0.f; };
#pragma unroll
        for (int ks = 0; ks < KSTEPS; ++ks)
#pragma unroll
            for (int nt = 0; nt < NT; ++nt)
#pragma unroll
                for (int hf = 0; hf < 2; ++hf) {
                    const int n = nt * 8 + g;
                    uint32_t v;
                    if constexpr (MathK == MATH_F16) {
                        const int k = ks * 16 + hf * 8 + 2 * t;
                        v = pack_f16x2(wv(k, n), wv(k + 1, n));  // exact: ws holds fp16 values
                    } else {
                        v = __float_as_uint(wv(ks * 8 + hf * 4 + t, n));  // tf32-exact (RM)
                    }
                    bfrag[(ks * 32 + lane) * (NT * 2) + nt * 2 + hf] = v;
                }
    }

    // One A register: the element(s) of slot j at m-tile (i, h), row g (+8 if up).
    __device__ __forceinline__ static uint32_t a_reg(const Elem* buf, const int (&off)[NSLOT], int j, int i, int h,
                                                     int up) {
        const int imm = i * PITCH + (16 * h + 8 * up) * EW;
        if constexpr (MathK == MATH_F16) {
            if constexpr (sizeof(Elem) == 2) {
                return (uint32_t)lds(buf + off[j] + imm) | ((uint32_t)lds(buf + off[j + 1] + imm) << 16);
            } else {  // f32 tensors, FP16 precision: cvt.rn.f16x2 == round_rm<ROUND_F16>
                return pack_f16x2(to_f32(lds(buf + off[j] + imm)), to_f32(lds(buf + off[j + 1] + imm)));
            }
        } else {
            return f32_to_tf32(to_f32(lds(buf + off[j] + imm)));  // cvt.rna == round_rm<ROUND_TF32>
        }
    }

    // acc[m-tile h][n-tile][C fragment] = A(buffer) * B for output row i of the warp (one row at a time:
    // 16 C registers live, stored by store_row before the next row).
    __device__ __forceinline__ void compute(const Elem* buf, const uint32_t (&bf)[KSTEPS][NT][2], int i,
                                            float (&acc)[MT][NT][4]) const {
        zero_acc(acc);
#pragma unroll
        for (int ks = 0; ks < KSTEPS; ++ks) {
#pragma unroll
            for (int h = 0; h < MT; ++h) {
                uint32_t a[4];
                if constexpr (MathK == MATH_F16) {
                    const int j = ks * 4;  // slots j, j+1: k 2t, 2t+1; j+2, j+3: k 2t+8, 2t+9
                    a[0] = a_reg(buf, off, j, i, h, 0);
                    a[1] = a_reg(buf, off, j, i, h, 1);
                    a[2] = a_reg(buf, off, j + 2, i, h, 0);
                    a[3] = a_reg(buf, off, j + 2, i, h, 1);
                } else {
                    const int j = ks * 2;  // slot j: k t, j+1: k t+4
                    a[0] = a_reg(buf, off, j, i, h, 0);
                    a[1] = a_reg(buf, off, j, i, h, 1);
                    a[2] = a_reg(buf, off, j + 1, i, h, 0);
                    a[3] = a_reg(buf, off, j + 1, i, h, 1);
                }
#pragma unroll
                for (int nt = 0; nt < NT; ++nt) {
                    if constexpr (MathK == MATH_F16)
                        mma_m16n8k16_f16(acc[h][nt], a, bf[ks][nt], acc[h][nt]);
                    else
                        mma_m16n8k8_tf32(acc[h][nt], a, bf[ks][nt], acc[h][nt]);
                }
            }
        }
    }

    // Writes one output row of the warp straight from the C fragments: act(c + bias) at output row pp,
    // columns q0 + 16h + g (+8), channels kk0 + 8nt + 2t (+1) -- bias_act's arithmetic without per-output
    // branches, as direct_tile_epilogue (bias staged as -0.0f where there is none; ReLU `v < 0 ? 0 : v`).
    //  * FULL (the warp's rows, the tile's 32 columns and the block's 16 channels all inside y): no
    //    checks; RELU compile-time. Else per-output checks, ReLU from p.relu.
    //  * NCHW: per channel, the 8 lanes of a quad column write 8 consecutive pixels (32 B f32: whole
    //    sectors). NHWC with pairs (vec_out: K a multiple of the 16-byte vector, y 16-byte aligned): a
    //    lane's two channels 2t, 2t+1 are adjacent -> one 8-byte (f32) / 4-byte (f16) store, the quad
    //    covers 8 channels of a pixel (aligned: NHWC runs with groups == 1 only, so kk0 = kb0 is a
    //    multiple of 16 and every pixel offset a multiple of K, even); else element stores.
    // No shared-memory stage: the C fragments never leave registers (a stage cost 128 wavefronts of
    // shared-memory bandwidth per warp tile and 64 more live registers).
    template <bool FULL, bool RELU>
    __device__ __forceinline__ static void store_row(const ConvParams& p, const float (&c)[MT][NT][4],
                                                     const float (&bias)[NT][2], Elem* y, int n, int pp, int q0,
                                                     int kk0, int kb0, bool pairs, int lane) {
        const int g = lane >> 2, t = lane & 3;
        if (!FULL && pp >= p.P) return;
        const bool relu = RELU || p.relu != 0;
        auto act = [&](float v, float b) {
            v += b;
            if (FULL) return RELU ? (v < 0.f ? 0.f : v) : v;
            return relu && v < 0.f ? 0.f : v;
        };
        // NCHW: ys_p == 1, NHWC: ys_k == 1 (make_conv_params). 32-bit offsets (tensors < 2^31 elements);
        // one pointer per channel (NCHW) / pixel (NHWC) and immediates for the rest, so no 64-bit
        // addresses stay live across the persistent loop.
        const int base = n * p.ys_n + pp * p.Q * (NHWC ? p.ys_p : 1) + kk0 * (NHWC ? 1 : p.ys_k);
        if constexpr (!NHWC) {
#pragma unroll
            for (int nt = 0; nt < NT; ++nt)
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    const int ch = nt * 8 + 2 * t + j;
                    if (!FULL && kb0 + ch >= p.Kg) continue;
                    Elem* yc = y + (base + ch * p.ys_k + q0 + g);
#pragma unroll
                    for (int h = 0; h < 2; ++h)
#pragma unroll
                        for (int e = 0; e < 2; ++e) {
                            const int dq = 16 * h + 8 * e;
                            if (!FULL && q0 + g + dq >= p.Q) continue;
                            store_elem(yc + dq, act(c[h][nt][2 * e + j], bias[nt][j]));
                        }
                }
        } else {
#pragma unroll
            for (int h = 0; h < 2; ++h)
#pragma unroll
                for (int e = 0; e < 2; ++e) {
                    const int q = q0 + 16 * h + 8 * e + g;
                    if (!FULL && q >= p.Q) continue;
                    Elem* yq = y + (base + q * p.ys_p + 2 * t);
#pragma unroll
                    for (int nt = 0; nt < NT; ++nt) {
                        const int ch = nt * 8 + 2 * t;
                        const float v0 = act(c[h][nt][2 * e], bias[nt][0]);
                        const float v1 = act(c[h][nt][2 * e + 1], bias[nt][1]);
                        if (pairs && (FULL || kb0 + ch + 1 < p.Kg)) {
                            if constexpr (sizeof(Elem) == 4)
                                *reinterpret_cast<float2*>(yq + nt * 8) = make_float2(v0, v1);
                            else
                                *reinterpret_cast<uint32_t*>(yq + nt * 8) = pack_f16x2(v0, v1);
                        } else {
                            if (FULL || kb0 + ch < p.Kg) store_elem(yq + nt * 8, v0);
                            if (FULL || kb0 + ch + 1 < p.Kg) store_elem(yq + nt * 8 + 1, v1);
                        }
                    }
                }
        }
    }

    // The warp's whole tile from buffer buf: per output row, the MMAs then its stores.
    template <bool FULL, bool RELU>
    __device__ __forceinline__ void tile(const ConvParams& p, const Elem* buf, const uint32_t* bfrag,
                                         const float (&bias)[NT][2], Elem* y, int n, int pp0, int q0, int kk0,
                                         int kb0, bool pairs, int lane) const {
        static_assert(NT * 2 == 4, "one 16-byte B fragment load per lane and k-step");
        uint32_t bf[KSTEPS][NT][2];  // once per tile: KSTEPS LDS.128 (8 / 16 registers)
#pragma unroll
        for (int ks = 0; ks < KSTEPS; ++ks) {
            const uint4 v = lds(reinterpret_cast<const uint4*>(bfrag + (ks * 32 + lane) * 4));
            bf[ks][0][0] = v.x;
            bf[ks][0][1] = v.y;
            bf[ks][1][0] = v.z;
            bf[ks][1][1] = v.w;
        }
        // Rows not unrolled: unrolled, ptxas interleaved them up to the 128-register cap (and spilled).
#pragma unroll 1
        for (int i = 0; i < VH; ++i) {
            float c[MT][NT][4];
            compute(buf, bf, i, c);
            store_row<FULL, RELU>(p, c, bias, y, n, pp0 + i, q0, kk0, kb0, pairs, lane);
        }
    }
};

}  // namespace cuda
}  // namespace fc
#endif
