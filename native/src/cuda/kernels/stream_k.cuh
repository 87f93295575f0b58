// stream_k.cuh — stream-K work decomposition for a GEMM tile loop (Osama et al., "Stream-K:
// Work-centric Parallel Decomposition for Dense Matrix Multiplication on the GPU", PPoPP 2023; the idea
// behind CUTLASS's stream-K tile scheduler), written for wgmma_conv_kernel's persistent variant.
//
// Why: a ResNet-50 layer at batch 32 has a few dozen to a few hundred output tiles for 132 SMs. With
// one block per tile (or per split-K part) some SMs get one block more than others: Nsight Compute on
// the H200 showed wgmma_conv_kernel at 256@14 with 196 blocks for 264 resident slots (0.74 waves, the
// SMs active 80 % of the kernel's time) and the warp-specialized kernel at 128@28 with 196 blocks on
// 132 SMs (1.48 waves, 69 %). Stream-K gives every block the same amount of work whatever the tile
// count: the whole GEMM is W = tiles x KT (tile, k-slice) iterations, tile-major; a persistent grid of
// P blocks takes them in P contiguous equal ranges, block c the iterations [c*W/P, (c+1)*W/P).
//
// A block's range crosses tiles: each piece of it inside one tile is a segment. A segment that covers
// its tile whole runs the normal epilogue. A tile cut between blocks is finished by whichever of its
// blocks ends last, without any block ever waiting for another: each stores its fp32 partial tile
// into its own slot, fences (__threadfence), and block-wide takes a ticket (atomicAdd on the tile's
// counter, zeroed before the launch); the block that draws the tile's last ticket sums the slots of
// all the tile's blocks in block order -- the same order whatever the arrival order, so the result is
// deterministic -- and runs the epilogue. A block's partial segments are only its first and its last
// (its middle ones are whole tiles), so 2 slots per block suffice: slot 2c + 0 for the segment that
// starts block c's range, 2c + 1 for the one that ends it.
//
// Measured (H200): correct forced on every f16 / TF32 implicit GEMM of gpu_check's quick set (1440 /
// 1440), compute-sanitizer memcheck clean; faster than whole tiles for TF32 at ResNet-50 256@14 and
// 512@7 batch 32 (74.3 vs 93.3 us, 76.8 vs 105.7: the table picks it there), slower for f16 at 256@14
// (40.3 vs split-K 2 35.4) and as split-K's own decomposition (tiles x s blocks: 38.8 vs 36.0; batch 1
// 28.4 vs 13.6) -- the last block summing a tile's slots serially costs more than the parallel
// reduction kernel's launch.
//
// Slots are written and read in the accumulators' own fragment order (element i of thread tid at
// i * THREADS + tid: coalesced, no layout change, no alignment beyond 4 bytes), bypassing L1 on the
// read (__ldcg: other SMs wrote them).
#ifndef FASTCONV_CUDA_KERNELS_STREAM_K_CUH
#define FASTCONV_CUDA_KERNELS_STREAM_K_CUH

#include "cuda/conv_params.h"
#include "cuda/intrinsics.cuh"

namespace fc {
namespace cuda {

struct StreamK {
    int ctas;              // P: the persistent grid (>= 1)
    int ktiles;            // KT: k-slices per tile
    int tiles_m, tiles_n;  // tile grid of one group; tiles = tiles_m * tiles_n * G, tile-major in (g, n, m)
    int work;              // W = tiles * KT (< 2^31: stream_k_ctas)
    unsigned* tickets;     // [tiles] arrival counters, zero at the launch
    float* slots;          // [2 * ctas][tile elements] fp32 partial tiles

