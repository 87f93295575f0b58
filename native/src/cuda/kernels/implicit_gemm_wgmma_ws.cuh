// implicit_gemm_wgmma_ws.cuh — the sm_90a implicit-GEMM convolution with warp specialization: one
// producer warpgroup gathers the im2col slices with cp.async while two consumer warpgroups only issue
// wgmma, the two sides handing stages over through mbarriers instead of block-wide barriers.
//
// What it computes: exactly wgmma_conv_kernel's GEMM (implicit_gemm_wgmma.cuh) -- M = output pixels,
// N = output channels of the group, K = C/g * T*R*S; f16 tensors, or f32 tensors with TF32 precision
// (each slice rounded with cvt.rna in shared memory); the same loaders (ConvAIterator / MatrixIterator),
// the same swizzled tiles and wgmma step (warpgroup_mma_slice), the same split-K and staged epilogue.
//
// Why (issue 3): in wgmma_conv_kernel every slice costs every warp a cp.async wait, a proxy fence, a
// __syncthreads and its share of the next slice's address arithmetic and copies -- on the warps that
// also feed the tensor cores, 2 wgmma per slice for a BK = 32 slice. Hopper's answer (CUTLASS's
// warp-specialized mainloops) separates the two jobs: here the consumer warps wait only for "stage
// full" and issue wgmma; the gather runs ahead on its own warps, up to LAG = STAGES - 2 slices.
//
// Block: 384 threads = warpgroup 0 (producer, 128 threads) + warpgroups 1, 2 (consumers: rows 0..63 and
// 64..127 of a BM = 128 tile x BN channels, warp w of a consumer owning 16 accumulator rows as in
// wgmma_conv_kernel; or, BM = 256, rows 0..127 / 128..255 as two m64 row blocks per warpgroup, issued in
// one wgmma group per slice -- the same 8 consumer warps and ring per block, twice the FLOP per byte of
// B). STAGES-deep ring of (BM + BN) x BK slices, two mbarriers per stage:
//  * full[s]  (128 arrivals: every producer thread): slice kt is in stage kt % STAGES. A producer thread
//    publishes slice j once its own copies of it have landed (cp_async_wait<LAG>: groups are per
//    thread), (TF32) it rounded its own chunks, and it fenced them for the async proxy (the writer's
//    fence.proxy.async, as the emulation requires), then arrives. The consumers wait for the phase of
//    parity (kt / STAGES) & 1 -- the (kt / STAGES)-th fill of that stage.
//  * empty[s] (8 arrivals: lane 0 of every consumer warp): a consumer warp releases slice kt - 1 after
//    its wgmma_wait<1> at slice kt retired the group that read it. The producer refills stage s with
//    slice kt (>= STAGES) after the release of slice kt - STAGES (parity (kt / STAGES - 1) & 1).
// Deadlock freedom: before loading slice kt the producer needs slice kt - STAGES released, i.e. the
// consumers at slice kt - STAGES + 1, which the producer published at its iteration
// kt - STAGES + 1 + LAG <= kt - 1: hence LAG = STAGES - 2.
// The epilogue runs on the consumers alone (named barrier 1, 256 threads): by then every slice has been
// waited for, so no copy is in flight into the ring it reuses; the producer warps have left.
//
// Stages (tile_config.cuh, TILE_WGMMA_WS*): f16 8 x 16 KB (BN 128, 1 block per SM: 12 warps, 8 of them
// feeding the tensor cores, <= 168 registers) / 8 x 12 KB (BN 64, 2 blocks per SM, <= 80 registers) /
// 6 x 24 KB (256 x 128), tf32 6 x 32 KB / 6 x 24 KB (1 block per SM). The 256 x 128 tile is there for L2
// bandwidth: a slice of a 128 x 128 f16 tile feeds 64 FLOP per byte, so ~70 % of the dense peak would
// need ~10.8 TB/s from L2 into the SMs; 256 x 128 feeds 85 (~8.1 TB/s) -- both above the 6.78 TB/s the
// H200's L2 delivered to 16-byte loads (device_ceiling l2_read).
//
// Status (H200, latest session): correct -- forced with FASTCONV_CUDA_IMPLICIT_KERNEL=wgmma_ws, 1440 /
// 1440 quick correctness runs matched the CPU backend, no hang -- but slower than the heuristic's
// mma.sync kernels on every layer measured (0.51x .. 1.03x): at 128@28 batch 32 f16 NHWC 51.5 us
// (Nsight Compute) with 196 one-per-SM blocks = 1.48 waves, the SMs active 69 % of the time, 26 % of
// issue slots used. Neither the heuristic nor the autotuner picks it; forcing still does.
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_WS_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_WS_CUH

#include "cuda/kernels/implicit_gemm_wgmma.cuh"

