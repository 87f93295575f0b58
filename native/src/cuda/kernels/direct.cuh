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
//
// Window specialization F (template): F = 3 / 1 when R == S == 3 / 1 (the
// launcher's direct_strip_filter; T, strides, dilations, padding stay
// runtime), F = 0 the generic runtime (c, t, r, s) loops. F = 3 walks the Cg*T*3 window ROWS in a
// non-unrolled loop; a row is its 3 taps x VW pixels = 12 predicated loads,
// issued one row AHEAD (nxt) of the row being multiplied (cur: 3 taps x
// (KB/4 LDS.128 + VW*KB FFMA) = 192 FFMA for KB 16), and the window's
// (r, s) validity is two bit masks computed once. The generic F = 0 loop
// issues a tap's VW loads and consumes them at once (latency exposed per tap).
// (Unrolling the rows instead lets ptxas hoist a whole plane's 36 loads:
// spills at the 128-register bound; ptxas: F3 KB16 125-126 regs, 0 spills.)
//
// Budget for the note shape (x 1x3x1024x1024 f32, K 16 -> KB 16, H200: 132
// SMs, 4.8 TB/s, ~1.98 GHz, 4 SMSPs/SM): 2048 blocks of 512 pixels, 4 blocks
// (16 warps) per SM at <= 128 registers -> 3.9 waves (~3% tail).
//  * DRAM: 12.6 MB read + 67 MB written; 4.8 TB/s x ~700 ns latency ~ 3.4 MB
//    in flight ~ 25 KB per SM, of which reads ~16% (~4 KB/SM): writes are
//    posted (no warp waits on them). Reads in flight with F = 3: per warp one
//    row = 12 LDG x 128 B = 1.5 KB requested (~0.5-1 KB distinct lines: the 3
//    taps of a pixel overlap), x 16 warps = 8-16 KB per SM at L1 -> L2 >= the
//    ~4 KB of reads needed; each x row is a DRAM miss for 1 of the ~3 blocks
//    using it, an L2 hit for the others.
//  * Latency cover: a row costs a warp ~260 issue slots (192 FFMA + 12 LDG +
//    12 LDS + ~30 int/predicate); the prefetched row is needed after the
//    warp's own row plus 3 other warps' rows on its SMSP ~ 1000 cycles
//    ~ 500 ns: covers L2 hits fully and most of a DRAM miss.
//  * Issue: 453 M FFMA = 14.2 M warp-FFMA / 528 SMSPs = 26.8 k cycles
//    = 13.5 us; x ~1.35 for the other instructions + epilogue (64 stores + 64
//    bias adds per thread) ~ 19 us: the kernel is issue-bound just under the
//    ~20.7 us of 80% DRAM bandwidth (79.6 MB), so KB 16 / VW 4 (64 FFMA per load) stays;
//    more warps (VW 2) would halve FFMA per load and add issue.
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

// Output modes (host-checked, direct_strip_store_mode):
//  STORE_ELEM  : element stores (NCHW: contiguous across lanes per channel);
//  STORE_VEC4  : NHWC, K % 4 == 0, K/g % 4 == 0, y aligned for 4-element vectors;
//  STORE_STAGED: NHWC where the block's KB channels are whole pixels (G == 1,
//                K == KB) and y / image bases are 16-byte aligned: each warp
//                stages its 32 pixels x KB outputs in shared memory (after the
//                filter slice, [32][KB + pad] per warp) and writes them back as
//                one contiguous run of 16-byte vectors (512 B per warp store).
template <class Elem, int KB>
struct DirectStage {
    // Row pitch KB + 16 B (conflict-free vector writes, rows 16-byte aligned);
    // rows shorter than 16 B (f16 KB 4) stay packed: one vector spans 2 pixels.
    static constexpr int kPad = (KB * (int)sizeof(Elem)) % 16 == 0 ? 16 / (int)sizeof(Elem) : 0;
    static constexpr int kPitch = KB + kPad;
    static constexpr size_t kBytes = (size_t)(kDirectThreads / 32) * 32 * kPitch * sizeof(Elem);
};

static_assert(kDirectThreads == 128, "direct_strip_smem (heuristic.h) assumes 4 warps per block");
static_assert(DirectStage<half_t, 4>::kPitch == 4 && DirectStage<half_t, 16>::kPitch == 24 &&
                  DirectStage<float, 4>::kPitch == 8 && DirectStage<float, 16>::kPitch == 20,
              "direct_strip_smem (heuristic.h) mirrors DirectStage");