    // first iteration of block c (begin(ctas) == work)
    __host__ __device__ __forceinline__ int begin(int c) const { return (int)((long long)c * work / ctas); }
    // the block whose range holds iteration i: the largest c with begin(c) <= i
    __host__ __device__ __forceinline__ int cta_of(int i) const { return (int)((((long long)i + 1) * ctas - 1) / work); }
    // block c's slot for its segment of tile t (that tile cut between blocks)
    __host__ __device__ __forceinline__ int slot(int c, int t) const {
        return 2 * c + (t * ktiles > begin(c) ? 1 : 0);
    }
};

// The decomposition of q's GEMM into bm x bn tiles of bk-wide k-slices over `ctas` blocks.
inline StreamK make_stream_k(const ConvParams& q, int bm, int bn, int bk, int ctas, unsigned* tickets, float* slots) {
    StreamK sk;
    sk.ktiles = (q.Kgemm + bk - 1) / bk;
    sk.tiles_m = (q.M + bm - 1) / bm;
    sk.tiles_n = (q.Kg + bn - 1) / bn;
    sk.work = sk.tiles_m * sk.tiles_n * q.G * sk.ktiles;  // < 2^31 (stream_k_ctas)
    sk.ctas = ctas < sk.work ? ctas : sk.work;  // every block >= 1 iteration (an empty one would never arrive)
    sk.tickets = tickets;
    sk.slots = slots;
    return sk;
}

// One block's segment: tile `tile`, k-slices [k0, k1).
struct StreamKSegment {
    int tile, k0, k1;
    __host__ __device__ __forceinline__ bool whole(const StreamK& sk) const { return k0 == 0 && k1 == sk.ktiles; }
};
// The segment of the block's range that starts at iteration it (it < end of the range).
__host__ __device__ __forceinline__ StreamKSegment stream_k_segment(const StreamK& sk, int it, int end) {
    StreamKSegment s;
    s.tile = it / sk.ktiles;
    s.k0 = it - s.tile * sk.ktiles;
    s.k1 = end - it < sk.ktiles - s.k0 ? s.k0 + (end - it) : sk.ktiles;
    return s;
}

// acc = the slot's partial tile (Add: acc += it), read in fragment order past L1.
template <int THREADS, bool Add, int MI, int NI>
__device__ __forceinline__ void stream_k_slot_op(const float* src, float (&acc)[MI][NI][4], int tid) {
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni)
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                const float v = __ldcg(src + ((mi * NI + ni) * 4 + e) * THREADS + tid);
                acc[mi][ni][e] = Add ? acc[mi][ni][e] + v : v;
            }
}

// Block c's partial accumulators acc of its segment of tile t go to its slot; returns true in the one
// block of the tile that must finish it, with acc overwritten by the sum of all the tile's slots in
// block order. Called by every thread of the block (it holds block barriers).
template <int THREADS, int MI, int NI>
__device__ __forceinline__ bool stream_k_fixup(const StreamK& sk, int c, int t, float (&acc)[MI][NI][4], int tid) {
    constexpr int kElems = MI * NI * 4;
    const size_t tile_elems = (size_t)kElems * THREADS;
    float* mine = sk.slots + (size_t)sk.slot(c, t) * tile_elems;
#pragma unroll
    for (int mi = 0; mi < MI; ++mi)
#pragma unroll
        for (int ni = 0; ni < NI; ++ni)
#pragma unroll
            for (int e = 0; e < 4; ++e) mine[((mi * NI + ni) * 4 + e) * THREADS + tid] = acc[mi][ni][e];
    __threadfence();  // this thread's partials reach L2 before the block's ticket below
    __syncthreads();
    __shared__ int s_last;
    const int first = sk.cta_of(t * sk.ktiles), last = sk.cta_of((t + 1) * sk.ktiles - 1);
    if (tid == 0) s_last = atomicAdd(&sk.tickets[t], 1u) == (unsigned)(last - first);
    __syncthreads();
    const bool finish = s_last != 0;
    __syncthreads();  // s_last is rewritten by the next segment's ticket
    if (!finish) return false;
    __threadfence();  // the other blocks' partials, published before their tickets, are read after ours
    // acc = slot(first) + slot(first + 1) + ... in block order (acc itself is in this block's slot)
    stream_k_slot_op<THREADS, false>(sk.slots + (size_t)sk.slot(first, t) * tile_elems, acc, tid);
    for (int cc = first + 1; cc <= last; ++cc)
        stream_k_slot_op<THREADS, true>(sk.slots + (size_t)sk.slot(cc, t) * tile_elems, acc, tid);
    return true;
}

}  // namespace cuda
}  // namespace fc
#endif
