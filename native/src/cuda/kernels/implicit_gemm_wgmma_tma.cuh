// implicit_gemm_wgmma_tma.cuh — the sm_90a implicit-GEMM convolution whose operand tiles come by TMA: one
// producer thread issues, per BK slice, one im2col tensor load of the A tile (128 output pixels x 32
// channels of one filter tap, padding zero-filled by the hardware) per 128 rows and one tiled load of the
// B tile, both landing in the wgmma layouts; two consumer warpgroups only issue wgmma.
//
// What it computes: exactly wgmma_ws_conv_kernel's GEMM (implicit_gemm_wgmma_ws.cuh) -- M = output pixels,
// N = output channels, K = R*S*C -- for f16 NHWC tensors, and f32 NHWC tensors with TF32 precision, that
// tma_conv_unsupported accepts (groups 1, 1-D / 2-D, C % 32 == 0; tma_im2col.cuh: the maps and coordinates);
// the same stage ring, wgmma step (warpgroup_mma_slice), split-K and staged epilogue.
// TF32 (the 4-byte configs, TileFor<TILE_WGMMA_TMA*, 4> / TmaTf32M192): BK 32 fp32 = 128-byte rows under the
// 128-byte swizzle, like the f16 TMA64 form. TMA copies the fp32 values as they are and the tensor cores would
// truncate them to tf32, so a rounding warpgroup sits between producer and consumers: it waits for "full",
// rounds the stage in place with cvt.rna (tma_round_stages), fences for the async proxy and arrives on
// "ready", which the consumers wait for instead (416 threads; the 192-row form 544). Its cost is shared-memory
// bandwidth: a 128 x 128 stage (32 KB) read and written once more per slice, 64 KB beside the 48 KB the
// slice's wgmma read (A once, B once per consumer warpgroup) -- at 128 B per clock ~875 clocks per slice
// against 512 at the dense tf32 rate, so a ceiling near 58 % of that peak (the 192-row form ~65 %); the
// TF32 kernels measured so far reach 19-21 %. The alternative it replaces is wgmma_ws_conv_kernel's gathering
// producer warpgroup (address arithmetic and a 16-byte cp.async per chunk and thread, then the same
// rounding). Status: emulated only (no GPU in the session that wrote it); forced with
// FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_tma, never picked by the table until an H100 / H200 has timed it.
// Where the tensors come as NCHW the backend transforms them to NHWC first anyway, and that transform rounds them
// (sixteenth session; cuda_backend.cu): TmaRounded<Cfg> then drops the rounding warpgroup and its shared-memory
// pass -- the ceiling above goes, and the consumers wait on "full" as in the f16 kernel (288 / 416 threads).
//
// Why (issue 3): on the H200 the cp.async kernels spend their issue slots on the gather -- address
// arithmetic, predicates and one 16-byte cp.async per thread and chunk (Nsight Compute: the wgmma kernels
// issue-bound with ~140 warp instructions per warp and slice; the warp-specialized one with 26 % of issue
// slots used and its SMs idle 31 % of the time). TMA moves a whole 8 KB tile per instruction, computes
// the im2col addresses and the zero fill in the copy engine, and needs no proxy fence (it writes through
// the async proxy that wgmma reads). What remains for the SM: 2 (BM 128) or 3 (BM 256) instructions per
// slice on one thread, and the wgmma.
//
// Block: 288 threads = warpgroups 0, 1 (consumers, rows 0..64 MI - 1 and 64 MI.. of the tile, warp w of a
// consumer owning 16 accumulator rows per m64 block as in wgmma_ws_conv_kernel) + warp 8 (the producer:
// lane 0 issues, the other lanes leave at once). The consumers come first so their warpgroups are the
// aligned warps 0-3 and 4-7 wgmma needs; one producer warp instead of a warpgroup leaves more registers
// per thread (65536 / 288 at one block per SM). The 192-row form (Tma64M192) has three consumer warpgroups of
// one m64 block each (416 threads, producer = warp 12) and three 64-pixel im2col boxes per slice: 131 tiles
// instead of 196 at ResNet-50 128@28 batch 32, one wave on 132 SMs instead of 1.48 (tc_wgmma.cu takes it by
// tma_m192_better). STAGES ring of (BM + BN) x BK slices, mbarriers per stage:
//  * full[s]  (1 arrival + the transaction bytes): the producer announces the slice's (BM + BN) x BK x 2
//    bytes (arrive.expect_tx) and issues its loads; the phase completes when they have landed.
//    Consumers wait for parity (kt / STAGES) & 1.
//  * empty[s] (8 arrivals -- 12 in the 192-row form --, lane 0 of each consumer warp): as in
//    wgmma_ws_conv_kernel, slice kt - 1 is released once wgmma_wait<1> at slice kt retired the group that
//    read it. The producer refills stage s with slice kt >= STAGES after the release of slice kt - STAGES
//    (parity (kt / STAGES - 1) & 1) -- it can run STAGES slices ahead (no LAG: a TMA load needs no per-thread
//    wait before it is published).
// The epilogue runs on the consumers alone (named barrier 1, 256 threads): every slice has been waited
// for, so no load is in flight into the ring the epilogue reuses.
// Persistent form (kPersist, TmaPersistFor; FASTCONV_CUDA_TMA_PERSISTENT=1, forced only): one block per SM walks
// the (m tile, n tile, split) units; the ring index -- stage and mbarrier
// phase -- runs on across them, the consumers release every slice (the last one too), and each unit's
// epilogue stages through its own region after the ring while the producer already loads the next unit.
// On the H200 (twelfth session) correct (1440 / 1440, compute-sanitizer memcheck / synccheck clean) but slower
// than the one-tile form, batched f16 NHWC batch 32: 64@56 33.4 vs 27.6 us, 128@28 29.2 vs 27.6, 256@14 32.2 vs
// 31.3, 512@7 36.7 vs 35.0 (its shallower rings; the tiles per SM are as uneven as the one-tile grid's waves).
// Cluster forms (fifteenth session, emulated only; forced with FASTCONV_CUDA_TMA_CLUSTER=1 / _MULTICAST=1 / =A):
// the cluster-split form (kTmaClusterSplit, tma_cluster_tile below) runs a split problem's splits of one tile as
// one thread block cluster that adds its partial tiles in rank 0's shared memory; the B- and A-multicast forms
// (kTmaMulticastB / A, wgmma_tma_conv_body) pair neighbouring m / n tiles in 2-block clusters that read the
// operand they share from L2 once (TMA multicast) -- the L2 -> SM bytes the profile group counts.
//
// Stages: TileFor<TILE_WGMMA_TMA*> = the warp-specialized kernel's tiles (f16, BK 32: 128 x 128, 8 x 16 KB;
// 128 x 64, 8 x 12 KB, 2 blocks per SM; 256 x 128, 6 x 24 KB); where C % 64 == 0 the TMA64 form
// (Tma64For: BK 64, 128-byte rows, 128-byte swizzle; 6 x 32 KB / 4 x 24 KB / 4 x 48 KB): 4 wgmma per
// warpgroup and slice instead of 2, half the hand-offs. Alignment: every A / B tile starts on a swizzle
// atom (512 / 1024 bytes: align_smem + whole-atom tiles), above the 128 bytes a TMA destination needs.
//
// Status (H200, 2026-11-28): correct (tma_probe, 1440 / 1440 forced correctness runs per form, compute-
// sanitizer clean); forced against the table's picks, batch 32 ResNet-50 f16: BK 32 0.86-1.07x, the TMA64
// form 1.07-1.35x (128@28 NHWC 27.8 vs 33.4 us) -> the table picks it there (heuristic.h); batch 1
// (<= 25 tiles) 0.59-0.92x: not picked. Nsight Compute, TMA64 at 128@28: 28.2 us, 1.48 waves of one block
// per SM (SMs active 69 %), tensor pipe 26 % busy, 18 % issue: bound by wave quantization and per-SM
// latency now, not by instruction issue. The 192-row form (twelfth session), against the same table without it,
// batched f16 NHWC batch 32: 128@28 22.7 vs 27.4 us (1.21x, 32.6 % of dense peak), 256@14 (2 splits) 29.1 vs
// 31.1, 512@7 (3 splits) 32.0 vs 34.9; correct (1440 / 1440 forced, memcheck clean).
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_TMA_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_TMA_CUH