namespace fc {
namespace cuda {

constexpr int kWsProducerThreads = 128;     // warpgroup 0
constexpr int kWsConsumerThreads = 256;     // warpgroups 1, 2 (= the tile config's kThreads)
constexpr unsigned kWsConsumerBarrier = 1;  // named barrier of the consumer warpgroups' epilogue

// The consumers' block-wide barrier in epilogue_staged (the producer warps do not take part): N consumer threads.
template <int N = kWsConsumerThreads>
struct ConsumerSyncN {
    __device__ __forceinline__ static void sync() { bar_sync_named(kWsConsumerBarrier, N); }
};
typedef ConsumerSyncN<> ConsumerSync;

// Producer side: publishes slice j (stage j % STAGES) once this thread's copies of it have landed --
// the caller waited for them -- rounded (TF32) and fenced for the async proxy.
template <class Elem, class AMap, class BMap, int BM, int LD>
__device__ __forceinline__ void ws_publish(Elem* st, uint64_t* full, int ptid) {
    if constexpr (sizeof(Elem) == 4) {
        round_tf32_chunks<AMap>(st, ptid);
        round_tf32_chunks<BMap>(st + BM * LD, ptid);
    }
    fence_proxy_async_smem();
    mbar_arrive(full);
}

// Consumer side (this kernel's and wgmma_tma_conv_kernel's): consumer warpgroup cwg's accumulators over
// ktiles slices of the ring -- wait for "full", issue the slice's wgmma group, and once wgmma_wait<1> has
// retired the previous slice's group release that stage on "empty" (lane 0 of each warp); every group
// retired on return. g0: the ring index of the first slice (a persistent block's slices continue the ring
// across its tiles); release_last: also release the last slice (the producer goes on with another tile).
// kPair (the TMA kernel's multicast form): a stage is released in this block and in its partner (rank ^ 1 of a
// 2-block cluster), whose producer multicasts into it too.
template <bool kPair>
__device__ __forceinline__ void ws_release(uint64_t* empty) {
    mbar_arrive(empty);
    if constexpr (kPair) mbar_arrive_cluster(empty, cluster_ctarank() ^ 1u);
}
template <class Cfg, class Elem, bool kPair = false>
__device__ __forceinline__ void ws_consume(const Elem* smem, uint64_t* full, uint64_t* empty, int ktiles, int cwg,
                                           int lane, float (&acc)[Cfg::MI][Cfg::NI][4], int g0 = 0,
                                           bool release_last = false) {
    constexpr int STAGES = Cfg::kStages, LD = Cfg::LD;
    zero_acc(acc);
    for (int kt = 0; kt < ktiles; ++kt) {
        const int gi = g0 + kt, s = gi % STAGES;
        mbar_wait(&full[s], (unsigned)(gi / STAGES) & 1u);
        const Elem* st = smem + s * Cfg::kStageElems;
        warpgroup_mma_slice<Cfg, Elem>(st + cwg * 64 * Cfg::MI * LD, st + Cfg::BM * LD, acc);
        wgmma_wait<1>();  // slice gi - 1's group has retired: its stage may be refilled
        if (kt > 0 && lane == 0) ws_release<kPair>(&empty[(gi - 1) % STAGES]);
    }
    wgmma_wait<0>();
    if (release_last && ktiles > 0 && lane == 0) ws_release<kPair>(&empty[(g0 + ktiles - 1) % STAGES]);
}

template <class Cfg, class Elem>
__device__ __forceinline__ void wgmma_ws_conv_body(const ConvParams& p, const Elem* x, const Elem* w, const Elem* bias,
                                                   Elem* y, int vec_a, int vec_b, int splits, float* partial,
                                                   int vec_y) {
    constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, LD = Cfg::LD, STAGES = Cfg::kStages;
    constexpr int LAG = STAGES - 2;  // slices a producer thread keeps in flight (see the header: no deadlock)
    constexpr bool kSw = Cfg::kSw128;
    constexpr int MI = Cfg::MI;  // m64 row blocks per consumer warpgroup (BM = 128 MI)
    static_assert(Cfg::kThreads == kWsConsumerThreads && BM == 128 * MI && Cfg::kWarpsM == 8,
                  "two consumer warpgroups of MI x m64 x BN (Cfg::kThreads = the consumers)");
    static_assert(STAGES >= 4, "LAG = STAGES - 2 >= 2 slices in flight");
    FC_DYNAMIC_SHARED(Elem, smem_raw);
    Elem* const smem = align_smem<Cfg::kAtomBytes>(smem_raw);
    __shared__ __align__(8) uint64_t full[STAGES], empty[STAGES];

    const int tid = threadIdx.x, warp = tid >> 5, wg = warp >> 2;
    const int m_block = blockIdx.x * BM, n_block = blockIdx.y * BN;
    const int g = blockIdx.z / splits, split = blockIdx.z - g * splits;
    const KRange kr(p, BK, splits, split);
    const int k_begin = kr.k_begin, ktiles = kr.ktiles;

    if (tid == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(&full[s], kWsProducerThreads);
            mbar_init(&empty[s], kWsConsumerThreads / 32);  // lane 0 of each consumer warp
        }
    }
    __syncthreads();  // the barriers are initialized (the only block-wide barrier)

