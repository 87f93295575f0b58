// conv_iterator.cuh — global -> shared tile loaders ("iterators") of the GEMM
// kernels. Each copies one ROWS x BK slice of an operand into a shared tile
// [ROWS][LD] (k contiguous) with cp.async, zero-filling everything outside the
// problem (edge tiles, padding, k >= Kgemm), so the MMA step never branches.
//
// Work split (the same for every iterator, so they are interchangeable): the
// tile ([ROWS][BK] laid out by SmemRows / smem_at: 128-byte rows padded, 64-byte
// rows swizzled) is cut into 16-byte chunks of VEC = 16/sizeof(Elem) consecutive k; a
// thread always owns the same chunk column and ROWS/(THREADS/(BK/VEC)) rows,
// so per-row state (batch offset, window origin) is computed once per block.
//
//  * ConvAIterator   — implicit GEMM operand A: row m = output pixel
//    (n, o, p, q), column k = (c, t, r, s) of the group; maps (m, k) to the
//    input address or to "zero" (padding / out of range). Fast path: NHWC with
//    C/g % VEC == 0 and an aligned x -> a chunk is VEC channels at one tap,
//    contiguous in memory -> one 16-byte cp.async (cg, L2 only). Otherwise each
//    element is decomposed (KPos stepping, no divisions inside the chunk) and
//    copied with a 4-byte cp.async (fp32) or a plain 2-byte load/store (fp16:
//    cp.async has no 2-byte form).
//  * MatrixIterator  — a plain row-major matrix with row pitch Kgemm: GEMM
//    operand B (weights: row = output channel) and, for UNFOLD_GEMM, operand A
//    read from the explicit unfold workspace (row = output pixel). 16-byte
//    chunks when Kgemm % VEC == 0 and the base is aligned, else per element.
#ifndef FASTCONV_CUDA_KERNELS_CONV_ITERATOR_CUH
#define FASTCONV_CUDA_KERNELS_CONV_ITERATOR_CUH

#include "cuda/kernels/common.cuh"

namespace fc {
namespace cuda {

// One element, predicated: zero-fill when !valid (src is then never read).
__device__ __forceinline__ void copy_elem(float* dst, const float* src, const float* any, bool valid) {
    cp_async_ca_4(dst, valid ? src : any, valid ? 4 : 0);
}
__device__ __forceinline__ void copy_elem(half_t* dst, const half_t* src, const half_t*, bool valid) {
    sts(dst, valid ? *src : static_cast<half_t>(0));
}

// kSw128: the tile is SmemRows<.., kSw128> (the wgmma kernels' fp32 tiles).
template <class Elem, int ROWS, int THREADS, int BK, bool kSw128 = false>
struct ChunkMap {
    static constexpr int kVec = 16 / (int)sizeof(Elem);
    static constexpr int kChunksPerRow = BK / kVec;
    static constexpr int kRowsPerPass = THREADS / kChunksPerRow;
    static constexpr int kIters = ROWS / kRowsPerPass;
    static constexpr int LD = SmemRows<(int)sizeof(Elem), BK, kSw128>::LD;
    static_assert(THREADS % kChunksPerRow == 0, "threads must cover whole rows");
    static_assert(ROWS % kRowsPerPass == 0 && kIters >= 1, "tile rows must be a multiple of rows per pass");
    static_assert(kRowsPerPass % 8 == 0, "a thread's rows are whole swizzle periods apart (one swizzled column)");
    // This thread's first row and its chunk column's first element in that row (SmemRows / smem_at):
    // the same in every row it loads (rows kRowsPerPass apart), so the tile offset of (row0 + i *
    // kRowsPerPass, k + e) is (row0 + i * kRowsPerPass) * LD + kcs + e.
    __device__ __forceinline__ static int row0(int tid) { return tid / kChunksPerRow; }
    __device__ __forceinline__ static int kcs(int tid) {
        return smem_at<(int)sizeof(Elem), BK, kSw128>(row0(tid), (tid % kChunksPerRow) * kVec) - row0(tid) * LD;
    }
};

// k < Kgemm for a position reached by set/next/add_bk: the most significant
// digit (t for NHWC, c for NCHW) is still in range.
__device__ __forceinline__ bool in_k(const ConvParams& p, const KPos& kp) {
    return p.chlast ? kp.t < p.T : kp.c < p.Cg;
}

template <class Elem, int ROWS, int THREADS, int BK, bool kSw128 = false>
struct ConvAIterator {
    typedef ChunkMap<Elem, ROWS, THREADS, BK, kSw128> Map;
    static constexpr int kVec = Map::kVec, kIters = Map::kIters, kRowsPerPass = Map::kRowsPerPass;