#include "cuda/kernels/implicit_gemm_wgmma_ws.cuh"
#include "cuda/kernels/tma_im2col.cuh"

namespace fc {
namespace cuda {

constexpr int kTmaConsumerThreads = 256;                             // warpgroups 0, 1
constexpr int kTmaThreads = kTmaConsumerThreads + 32;                // + the producer warp
constexpr int kTmaProducerWarp = kTmaConsumerThreads / 32;           // warp 8
// Per tile config: Cfg::kThreads consumers (2 warpgroups; the 192-row form 3), for f32 tensors (TF32) a rounding
// warpgroup unless the operands arrive rounded (TmaRounded), then the producer warp; the pixels of one im2col box (128; the 192-row form 64: three boxes per slice).
template <class Cfg>
struct TmaShape {
    static constexpr int kRoundThreads = Cfg::kElemBytes == 4 && !Cfg::kOperandsRounded ? 128 : 0;
    static constexpr int kProducerWarp = (Cfg::kThreads + kRoundThreads) / 32;
    static constexpr int kBlockThreads = Cfg::kThreads + kRoundThreads + 32;
    static constexpr int kBoxPixels = Cfg::BM % kTmaPixels == 0 ? kTmaPixels : 64;
};
// The tensors' element type of a TMA tile config: f16, or f32 (TF32 precision) for 4-byte configs.
template <class Cfg>
using TmaElem = typename std::conditional<Cfg::kElemBytes == 4, float, half_t>::type;

// The kernel's forms (wgmma_tma_conv_kernel's kForm): one tile per block; persistent; the splits of a tile as one
// cluster (tma_cluster_tile); B multicast in a 2-block cluster along M, A multicast in a 2-block cluster along N
// (kTmaMulticastB / kTmaMulticastA, below); both at once -- the splits of a pair of n tiles as one 2 x splits-block
// cluster, the pair sharing A (kTmaSplitMulticastA, tma_cluster_tile).
constexpr int kTmaOneTile = 0, kTmaPersistent = 1, kTmaClusterSplit = 2, kTmaMulticastB = 3, kTmaMulticastA = 4,
              kTmaSplitMulticastA = 5;
__host__ __device__ constexpr bool tma_a_multicast(int form) {
    return form == kTmaMulticastA || form == kTmaSplitMulticastA;
}
__host__ __device__ constexpr bool tma_pair_form(int form) { return form == kTmaMulticastB || tma_a_multicast(form); }
__host__ __device__ constexpr bool tma_split_cluster(int form) {
    return form == kTmaClusterSplit || form == kTmaSplitMulticastA;
}
// The boxes a form's maps are encoded with: pixels per im2col box of A (the A-multicast forms: 64, so that every
// tile has at least two boxes to share out) and rows per tiled box of B (the B-multicast form: half of BN).
template <class Cfg>
__host__ __device__ constexpr int tma_box_pixels(int form) {
    return tma_a_multicast(form) ? 64 : TmaShape<Cfg>::kBoxPixels;
}
template <class Cfg>
__host__ __device__ constexpr int tma_w_box_rows(int form) {
    return form == kTmaMulticastB ? Cfg::BN / 2 : Cfg::BN;
}
// A pair form's multicast mask: this block and its partner, ranks 2j and 2j + 1 of the cluster (the pair is the
// cluster's fastest dimension: x in the B form, y in the A forms, whose cluster is 1 x 2 x splits).
__device__ __forceinline__ uint16_t tma_pair_mask() { return (uint16_t)(3u << (cluster_ctarank() & ~1u)); }

// The producer's part of one unit: lane 0 of the producer warp issues the unit's slices, up to STAGES slices
// ahead of the consumers; g0 = the ring index of its first slice (it runs on across a persistent block's units).
// The pair forms (kForm kTmaMulticastB / A, kTmaSplitMulticastA): this block loads only its share of the slice the
// pair has in common and multicasts it to both blocks -- B: rows [r * BN / 2, +BN / 2) (wmap's box is BN / 2 rows);
// A: the 64-pixel boxes h with h % 2 == r (the pair has the same m tile); r = the block's rank in the pair. Its
// "full" still expects the whole slice (the rest comes from the partner), and "empty" completes only when both
// blocks' consumers have released the stage.
template <class Cfg, int kForm = kTmaOneTile>
__device__ __forceinline__ void tma_produce(const ConvParams& p, const TmaDesc* xmap, const TmaDesc* wmap,
                                            TmaElem<Cfg>* smem, uint64_t* full, uint64_t* empty, int m_block,
                                            int n_block, int k_begin, int ktiles, int g0) {
    constexpr int BM = Cfg::BM, BK = Cfg::BK, LD = Cfg::LD, STAGES = Cfg::kStages;
    constexpr unsigned kBytes = (unsigned)((BM + Cfg::BN) * BK * Cfg::kElemBytes);
    for (int kt = 0; kt < ktiles; ++kt) {
        const int g = g0 + kt, s = g % STAGES;
        if (g >= STAGES) mbar_wait(&empty[s], (unsigned)(g / STAGES - 1) & 1u);  // slice g - STAGES released
        TmaElem<Cfg>* st = smem + s * Cfg::kStageElems;
        const int k0 = k_begin + kt * BK;
        mbar_arrive_expect_tx(&full[s], kBytes);
        constexpr int PIX = tma_box_pixels<Cfg>(kForm);
#pragma unroll
        for (int h = 0; h < BM / PIX; ++h) {
            int c[4];
            uint16_t off[2];
            tma_x_coords(p, m_block + h * PIX, k0, c, off);
            if constexpr (tma_a_multicast(kForm)) {
                if (h % 2 == (int)(cluster_ctarank() & 1u))
                    tma_load_im2col_4d_multicast(st + h * PIX * LD, xmap, &full[s], c[0], c[1], c[2], c[3], off[0],
                                                 off[1], tma_pair_mask());
            } else {
                tma_load_im2col_4d(st + h * PIX * LD, xmap, &full[s], c[0], c[1], c[2], c[3], off[0], off[1]);
            }
        }
        if constexpr (kForm == kTmaMulticastB) {
            const unsigned rank = cluster_ctarank();
            constexpr int HB = Cfg::BN / 2;
            tma_load_2d_multicast(st + (BM + (int)rank * HB) * LD, wmap, &full[s], k0, n_block + (int)rank * HB,
                                  tma_pair_mask());
        } else {
            tma_load_2d(st + BM * LD, wmap, &full[s], k0, n_block);
        }
    }
}

// The rounding warpgroup's part (f32 tensors, TF32 precision): TMA lands the fp32 values as they are, and the
// tensor cores would ignore their low 13 bits (truncation) where TF32 here means cvt.rna, as in every other
// TF32 kernel. So between the producer and the consumers each landed stage passes through this warpgroup:
// wait for "full" (the TMA bytes), round the whole stage in place (A and B rows, 16-byte chunks, consecutive
// threads on consecutive chunks: no bank conflicts), fence the generic writes for the async proxy that wgmma
// reads through, arrive on "ready" (128 arrivals), which the consumers wait for instead of "full". The stage is
// released by the consumers alone (their wgmma retired): this warpgroup is done with a slice before they start it.
template <class Cfg>
__device__ __forceinline__ void tma_round_stages(float* smem, uint64_t* full, uint64_t* ready, int ktiles, int rtid) {
    constexpr int STAGES = Cfg::kStages, kChunks = Cfg::kStageElems / 4;
    static_assert(kChunks % 128 == 0, "whole passes of the warpgroup over a stage");
    for (int kt = 0; kt < ktiles; ++kt) {
        const int s = kt % STAGES;
        mbar_wait(&full[s], (unsigned)(kt / STAGES) & 1u);
        float4* st = reinterpret_cast<float4*>(smem + s * Cfg::kStageElems);
#pragma unroll 4
        for (int i = rtid; i < kChunks; i += 128) round_tf32_chunk(st + i);  // (wgmma_step.cuh)
        fence_proxy_async_smem();
        mbar_arrive(&ready[s]);
    }
}

// The consumers' part of one unit: the wgmma loop (wgmma_ws_conv_kernel's, ring index g0 on; release_last in
// the persistent form, whose producer goes on), then the epilogue -- fp32 partials (split-K) or staged
// through epi. full: the barriers that say a stage may be read (TF32: the rounding warpgroup's "ready").
template <class Cfg, bool kPair = false>
__device__ __forceinline__ void tma_consume(const ConvParams& p, const TmaElem<Cfg>* smem, TmaElem<Cfg>* epi,
                                            uint64_t* full, uint64_t* empty, const TmaElem<Cfg>* bias,
                                            TmaElem<Cfg>* y, int splits, float* partial, int vec_y, int m_block,
                                            int n_block, int split, int ktiles, int g0, bool release_last) {
    typedef TmaElem<Cfg> Elem;
    constexpr int MI = Cfg::MI;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, cwg = warp >> 2;
    const int warp_m = cwg * 4 * MI + (warp & 3);  // this warp's first accumulator row / 16
    float acc[MI][Cfg::NI][4];
    ws_consume<Cfg, Elem, kPair>(smem, full, empty, ktiles, cwg, lane, acc, g0, release_last);  // (wgmma_ws.cuh)
    if (splits > 1) {
        epilogue_store_partial<MI, Cfg::NI, 64>(p, acc, partial + (size_t)split * p.M * p.Kg,
                                                m_block + warp_m * Cfg::WM, n_block, lane);
        return;
    }
    epilogue_staged<Cfg, Elem, LinearRows, ConsumerSyncN<Cfg::kThreads>, 64>(p, acc, epi, y, bias,
                                                                           LinearRows{m_block}, n_block, warp_m, 0,
                                                                           0, tid, vec_y);
}

// The cluster-split form (kTmaClusterSplit; tma_cluster_fits): the splits of one output tile are the blocks of one cluster
// (cluster dims 1 x 1 x splits, rank = split), and their fp32 partial tiles are added in shared memory instead of
// through global partials and splitk_reduce's launch:
//  1. every block runs its k range (producer, rounding warpgroup, consumers as in the one-tile form);
//  2. cluster barrier: every rank's mainloop is over -- so rank 0's ring is idle (its consumers waited for
//     every slice and retired every wgmma; its producer has nothing in flight);
//  3. ranks > 0 push their accumulators into rank 0's ring through distributed shared memory: slot rank - 1,
//     in fragment order (float4 (mi, ni) of consumer thread t at (mi * NI + ni) * Cfg::kThreads + t -- 16-byte
//     stores, consecutive threads on consecutive chunks);
//  4. cluster barrier: the partials have landed (arrive.release / wait.acquire), and no rank exits before its
//     stores are done;
//  5. rank 0's consumers add the slots in rank order (the same order for every tile: deterministic) and run the
//     normal staged epilogue -- its first named barrier keeps the staging writes behind every consumer's reads.
// Every thread of every block takes part in both cluster barriers (the producer warp's idle lanes too).
// Cost model: a 192 x 128 tile's partial is 96 KB of DSMEM stores per rank > 0, against the one-tile form's
// 96 KB of global partial writes per split plus splitk_reduce's read of all of them and its launch.
// The split A-multicast form (kTmaSplitMulticastA; FASTCONV_CUDA_TMA_CLUSTER=1 with FASTCONV_CUDA_TMA_MULTICAST=A)
// does both at once in a 1 x 2 x splits cluster (rank = pair rank + 2 x split; at most 4 splits in the portable 8
// blocks): the two blocks of a split are the A-multicast pair (neighbouring n tiles, A boxes dealt out, stages
// released in both), and a split > 0 pushes its partial into split 0 of its own n tile (rank = its pair rank).
// The first cluster barrier also stands for the pair form's exit barrier (the partner's last releases precede it).
// Status: emulated only (no GPU in the session that wrote them); forced with FASTCONV_CUDA_TMA_CLUSTER=1, which runs
// every split problem of a config with the form in clusters of min(splits, tma_cluster_max_splits) splits.
//
// The most splits a config's cluster form takes: ranks - 1 fp32 partial tiles in the ring, at most 8 blocks (the
// portable cluster size; the split A-multicast form's pairs: 4 splits); tma_cluster_fits: a split count it takes.
template <class Cfg>
__host__ __device__ constexpr int tma_cluster_max_splits(int form = kTmaClusterSplit) {
    const size_t ring = (size_t)Cfg::kStages * Cfg::kStageElems * Cfg::kElemBytes, tile = (size_t)Cfg::BM * Cfg::BN * 4;
    const int most = form == kTmaSplitMulticastA ? 4 : 8;
    return 1 + ring / tile < (size_t)most ? (int)(1 + ring / tile) : most;
}
template <class Cfg>
__host__ __device__ constexpr bool tma_cluster_fits(int splits, int form = kTmaClusterSplit) {
    return splits >= 2 && splits <= tma_cluster_max_splits<Cfg>(form);
}

template <class Cfg, int kForm>
__device__ __forceinline__ void tma_cluster_tile(const ConvParams& p, const TmaDesc* xmap, const TmaDesc* wmap,
                                                 TmaElem<Cfg>* smem, uint64_t* full, uint64_t* empty, uint64_t* ready,
                                                 const TmaElem<Cfg>* bias, TmaElem<Cfg>* y, int vec_y, bool producer,
                                                 bool rounder) {
    typedef TmaElem<Cfg> Elem;
    constexpr int MI = Cfg::MI, NI = Cfg::NI, T = Cfg::kThreads;
    constexpr bool kRound = TmaShape<Cfg>::kRoundThreads > 0, kPair = tma_pair_form(kForm);
    constexpr unsigned kPw = kPair ? 2 : 1;  // blocks per split: the A-multicast pair, or one
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, cwg = warp >> 2;
    const unsigned rank = cluster_ctarank(), split = rank / kPw, splits = cluster_nctarank() / kPw;
    const unsigned root = rank % kPw;  // the rank of split 0 of this block's n tile: where its partial goes
    const int m_block = blockIdx.x * Cfg::BM, n_block = blockIdx.y * Cfg::BN;
    const KRange kr(p, Cfg::BK, (int)splits, (int)split);
    const bool consumer = !producer && !rounder;
    float acc[MI][NI][4];
    if (producer) {
        if (lane == 0)
            tma_produce<Cfg, kForm>(p, xmap, wmap, smem, full, empty, m_block, n_block, kr.k_begin, kr.ktiles, 0);
    } else if (rounder) {
        if constexpr (kRound) tma_round_stages<Cfg>(smem, full, ready, kr.ktiles, tid - T);
    } else {
        ws_consume<Cfg, Elem, kPair>(smem, kRound ? ready : full, empty, kr.ktiles, cwg, lane, acc);
    }
    cluster_arrive();  // 2. every rank's mainloop is over: split 0's rings are free
    cluster_wait();
    float4* const slots = reinterpret_cast<float4*>(smem);  // split 0's ring: splits - 1 partial tiles
    if (consumer && split > 0) {  // 3. push this split's partial into slot split - 1 of split 0
        const uint32_t dst = cluster_map_shared(smem_addr_(slots + (size_t)(split - 1) * MI * NI * T + tid), root);
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
#pragma unroll
            for (int ni = 0; ni < NI; ++ni)
                st_cluster_v4(dst + (uint32_t)((mi * NI + ni) * T * 16),
                              make_float4(acc[mi][ni][0], acc[mi][ni][1], acc[mi][ni][2], acc[mi][ni][3]));
    }
    cluster_arrive();  // 4. the partials have landed; no rank leaves before its stores are done
    cluster_wait();
    if (!consumer || split > 0) return;
    for (unsigned r = 1; r < splits; ++r) {  // 5. split 0 adds the slots in split order, then the epilogue
        const float4* src = slots + (size_t)(r - 1) * MI * NI * T + tid;
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
#pragma unroll
            for (int ni = 0; ni < NI; ++ni) {
                const float4 v = lds(src + (mi * NI + ni) * T);
                acc[mi][ni][0] += v.x;
                acc[mi][ni][1] += v.y;
                acc[mi][ni][2] += v.z;
                acc[mi][ni][3] += v.w;
            }
    }
    const int warp_m = cwg * 4 * MI + (warp & 3);
    epilogue_staged<Cfg, Elem, LinearRows, ConsumerSyncN<T>, 64>(p, acc, smem, y, bias, LinearRows{m_block}, n_block,
                                                               warp_m, 0, 0, tid, vec_y);
}

// A persistent block's units: (m tile, n tile, split), m fastest, every gridDim.x-th from blockIdx.x --
// neighbouring blocks on neighbouring m tiles of one n tile (B shared in L2).
__device__ __forceinline__ void tma_unit(int u, int tiles_m, int tiles_n, int bm, int bn, int* m_block, int* n_block,
                                         int* split) {
    const int mt = u % tiles_m, rest = u / tiles_m;
    *m_block = mt * bm;
    *n_block = rest % tiles_n * bn;
    *split = rest / tiles_n;
}

// kPersist: the persistent form -- gridDim.x blocks (one per SM) walk the units, the ring and its phases running
// on across them, each unit's epilogue staged in its own region (epi, after the ring); otherwise a block is
// one unit (grid = m tiles x n tiles x splits) staging its epilogue through the ring. kTmaClusterSplit: the
// cluster form (tma_cluster_tile: the grid's z = the cluster's = the splits). kTmaMulticastB: the one-tile form
// in 2-block clusters along M (grid x even, cluster 2 x 1 x 1; a padding block past M computes nothing it
// stores): the pair shares its n tile's B slices, each block loading half and multicasting it (tma_produce), each
// consumer warp releasing a stage in both blocks (ws_consume's kPair); a cluster barrier after the barrier inits
// (the partner's loads signal this block's "full") and one before the exit (its releases arrive on this block's
// "empty"), every thread taking part. Per pair and slice L2 -> SM moves 2 A tiles + 1 B tile instead of 2 + 2.
// kTmaMulticastA: the same along N (grid y even, cluster 1 x 2 x 1; a padding block past Kg stores nothing): the
// pair shares its m tile's A slices, 64-pixel boxes dealt out between the two -- 1 A tile + 2 B tiles per pair and
// slice, the larger saving where A is the taller operand (192-row tiles at 14 x 14 and 7 x 7, 2 and 4 n tiles).
template <class Cfg, int kForm>
__device__ __forceinline__ void wgmma_tma_conv_body(const ConvParams& p, const TmaDesc* xmap, const TmaDesc* wmap,
                                                    const TmaElem<Cfg>* bias, TmaElem<Cfg>* y, int splits,
                                                    float* partial, int vec_y) {
    typedef TmaElem<Cfg> Elem;
    constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, LD = Cfg::LD, STAGES = Cfg::kStages;
    constexpr bool kPersist = kForm == kTmaPersistent, kCluster = tma_split_cluster(kForm),
                   kMcast = tma_pair_form(kForm);
    constexpr bool kRound = TmaShape<Cfg>::kRoundThreads > 0;  // f32 tensors: the rounding warpgroup
    static_assert(BM == 64 * Cfg::MI * Cfg::kWarpGroups && Cfg::kThreads == 128 * Cfg::kWarpGroups &&
                      (Cfg::kWarpGroups == 2 || (Cfg::MI == 1 && !kPersist)),
                  "two (192 rows: three) consumer warpgroups of MI x m64 x BN (Cfg::kThreads = the consumers)");
    static_assert((Cfg::kElemBytes == 2 && (BK == 32 || BK == 64)) || (Cfg::kElemBytes == 4 && BK == 32),
                  "f16 rows of 64 / 128 bytes, fp32 rows of 128 bytes: the SWIZZLE_64B / SWIZZLE_128B boxes");
    static_assert(LD == BK && (!kRound || !kPersist), "unpadded rows; the persistent form is f16 only");
    static_assert(BM % tma_box_pixels<Cfg>(kForm) == 0, "whole im2col loads per tile");
    static_assert(kMcast ? Cfg::BN % 16 == 0 : true, "the multicast halves of B: whole 8-row swizzle atoms");
    FC_DYNAMIC_SHARED(Elem, smem_raw);
    Elem* const smem = align_smem<Cfg::kAtomBytes>(smem_raw);
    __shared__ __align__(8) uint64_t full[STAGES], empty[STAGES], ready[kRound ? STAGES : 1];
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;

    if (tid == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(&full[s], 1);                    // the producer's arrive.expect_tx
            mbar_init(&empty[s], Cfg::kThreads / 32 * (kMcast ? 2 : 1));  // lane 0 of each consumer warp (of both)
            if (kRound) mbar_init(&ready[s], TmaShape<Cfg>::kRoundThreads);  // every rounding thread
        }
        fence_mbarrier_init();
    }
    __syncthreads();  // the barriers are initialized (the only block-wide barrier)
    if constexpr (kMcast) {  // ... in both blocks of the pair, before either's loads or releases signal them
        cluster_arrive();
        cluster_wait();
    }
    const bool producer = warp == TmaShape<Cfg>::kProducerWarp;  // the last warp
    const bool rounder = kRound && !producer && tid >= Cfg::kThreads;  // the warpgroup after the consumers
    if constexpr (kCluster) {  // (every thread stays: the cluster barriers count them all)
        tma_cluster_tile<Cfg, kForm>(p, xmap, wmap, smem, full, empty, ready, bias, y, vec_y, producer, rounder);
        return;
    }
    if (producer && lane != 0 && !kMcast) return;  // (the multicast form: every thread stays for the last barrier)
    uint64_t* const avail = kRound ? ready : full;  // what the consumers wait for

