// implicit_gemm_wgmma_halo_tma.cuh — wgmma_halo_tma_kernel: the sm_90a TMA-fed wgmma convolution for stride-1
// layers whose A operand is one halo per unit and channel slice, read in place for every filter tap, instead
// of one im2col tile per tap.
//
// What it computes: exactly wgmma_tma_conv_kernel's GEMM (M = output pixels, N = output channels, K = R*S*C,
// f16 NHWC, groups 1, 2-D) where tma_halo_unsupported accepts the problem (stride 1, C % 64 == 0; dilation,
// any padding, any R x S whose halo fits), bias (+ ReLU) fused, no split-K.
//
// Why (issue 3): the im2col TMA kernel moves every input value from L2 into the SMs once per filter tap. On
// the H200 at ResNet-50 64@56 batch 32 that is 115 MB of A tiles (9 x 12.8 MB) + 58 MB of B tiles for 7.4
// GFLOP: at the ~7 TB/s the L2 delivers (device_ceiling l2_read) 25 us -- the kernel ran 27.6. Here a unit of
// 8 x 8 output pixels takes a (8 + R - 1) x (8 + S - 1) halo per 64 channels (100 pixels instead of 9 x 64
// rows for 3 x 3: 5.8x fewer A bytes) and the B tiles per block halve with 256-row blocks: ~49 MB at 64@56,
// ~50 MB at 128@28 (was ~116).
//
// Tiling: a block = MU units (MU = 2: 128 GEMM rows, MU = 4: 256) x BN channels; units are numbered image by
// image, row-major over ceil(P / 8) x ceil(Q / 8) per image, block b owns units MU b .. MU b + MU - 1 (units
// past the last one load a valid unit and are not written; pixels past P or Q are computed and dropped).
// 288 threads as in wgmma_tma_conv_kernel: consumer warpgroups 0, 1 (MI = MU / 2 units each: accumulator row
// block mi of warpgroup w = unit w MI + mi) + producer warp 8 (lane 0 issues every TMA load).
// K loop: steps (slice cs of 64 channels, tap t), tap fastest. Per slice the producer loads the MU halos (8
// planes each: tma_load_4d boxes {8, HW, HH, 1}; tma_im2col.cuh: tma_halo_*) into halo buffer cs % 2, per step
// the B tile [BN][64] at column t C + 64 cs (128-byte rows, 128-byte swizzle: the TMA64 kernel's B) into a
// STAGES ring. Per step each consumer warpgroup issues, per unit, 4 wgmma m64nBNk16 whose A descriptor is the
// unit's planes from pixel (r dh) HW + s dw on: no-swizzle core matrices (wgmma_desc_core), leading byte
// offset = the plane pitch (the next 8 channels), stride byte offset = 16 HW (the next pixel row of the unit).
// mbarriers: bfull / bempty per ring stage and hfull / hempty per halo buffer, as in wgmma_tma_conv_kernel: a
// consumer warp releases step g - 1's B stage once wgmma_wait<1> at step g retired its group, and the previous
// slice's halo at the slice's first step (its last reader, the previous step, has retired then).
// Shared memory: the ring (STAGES x BN x 128 B) + 2 x MU x 8 planes (3 x 3: 100 pixels = 1664 B per plane; one
// buffer where C = 64) + 1 KB alignment slack; the epilogue stages the block tile through the start of it
// (epilogue_staged).
//
// Status (H200, twelfth session; forced only: FASTCONV_CUDA_TMA_HALO=1 with a TMA tile): correct -- tma_probe's
// halo boxes (negative coordinates, dilation, 1 x 1) load what tma_cases.h defines, 1440 / 1440 forced
// correctness runs, compute-sanitizer racecheck / synccheck / memcheck clean -- but SLOWER than the im2col TMA64
// form it would replace, batched f16 NHWC batch 32: 64@56 34.4 vs 27.6 us (256 x 64 blocks), 128@28 30.5 vs 27.8
// (128 x 128: 128 four-unit blocks would leave SMs idle). Nsight Compute at 128@28: L2 19 % busy (the im2col
// kernel 25 %), issue 29 %, the SMs active longer (52 k vs 36 k cycles) -- so L2 bandwidth was not what bounds
// the im2col kernel, and this form's own cost is per SM: its halo boxes move 16-byte rows (one per pixel and
// 8 channels: 3200 per 256-row block and slice, where an im2col box row is 128 bytes) and each wgmma takes a
// descriptor computed at run time.
//
// The WIDE form (HaloTmaConfig's WIDE = true; FASTCONV_CUDA_TMA_HALO=wide, forced only; seventeenth session,
// emulated only so far) answers that cost: per slice ONE box {64, pitch, HH, 1} per unit under the 128-byte
// swizzle (pitch = HW rounded up to 8 pixels: 10 x 16 pixel rows of 128 bytes for 3 x 3, 160 TMA rows per unit
// instead of 800 16-byte ones), and every tap's A operand is the swizzled K-major layout of the TMA64 tiles
// started (r dh pitch + s dw) rows into the unit: descriptor start + the ISA's base offset ((start >> 7) & 7),
// stride byte offset one halo row (whole 1024-byte atoms), k16 steps 32 bytes along the row -- the tap's
// descriptor is the unit's plus a per-tap constant. The start inside a swizzle atom is the one reading of the
// ISA no kernel relied on before; wgmma_probe's sw128-shifted cases check it on the GPU (the emulation
// implements it and refuses a start inside an atom with another base offset or a stride of part atoms).
// L2 -> SM bytes (profile group): A per unit and slice 20 KB for 3 x 3 (the im2col form: 72 KB).
#ifndef FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_HALO_TMA_CUH
#define FASTCONV_CUDA_KERNELS_IMPLICIT_GEMM_WGMMA_HALO_TMA_CUH

