// epilogue.cuh — writes the GEMM accumulators to y: y = act(acc + bias),
// predicated on m < M and n < K/groups, in f32 or f16, NCHW or NHWC through
// the element strides of ConvParams. m16n8 fragment element (row g or g+8,
// col 2t / 2t+1) with g = lane/4, t = lane%4 (PTX ISA C layout).
//  * epilogue_staged: the block tile through shared memory, coalesced stores;
//  * epilogue_store_partial + splitk_reduce_kernel: split-K.
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

// Row maps of epilogue_staged: block-tile row r -> (image, pixel) of y, or
// nothing (outside y).
//  * LinearRows (tc_conv_kernel): GEMM row m_block + r, m = image * OPQ + pixel.
//  * PatchRows<TW> (tc_halo_kernel): output pixel (p0 + r / TW, q0 + r % TW) of image n.
// run(p, r, len, pix): rows r .. r + len - 1 all exist, in one image, at consecutive pixels (pix: at()'s
// pixel of row r, which exists).
struct LinearRows {
    int m_block;
    __device__ __forceinline__ bool at(const ConvParams& p, int r, int& img, int& pix) const {
        const int m = m_block + r;
        if (m >= p.M) return false;
        img = m / p.OPQ;
        pix = m - img * p.OPQ;
        return true;
    }
    __device__ __forceinline__ bool run(const ConvParams& p, int r, int len, int pix) const {
        return m_block + r + len <= p.M && pix + len <= p.OPQ;
    }
};
template <int TW>
struct PatchRows {
    int n, p0, q0;
    __device__ __forceinline__ bool at(const ConvParams& p, int r, int& img, int& pix) const {
        const int pp = p0 + r / TW, q = q0 + r % TW;
        if (pp >= p.P || q >= p.Q) return false;
        img = n;
        pix = pp * p.Q + q;
        return true;
    }
    __device__ __forceinline__ bool run(const ConvParams& p, int r, int len, int /*pix*/) const {
        return r % TW + len <= TW && q0 + r % TW + len <= p.Q;
    }
};

// Staged epilogue of a whole BM x BN block tile (tc_conv_kernel, no split):
// every warp writes act(acc + bias), converted to Out, into shared memory
// (the pipeline's stage buffers, free after the main loop) in y's order —
// NHWC: [m][BN + 8] (channels contiguous; a lane's two adjacent channels as
// one 8-byte / 4-byte store, so a phase writes 4 whole 32-byte row pieces),
// NCHW: [n][BM + NPAD] (pixels contiguous; NPAD = 4 fp32 / 8 fp16 puts the 4
// channel rows of a store in 4 distinct bank octets); 64-byte rows (the SMALL
// fp16 tile) are unpadded and swizzled like the GEMM tiles (stage_at) — every
// fragment write and 16-byte read-back bank-conflict-free (the emulation's
// bank model checks it; fp32 with an 8-float pad and element stores was
// 2-way conflicted in both layouts, padded 64-byte rows 2-way on read-back) —
// then the block streams the tile out row by row: consecutive threads write
// consecutive 16-byte vectors where y is 16-byte aligned (vec_y, host-checked)
// and the chunk's offset is a multiple of the vector, else consecutive
// elements. Either way
// every warp store is a contiguous run instead of the m16n8 fragment scatter.
// Element offset of (row, col) in an epilogue stage of L-element rows: 64-byte rows swizzled
// (swizzled_at), others padded by PAD elements.
template <int ES, int L, int PAD>
__device__ __forceinline__ int stage_at(int row, int col) {
    if constexpr (L * ES == 64)
        return swizzled_at<ES, L>(row, col);
    else
        return row * (L + PAD) + col;
}

// The block-wide barrier of epilogue_staged (the warp-specialized kernel passes its consumers' named barrier).
// MS (epilogue_staged, epilogue_store_partial): rows between a warp's m16 tiles -- 16 (consecutive) but in the
// warp-specialized wgmma kernel's 256-row tile, where a warpgroup's two m64 row blocks are 64 rows apart.
struct BlockSync {
    __device__ __forceinline__ static void sync() { __syncthreads(); }
};