    const Elem* x;
    int row0, kc, kcs;  // first tile row of this thread, chunk column (elements), its swizzled column
    bool vec;
    int base[kIters], id0[kIters], ih0[kIters], iw0[kIters];
    // Position of this thread's chunk column in the NEXT slice to load: loads
    // are issued strictly in order k_begin, k_begin + BK, ... (the pipeline
    // does), so (c, t, r, s) advances by the precomputed BK digits instead of
    // being re-derived with three divisions per load.
    KPos kp;  // k itself is implicit: k < Kgemm <=> the top digit is in range (in_k)
    static_assert(BK == kGemmBK, "KPos::add_bk steps by kGemmBK");

    // m_block: first GEMM row of the tile; g: group; vec_ok: host-checked
    // (NHWC, Cg % kVec == 0, x 16-byte aligned); k_begin: first k of the first load.
    __device__ __forceinline__ ConvAIterator(const ConvParams& p, const Elem* x_, int m_block, int g, int tid,
                                             bool vec_ok, int k_begin = 0) {
        x = x_;
        vec = vec_ok;
        row0 = Map::row0(tid);
        kc = (tid % Map::kChunksPerRow) * kVec;
        kcs = Map::kcs(tid);
#pragma unroll
        for (int i = 0; i < kIters; ++i) {
            RowPos rp;
            rp.set(p, m_block + row0 + i * kRowsPerPass);
            // base includes the window origin when the row is valid (rows past M
            // keep the sentinel coordinates and are never addressed).
            base[i] = rp.n * p.xs_n + g * p.Cg * p.xs_c;
            if (rp.id0 > -(1 << 29)) base[i] += rp.id0 * p.xs_d + rp.ih0 * p.xs_h + rp.iw0 * p.xs_w;
            id0[i] = rp.id0;
            ih0[i] = rp.ih0;
            iw0[i] = rp.iw0;
        }
        kp.set(p, k_begin + kc);
    }

    // Issue the copies of GEMM columns [k0, k0 + BK) into tile; k0 must follow
    // the previous call's by BK (k0 of the first call = k_begin).
    __device__ __forceinline__ void load(const ConvParams& p, Elem* tile, int /*k0*/) {
        if (vec) {
            const bool kvalid = in_k(p, kp);
            const int dd = kp.t * p.dd, dh = kp.r * p.dh, dw = kp.s * p.dw;
            const int toff = kp.c + dd * p.xs_d + dh * p.xs_h + dw * p.xs_w;
#pragma unroll
            for (int i = 0; i < kIters; ++i) {
                const bool v = kvalid && in_range(id0[i] + dd, p.D) && in_range(ih0[i] + dh, p.H) &&
                               in_range(iw0[i] + dw, p.W);
                const Elem* src = v ? x + (base[i] + toff) : x;
                cp_async_cg_16(tile + (row0 + i * kRowsPerPass) * Map::LD + kcs, src, v ? 16 : 0);
            }
        } else {
            load_scalar(p, tile);
        }
        kp.add_bk(p);
    }