    if constexpr (!kPersist) {
        const int m_block = blockIdx.x * BM, n_block = blockIdx.y * BN;
        const int split = blockIdx.z;  // groups == 1: z is the split-K index
        const KRange kr(p, BK, splits, split);
        if (producer) {  // (the consumers' epilogue synchronizes on a named barrier without this warp)
            if (lane == 0)
                tma_produce<Cfg, kForm>(p, xmap, wmap, smem, full, empty, m_block, n_block, kr.k_begin, kr.ktiles, 0);
        } else if (rounder) {
            if constexpr (kRound) tma_round_stages<Cfg>(smem, full, ready, kr.ktiles, tid - Cfg::kThreads);
        } else
            tma_consume<Cfg, kMcast>(p, smem, smem, avail, empty, bias, y, splits, partial, vec_y, m_block, n_block,
                                     split, kr.ktiles, 0, false);
        if constexpr (kMcast) {  // the partner's last releases arrive on this block's "empty": leave together
            cluster_arrive();
            cluster_wait();
        }
    } else {
        Elem* const epi = smem + STAGES * Cfg::kStageElems;  // tma_epi_bytes(BM, BN)
        const int tiles_m = (p.M + BM - 1) / BM, tiles_n = (p.Kg + BN - 1) / BN, units = tiles_m * tiles_n * splits;
        int g = 0;  // ring index of the unit's first slice
        for (int u = blockIdx.x; u < units; u += gridDim.x) {
            int m_block, n_block, split;
            tma_unit(u, tiles_m, tiles_n, BM, BN, &m_block, &n_block, &split);
            const KRange kr(p, BK, splits, split);
            if (producer)
                tma_produce<Cfg>(p, xmap, wmap, smem, full, empty, m_block, n_block, kr.k_begin, kr.ktiles, g);
            else
                tma_consume<Cfg>(p, smem, epi, full, empty, bias, y, splits, partial, vec_y, m_block, n_block, split,
                                 kr.ktiles, g, true);
            g += kr.ktiles;
        }
    }
}

// sm_90a only (a trap stub elsewhere); launched with TmaShape<Cfg>::kBlockThreads threads, the maps by value.
// Dynamic shared memory: Cfg::kSmemBytes (+ tma_epi_bytes(BM, BN) in the persistent form). Tensors of
// TmaElem<Cfg>: f16, or f32 for the 4-byte (TF32) configs.
template <class Cfg, int kForm = kTmaOneTile>
__global__ void __launch_bounds__(TmaShape<Cfg>::kBlockThreads, Cfg::kMinBlocks)
    wgmma_tma_conv_kernel(const __grid_constant__ TmaDesc xmap, const __grid_constant__ TmaDesc wmap, ConvParams p,
                          const TmaElem<Cfg>* bias, TmaElem<Cfg>* y, int splits, float* partial, int vec_y) {
    FC_SM90A_ONLY((wgmma_tma_conv_body<Cfg, kForm>(p, &xmap, &wmap, bias, y, splits, partial, vec_y)));
}

}  // namespace cuda
}  // namespace fc
#endif