template <class Cfg, class Out, class RowMap, class Sync = BlockSync, int MS = 16>
__device__ __forceinline__ void epilogue_staged(const ConvParams& p, const float (&acc)[Cfg::MI][Cfg::NI][4], Out* sm,
                                                Out* y, const Out* bias, const RowMap& rows, int n_block, int warp_m,
                                                int warp_n, int g, int tid, int vec_y) {
    constexpr int BM = Cfg::BM, BN = Cfg::BN, T = Cfg::kThreads, MI = Cfg::MI, NI = Cfg::NI;
    constexpr int VEC = 16 / (int)sizeof(Out);
    constexpr int ES = (int)sizeof(Out), NPAD = ES == 4 ? 4 : 8;  // NCHW stage row pad (elements)
    static_assert((size_t)(BM + 8) * (BN + 8) * sizeof(Out) <= Cfg::kSmemBytes, "staged tile must fit the stages");
    const bool nhwc = p.ys_k == 1;
    const int lane = tid & 31, gr = lane >> 2, tc = (lane & 3) * 2;
    const int wm0 = warp_m * Cfg::WM, wn0 = warp_n * Cfg::WN;
    Sync::sync();  // every warp is done with the last stage
#pragma unroll
    for (int ni = 0; ni < NI; ++ni) {
        const int nl = wn0 + ni * 8 + tc, col = n_block + nl;  // this lane's channels nl, nl + 1
        const float b0 = (p.has_bias && col < p.Kg) ? to_f32(bias[g * p.Kg + col]) : 0.f;
        const float b1 = (p.has_bias && col + 1 < p.Kg) ? to_f32(bias[g * p.Kg + col + 1]) : 0.f;
#pragma unroll
        for (int mi = 0; mi < MI; ++mi) {
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const int ml = wm0 + mi * MS + gr + h * 8;
                float v0 = acc[mi][ni][h * 2] + b0, v1 = acc[mi][ni][h * 2 + 1] + b1;
                if (p.relu) {
                    v0 = v0 < 0.f ? 0.f : v0;
                    v1 = v1 < 0.f ? 0.f : v1;
                }
                Out o0, o1;
                store_elem(&o0, v0);
                store_elem(&o1, v1);
                if (nhwc) {  // nl even, BN + 8 even, a swizzle moves whole chunks: the pair is 8- / 4-byte aligned
                    Out* d = sm + stage_at<ES, BN, 8>(ml, nl);
                    if constexpr (sizeof(Out) == 4)
                        sts(reinterpret_cast<float2*>(d), make_float2(v0, v1));
                    else
                        sts(reinterpret_cast<uint32_t*>(d), (uint32_t)o0 | ((uint32_t)o1 << 16));
                } else {
                    sts(sm + stage_at<ES, BM, NPAD>(nl, ml), o0);
                    sts(sm + stage_at<ES, BM, NPAD>(nl + 1, ml), o1);
                }
            }
        }
    }
    Sync::sync();
    if (nhwc) {
        constexpr int CPR = BN / VEC, RPP = T / CPR;  // chunks per row, rows per pass
        static_assert(T % CPR == 0 && BM % RPP == 0, "NHWC write-out mapping");
        const int cc = (tid % CPR) * VEC, col = n_block + cc;
        const int kk = g * p.Kg + col;
        const bool vec = vec_y && col + VEC <= p.Kg;
#pragma unroll
        for (int r = tid / CPR; r < BM; r += RPP) {
            int img, pix;
            if (!rows.at(p, r, img, pix)) continue;
            const int off = img * p.ys_n + pix * p.ys_p + kk;
            Out* dst = y + off;
            const Out* src = sm + stage_at<ES, BN, 8>(r, cc);  // a whole 16-byte chunk
            if (vec && off % VEC == 0) {
                *reinterpret_cast<uint4*>(dst) = lds(reinterpret_cast<const uint4*>(src));
            } else {
#pragma unroll
                for (int e = 0; e < VEC; ++e)
                    if (col + e < p.Kg) dst[e] = lds(src + e);
            }
        }
    } else {
        constexpr int CPR = BM / VEC, RPP = T / CPR;
        static_assert(T % CPR == 0 && BN % RPP == 0, "NCHW write-out mapping");
        const int cm = (tid % CPR) * VEC;
        int img, pix;
        if (!rows.at(p, cm, img, pix)) return;  // (then no later row of the VEC group exists either)
        const bool vec = vec_y && rows.run(p, cm, VEC, pix);  // the VEC pixels share the image, consecutive
#pragma unroll
        for (int r = tid / CPR; r < BN; r += RPP) {
            const int col = n_block + r;
            if (col >= p.Kg) break;
            const int kk = g * p.Kg + col;
            const Out* src = sm + stage_at<ES, BM, NPAD>(r, cm);  // a whole 16-byte chunk
            const int off = img * p.ys_n + kk * p.ys_k + pix;
            if (vec && off % VEC == 0) {
                *reinterpret_cast<uint4*>(y + off) = lds(reinterpret_cast<const uint4*>(src));
            } else {
#pragma unroll
                for (int e = 0; e < VEC; ++e) {
                    int im, px;
                    if (!rows.at(p, cm + e, im, px)) break;
                    y[im * p.ys_n + kk * p.ys_k + px] = lds(src + e);
                }
            }
        }
    }
}