#include "cuda/kernels/implicit_gemm_wgmma_tma.cuh"

namespace fc {
namespace cuda {

// MU units of 8 x 8 pixels (BM = 64 MU) x BN channels, 64-channel steps, STAGES B tiles in the ring. The
// fields epilogue_staged and the wgmma accumulators read (8 consumer warps of 16 rows per m64 block).
template <int BN_, int MU_, int STAGES_, bool WIDE_ = false>
struct HaloTmaConfig {
    static_assert(MU_ == 2 || MU_ == 4, "one or two units per consumer warpgroup");
    static_assert(BN_ == 64 || BN_ == 128, "wgmma n64 / n128");
    static constexpr int MU = MU_, BM = 64 * MU_, BN = BN_, BK = 64, kStages = STAGES_;
    static constexpr int kWarpsM = 8, kWarpsN = 1, kThreads = 256, kMinBlocks = 1;
    static constexpr int WM = 16, WN = BN, MI = MU_ / 2, NI = BN / 8, kElemBytes = 2, LD = 64;
    static constexpr bool kSw128 = true, kWide = WIDE_;
    static constexpr int kAtomBytes = 1024;
    static constexpr int kBStageElems = BN * 64;  // [BN][64] f16, 128-byte rows
    static constexpr size_t kRingBytes = (size_t)kStages * kBStageElems * 2;
    // the least shared memory of any problem (1 x 1 filter: 64-pixel planes of 1 KB; C = 64: one halo buffer),
    // for the epilogue's check
    static constexpr size_t kSmemBytes = kRingBytes + (size_t)MU_ * 8 * 1024;
};

// epilogue_staged's row map: tile row r = unit u0 + r / 64, pixel (p0 + (r / 8) % 8, q0 + r % 8) of it.
struct HaloUnitRows {
    TmaHaloGeom g;
    int u0;
    __device__ __forceinline__ bool at(const ConvParams& p, int r, int& img, int& pix) const {
        const int u = u0 + (r >> 6);
        if (u >= g.units) return false;
        int n, p0, q0;
        tma_halo_unit(g, u, &n, &p0, &q0);
        const int pp = p0 + ((r >> 3) & 7), q = q0 + (r & 7);
        if (pp >= p.P || q >= p.Q) return false;
        img = n;
        pix = pp * p.Q + q;
        return true;
    }
    __device__ __forceinline__ bool run(const ConvParams& p, int r, int len, int pix) const {
        return (r & 7) + len <= 8 && pix % p.Q + len <= p.Q;
    }
};

template <class Cfg>
__device__ __forceinline__ void halo_tma_produce(const ConvParams& p, const TmaHaloGeom& g, const TmaDesc* xmap,
                                                 const TmaDesc* wmap, half_t* ring, unsigned char* halo,
                                                 uint64_t* bfull, uint64_t* bempty, uint64_t* hfull, uint64_t* hempty,
                                                 int u0, int n_block) {
    constexpr int MU = Cfg::MU, STAGES = Cfg::kStages;
    const int taps = p.R * p.S, slices = p.C / 64;
    const unsigned halo_bytes = Cfg::kWide ? (unsigned)(MU * g.unit) : (unsigned)(MU * 8 * g.HH * g.HW * 16);
    int step = 0;
    for (int cs = 0; cs < slices; ++cs) {
        const int hb = cs & 1;
        if (cs >= 2) mbar_wait(&hempty[hb], (unsigned)(cs / 2 - 1) & 1u);  // slice cs - 2's halo released
        mbar_arrive_expect_tx(&hfull[hb], halo_bytes);
        unsigned char* hbuf = halo + (size_t)hb * MU * g.unit;
#pragma unroll
        for (int i = 0; i < MU; ++i) {
            const int u = u0 + i < g.units ? u0 + i : g.units - 1;  // past the last unit: a valid one, not written
            int c[4];
            tma_halo_coords(p, g, u, cs * 64, c);
            if constexpr (Cfg::kWide) {  // one box: 64 channels x pitch x HH
                tma_load_4d(hbuf + (size_t)i * g.unit, xmap, &hfull[hb], c[0], c[1], c[2], c[3]);
            } else {
#pragma unroll
                for (int j = 0; j < 8; ++j)
                    tma_load_4d(hbuf + (size_t)i * g.unit + (size_t)j * g.plane, xmap, &hfull[hb], c[0] + 8 * j, c[1],
                                c[2], c[3]);
            }
        }
        for (int t = 0; t < taps; ++t, ++step) {
            const int s = step % STAGES;
            if (step >= STAGES) mbar_wait(&bempty[s], (unsigned)(step / STAGES - 1) & 1u);  // step - STAGES released
            mbar_arrive_expect_tx(&bfull[s], (unsigned)(Cfg::BN * 64 * 2));
            tma_load_2d(ring + (size_t)s * Cfg::kBStageElems, wmap, &bfull[s], t * p.C + cs * 64, n_block);
        }
    }
}

// Consumer warpgroup cwg's accumulators over every step (all retired on return).
template <class Cfg>
__device__ __forceinline__ void halo_tma_consume(const ConvParams& p, const TmaHaloGeom& g, const half_t* ring,
                                                 const unsigned char* halo, uint64_t* bfull, uint64_t* bempty,
                                                 uint64_t* hfull, uint64_t* hempty, int cwg, int lane,
                                                 float (&acc)[Cfg::MI][Cfg::NI][4]) {
    constexpr int MU = Cfg::MU, MI = Cfg::MI, STAGES = Cfg::kStages;
    const int taps = p.R * p.S, slices = p.C / 64;
    const uint32_t lbo = (uint32_t)g.plane, sbo = (uint32_t)g.HW * 16u, wide_sbo = (uint32_t)g.pitch * 128u;
    zero_acc(acc);
    int step = 0;
    for (int cs = 0; cs < slices; ++cs) {
        const int hb = cs & 1;
        mbar_wait(&hfull[hb], (unsigned)(cs / 2) & 1u);
        const unsigned char* hu = halo + (size_t)(hb * MU + cwg * MI) * g.unit;  // this warpgroup's units
        for (int t = 0; t < taps; ++t, ++step) {
            const int s = step % STAGES, r = t / p.S, sx = t - r * p.S;
            mbar_wait(&bfull[s], (unsigned)(step / STAGES) & 1u);
            const half_t* bt = ring + (size_t)s * Cfg::kBStageElems;
            const int tap_row = r * p.dh * g.pitch + sx * p.dw;  // the tap's first pixel (a halo row)
            wgmma_fence();
#pragma unroll
            for (int mi = 0; mi < MI; ++mi) {
                if constexpr (Cfg::kWide) {  // 128-byte rows: k16 step kk 32 bytes along the tap's rows
                    // (the tap's start is a whole 128-byte row: the k steps add 2 kk to the start field and
                    // leave its row, so the base offset, unchanged)
                    const uint64_t da =
                        wgmma_desc_sw128_rows(hu + (size_t)mi * g.unit + (size_t)tap_row * 128, wide_sbo);
#pragma unroll
                    for (int kk = 0; kk < 4; ++kk)
                        wgmma_m64k16_f16<Cfg::BN>(acc[mi], da + (uint64_t)(2 * kk), wgmma_desc_sw128(bt + kk * 16));
                } else {
                    const unsigned char* a = hu + (size_t)mi * g.unit + (size_t)tap_row * 16;
#pragma unroll
                    for (int kk = 0; kk < 4; ++kk)  // k16 step kk: planes 2 kk, 2 kk + 1
                        wgmma_m64k16_f16<Cfg::BN>(acc[mi], wgmma_desc_core(a + (size_t)2 * kk * g.plane, lbo, sbo),
                                                  wgmma_desc_sw128(bt + kk * 16));
                }
            }
            wgmma_commit();
            wgmma_wait<1>();  // step - 1's group retired: its B stage (and, at t == 0, the last slice's halo) free
            if (lane == 0) {
                if (step > 0) mbar_arrive(&bempty[(step - 1) % STAGES]);
                if (t == 0 && cs > 0) mbar_arrive(&hempty[hb ^ 1]);
            }
        }
    }
    wgmma_wait<0>();
}

template <class Cfg>
__device__ __forceinline__ void wgmma_halo_tma_body(const ConvParams& p, const TmaHaloGeom& g, const TmaDesc* xmap,
                                                    const TmaDesc* wmap, const half_t* bias, half_t* y, int vec_y) {
    constexpr int STAGES = Cfg::kStages, MI = Cfg::MI;
    FC_DYNAMIC_SHARED(half_t, smem_raw);
    half_t* const ring = align_smem<Cfg::kAtomBytes>(smem_raw);
    unsigned char* const halo = reinterpret_cast<unsigned char*>(ring) + Cfg::kRingBytes;
    __shared__ __align__(8) uint64_t bfull[STAGES], bempty[STAGES], hfull[2], hempty[2];
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    if (tid == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(&bfull[s], 1);                          // the producer's arrive.expect_tx
            mbar_init(&bempty[s], kTmaConsumerThreads / 32);  // lane 0 of each consumer warp
        }
        for (int b = 0; b < 2; ++b) {
            mbar_init(&hfull[b], 1);
            mbar_init(&hempty[b], kTmaConsumerThreads / 32);
        }
        fence_mbarrier_init();
    }
    __syncthreads();  // the barriers are initialized (the only block-wide barrier)
    const int u0 = blockIdx.x * Cfg::MU, n_block = blockIdx.y * Cfg::BN;
    if (warp == kTmaProducerWarp) {
        if (lane == 0)
            halo_tma_produce<Cfg>(p, g, xmap, wmap, ring, halo, bfull, bempty, hfull, hempty, u0, n_block);
        return;  // (the consumers' epilogue synchronizes on a named barrier without this warp)
    }
    const int cwg = warp >> 2, warp_m = cwg * 4 * MI + (warp & 3);
    float acc[MI][Cfg::NI][4];
    halo_tma_consume<Cfg>(p, g, ring, halo, bfull, bempty, hfull, hempty, cwg, lane, acc);
    epilogue_staged<Cfg, half_t, HaloUnitRows, ConsumerSync, 64>(p, acc, ring, y, bias, HaloUnitRows{g, u0}, n_block,
                                                                 warp_m, 0, 0, tid, vec_y);
}

// sm_90a only (a trap stub elsewhere); kTmaThreads threads, grid (ceil(units / MU), ceil(K / BN)), dynamic
// shared memory tma_halo_smem_bytes(p, Cfg::kRingBytes, Cfg::MU); the maps by value.
template <class Cfg>
__global__ void __launch_bounds__(kTmaThreads, 1)
    wgmma_halo_tma_kernel(const __grid_constant__ TmaDesc xmap, const __grid_constant__ TmaDesc wmap, ConvParams p,
                          TmaHaloGeom g, const half_t* bias, half_t* y, int vec_y) {
    FC_SM90A_ONLY((wgmma_halo_tma_body<Cfg>(p, g, &xmap, &wmap, bias, y, vec_y)));
}

// The halo form's configurations: 256-row blocks where they still fill the device, else 128 rows. The WIDE
// form's 3 x 3 units take 20 KB per slice (two buffers of 4 units: 160 KB), so its 256 x 128 ring is 4 stages.
typedef HaloTmaConfig<128, 4, 4> HaloTmaN128M256;
typedef HaloTmaConfig<128, 2, 6> HaloTmaN128M128;
typedef HaloTmaConfig<64, 4, 6> HaloTmaN64M256;
typedef HaloTmaConfig<64, 2, 8> HaloTmaN64M128;
typedef HaloTmaConfig<128, 4, 4, true> HaloWideN128M256;
typedef HaloTmaConfig<128, 2, 6, true> HaloWideN128M128;
typedef HaloTmaConfig<64, 4, 6, true> HaloWideN64M256;
typedef HaloTmaConfig<64, 2, 8, true> HaloWideN64M128;

}  // namespace cuda
}  // namespace fc
#endif