template <class Elem, int KB, int RM, int F>
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
    if constexpr (F > 0) {
        // R == S == F at compile time (T, strides, dilations, padding runtime).
        // A "row" = the F taps s of one (c, t, r) window row for the VW pixels:
        // F*VW predicated loads, issued one row AHEAD of the row being
        // multiplied (nxt / cur double buffer; the last row of a (c, t) plane
        // prefetches row 0 of the next plane), so each load's latency hides
        // behind the previous row's F*VW*KB FFMAs.
        // Per pixel: base offset pb (window origin; 0 for an invalid pixel) and
        // the id0 depth origin; the (r, s) validity of the F x F window is
        // invariant over (c, t): bit masks rm (row r) and cm (column s), bit
        // index r*VW + j / s*VW + j (0 for an invalid pixel). Fewer live
        // registers than id0/ih0/iw0 (the 128-register bound is tight).
        int pb[VW];
        unsigned rm = 0, cm = 0;
#pragma unroll
        for (int j = 0; j < VW; ++j) {
            const bool v = id0[j] != -(1 << 30);
            pb[j] = v ? id0[j] * p.xs_d + ih0[j] * p.xs_h + iw0[j] * p.xs_w : 0;
#pragma unroll
            for (int s = 0; s < F; ++s) {
                if (v && in_range(iw0[j] + s * p.dw, p.W)) cm |= 1u << (s * VW + j);
                if (v && in_range(ih0[j] + s * p.dh, p.H)) rm |= 1u << (s * VW + j);
            }
        }
        const int sstep = p.dw * p.xs_w, rstep = p.dh * p.xs_h, tstep = p.dd * p.xs_d;
        const int nplanes = p.Cg * p.T;
        float cur[F][VW], nxt[F][VW];
        // load row r of plane (c, t) into v; more == false -> zeros, no address formed
        auto load_row = [&](int c, int t, int r, bool more, float (&v)[F][VW]) {
            const Elem* xc = xg + c * p.xs_c;
            const int to = t * tstep + r * rstep;
#pragma unroll
            for (int j = 0; j < VW; ++j) {
                const bool ok = more && ((rm >> (r * VW + j)) & 1u) && in_range(id0[j] + t * p.dd, p.D);
                const int xo = ok ? pb[j] + to : 0;
#pragma unroll
                for (int s = 0; s < F; ++s)
                    v[s][j] = (ok && ((cm >> (s * VW + j)) & 1u)) ? round_rm<RM>(to_f32(__ldg(xc + (xo + s * sstep)))) : 0.f;
            }
        };
        load_row(0, 0, 0, true, cur);
        // Rows in (c, t, r) order; a non-unrolled loop, so ptxas cannot hoist
        // more than the one prefetched row (the whole plane: 36 loads for VW 4
        // + 64 accumulators spills at the 128-register bound). Two rows per
        // iteration with the buffers' roles swapped: no cur = nxt moves; the
        // second row's guard splits the body, which also bounds the hoisting.
        int c = 0, t = 0, r = 0;  // (c, t, r) of the last row loaded
        const float* wk = ws;
        const int nrows = nplanes * F;
        // multiply the row in `use` (row index `row`) while loading row + 1 into `fill`
        auto step = [&](int row, float (&use)[F][VW], float (&fill)[F][VW]) {
            if (++r == F) {
                r = 0;
                if (++t == p.T) { t = 0; ++c; }
            }
            const bool more = row + 1 < nrows;
            load_row(more ? c : 0, more ? t : 0, more ? r : 0, more, fill);
#pragma unroll
            for (int s = 0; s < F; ++s) {
#pragma unroll
                for (int k = 0; k < KB; k += 4) {
                    const float4 w4 = *reinterpret_cast<const float4*>(wk + k);
#pragma unroll
                    for (int j = 0; j < VW; ++j) {
                        acc[j][k] = __fmaf_rn(use[s][j], w4.x, acc[j][k]);
                        acc[j][k + 1] = __fmaf_rn(use[s][j], w4.y, acc[j][k + 1]);
                        acc[j][k + 2] = __fmaf_rn(use[s][j], w4.z, acc[j][k + 2]);
                        acc[j][k + 3] = __fmaf_rn(use[s][j], w4.w, acc[j][k + 3]);
                    }
                }
                wk += KB;
            }
        };
#pragma unroll 1
        for (int row = 0; row < nrows; row += 2) {
            step(row, cur, nxt);
            if (row + 1 < nrows) step(row + 1, nxt, cur);
        }
    } else {  // runtime R, S
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
                            const float4 w4 = *reinterpret_cast<const float4*>(wk + k);
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
    }

    if (store_mode == STORE_STAGED) {  // G == 1, K == KB, kb0 == 0: a warp's pixels are one contiguous run of y
        typedef DirectStage<Elem, KB> St;
        constexpr int OV = 16 / (int)sizeof(Elem);  // elements per 16-byte vector
        const int lane = tid & 31;
        Elem* st = reinterpret_cast<Elem*>(ws + p.Kgemm * KB) + (tid >> 5) * 32 * St::kPitch;
#pragma unroll
        for (int j = 0; j < VW; ++j) {
            const int pw0 = pix0 - lane + j * NT;  // first pixel of this warp's run
#pragma unroll
            for (int k = 0; k < KB; k += 4)
                store_vec4(st + lane * St::kPitch + k, bias_act(p, bias, k, acc[j][k]),
                           bias_act(p, bias, k + 1, acc[j][k + 1]), bias_act(p, bias, k + 2, acc[j][k + 2]),
                           bias_act(p, bias, k + 3, acc[j][k + 3]));
            __syncwarp();
            Elem* yw = y + (n * p.ys_n + pw0 * KB);
#pragma unroll
            for (int i = lane; i < 32 * KB / OV; i += 32) {
                const int e = i * OV, pl = e / KB, ch = e - pl * KB;
                if (pw0 + pl < p.OPQ)
                    *reinterpret_cast<uint4*>(yw + e) = *reinterpret_cast<const uint4*>(st + pl * St::kPitch + ch);
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
