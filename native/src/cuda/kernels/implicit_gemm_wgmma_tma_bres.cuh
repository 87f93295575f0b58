// implicit_gemm_wgmma_tma_bres.cuh — wgmma_tma_bres_kernel: the TMA kernel's B-resident ping-pong form, for f16
// layers with at most 64 output channels (ResNet-50's 64@56 3x3, 1x1 256 -> 64).
//
// What it computes: exactly wgmma_tma_conv_kernel's GEMM (M = output pixels, N = output channels, K = R*S*C, f16
// NHWC, groups 1, 1-D / 2-D, C % 64 == 0; tma_im2col.cuh's maps), bias (+ ReLU) fused, over the whole K (no
// split-K: a split the table chose is ignored), where the weight matrix fits in shared memory beside the A ring
// (tma_bres_unsupported: K <= 64, Kgemm <= 576).
//
// Why (issue 3): an L2 -> SM traffic model fits the TMA kernel's H200 times. At 64@56 batch 32 its 128 x 64
// tiles move 24 KB per BK-64 slice -- 16 KB of im2col A, 8 KB of B -- for 1 MFLOP: 784 tiles x 9 slices =
// 169 MB, at the ~6.8 TB/s the L2 gives the SMs (device_ceiling l2_read) 25 us of the 27.6 measured, i.e. the
// layer runs at its L2 bound (29 % of the dense peak). A third of those bytes are B, the same 72 KB of weights
// re-read by every tile. Here each block loads the weights once and keeps them: 115 MB of A + 132 x 72 KB,
// -28 % traffic. (The halo form cut the A bytes instead and was slower: its 16-byte TMA rows cost more per SM
// than the bytes saved; this form keeps the 128-byte im2col boxes.) And as a persistent block would otherwise
// idle its tensor cores through every epilogue, its two consumer warpgroups work on different tiles (CUTLASS's
// "ping-pong"): one's epilogue overlaps the other's main loop.
//
// Block: warpgroups 0, 1 (consumers) + warp 8 (producer: lane 0 issues every TMA load), one block per SM,
// gridDim.x <= the SMs. Units = 128-row M tiles x all K (<= 64) channels; block b walks units b, b + G, b + 2G,
// ... (G = gridDim.x) in order, its i-th unit belonging to consumer i % 2 (MI = 2: both m64 row blocks of the
// unit, NI = 8; 64 accumulators per thread).
// Shared memory (from the first 1024-byte atom: align_smem): the A ring [STAGES][128][64] f16 (16 KB per stage,
// 128-byte swizzle: the TMA64 im2col box), B [KT][64][64] (the weights, KT = Kgemm / 64 slices of 8 KB: 2-D
// tiled boxes, rows past K zero-filled), then one epilogue stage per consumer (tma_epi_bytes(128, 64)).
// mbarriers: bfull (the producer's expect_tx for all of B; each consumer waits for it once), full[s] (1 arrival +
// one box's bytes), empty[s] (4 arrivals: lane 0 of each warp of the consumer whose slice it held).
// Ring order: ring index g = i KT + kt for slice kt of the block's i-th unit; the producer fills stage g % STAGES
// once slice g - STAGES was released. A consumer waits only for its own slices' "full" phases and releases each
// slice once wgmma_wait<1> retired its reader (the unit's last slice after wgmma_wait<0>), before its epilogue --
// so the producer is never held up by an epilogue, and the slice it waits for was loaded earlier, for a consumer
// that waits on nothing but loads issued before: no cycle. A stage's phases complete in ring order (slice
// g + STAGES is loaded only after slice g's release), so parity (g / STAGES) & 1 names the phase.
// Epilogue: epilogue_staged on the consumer's own stage and named barrier (ids 1 / 2, 128 threads), 64 rows
// apart per m64 block (MS = 64).
//
// Status: emulated only (no GPU in the session that wrote it); forced with FASTCONV_CUDA_TMA_BRES=1 on the TMA
// kernel's 128 x 64 tile (tc_wgmma.cu; FASTCONV_CUDA_TMA_BRES_BLOCKS=n caps the grid for sanitizer runs), never
// picked by the table until an H100 / H200 has timed it.
//
// wgmma_tma_bres_halo_kernel (seventeenth session; FASTCONV_CUDA_TMA_BRES=1 with FASTCONV_CUDA_TMA_HALO=wide,
// stride 1): the same block with A from the halo form's WIDE halos (implicit_gemm_wgmma_halo_tma.cuh) instead of
// im2col boxes -- a 128-row tile is two 8 x 8-pixel units, and per 64-channel slice its ring stage holds their two
// halos (one {64, pitch, HH, 1} box each, 40 KB for 3 x 3), read in place by every filter tap through
// wgmma_desc_sw128_rows; B stays resident. At 64@56 batch 32: 32 MB of halos + 132 x 72 KB of weights, 41 MB from
// L2 (the im2col form 120, the table's pick 173). Two stages (193 KB at 3 x 3, C = 64): the producer refills a
// stage while the other consumer computes. Ring index g = i (C / 64) + cs for slice cs of the block's i-th tile;
// a consumer commits one wgmma group per tap and releases stage g - 1 once the first tap of stage g has been
// committed and wgmma_wait<1> has retired every earlier group (the tile's last stage after wgmma_wait<0>).
//
// Layout of this file: the form's geometry (TmaBres), the two A sources (BresIm2colA: im2col boxes; BresHaloA: WIDE
// halos) and one block for both (bres_body: barriers, the producer's ring walk; bres_consume: a consumer's tiles).
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_TMA_BRES_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_TMA_BRES_CUH