    if (wg == 0) {  // ---- producer: the im2col gather, LAG slices ahead ----
        typedef ConvAIterator<Elem, BM, kWsProducerThreads, BK, kSw> AIter;
        typedef MatrixIterator<Elem, BN, kWsProducerThreads, BK, kSw> BIter;
        AIter a_it(p, x, m_block, g, tid, vec_a != 0, k_begin);
        const BIter b_it(w + g * p.Kg * p.Kgemm, p.Kg, n_block, p.Kgemm, tid, vec_b != 0);
        typedef typename AIter::Map AMap;
        typedef typename BIter::Map BMap;
        for (int kt = 0; kt < ktiles; ++kt) {
            const int s = kt % STAGES;
            if (kt >= STAGES) mbar_wait(&empty[s], (unsigned)(kt / STAGES - 1) & 1u);  // slice kt - STAGES released
            load_stage<Cfg>(p, a_it, b_it, smem + s * Cfg::kStageElems, k_begin + kt * BK);
            cp_async_commit();
            if (kt >= LAG) {
                const int j = kt - LAG;
                cp_async_wait<LAG>();  // this thread's copies of slice j have landed
                ws_publish<Elem, AMap, BMap, BM, LD>(smem + (j % STAGES) * Cfg::kStageElems, &full[j % STAGES], tid);
            }
        }
        cp_async_wait<0>();
        for (int j = ktiles > LAG ? ktiles - LAG : 0; j < ktiles; ++j)
            ws_publish<Elem, AMap, BMap, BM, LD>(smem + (j % STAGES) * Cfg::kStageElems, &full[j % STAGES], tid);
        return;  // the consumers' epilogue synchronizes on a named barrier without these warps
    }

    // ---- consumers: wgmma on each full stage ----
    const int ctid = tid - kWsProducerThreads, cwg = wg - 1, lane = tid & 31;
    // this warp's first accumulator row / 16: rows 64 MI cwg + 64 mi + 16 (warp % 4) (wgmma's layout)
    const int warp_m = cwg * 4 * MI + (warp & 3);
    float acc[MI][Cfg::NI][4];
    ws_consume<Cfg, Elem>(smem, full, empty, ktiles, cwg, lane, acc);

    if (splits > 1) {
        epilogue_store_partial<MI, Cfg::NI, 64>(p, acc, partial + (size_t)blockIdx.z * p.M * p.Kg,
                                                m_block + warp_m * Cfg::WM, n_block, lane);
        return;
    }
    epilogue_staged<Cfg, Elem, LinearRows, ConsumerSync, 64>(p, acc, smem, y, bias, LinearRows{m_block}, n_block, warp_m,
                                                             0, g, ctid, vec_y);
}

// sm_90a only, like wgmma_conv_kernel (a trap stub elsewhere; launched with Cfg::kThreads + 128 threads).
template <class Cfg, class Elem>
__global__ void __launch_bounds__(Cfg::kThreads + kWsProducerThreads, Cfg::kMinBlocks)
    wgmma_ws_conv_kernel(ConvParams p, const Elem* x, const Elem* w, const Elem* bias, Elem* y, int vec_a, int vec_b,
                         int splits, float* partial, int vec_y) {
    FC_SM90A_ONLY(wgmma_ws_conv_body<Cfg, Elem>(p, x, w, bias, y, vec_a, vec_b, splits, partial, vec_y));
}

// The implicit-GEMM kernel of an sm_90a gather tile and its block size, for the launchers (tc_wgmma.cu, the
// emulation tests): the TILE_WGMMA_WS* tiles -> wgmma_ws_conv_kernel (+ the producer warpgroup), TILE_WGMMA /
// TILE_WGMMA_N64 -> wgmma_conv_kernel.
template <int Tile, class Elem>
struct WgmmaKernel {
    typedef typename TileFor<Tile, (int)sizeof(Elem)>::type Cfg;
    static constexpr int kThreads = Cfg::kThreads + (is_wgmma_ws_tile(Tile) ? kWsProducerThreads : 0);
    typedef void (*Fn)(ConvParams, const Elem*, const Elem*, const Elem*, Elem*, int, int, int, float*, int);
    static Fn fn() {
        if constexpr (is_wgmma_ws_tile(Tile))
            return wgmma_ws_conv_kernel<Cfg, Elem>;
        else
            return wgmma_conv_kernel<Cfg, Elem>;
    }
};

}  // namespace cuda
}  // namespace fc
#endif
