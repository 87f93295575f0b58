// direct_tile.cuh — direct_tile_kernel: the few-input-channel direct
// convolution (AUTO's DIRECT problems, e.g. RGB 3x3 -> 16) restructured to
// stream at DRAM speed: shared-memory halo tiles filled by cp.async, a
// register sliding window, and a persistent, double-buffered tile loop.
//
// What it computes: y = act(bias + conv(x, w)) for 2-D problems (D = T = 1)
// with a compile-time R x S filter (3x3 instantiated), stride 1, dilation 1,
// C/g = CG in {1, 2, 3} (compile-time), K/g >= 12 (KB = 16 output channels per
// block), any padding (also larger than the filter needs), any N, H, W;
// NCHW (any groups) or NHWC (groups == 1); f32 or f16 tensors (f16: fp16
// storage, fp32 accumulate); input rounding RM as direct_strip_kernel (none /
// tf32 / fp16 of f32 inputs). Everything else runs direct_strip_kernel.
//
// Why (issue 3): direct_strip_kernel reads its taps with __ldg inside the
// c/r/s loops: ~4 loads in flight per thread, every new input row an L2/DRAM
// miss the warp waits on, plus per-load range checks -> latency-bound at
// 23-25 % of H200 DRAM bandwidth. Here no FFMA ever waits on global memory:
//  * Tiling: a block owns TH x TW = 16 x 32 output pixels of one image for
//    KB = 16 output channels. Lane = output column (TW = 32: NCHW stores are
//    128-byte runs per channel and row), warp w = output rows 4w .. 4w+3.
//  * Staging: the block's whole input halo tile (CG planes x (TH+R-1) rows x
//    (TW+S-1) columns; NHWC: rows of (TW+S-1) pixels x CG channels, copied as
//    raw contiguous rows) goes to shared memory with 16-byte cp.async,
//    zero-filled outside the image (src-size 0 / partial): padding is free and
//    the inner loop has no range checks at all. The row start is aligned down
//    to 16 bytes; the alignment offset ("shift") is the same for every tile
//    (q0 is a multiple of 32). Unaligned x / row pitch (vec_in = 0): one
//    element per copy (4-byte cp.async for f32, a plain load for f16). A halo
//    inside the image in both dimensions (91 % of the note shape's tiles) is
//    copied with no per-chunk range checks; offsets are 32-bit. The stage
//    records the tile's (n, tp, tq) in shared memory for its epilogue (no
//    integer divisions there).
//  * Pipelining: persistent blocks (grid = min(tiles, 4 per SM)) loop over
//    tiles with two buffers: tile i+1's copies are issued before tile i's
//    FFMAs, so ~2 halo tiles per block (4 blocks/SM: ~70 KB/SM for the f32
//    note shape) are in flight all the time — the memory-level parallelism
//    the strip kernel lacks.
//  * Compute, FFMA step (FP32 / 3XTF32 precision on f32 tensors: exact):
//    per input channel a thread loads its (VH+R-1) x S input window
//    (18 LDS for 3x3, VH = 4) into registers once; per tap (r, s) it loads the
//    tap's KB = 16 weights as 4 LDS.128 broadcasts and applies them to the VH
//    outputs that use that window value: 576 FFMA per 54 LDS per channel
//    (~91 % FFMA), 64 fp32 accumulators per thread (VH x KB).
//  * Compute, tensor-core step (f16 tensors; TF32 / FP16 precision on f32
//    tensors — their products are exact either way): each warp's 128 pixels x
//    16 channels as m16n8 MMAs with A gathered from the same halo tile and its
//    own epilogue (direct_tile_mma.cuh): 3-4x fewer instructions per tile.
//  * Weights + bias: staged once per block in shared memory as fp32 [tap][KB]
//    in (c, r, s) order (NHWC weights permuted while staging), rounded by RM.
//  * Epilogue: bias_act()'s arithmetic without per-output flag branches: the
//    staged bias is -0.0f when the problem has none (v + -0.0f == v bit for
//    bit), ReLU is `v < 0 ? 0 : v` (keeps NaN / -0.0f). Interior tiles (the
//    warp's 4 rows, 32 columns and KB channels all inside y: every tile of the
//    note shape) take a check-free path, instantiated with and without ReLU
//    (one branch per tile): one base pointer per thread, fixed row stride,
//    channel stride stepping (NCHW pixel stride / NHWC channel stride are the
//    constant 1), so an output is FADD + address + STG; edge tiles and K/g
//    tails keep per-output checks. NCHW: per channel 32 consecutive pixels
//    (128 B f32) per warp store; NHWC with vec_out: each warp stages an output
//    row (32 pixels x 16 channels) in its shared-memory slot and writes it as
//    consecutive 16-byte vectors (whole 32-byte sectors); else element stores.
// Accumulation order per output (FFMA step): taps ascending in (c, r, s) with
// fp32 FFMA — the same order as direct_strip_kernel, so results are
// bit-identical to it (the emulation tests check that bit for bit).
// Occupancy: __launch_bounds__(128, 4) caps registers at 128 (4 blocks of
// 128 threads per SM; the tensor-core step needs <= 100); shared
// memory <= 28 KB per block (f32 NHWC C/g 3 with its output stage: 3
// blocks/SM on sm_86/89's 100 KB, 4 elsewhere).
#ifndef FASTCONV_CUDA_KERNELS_DIRECT_TILE_CUH
#define FASTCONV_CUDA_KERNELS_DIRECT_TILE_CUH