#include "cuda/kernels/implicit_gemm_wgmma_halo_tma.cuh"
#include "cuda/kernels/implicit_gemm_wgmma_tma.cuh"

namespace fc {
namespace cuda {

// The form's geometry: 128-row units, BN = BK = 64 (f16, 128-byte rows), STAGES A stages; Step: the fields of
// warpgroup_mma_slice (a warpgroup's MI = 2 m64 row blocks x n64, k 64 per slice); Epi: epilogue_staged's view
// of one consumer's 128 x 64 tile (128 threads, 4 warps of 16 rows per m64 block).
struct TmaBres {
    static constexpr int BM = 128, BN = 64, BK = 64, LD = 64, kStages = kTmaBresStages;
    static constexpr int kMaxSlices = kTmaBresMaxSlices;  // Kgemm <= 576: B <= 72 KB
    static constexpr size_t kStageBytes = (size_t)BM * LD * 2, kSliceBytes = (size_t)BN * LD * 2;
    static constexpr size_t kEpiBytes = tma_epi_bytes(BM, BN);
    typedef WgmmaTileConfig<64, 2, kStages, 1, 256, 64> Step;  // MI = 2, NI = 8, BK = LD = 64, 128-byte swizzle
    struct Epi {
        static constexpr int BM = 128, BN = 64, kThreads = 128, MI = 2, NI = 8, WM = 16, WN = 64;
        static constexpr size_t kSmemBytes = kEpiBytes;
    };
};
// tma_bres_smem_bytes (tma_im2col.cuh) is this layout: the slack atom, the ring, B, the two epilogue stages.
static_assert(tma_bres_smem_bytes(3) ==
                  1024 + TmaBres::kStages * TmaBres::kStageBytes + 3 * TmaBres::kSliceBytes + 2 * TmaBres::kEpiBytes,
              "tma_bres_smem_bytes mirrors the form's shared-memory layout");
// Null if the form can run p; else why not.
inline const char* tma_bres_unsupported(const ConvParams& p) {
    if (const char* why = tma_conv_unsupported(p)) return why;
    if (p.C % 64) return "C not a multiple of 64";
    if (p.Kg > TmaBres::BN) return "more than 64 output channels (B would not stay resident)";
    if (p.Kgemm > TmaBres::kMaxSlices * TmaBres::BK) return "Kgemm > 576 (B would not stay resident)";
    return nullptr;
}

// The consumers' named barrier of epilogue_staged: warpgroup c's own (id 1 + c, its 128 threads).
template <unsigned kId>
struct WarpGroupSync {
    __device__ __forceinline__ static void sync() { bar_sync_named(kId, 128); }
};

// ---- The A sources: where a tile's ring slices come from, and how a consumer multiplies one ----
// Each gives: kStages (ring stages), tiles (128-row tiles), slices (ring slices per tile), stage_bytes(),
// load (the producer: one slice of tile u into a stage, completing on full), mma (a consumer: one slice's wgmma
// into acc, calling release() once every wgmma group of the earlier slices has retired) and rows(u) (the tile's
// rows for epilogue_staged).

// wgmma_tma_bres_kernel's: a slice = the 128 x 64 im2col box of one filter tap and 64 channels (k = 64 sl).
struct BresIm2colA {
    static constexpr int kStages = kTmaBresStages;
    typedef LinearRows Rows;
    const ConvParams& p;
    int tiles, slices;
    __device__ __forceinline__ explicit BresIm2colA(const ConvParams& p_)
        : p(p_), tiles((p_.M + TmaBres::BM - 1) / TmaBres::BM), slices((p_.Kgemm + TmaBres::BK - 1) / TmaBres::BK) {}
    __device__ __forceinline__ size_t stage_bytes() const { return TmaBres::kStageBytes; }
    __device__ __forceinline__ void load(unsigned char* stage, const TmaDesc* xmap, uint64_t* full, int u,
                                         int sl) const {
        int c[4];
        uint16_t off[2];
        tma_x_coords(p, u * TmaBres::BM, sl * TmaBres::BK, c, off);
        tma_load_im2col_4d(reinterpret_cast<half_t*>(stage), xmap, full, c[0], c[1], c[2], c[3], off[0], off[1]);
    }
    template <class Release>
    __device__ __forceinline__ void mma(const unsigned char* stage, const half_t* bres, int sl, float (&acc)[2][8][4],
                                        Release release) const {
        warpgroup_mma_slice<TmaBres::Step, half_t>(reinterpret_cast<const half_t*>(stage),
                                                   bres + sl * TmaBres::BN * TmaBres::LD, acc);
        wgmma_wait<1>();  // every group but this slice's has retired
        release();
    }
    __device__ __forceinline__ Rows rows(int u) const { return LinearRows{u * TmaBres::BM}; }
};

// wgmma_tma_bres_halo_kernel's: a slice = 64 channels of the tile's two WIDE halo units (one {64, pitch, HH, 1}
// box each), which every filter tap reads in place (k = t C + 64 sl); one wgmma commit group per tap, as in
// wgmma_halo_tma_kernel, so release() comes after the first tap's wgmma_wait<1>.
struct BresHaloA {
    static constexpr int kStages = kTmaBresHaloStages;
    typedef HaloUnitRows Rows;
    const ConvParams& p;
    const TmaHaloGeom& g;
    int tiles, slices;
    __device__ __forceinline__ BresHaloA(const ConvParams& p_, const TmaHaloGeom& g_)
        : p(p_), g(g_), tiles((g_.units + 1) / 2), slices(p_.C / 64) {}
    __device__ __forceinline__ size_t stage_bytes() const { return (size_t)2 * g.unit; }
    __device__ __forceinline__ void load(unsigned char* stage, const TmaDesc* xmap, uint64_t* full, int u,
                                         int sl) const {
        for (int j = 0; j < 2; ++j) {
            const int hu = 2 * u + j < g.units ? 2 * u + j : g.units - 1;  // past the last: valid, not written
            int c[4];
            tma_halo_coords(p, g, hu, sl * 64, c);
            tma_load_4d(stage + (size_t)j * g.unit, xmap, full, c[0], c[1], c[2], c[3]);
        }
    }
    template <class Release>
    __device__ __forceinline__ void mma(const unsigned char* stage, const half_t* bres, int sl, float (&acc)[2][8][4],
                                        Release release) const {
        const int taps = p.R * p.S;
        const uint32_t sbo = (uint32_t)g.pitch * 128u;
        for (int t = 0; t < taps; ++t) {
            const int r = t / p.S, sx = t - r * p.S, tap_row = r * p.dh * g.pitch + sx * p.dw;
            const half_t* bt = bres + (size_t)(t * slices + sl) * TmaBres::BN * TmaBres::LD;
            wgmma_fence();
#pragma unroll
            for (int mi = 0; mi < 2; ++mi) {
                const uint64_t da = wgmma_desc_sw128_rows(stage + (size_t)mi * g.unit + (size_t)tap_row * 128, sbo);
#pragma unroll
                for (int kk = 0; kk < 4; ++kk)
                    wgmma_m64k16_f16<TmaBres::BN>(acc[mi], da + (uint64_t)(2 * kk), wgmma_desc_sw128(bt + kk * 16));
            }
            wgmma_commit();
            wgmma_wait<1>();  // every group but this tap's has retired: at t == 0, the previous slice's last tap
            if (t == 0) release();
        }
    }
    __device__ __forceinline__ Rows rows(int u) const { return HaloUnitRows{g, 2 * u}; }
};

// Null if wgmma_tma_bres_halo_kernel can run p; else why not.
inline const char* tma_bres_halo_unsupported(const ConvParams& p) {
    if (const char* why = tma_bres_unsupported(p)) return why;
    if (p.sh != 1 || p.sw != 1) return "stride > 1 (a unit's 8 pixels must be consecutive input pixels)";
    const TmaHaloGeom g = tma_halo_geom(p, true);
    if (g.HH > 256 || g.pitch > 256) return "halo box over 256 pixels";
    if (tma_bres_halo_smem_bytes(p) > kTmaHaloSmemMax) return "halo stages and weights over the shared memory";
    return nullptr;
}

// ---- The block, for either A source ----

// One consumer's tiles: for each, its slices' wgmma (A from the ring, B resident), each slice released once
// retired, then the epilogue through its own stage.
template <unsigned kBar, class A>
__device__ __forceinline__ void bres_consume(const ConvParams& p, const A& a, const unsigned char* ring,
                                             const half_t* bres, half_t* epi, uint64_t* full, uint64_t* empty,
                                             const half_t* bias, half_t* y, int vec_y, int c, int ctid) {
    constexpr int STAGES = A::kStages;
    const int warp = ctid >> 5, lane = ctid & 31;
    float acc[2][8][4];
    for (int i = c, u = blockIdx.x + c * gridDim.x; u < a.tiles; i += 2, u += 2 * gridDim.x) {
        const int g0 = i * a.slices;
        zero_acc(acc);
        for (int sl = 0; sl < a.slices; ++sl) {
            const int g = g0 + sl, s = g % STAGES;
            mbar_wait(&full[s], (unsigned)(g / STAGES) & 1u);
            a.mma(ring + (size_t)s * a.stage_bytes(), bres, sl, acc, [&] {
                if (sl > 0 && lane == 0) mbar_arrive(&empty[(g - 1) % STAGES]);  // slice g - 1 has retired
            });
        }
        wgmma_wait<0>();
        if (lane == 0) mbar_arrive(&empty[(g0 + a.slices - 1) % STAGES]);
        epilogue_staged<TmaBres::Epi, half_t, typename A::Rows, WarpGroupSync<kBar>, 64>(
            p, acc, epi, y, bias, a.rows(u), 0, warp, 0, 0, ctid, vec_y);
    }
}

// The block: tid 0 initializes full[s] (1 arrival: the producer's arrive.expect_tx), empty[s] (4: lane 0 of each
// warp of the stage's consumer) and bfull (the weights); the producer (warp 8, lane 0) loads the whole weight
// matrix on bfull, then walks the ring; the two consumer warpgroups take alternate tiles.
template <class A>
__device__ __forceinline__ void bres_body(const ConvParams& p, const A& a, const TmaDesc* xmap, const TmaDesc* wmap,
                                          const half_t* bias, half_t* y, int vec_y) {
    constexpr int STAGES = A::kStages, LD = TmaBres::LD;
    FC_DYNAMIC_SHARED(half_t, smem_raw);
    unsigned char* const ring = reinterpret_cast<unsigned char*>(align_smem<1024>(smem_raw));
    const int ktiles = (p.Kgemm + TmaBres::BK - 1) / TmaBres::BK;
    half_t* const bres = reinterpret_cast<half_t*>(ring + STAGES * a.stage_bytes());
    half_t* const epi0 = bres + ktiles * TmaBres::BN * LD;
    __shared__ __align__(8) uint64_t full[STAGES], empty[STAGES], bfull;
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    if (tid == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(&full[s], 1);
            mbar_init(&empty[s], 4);
        }
        mbar_init(&bfull, 1);
        fence_mbarrier_init();
    }
    __syncthreads();  // the barriers are initialized (the only block-wide barrier)
    if (warp == 8) {  // the producer: lane 0
        if (lane != 0) return;
        mbar_arrive_expect_tx(&bfull, (unsigned)(ktiles * TmaBres::kSliceBytes));
        for (int kt = 0; kt < ktiles; ++kt) tma_load_2d(bres + kt * TmaBres::BN * LD, wmap, &bfull, kt * 64, 0);
        int g = 0;
        for (int u = blockIdx.x; u < a.tiles; u += gridDim.x)
            for (int sl = 0; sl < a.slices; ++sl, ++g) {
                const int s = g % STAGES;
                if (g >= STAGES) mbar_wait(&empty[s], (unsigned)(g / STAGES - 1) & 1u);  // slice g - STAGES released
                mbar_arrive_expect_tx(&full[s], (unsigned)a.stage_bytes());
                a.load(ring + (size_t)s * a.stage_bytes(), xmap, &full[s], u, sl);
            }
        return;
    }
    const int c = warp >> 2;  // consumer warpgroup 0 / 1
    if (blockIdx.x + c * gridDim.x < (unsigned)a.tiles) mbar_wait(&bfull, 0u);  // (a consumer with a tile reads B)
    half_t* const epi = epi0 + c * (TmaBres::kEpiBytes / 2);
    if (c == 0)
        bres_consume<1>(p, a, ring, bres, epi, full, empty, bias, y, vec_y, 0, tid);
    else
        bres_consume<2>(p, a, ring, bres, epi, full, empty, bias, y, vec_y, 1, tid - 128);
}

// sm_90a only (a trap stub elsewhere); 288 threads, gridDim.x <= the tiles (one block per SM), dynamic shared
// memory tma_bres_smem_bytes(ceil(Kgemm / 64)); the maps: tma_x_map(p, 64) and tma_w_map(p, 64, 64).
__global__ void __launch_bounds__(288, 1)
    wgmma_tma_bres_kernel(const __grid_constant__ TmaDesc xmap, const __grid_constant__ TmaDesc wmap, ConvParams p,
                          const half_t* bias, half_t* y, int vec_y) {
    FC_SM90A_ONLY((bres_body(p, BresIm2colA(p), &xmap, &wmap, bias, y, vec_y)));
}

// sm_90a only (a trap stub elsewhere); 288 threads, gridDim.x <= ceil(units / 2) (one block per SM), dynamic shared
// memory tma_bres_halo_smem_bytes(p); the maps: tma_halo_map(p, true) (128-byte swizzle) and tma_w_map(p, 64, 64).
__global__ void __launch_bounds__(288, 1)
    wgmma_tma_bres_halo_kernel(const __grid_constant__ TmaDesc xmap, const __grid_constant__ TmaDesc wmap,
                               ConvParams p, TmaHaloGeom g, const half_t* bias, half_t* y, int vec_y) {
    FC_SM90A_ONLY((bres_body(p, BresHaloA(p, g), &xmap, &wmap, bias, y, vec_y)));
}

}  // namespace cuda
}  // namespace fc
#endif