    __device__ __forceinline__ void load_scalar(const ConvParams& p, Elem* tile) const {
        KPos kp = this->kp;
        {
#pragma unroll
            for (int e = 0; e < kVec; ++e) {
                const bool kvalid = in_k(p, kp);
                const int dd = kp.t * p.dd, dh = kp.r * p.dh, dw = kp.s * p.dw;
                const int toff = kp.c * p.xs_c + dd * p.xs_d + dh * p.xs_h + dw * p.xs_w;
#pragma unroll
                for (int i = 0; i < kIters; ++i) {
                    const bool v = kvalid && in_range(id0[i] + dd, p.D) && in_range(ih0[i] + dh, p.H) &&
                                   in_range(iw0[i] + dw, p.W);
                    // Form the address only for valid positions (rows past M keep a
                    // sentinel origin and base without it).
                    const Elem* src = v ? x + (base[i] + toff) : x;
                    copy_elem(tile + (row0 + i * kRowsPerPass) * Map::LD + kcs + e, src, x, v);
                }
                kp.next(p);
            }
        }
    }
};

template <class Elem, int ROWS, int THREADS, int BK, bool kSw128 = false>
struct MatrixIterator {
    typedef ChunkMap<Elem, ROWS, THREADS, BK, kSw128> Map;
    static constexpr int kVec = Map::kVec, kIters = Map::kIters, kRowsPerPass = Map::kRowsPerPass;

    const Elem* a;
    int row0, kc, kcs, cols;
    bool vec;
    int off0, rows_left;  // offset of this thread's first row; valid rows from it

    // a_: matrix base (row 0 of this group); rows: valid rows; row_block: first
    // row of the tile; cols_: row pitch = valid columns (Kgemm).
    __device__ __forceinline__ MatrixIterator(const Elem* a_, int rows, int row_block, int cols_, int tid,
                                              bool vec_ok) {
        a = a_;
        cols = cols_;
        vec = vec_ok;
        row0 = Map::row0(tid);
        kc = (tid % Map::kChunksPerRow) * kVec;
        kcs = Map::kcs(tid);
        const int r = row_block + row0;
        rows_left = rows - r;
        off0 = r < rows ? r * cols_ : 0;
    }

    __device__ __forceinline__ void load(const ConvParams&, Elem* tile, int k0) const {
        const int k = k0 + kc;
        if (vec) {
#pragma unroll
            for (int i = 0; i < kIters; ++i) {
                const bool v = i * kRowsPerPass < rows_left && k < cols;
                cp_async_cg_16(tile + (row0 + i * kRowsPerPass) * Map::LD + kcs,
                               v ? a + (off0 + i * kRowsPerPass * cols + k) : a, v ? 16 : 0);
            }
        } else {
#pragma unroll
            for (int i = 0; i < kIters; ++i) {
#pragma unroll
                for (int e = 0; e < kVec; ++e) {
                    const bool v = i * kRowsPerPass < rows_left && k + e < cols;
                    copy_elem(tile + (row0 + i * kRowsPerPass) * Map::LD + kcs + e,
                              v ? a + (off0 + i * kRowsPerPass * cols + k + e) : a, a, v);
                }
            }
        }
    }
};

// The k-slices one block of a GEMM kernel multiplies: all of them, or under split-K (splits > 1)
// split's share [split * per, (split + 1) * per) of the ceil(Kgemm / BK) slices (possibly empty).
struct KRange {
    int k_begin;  // first GEMM k
    int ktiles;   // slices from there
    __device__ __forceinline__ KRange(const ConvParams& p, int bk, int splits, int split) {
        const int all = (p.Kgemm + bk - 1) / bk, per = (all + splits - 1) / splits;
        k_begin = split * per * bk;
        ktiles = max(0, min(all - split * per, per));
    }
};

// The cp.async stage ring of the GEMM kernels: a stage st holds the A tile [BM][LD] followed by the
// B tile [BN][LD] of the slice starting at GEMM k `k` (issued strictly in k order: ConvAIterator steps).
// tc_conv_kernel and simt_conv_kernel spell these two loads out: through this helper nvcc allocates
// their registers differently (f16 BIG 247 -> 253 on sm_90), and their timings were measured as is.
template <class Cfg, class AIter, class BIter, class Elem>
__device__ __forceinline__ void load_stage(const ConvParams& p, AIter& a_it, const BIter& b_it, Elem* st, int k) {
    a_it.load(p, st, k);
    b_it.load(p, st + Cfg::BM * Cfg::LD, k);
}

}  // namespace cuda
}  // namespace fc
#endif