#include "cuda/kernels/common.cuh"
#include "cuda/kernels/direct.cuh"
#include "cuda/kernels/direct_tile_mma.cuh"
#include "cuda/kernels/epilogue.cuh"

namespace fc {
namespace cuda {

template <int ES, int CG, int R, int S, bool NHWC, bool MMA = false>
struct DirectTileGeom {
    static constexpr int VE = 16 / ES;                    // elements per 16-byte chunk
    static constexpr int EW = NHWC ? CG : 1;              // staged-row elements per pixel
    static constexpr int ROWS = kDirectTileTH + R - 1;    // halo rows
    static constexpr int PITCH = direct_tile_pitch(ES, CG, S, NHWC, MMA);
    static constexpr int USED = direct_tile_used_pitch(ES, CG, S, NHWC);  // elements of a row staged
    static constexpr int CPR = PITCH / VE;                // 16-byte chunks per row
    static constexpr int CPR_USED = USED / VE;            // of them copied (the rest: bank padding)
    static constexpr int PLANES = NHWC ? 1 : CG;
    static constexpr int PLANE_DATA = ROWS * PITCH;       // elements of a plane's rows
    static constexpr int PLANE = PLANE_DATA + direct_tile_plane_pad(ES, CG, NHWC, MMA);  // plane stride
    static constexpr int BUF = PLANES * PLANE;            // elements per buffer
    static constexpr int CHUNKS = PLANES * PLANE / VE;    // staged chunks, the padding's included (zeros)
    static_assert(PLANE_DATA == ROWS * CPR * VE && PLANE % VE == 0, "chunk e of a buffer is its element e * VE");
    static constexpr int WS = CG * R * S * kDirectTileKB;  // filter slice floats
    static_assert(PITCH % VE == 0 && PITCH >= (kDirectTileTW + S - 1) * EW + VE - 1, "pitch");
    static constexpr int ZS = direct_tile_zero_elems(ES, CG, S, NHWC, MMA);  // zero strip after each buffer
    static constexpr int BSTRIDE = BUF + ZS;                                   // elements per buffer slot
    static constexpr int STAGE_LANE = direct_tile_stage_lane_bytes(ES, NHWC, MMA);  // per-warp stage bytes / 32
    static_assert(STAGE_LANE == (NHWC && !MMA ? kDirectTileKB * ES : 0), "stage");
    static constexpr int BFRAG = direct_tile_bfrag_bytes(CG, R, S, MMA) / 4;  // B fragment table (u32)
    static_assert(direct_tile_smem_bytes(ES, CG, R, S, NHWC, MMA) ==
                      (size_t)(WS + kDirectTileKB + BFRAG) * 4 + (size_t)2 * BSTRIDE * ES +
                          (size_t)kDirectTileThreads * STAGE_LANE,
                  "direct_tile_smem_bytes (tile_config.cuh) mirrors the kernel's layout");
    static_assert(direct_tile_smem_bytes(ES, CG, R, S, NHWC, MMA) <= 48 * 1024,
                  "launched without a dynamic shared memory opt-in");
    static_assert((2 * BSTRIDE * ES) % 16 == 0 && STAGE_LANE % 16 == 0, "16-byte aligned regions");
};


// Issues the copies of tile t's halo into buf (the caller commits the group) and has thread 0 record
// t's (n, tp, tq) in *at for the epilogue (which then needs no integer divisions). Offsets are 32-bit
// (tensors < 2^31 elements, make_conv_params). A halo inside the image in both dimensions (most
// tiles) copies whole 16-byte chunks with no range checks.
template <class Elem, int CG, int R, int S, bool NHWC, bool MMA>
__device__ __forceinline__ void direct_tile_stage(const ConvParams& p, const DirectTileArgs& a, const Elem* x, int g,
                                                  int t, Elem* buf, int4* at, int tid) {
    typedef DirectTileGeom<(int)sizeof(Elem), CG, R, S, NHWC, MMA> Gm;
    const int per_img = a.tiles_p * a.tiles_q;
    const int n = t / per_img;
    const int rem = t - n * per_img;
    const int tp = rem / a.tiles_q;
    const int tq = rem - tp * a.tiles_q;
    const int ih0 = tp * kDirectTileTH - p.ph;
    const int cb = (tq * kDirectTileTW - p.pw) * Gm::EW - a.shift;  // row element of staged element 0
    const int wr = p.W * Gm::EW;                                     // valid elements per input row
    const int xn = n * p.xs_n + g * CG * p.xs_c;
    if (tid == 0) *at = make_int4(n, tp, tq, 0);
    if (a.vec_in) {
        const bool inside = ih0 >= 0 && ih0 + Gm::ROWS <= p.H && cb >= 0 && cb + Gm::USED <= wr;
        // every chunk of the buffer, the padding between planes included (as zeros): a warp's 16-byte
        // copies are consecutive chunks, so no quarter-warp's stores share banks
#pragma unroll 2
        for (int e = tid; e < Gm::CHUNKS; e += kDirectTileThreads) {
            const int pl = e / (Gm::PLANE / Gm::VE);
            const int e2 = e - pl * (Gm::PLANE / Gm::VE);
            const int row = e2 / Gm::CPR;
            const int j = e2 - row * Gm::CPR;
            const int ih = ih0 + row, col = cb + j * Gm::VE;
            int bytes = 16, off = xn + pl * p.xs_c + ih * p.xs_h + col;
            if (!inside) {
                const bool ok = in_range(ih, p.H) && col >= 0 && col < wr;
                bytes = ok ? min(Gm::VE, wr - col) * (int)sizeof(Elem) : 0;
                off = ok ? off : 0;
            }
            if constexpr (Gm::CPR_USED < Gm::CPR || Gm::PLANE > Gm::PLANE_DATA)
                if (j >= Gm::CPR_USED || row >= Gm::ROWS) bytes = off = 0;  // bank padding, never read: zeros
            // chunk (pl, row, j) lands at pl * PLANE + row * PITCH + j * VE = e * VE
            cp_async_cg_16(buf + e * Gm::VE, x + off, bytes);
        }
    } else {
#pragma unroll 4
        for (int e = tid; e < Gm::BUF; e += kDirectTileThreads) {
            const int pl = e / Gm::PLANE;
            const int e2 = e - pl * Gm::PLANE;
            const int row = e2 / Gm::PITCH;
            const int k = e2 - row * Gm::PITCH;
            const int ih = ih0 + row, col = cb + k;
            // (k >= USED, row >= ROWS: bank padding, never read: zeros)
            const bool ok = in_range(ih, p.H) && in_range(col, wr) && k < Gm::USED && row < Gm::ROWS;
            const Elem* src = x + (ok ? xn + pl * p.xs_c + ih * p.xs_h + col : 0);
            if constexpr (sizeof(Elem) == 4) {
                cp_async_ca_4(buf + e, src, ok ? 4 : 0);
            } else {
                buf[e] = ok ? *src : Elem(0);
            }
        }
    }
}

// Writes a thread's VH x KB outputs: act(acc + bias) with bias_act's arithmetic, branch-free: the
// staged bias is -0.0f where the problem has none (v + -0.0f == v bit for bit, -0.0f and NaN
// included), and ReLU is `v < 0 ? 0 : v` (keeps NaN and -0.0f like bias_act).
//  * FULL (the warp's VH rows, its 32 columns and the block's KB channels all inside y — every tile
//    of the note shape): no range checks, no branches; one base pointer per thread, rows at a
//    fixed element stride, channels stepped by the channel stride (NCHW: pixel stride 1, channel
//    stride P*Q; NHWC: channel stride 1, so per-channel stores use immediate offsets); RELU is a
//    compile-time choice (the kernel branches once per tile), so without ReLU an output costs
//    FADD + address + STG.
//  * else per-output checks (edge tiles, K/g tails), ReLU from the flag read once per tile.
//  * NHWC with vec_out and a full KB slice: each warp stages one output row (32 pixels x KB channels)
//    in its shared-memory slot `so` and writes it as consecutive 16-byte pieces: 4 lanes (f32) / 2
//    (f16) per pixel, so every 32-byte sector is written whole (a lane's own 16 channels would be
//    64 / 32 bytes at a pixel stride: half-sector writes at twice the L2 requests). The stage is
//    swizzled (pixel_stage_at, direct.cuh), so the lanes' 16-byte writes (8 pixels, one chunk each, per phase)
//    and the read-back (8 / L pixels x L chunks per phase) are both bank-conflict-free; the padded
//    rows it had before made the read-back 2-way conflicted (the emulation's bank model);
//  * else element stores: NCHW -> per channel 32 consecutive pixels per warp store.
// yt: this thread's output (row pp0, column q0 + lane, channel kk0) — only formed where it exists.
template <bool FULL, bool RELU, class Elem, bool NHWC>
__device__ __forceinline__ void direct_tile_epilogue(const ConvParams& p, const DirectTileArgs& a,
                                                     const float (&acc)[kDirectTileVH][kDirectTileKB],
                                                     const float* sbias, Elem* y, Elem* so, int n, int pp0, int q0,
                                                     int kk0, int kb0, bool full, int lane) {
    constexpr int KB = kDirectTileKB, VH = kDirectTileVH;
    // NCHW: ys_p == 1, NHWC: ys_k == 1 (make_conv_params), so one of the two strides is a constant.
    const int ps = NHWC ? p.ys_p : 1, cs = NHWC ? 1 : p.ys_k;
    const int rs = p.Q * ps;  // output row stride
    const bool relu = RELU || p.relu != 0;  // !FULL: read once per tile
    auto act = [&](float v, float b) {
        v += b;
        if (FULL) return RELU ? (v < 0.f ? 0.f : v) : v;
        return relu && v < 0.f ? 0.f : v;
    };
    const int rows = FULL ? VH : min(VH, p.P - pp0);  // valid rows of this warp (warp-uniform)
    if (NHWC && a.vec_out && (FULL || full)) {
        constexpr int OV = 16 / (int)sizeof(Elem), CPP = KB / OV;  // elements per vector, vectors per pixel
        Elem* yr = y + (n * p.ys_n + (pp0 * p.Q + q0) * ps + kk0);
#pragma unroll
        for (int i = 0; i < VH; ++i) {
            if (!FULL && i >= rows) break;
#pragma unroll
            for (int k = 0; k < KB; k += OV) {
                float v[OV];
#pragma unroll
                for (int e = 0; e < OV; ++e) v[e] = act(acc[i][k + e], sbias[k + e]);
                sts_vec16(so + pixel_stage_at<Elem, KB>(lane, k), v);
            }
            __syncwarp();
#pragma unroll
            for (int c = lane; c < 32 * CPP; c += 32) {
                const int px = c / CPP, ch = (c - px * CPP) * OV;
                if (FULL || q0 + px < p.Q)
                    *reinterpret_cast<uint4*>(yr + px * ps + ch) =
                        lds(reinterpret_cast<const uint4*>(so + pixel_stage_at<Elem, KB>(px, ch)));
            }
            __syncwarp();
            yr += rs;
        }
        return;
    }
    const int q = q0 + lane;
    if (!FULL && q >= p.Q) return;
    Elem* yt = y + (n * p.ys_n + (pp0 * p.Q + q) * ps + kk0 * cs);
#pragma unroll
    for (int k = 0; k < KB; ++k) {
        if (!FULL && !full && kb0 + k >= p.Kg) break;
        const float b = sbias[k];  // one shared-memory broadcast per channel (no 16 live registers)
#pragma unroll
        for (int i = 0; i < VH; ++i)
            if (FULL || i < rows) store_elem(yt + i * rs, act(acc[i][k], b));
        yt += cs;
    }
}

// MathK: MATH_SIMT = the FFMA step (bit-identical to direct_strip_kernel); MATH_F16 / MATH_TF32 = the
// tensor-core step (direct_tile_mma.cuh).
template <class Elem, int RM, int CG, int R, int S, bool NHWC, int MathK = MATH_SIMT>
__global__ void __launch_bounds__(kDirectTileThreads, kDirectTileMinBlocks)
    direct_tile_kernel(ConvParams p, DirectTileArgs a, const Elem* __restrict__ x, const Elem* __restrict__ w,
                       const Elem* __restrict__ bias, Elem* __restrict__ y) {
    constexpr bool MMA = MathK != MATH_SIMT;
    typedef DirectTileGeom<(int)sizeof(Elem), CG, R, S, NHWC, MMA> Gm;
    constexpr int KB = kDirectTileKB, VH = kDirectTileVH, WR = VH + R - 1;
    // [CG*R*S][KB] fp32, bias [KB] fp32, MMA: B fragments [k-steps][32][4] u32, 2 x ([PLANES][ROWS][PITCH]
    // + MMA: [ZS] zeros) Elem, FFMA NHWC: per-warp output stages [4 warps][32][KB] Elem
    FC_DYNAMIC_SHARED(float, ws);
    float* sbias = ws + Gm::WS;
    uint32_t* bfrag = reinterpret_cast<uint32_t*>(sbias + KB);
    Elem* bufs = reinterpret_cast<Elem*>(bfrag + Gm::BFRAG);
    __shared__ int4 tile_at[2];  // (n, tp, tq) of the tile in buffer 0 / 1 (direct_tile_stage)
    const int tid = threadIdx.x;
    unsigned char* wstage = reinterpret_cast<unsigned char*>(bufs + 2 * Gm::BSTRIDE) + (tid >> 5) * 32 * Gm::STAGE_LANE;
    const int kb_tiles = (p.Kg + KB - 1) / KB;
    const int g = blockIdx.y / kb_tiles;
    const int kb0 = (blockIdx.y - g * kb_tiles) * KB;
    const int kk0 = g * p.Kg + kb0;
    const bool full = kb0 + KB <= p.Kg;

    int t = blockIdx.x;
    if (t < a.ntiles) direct_tile_stage<Elem, CG, R, S, NHWC, MMA>(p, a, x, g, t, bufs, tile_at, tid);
    cp_async_commit();

    // Filter slice (overlaps the first tile's copies): (c, r, s) order, NHWC permuted.
    for (int e = tid; e < Gm::WS + KB; e += kDirectTileThreads) {
        float v = 0.f;
        if (e < Gm::WS) {
            const int kl = e / KB, j = e - kl * KB;
            if (kb0 + j < p.Kg) {
                int kw = kl;
                if constexpr (NHWC) {
                    const int c = kl / (R * S);
                    kw = (kl - c * (R * S)) * CG + c;
                }
                v = round_rm<RM>(to_f32(w[(kk0 + j) * (CG * R * S) + kw]));
            }
        } else {
            const int j = e - Gm::WS;  // no bias: -0.0f, the identity of the epilogue's FADD
            v = p.has_bias && kb0 + j < p.Kg ? to_f32(bias[kk0 + j]) : -0.f;
        }
        ws[e] = v;
    }

    const int lane = tid & 31, wrow = (tid >> 5) * VH;
    // The tensor-core step's per-thread state (its slot offsets; unused, and dropped by the compiler, in
    // FFMA instantiations).
    DirectTileMma<Elem, MMA ? MathK : MATH_F16, RM, CG, R, S, Gm::PITCH, Gm::PLANE, NHWC> mma;
    if constexpr (MMA) {
        for (int e = tid; e < Gm::ZS; e += kDirectTileThreads) {  // the zero strips (never copied into)
            bufs[Gm::BUF + e] = Elem(0);
            bufs[Gm::BSTRIDE + Gm::BUF + e] = Elem(0);
        }
        __syncthreads();  // the filter slice is complete: B fragments from it
        mma.init(wrow, a.shift, Gm::BUF, ws, bfrag, tid);
        // (the tile loop's first barrier publishes the B fragment table)
    }
    int b = 0;
    for (; t < a.ntiles; t += gridDim.x) {
        const int tn = t + gridDim.x;
        if (tn < a.ntiles) direct_tile_stage<Elem, CG, R, S, NHWC, MMA>(p, a, x, g, tn, bufs + (b ^ 1) * Gm::BSTRIDE,
                                                                  tile_at + (b ^ 1), tid);
        cp_async_commit();
        cp_async_wait<1>();  // tile t's copies have landed (this thread's); the barrier publishes everyone's
        __syncthreads();

        if constexpr (MMA) {
            // Tensor-core step: rows of MMAs, each stored straight from its C fragments (store_row).
            const int4 at = tile_at[b];
            const int q0 = at.z * kDirectTileTW, pp0 = at.y * kDirectTileTH + wrow;
            float bias2[KB / 8][2];  // this lane's channels 8nt + 2t, +1
#pragma unroll
            for (int nt = 0; nt < KB / 8; ++nt) {
                bias2[nt][0] = sbias[nt * 8 + 2 * (lane & 3)];
                bias2[nt][1] = sbias[nt * 8 + 2 * (lane & 3) + 1];
            }
            const Elem* buf = bufs + b * Gm::BSTRIDE;
            const bool pairs = a.vec_out != 0;
            if (full && pp0 + VH <= p.P && q0 + kDirectTileTW <= p.Q) {  // interior (warp-uniform)
                if (p.relu)
                    mma.template tile<true, true>(p, buf, bfrag, bias2, y, at.x, pp0, q0, kk0, kb0, pairs, lane);
                else
                    mma.template tile<true, false>(p, buf, bfrag, bias2, y, at.x, pp0, q0, kk0, kb0, pairs, lane);
            } else {
                mma.template tile<false, false>(p, buf, bfrag, bias2, y, at.x, pp0, q0, kk0, kb0, pairs, lane);
            }
        } else {  // FFMA step
            float acc[VH][KB];
#pragma unroll
            for (int i = 0; i < VH; ++i)
#pragma unroll
                for (int k = 0; k < KB; ++k) acc[i][k] = 0.f;

            const Elem* sb = bufs + b * Gm::BSTRIDE + wrow * Gm::PITCH + a.shift + lane * Gm::EW;
#pragma unroll 1
            for (int c = 0; c < CG; ++c) {
                const Elem* sc = sb + (NHWC ? c : c * Gm::PLANE);
                float xv[WR][S];
#pragma unroll
                for (int rr = 0; rr < WR; ++rr)
#pragma unroll
                    for (int s = 0; s < S; ++s) xv[rr][s] = round_rm<RM>(to_f32(lds(sc + rr * Gm::PITCH + s * Gm::EW)));
                const float* wc = ws + c * (R * S * KB);
#pragma unroll
                for (int r = 0; r < R; ++r)
#pragma unroll
                    for (int s = 0; s < S; ++s)
#pragma unroll
                        for (int k = 0; k < KB; k += 4) {
                            const float4 w4 = lds(reinterpret_cast<const float4*>(wc + (r * S + s) * KB + k));
#pragma unroll
                            for (int i = 0; i < VH; ++i) {
                                const float xi = xv[i + r][s];
                                acc[i][k] = __fmaf_rn(xi, w4.x, acc[i][k]);
                                acc[i][k + 1] = __fmaf_rn(xi, w4.y, acc[i][k + 1]);
                                acc[i][k + 2] = __fmaf_rn(xi, w4.z, acc[i][k + 2]);
                                acc[i][k + 3] = __fmaf_rn(xi, w4.w, acc[i][k + 3]);
                            }
                        }
            }

            // Epilogue: tile t's output pixels (row tp*TH + wrow + i, column tq*TW + lane); (n, tp, tq) as
            // its stage recorded them (published by the barrier above; rewritten only after the next one).
            {
                const int4 at = tile_at[b];
                const int n = at.x;
                const int q0 = at.z * kDirectTileTW;
                const int pp0 = at.y * kDirectTileTH + wrow;
                Elem* so = reinterpret_cast<Elem*>(wstage);  // NHWC output stage of this warp
                // Interior: the warp's rows, the tile's columns and the KB channels all exist (warp-uniform).
                if (full && pp0 + VH <= p.P && q0 + kDirectTileTW <= p.Q) {
                    if (p.relu)
                        direct_tile_epilogue<true, true, Elem, NHWC>(p, a, acc, sbias, y, so, n, pp0, q0, kk0,
                                                                             kb0, full, lane);
                    else
                        direct_tile_epilogue<true, false, Elem, NHWC>(p, a, acc, sbias, y, so, n, pp0, q0, kk0,
                                                                              kb0, full, lane);
                } else {
                    direct_tile_epilogue<false, false, Elem, NHWC>(p, a, acc, sbias, y, so, n, pp0, q0, kk0, kb0,
                                                                           full, lane);
                }
            }
        }
        __syncthreads();  // everyone is done reading buffer b before it is refilled (next iteration's copies)
        b ^= 1;
    }
}

// The instantiation for a problem (host: launcher; tests: emulation). Filters:
// 3x3 (the set direct_tile_supported() admits). mma: the tensor-core step where
// the precision allows it (direct_tile_mma_ok): f16 tensors -> MATH_F16, f32
// tensors with TF32 -> MATH_TF32, with FP16 -> MATH_F16; else the FFMA step.
template <class Elem>
using DirectTileFn = void (*)(ConvParams, DirectTileArgs, const Elem*, const Elem*, const Elem*, Elem*);

template <class Elem, int RM, bool NHWC, int MathK>
DirectTileFn<Elem> direct_tile_fn_cg(int cg) {
    if (cg == 1) return direct_tile_kernel<Elem, RM, 1, 3, 3, NHWC, MathK>;
    if (cg == 2) return direct_tile_kernel<Elem, RM, 2, 3, 3, NHWC, MathK>;
    return direct_tile_kernel<Elem, RM, 3, 3, 3, NHWC, MathK>;
}
template <class Elem, int RM, int MathK>
DirectTileFn<Elem> direct_tile_fn_layout(int cg, bool nhwc) {
    return nhwc ? direct_tile_fn_cg<Elem, RM, true, MathK>(cg) : direct_tile_fn_cg<Elem, RM, false, MathK>(cg);
}
template <class Elem>
DirectTileFn<Elem> direct_tile_fn(int round_mode, int cg, bool nhwc, bool mma = false) {
    if constexpr (sizeof(Elem) == 2) {  // fp16 tensors: exact values, no input rounding
        (void)round_mode;
        return mma ? direct_tile_fn_layout<Elem, ROUND_NONE, MATH_F16>(cg, nhwc)
                   : direct_tile_fn_layout<Elem, ROUND_NONE, MATH_SIMT>(cg, nhwc);
    } else {
        if (round_mode == ROUND_TF32)
            return mma ? direct_tile_fn_layout<Elem, ROUND_TF32, MATH_TF32>(cg, nhwc)
                       : direct_tile_fn_layout<Elem, ROUND_TF32, MATH_SIMT>(cg, nhwc);
        if (round_mode == ROUND_F16)
            return mma ? direct_tile_fn_layout<Elem, ROUND_F16, MATH_F16>(cg, nhwc)
                       : direct_tile_fn_layout<Elem, ROUND_F16, MATH_SIMT>(cg, nhwc);
        return direct_tile_fn_layout<Elem, ROUND_NONE, MATH_SIMT>(cg, nhwc);
    }
}

}  // namespace cuda
}  // namespace fc
#endif