// Split-K: the raw fp32 accumulators of a warp tile into a [M][Kg] partial
// matrix (row m, column n; float2 per fragment column pair when Kg is even).
template <int MI, int NI, int MS = 16>
__device__ __forceinline__ void epilogue_store_partial(const ConvParams& p, const float (&acc)[MI][NI][4],
                                                       float* part, int m0, int n0, int lane) {
    const int gr = lane >> 2, tc = (lane & 3) * 2;
    const bool pair = (p.Kg & 1) == 0 && (reinterpret_cast<uintptr_t>(part) & 7) == 0;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int m = m0 + mi * MS + gr + h * 8;
            if (m >= p.M) continue;
            float* row = part + (size_t)m * p.Kg;
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
                const int col = n0 + ni * 8 + tc;
                if (pair && col + 1 < p.Kg) {
                    *reinterpret_cast<float2*>(row + col) = make_float2(acc[mi][ni][h * 2], acc[mi][ni][h * 2 + 1]);
                } else {
                    if (col < p.Kg) row[col] = acc[mi][ni][h * 2];
                    if (col + 1 < p.Kg) row[col + 1] = acc[mi][ni][h * 2 + 1];
                }
            }
        }
    }
}

// Split-K reduction: y[(g, m, n)] = act(bias + sum_{s < splits} partial[g][s][m][n]), summed in split
// order (deterministic). One thread per V consecutive GEMM columns n .. n+V-1 of one row m (V = 4 where
// Kg % 4 == 0: one 16-byte load per split; else V = 1), grid-stride. The index order follows y so that
// the stores coalesce: NHWC, column groups fastest (one 16- or 8-byte store where y is aligned for it);
// NCHW, rows fastest (each of the V stores a coalesced run of one channel plane). The partials are
// L2-resident (just written). Index math is 32-bit -- y has < 2^31 elements (make_conv_params) -- with
// one division chain per V outputs: the first version's three 64-bit divisions per output cost more
// than the sums (H200, 256@14 batch 32 f16 on wgmma_conv_kernel split 2: 47.2 us in all, 28.9 of them
// the GEMM kernel).
template <int V>
__device__ __forceinline__ void store_vec(float* dst, const float (&v)[V]) {
    if constexpr (V == 4) *reinterpret_cast<float4*>(dst) = make_float4(v[0], v[1], v[2], v[3]);
    else dst[0] = v[0];
}
template <int V>
__device__ __forceinline__ void store_vec(half_t* dst, const float (&v)[V]) {
    if constexpr (V == 4)
        *reinterpret_cast<uint2*>(dst) = make_uint2(f32_to_f16_bits(v[0]) | (unsigned)f32_to_f16_bits(v[1]) << 16,
                                                    f32_to_f16_bits(v[2]) | (unsigned)f32_to_f16_bits(v[3]) << 16);
    else dst[0] = f32_to_f16_bits(v[0]);
}
template <class Out, int V>
__global__ void __launch_bounds__(256)
    splitk_reduce_kernel(ConvParams p, int splits, const float* __restrict__ partial, const Out* __restrict__ bias,
                         Out* __restrict__ y) {
    const unsigned nv = (unsigned)p.Kg / V, M = (unsigned)p.M;
    const unsigned total = (unsigned)p.G * M * nv;  // < 2^31: no wrap in idx + step
    const size_t mk = (size_t)p.M * p.Kg;
    for (unsigned idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += gridDim.x * blockDim.x) {
        unsigned g, m, c;
        if (p.ys_k == 1) {  // NHWC y (p.chlast describes x: NCHW x may run as its NHWC view)
            c = idx % nv;
            const unsigned r = idx / nv;
            m = r % M;
            g = r / M;
        } else {
            m = idx % M;
            const unsigned r = idx / M;
            c = r % nv;
            g = r / nv;
        }
        const int n = (int)c * V;
        const float* src = partial + (size_t)g * splits * mk + (size_t)m * p.Kg + n;
        float v[V];
        for (int j = 0; j < V; ++j) v[j] = 0.f;
        for (int s = 0; s < splits; ++s, src += mk) {
            if constexpr (V == 4) {
                const float4 t = *reinterpret_cast<const float4*>(src);
                v[0] += t.x, v[1] += t.y, v[2] += t.z, v[3] += t.w;
            } else {
                v[0] += src[0];
            }
        }
        const int img = (int)m / p.OPQ, pix = (int)m - img * p.OPQ, kk = (int)g * p.Kg + n;
        for (int j = 0; j < V; ++j) v[j] = bias_act(p, bias, kk + j, v[j]);
        Out* dst = y + (img * p.ys_n + pix * p.ys_p + kk * p.ys_k);
        if (p.ys_k == 1 && (reinterpret_cast<uintptr_t>(dst) % (V * sizeof(Out))) == 0) {
            store_vec<V>(dst, v);
        } else {
            for (int j = 0; j < V; ++j) store_elem(dst + j * p.ys_k, v[j]);
        }
    }
}

}  // namespace cuda
}  // namespace fc
#endif
