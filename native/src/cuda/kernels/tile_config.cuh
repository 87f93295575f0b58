// tile_config.cuh — compile-time tile shapes of the GEMM kernels (plain C++:
// the host launch code and the emulation tests include it too).
//
// A block computes a BM x BN tile of one group's GEMM (M = output pixels,
// N = output channels of the group) marching over K in BK slices through a
// STAGES-deep cp.async ring in shared memory. Warps are arranged WARPS_M x
// WARPS_N; each owns a (BM/WARPS_M) x (BN/WARPS_N) warp tile made of m16n8 mma
// tiles (MI x NI). Shared tiles are row-major [rows][BK] (k contiguous) in
// 16-byte chunks, laid out by SmemRows (below) so that both the loaders'
// 16-byte cp.async stores and every ldmatrix phase are bank-conflict-free
// (the emulation's bank model checks both on every kernel run).
//
//  name   BM  BN BK warps  warp tile  stages f32/f16  smem f32 / f16   target
//  BIG   128 128 32 f32: 2x4=8 64x32  3 / 4          108 KB / 64 KB   2 blocks/SM on sm_80(f16)/sm_90
//                   f16: 2x2=4 64x64                                   (f16: <= 255 registers)
//  MED    64  64 32 2x2=4   32x32      4 / 4           72 KB / 32 KB   >= 2 blocks/SM everywhere
//  SMALL  32  32 32 2x2=4   16x16      3 / 4           27 KB / 16 KB   tiny problems (many blocks)
//  WIDE  128  64 32 2x2=4   64x32      - / 4             - / 48 KB   f16 only, K/g <= 64; 4 blocks/SM sm_90
//  SIMT   64  64 32 4 warps 4x8/thread 3 (f32 only)    54 KB           FP32 exact path
// f16 BIG uses 64x64 warp tiles (128 accumulators, ~230-250 registers): one
// ldmatrix wavefront per mma.sync instead of 1.5 with 64x32 warps (the
// emulation's profile group counts shared-memory wavefronts per mma: f16 at
// 64x32 warps left shared memory, not the tensor cores, the bound on sm_90).
// BIG with fp32 operands needs 108 KB: it does not fit sm_86/sm_89 (99 KB per
// block); the heuristic only picks it where the device allows (plan time) and
// its body is a trap stub there. BIG exists for TF32 and F16 math only
// (has_big_tile: 3xTF32 / FP16-on-f32 exceed 128 registers at 64x32 warp tiles).
// Occupancy targets (scripts/check-kernels.sh enforces them per arch, with 0
// spills / 0 stack): blocks/SM >= __launch_bounds__ min blocks (MIN_BLOCKS,
// i.e. the register cap 65536 / (threads * MIN_BLOCKS)) wherever the shared
// memory holds that many blocks, else as many as it holds. sm_90 (ptxas):
// BIG tf32/f16 2, WIDE f16 3, MED 3 (f32 operands) / 4 (f16), SMALL >= 7,
// SIMT 3; the split-K reduction, transforms and direct kernels are not
// shared-memory bound (direct strip: 4 blocks of 128 threads, <= 128 regs).
#ifndef FASTCONV_CUDA_KERNELS_TILE_CONFIG_CUH
#define FASTCONV_CUDA_KERNELS_TILE_CONFIG_CUH

#include <stddef.h>

namespace fc {
namespace cuda {

enum TileKind {
    TILE_BIG = 0, TILE_MED = 1, TILE_SMALL = 2, TILE_SIMT = 3, TILE_WIDE = 4, TILE_HALO = 5, TILE_HALO16 = 6,
    TILE_WGMMA = 7, TILE_WGMMA_N64 = 8,  // sm_90a wgmma_conv_kernel (f16; TF32), forced only (not GPU-verified yet)
    TILE_HALO16_WGMMA = 9,               // sm_90a tc_halo_kernel (TH 16) with the wgmma step, forced only
    TILE_WGMMA_WS = 10, TILE_WGMMA_WS_N64 = 11,  // sm_90a wgmma_ws_conv_kernel (warp-specialized), forced only
    TILE_WGMMA_WS_M256 = 12,                     // ... its 256 x 128 tile (f16)
    TILE_WGMMA_TMA = 13, TILE_WGMMA_TMA_N64 = 14,  // sm_90a wgmma_tma_conv_kernel (TMA loads; f16), forced only
    TILE_WGMMA_TMA_M256 = 15
};
// The TMA kernel's tiles (implicit_gemm_wgmma_tma.cuh): the warp-specialized kernel's tile shapes and rings.
constexpr bool is_wgmma_tma_tile(int tile) {
    return tile == TILE_WGMMA_TMA || tile == TILE_WGMMA_TMA_N64 || tile == TILE_WGMMA_TMA_M256;
}
// The warp-specialized tile of the same shape (TILE_WGMMA_TMA* -> TILE_WGMMA_WS*; any other: itself): tile
// geometry and shared memory, and the kernel a TMA choice falls back to where TMA cannot take the problem.
constexpr int tma_ws_twin(int tile) {
    return tile == TILE_WGMMA_TMA       ? TILE_WGMMA_WS
           : tile == TILE_WGMMA_TMA_N64  ? TILE_WGMMA_WS_N64
           : tile == TILE_WGMMA_TMA_M256 ? TILE_WGMMA_WS_M256
                                         : tile;
}
// The sm_90a kernels' tiles (tc_wgmma.cu): launched only on compute capability 9.0 with the sm_90a image.
constexpr bool is_wgmma_tile(int tile) {
    return tile == TILE_WGMMA || tile == TILE_WGMMA_N64 || tile == TILE_HALO16_WGMMA || tile == TILE_WGMMA_WS ||
           tile == TILE_WGMMA_WS_N64 || tile == TILE_WGMMA_WS_M256 || is_wgmma_tma_tile(tile);
}
// ... of them, the warp-specialized kernel's (wgmma_ws_conv_kernel).
constexpr bool is_wgmma_ws_tile(int tile) {
    return tile == TILE_WGMMA_WS || tile == TILE_WGMMA_WS_N64 || tile == TILE_WGMMA_WS_M256;
}
enum MathKind {
    MATH_TF32 = 0,      // f32 tensors, tf32 m16n8k8
    MATH_F16_F32IO = 1, // f32 tensors, FP16 precision: fp16 m16n8k16 (converted smem -> registers)
    MATH_3XTF32 = 2,    // f32 tensors, 3 x tf32 m16n8k8 (big/small split)
    MATH_F16 = 3,       // f16 tensors (any precision): fp16 m16n8k16
    MATH_SIMT = 4       // f32 tensors, FP32 precision: FFMA
};

// Shared-memory cap of direct_strip_kernel's filter slice [Kgemm][KB] fp32
// (heuristic.h: larger slices run the generic direct kernel).
constexpr int kDirectStripMaxWsBytes = 32 * 1024;
enum DirectStore { STORE_ELEM = 0, STORE_VEC4 = 1, STORE_STAGED = 2 };

// direct_tile_kernel (direct_tile.cuh) geometry: 128 threads = 4 warps; a
// block tile is kDirectTileTH x kDirectTileTW output pixels x kDirectTileKB
// output channels; lane = output column, warp w = output rows [w*VH, w*VH+VH).
constexpr int kDirectTileThreads = 128;
constexpr int kDirectTileTW = 32;
constexpr int kDirectTileVH = 4;
constexpr int kDirectTileTH = (kDirectTileThreads / 32) * kDirectTileVH;  // 16
constexpr int kDirectTileKB = 16;
constexpr int kDirectTileMinBlocks = 4;  // __launch_bounds__ min blocks/SM (<= 128 registers)
// Elements of a staged input row (the halo tile) that hold data: (TW + S - 1) pixels x (NHWC: Cg
// interleaved channels), preceded by up to VE - 1 alignment elements (VE = 16 B / element), rounded up
// to whole 16-byte chunks.
constexpr int direct_tile_used_pitch(int elem_bytes, int cg, int s, bool nhwc) {
    return (((kDirectTileTW + s - 1) * (nhwc ? cg : 1) + 16 / elem_bytes - 1) + 16 / elem_bytes - 1) /
           (16 / elem_bytes) * (16 / elem_bytes);
}
// Row pitch of the staged halo tile: the used elements, plus one 16-byte chunk for the tensor-core
// step on f32 tensors (staged as zeros, no global read; never read). That step's A gathers
// read four taps (c, r, s) per instruction, rows a pitch apart, each 8 lanes wide: with 40 or 108 floats
// per row (8 / 12 banks mod 32) the taps' windows share banks. The emulation's bank model over the
// direct group's tf32 gathers: 1.70 wavefronts per instruction with the used pitch, 1.16 with the extra
// chunk (f32 tensors at FP16 precision: 1.99 -> 1.44); no row padding helps the f16 rows in that model.
constexpr int direct_tile_pitch(int elem_bytes, int cg, int s, bool nhwc, bool mma = false) {
    return direct_tile_used_pitch(elem_bytes, cg, s, nhwc) + (mma && elem_bytes == 4 ? 4 : 0);
}
// Elements between an NCHW halo tile's channel planes beyond its rows: 64 bytes for the tensor-core
// step with 2-3 channels, whose taps of different channels met on the same banks (bank model over the
// direct group: f16 gathers 1.45 -> 1.29 wavefronts per instruction, tf32 1.16 -> 1.06 on top of the
// row padding). Staged as zeros with the rows (a warp's copies stay consecutive chunks), never read.
constexpr int direct_tile_plane_pad(int elem_bytes, int cg, bool nhwc, bool mma) {
    return mma && !nhwc && cg > 1 ? 64 / elem_bytes : 0;
}
// Per-launch arguments of direct_tile_kernel (host: direct_tile_args, heuristic.h).
struct DirectTileArgs {
    int tiles_q, tiles_p, ntiles;  // tiles along Q, along P; N * tiles_p * tiles_q
    int shift;    // staged row element of the tile origin column (q0 - pw) * ew, in [0, VE)
    int vec_in;   // 1: 16-byte cp.async rows (x and its row pitch 16-byte aligned); 0: per element
    int vec_out;  // NHWC: 1 = 16-byte vector stores of a pixel's KB channels (K % VE == 0, y aligned)
};
// Tensor-core compute step (direct_tile_mma.cuh): every halo-tile buffer is
// followed by a zero strip that the padding k of the m16n8 fragments read (a
// pad tap's base + the largest fragment offset: VH-1 rows + 24 pixels).
constexpr int direct_tile_zero_elems(int elem_bytes, int cg, int s, bool nhwc, bool mma) {
    return mma ? ((kDirectTileVH - 1) * direct_tile_pitch(elem_bytes, cg, s, nhwc, mma) + 24 * (nhwc ? cg : 1) + 1 +
                  16 / elem_bytes - 1) /
                     (16 / elem_bytes) * (16 / elem_bytes)
               : 0;
}
// Bytes per lane of the per-warp output stage: NHWC rows [32][KB] of
// the element for the FFMA step's epilogue (the tensor-core step stores
// straight from its C fragments).
constexpr int direct_tile_stage_lane_bytes(int elem_bytes, bool nhwc, bool mma) {
    return nhwc && !mma ? kDirectTileKB * elem_bytes : 0;  // a pixel's KB outputs, unpadded (pixel_stage_at)
}
// mma: B fragment table [k-steps][32 lanes][4 x u32] (one LDS.128 per lane
// and k-step), sized for the tf32 k-steps (ceil(Kgemm / 8); f16 uses half).
constexpr int direct_tile_bfrag_bytes(int cg, int r, int s, bool mma) { return mma ? (cg * r * s + 7) / 8 * 512 : 0; }
// Dynamic shared memory: filter slice [Cg*R*S][KB] fp32 + bias [KB] fp32 +
// (mma: the B fragment table) + two halo-tile buffers [planes][TH + R - 1][pitch]
// of the tensor's element (mma: each followed by its zero strip) + the
// per-warp NHWC output stage (FFMA step).
constexpr size_t direct_tile_smem_bytes(int elem_bytes, int cg, int r, int s, bool nhwc, bool mma = false) {
    return (size_t)(cg * r * s + 1) * kDirectTileKB * 4 + (size_t)direct_tile_bfrag_bytes(cg, r, s, mma) +
           (size_t)2 *
               ((size_t)(nhwc ? 1 : cg) * ((kDirectTileTH + r - 1) * direct_tile_pitch(elem_bytes, cg, s, nhwc, mma) +
                                             direct_tile_plane_pad(elem_bytes, cg, nhwc, mma)) +
                direct_tile_zero_elems(elem_bytes, cg, s, nhwc, mma)) *
               elem_bytes +
           (size_t)kDirectTileThreads * direct_tile_stage_lane_bytes(elem_bytes, nhwc, mma);
}

// Input rounding of the direct kernel (RoundMode) and unfold output layouts.
enum RoundMode { ROUND_NONE = 0, ROUND_TF32 = 1, ROUND_F16 = 2 };
enum UnfoldMode { UNFOLD_PUBLIC = 0, UNFOLD_WORKSPACE = 1 };
// Whether direct_tile_kernel's tensor-core step (direct_tile_mma.cuh) serves (elem_bytes, round_mode):
// every f16 problem (exact fp16 products) and the f32 ones whose precision rounds the inputs (TF32 / FP16);
// FP32 (and 3XTF32, which the direct kernels compute exactly) keep the FFMA step.
constexpr bool direct_tile_mma_ok(int elem_bytes, int round_mode) {
    return elem_bytes == 2 || round_mode == ROUND_TF32 || round_mode == ROUND_F16;
}

// Row layout of the tensor-core kernels' shared tiles: rows of BK elements, k
// contiguous, 16-byte chunks. A loader phase (8 lanes x 16 B) and an ldmatrix
// phase (8 row addresses) must each touch 8 distinct 16-byte bank groups:
//  * 128-byte rows (fp32, BK 32): 16 bytes of padding (pitch 144 B). A loader
//    phase is one row; ldmatrix rows fall in 8 distinct groups.
//  * 64-byte rows (fp16 BK 32; the halo kernel's 64-byte channel chunks, fp16
//    and fp32): no padding, and chunk c of row r is stored at chunk
//    c ^ ((r >> 1) & 3) (smem_at, common.cuh). Any 8 consecutive rows then hold
//    a given chunk in 8 distinct groups (ldmatrix, from any first row), and a
//    loader phase (rows 2j, 2j+1 x 4 chunks) too. Padding cannot do both: at
//    the old 80-byte pitch every loader store was 2-way conflicted.
// kSw128 (the sm_90a wgmma kernels' fp32 tiles): 128-byte rows unpadded, chunk c of row r stored at
// c ^ (r & 7) -- wgmma's K-major "128B swizzle" layout (8-row x 128-byte atoms); any 8 consecutive
// rows hold a chunk in 8 distinct bank groups and a loader phase (one row's 8 chunks) too.
template <int ES, int BK, bool kSw128 = false>
struct SmemRows {
    static constexpr int kVec = 16 / ES;                  // elements per 16-byte chunk
    static constexpr bool kSwizzle = BK * ES == 64;       // 4 chunks per row
    static constexpr int LD = kSwizzle || kSw128 ? BK : BK + kVec;  // row pitch (elements)
    static_assert(BK * ES == 64 || BK * ES == 128, "tile rows of 4 or 8 16-byte chunks");
    static_assert(!kSw128 || BK * ES == 128, "the 128-byte swizzle is for 128-byte rows");
};

template <int BM_, int BN_, int BK_, int WARPS_M_, int WARPS_N_, int STAGES_, int MIN_BLOCKS_, int ELEM_BYTES_>
struct TileConfig {
    static constexpr int BM = BM_, BN = BN_, BK = BK_;
    static constexpr int kWarpsM = WARPS_M_, kWarpsN = WARPS_N_;
    static constexpr int kThreads = 32 * WARPS_M_ * WARPS_N_;
    static constexpr int kStages = STAGES_;
    static constexpr int kMinBlocks = MIN_BLOCKS_;
    static constexpr int WM = BM / WARPS_M_, WN = BN / WARPS_N_;
    static constexpr int MI = WM / 16, NI = WN / 8;
    static constexpr int kElemBytes = ELEM_BYTES_;
    static constexpr int LD = SmemRows<ELEM_BYTES_, BK_>::LD;  // row pitch in elements
    static constexpr int kStageElems = (BM + BN) * LD;
    static constexpr size_t kSmemBytes = (size_t)kStages * kStageElems * ELEM_BYTES_;
    static_assert(BK % 16 == 0, "BK must be a multiple of 16");
    static_assert(WM % 16 == 0 && WN % 16 == 0, "warp tile must be a multiple of 16x16");
};

// tc_halo_kernel (implicit_gemm_halo.cuh; f16 tensors: MATH_F16, f32 tensors:
// MATH_TF32): a block = TH x TW output pixels (BM = TH * 16 GEMM rows) x BN =
// 64 channels, TH / 4 warps of 64 x 64 (4 output rows x 16 pixels x 64
// channels: one ldmatrix wavefront per mma.sync; 64 x 32 warps needed 1.5,
// which left the kernel bound by shared memory before its tensor cores on
// sm_90 -- the emulation's profile group counts it),
// BK = 64 bytes of channels per step (32 f16 / 16 f32); A = one halo tile
// [(TH+2) x (TW+2) pixels][BK] per channel chunk (2 buffers), B through a
// 4-stage ring [64][BK], both as SmemRows (64-byte rows, swizzled).
//  TILE_HALO:   TH = 8,  2 warps, 39 KB (f16 and tf32)
//  TILE_HALO16: TH = 16, 4 warps, 57 KB (f16): the same weights serve twice
//               the pixels, so the B (weight) bytes per FLOP halve — with
//               the halo, B is ~3/4 of the kernel's L2 -> SM traffic.
template <int ElemBytes, int TH_ = 8>
struct HaloConfigT {
    static constexpr int TH = TH_, TW = 16, R = 3, S = 3;
    static constexpr int HH = TH + R - 1, HW = TW + S - 1, HALO_PIX = HH * HW;
    static constexpr int BM = TH * TW, BN = 64, BK = 64 / ElemBytes;
    static constexpr int kWarpsM = TH / 4, kWarpsN = 1, kThreads = 32 * kWarpsM * kWarpsN;
    static constexpr int kStages = 4, kMinBlocks = TH == 8 ? 4 : 2;  // <= 255 registers (128 accumulators)
    static constexpr int WM = BM / kWarpsM, WN = BN / kWarpsN, MI = WM / 16, NI = WN / 8;
    static constexpr int kElemBytes = ElemBytes, LD = SmemRows<ElemBytes, BK>::LD;
    static constexpr int kHaloElems = HALO_PIX * LD, kBStageElems = BN * LD;
    static constexpr size_t kSmemBytes = (size_t)(2 * kHaloElems + kStages * kBStageElems) * ElemBytes;
    // the wgmma variant (f16): its B stages are 64-byte-swizzle operands, so it starts the buffers at the
    // first 512-byte atom boundary of the shared window (align_smem) and launches with that much slack
    static constexpr int kWgmmaAlign = 512;
    static constexpr size_t kSmemBytesWgmma = kSmemBytes + kWgmmaAlign;
    static_assert(MI == TH / kWarpsM && WM % TW == 0 && TW == 16, "an m16 tile is one output row of a warp");
};
typedef HaloConfigT<2> HaloConfig;  // the shared geometry (TW, R, S, BN)
constexpr int halo_th(int tile) { return tile == TILE_HALO16 || tile == TILE_HALO16_WGMMA ? 16 : 8; }

// Tile shape for (kind, operand element bytes). SIMT only exists for fp32.
template <int Kind, int ElemBytes> struct TileFor;
template <> struct TileFor<TILE_BIG, 4> { typedef TileConfig<128, 128, 32, 2, 4, 3, 2, 4> type; };
template <> struct TileFor<TILE_BIG, 2> { typedef TileConfig<128, 128, 32, 2, 2, 4, 2, 2> type; };
template <> struct TileFor<TILE_MED, 4> { typedef TileConfig<64, 64, 32, 2, 2, 4, 2, 4> type; };
template <> struct TileFor<TILE_MED, 2> { typedef TileConfig<64, 64, 32, 2, 2, 4, 2, 2> type; };
template <> struct TileFor<TILE_SMALL, 4> { typedef TileConfig<32, 32, 32, 2, 2, 3, 2, 4> type; };
template <> struct TileFor<TILE_SMALL, 2> { typedef TileConfig<32, 32, 32, 2, 2, 4, 2, 2> type; };
// WIDE (fp16 tensors only): 128 x 64 for K/g <= 64 layers (BIG would waste half
// its columns), 4 warps of 64x32 (6 ldmatrix.x4 per 16 MMAs instead of MED's 4
// per 8; f16 BIG's 64x64 warps: 8 per 32), 4 stages = 48 KB, min 4 blocks ->
// <= 128 regs.
template <> struct TileFor<TILE_WIDE, 2> { typedef TileConfig<128, 64, 32, 2, 2, 4, 4, 2> type; };
template <> struct TileFor<TILE_SIMT, 4> { typedef TileConfig<64, 64, 32, 2, 2, 3, 2, 4> type; };
// WGMMA (wgmma_conv_kernel, implicit_gemm_wgmma.cuh; sm_90a; f16 tensors, and f32 tensors with TF32
// precision): 128 x BN, two warpgroups of m64 x BN (8 warps "8 x 1": warp w owns rows 16w..16w+15 of the
// accumulators, wgmma's fragment layout), BK 32 in a STAGES ring, prefetch distance STAGES - 2 (two
// slices loading, one computing, one a wgmma may still read); tiles unpadded: f16 rows of 64 bytes
// (SmemRows' swizzle = wgmma's 64-byte swizzle), fp32 rows of 128 bytes with kSw128 (wgmma's 128-byte
// swizzle). f16: 5 stages, 80 KB (BN 128, min 2 blocks/SM, <= 128 registers: 64 accumulators, no
// operand fragments; ptxas 124) / 60 KB (BN 64, min 3 blocks, <= 80 registers; ptxas 76, 0 spills);
// tf32: 4 stages, 128 KB (BN 128, 1 block/SM) / 96 KB (BN 64, 2 blocks/SM).
// BM_ = 256 (the warp-specialized kernel only): each warpgroup owns two m64 row blocks (rows 128 wg + 64 mi
// + 16 (warp % 4) of the tile: MI = 2, 64 rows apart).
// BK_ = 64 (f16, wgmma_tma_conv_kernel only: its TMA64 form): 128-byte rows of 64 f16 under the 128-byte swizzle.
template <int BN_, int ES, int STAGES_, int MIN_BLOCKS_, int BM_ = 128, int BK_ = 32>
struct WgmmaTileConfig {
    static constexpr int BM = BM_, BN = BN_, BK = BK_;
    static_assert(BK_ == 32 || (BK_ == 64 && ES == 2), "32-element rows, or 64-element f16 rows");
    static constexpr int kWarpGroups = BM_ == 192 ? 3 : 2;  // consumer warpgroups (192: the TMA kernel's 3 x m64)
    static constexpr int kWarpsM = 4 * kWarpGroups, kWarpsN = 1, kThreads = 128 * kWarpGroups;
    static constexpr int kStages = STAGES_, kMinBlocks = MIN_BLOCKS_;
    static constexpr int WM = 16, WN = BN, MI = BM_ / (64 * kWarpGroups), NI = BN / 8;
    static_assert(BM_ == 128 || BM_ == 256 || (BM_ == 192 && BK_ * ES == 128),
                  "one or two m64 row blocks per warpgroup (192 rows: the TMA kernel's three warpgroups, 128-byte rows)");
    static constexpr int kElemBytes = ES;
    static constexpr bool kSw128 = BK_ * ES == 128;              // fp32 / f16 BK 64: 128-byte rows, 128-byte swizzle
    static constexpr int LD = SmemRows<ES, BK, kSw128>::LD;      // = BK: unpadded
    static constexpr int kAtomBytes = 8 * BK * ES;               // swizzle atom: 8 rows
    static constexpr int kStageElems = (BM + BN) * LD;
    // the stage ring + one atom of slack: the kernel starts the ring at the first atom boundary of the
    // shared window (align_smem), wherever the dynamic shared memory begins
    static constexpr size_t kSmemBytes = (size_t)kStages * kStageElems * ES + kAtomBytes;
    static_assert(LD == BK, "wgmma reads unpadded (swizzled) rows");
    static constexpr bool kOperandsRounded = false;  // TmaRounded: f32 operands arrive rounded to tf32
};
// A TF32 config of the TMA kernel (implicit_gemm_wgmma_tma.cuh) whose operands arrive rounded to tf32 -- the NCHW ->
// NHWC transform applied cvt.rna (cuda_backend.cu, tf32_round_in_transform) -- so the kernel needs no rounding
// warpgroup: the tensor cores' truncation of a rounded value is exact.
template <class Cfg>
struct TmaRounded : Cfg {
    static_assert(Cfg::kElemBytes == 4, "TF32 configs only");
    static constexpr bool kOperandsRounded = true;
};
template <> struct TileFor<TILE_WGMMA, 2> { typedef WgmmaTileConfig<128, 2, 5, 2> type; };
template <> struct TileFor<TILE_WGMMA_N64, 2> { typedef WgmmaTileConfig<64, 2, 5, 3> type; };
template <> struct TileFor<TILE_WGMMA, 4> { typedef WgmmaTileConfig<128, 4, 4, 1> type; };
template <> struct TileFor<TILE_WGMMA_N64, 4> { typedef WgmmaTileConfig<64, 4, 4, 2> type; };
// WGMMA_WS (wgmma_ws_conv_kernel, implicit_gemm_wgmma_ws.cuh): the same tiles, kThreads = the 256
// consumer threads (+ a 128-thread producer warpgroup at launch), deeper rings since the producer runs
// LAG = STAGES - 2 slices ahead: f16 8 stages = 128 KB (BN 128, 1 block/SM) / 96 KB (BN 64, 2 blocks/SM:
// <= 80 registers), tf32 6 stages = 192 KB / 144 KB (1 block/SM).
template <> struct TileFor<TILE_WGMMA_WS, 2> { typedef WgmmaTileConfig<128, 2, 8, 1> type; };
template <> struct TileFor<TILE_WGMMA_WS_N64, 2> { typedef WgmmaTileConfig<64, 2, 8, 2> type; };
template <> struct TileFor<TILE_WGMMA_WS, 4> { typedef WgmmaTileConfig<128, 4, 6, 1> type; };
template <> struct TileFor<TILE_WGMMA_WS_N64, 4> { typedef WgmmaTileConfig<64, 4, 6, 1> type; };
// WGMMA_WS_M256 (f16): 256 x 128, each consumer warpgroup two m64 row blocks (128 accumulators per thread),
// 6 stages x 24 KB = 144 KB, 1 block/SM: 85 FLOP per byte of slice instead of 128 x 128's 64 -- at ~70 % of
// an H100/H200's dense f16 peak a 128 x 128 tile would need ~10.8 TB/s of L2 -> SM traffic, 256 x 128 ~8.1
// (device_ceiling's l2_read measures what the L2 gives).
template <> struct TileFor<TILE_WGMMA_WS_M256, 2> { typedef WgmmaTileConfig<128, 2, 6, 1, 256> type; };
// WGMMA_TMA (wgmma_tma_conv_kernel, implicit_gemm_wgmma_tma.cuh; f16): the warp-specialized tiles and rings
// (the producer is one warp issuing TMA loads instead of a gathering warpgroup).
template <> struct TileFor<TILE_WGMMA_TMA, 2> : TileFor<TILE_WGMMA_WS, 2> {};
template <> struct TileFor<TILE_WGMMA_TMA_N64, 2> : TileFor<TILE_WGMMA_WS_N64, 2> {};
template <> struct TileFor<TILE_WGMMA_TMA_M256, 2> : TileFor<TILE_WGMMA_WS_M256, 2> {};
// ... their TMA64 form (C % 64 == 0): BK 64 slices of 128-byte rows (TMA SWIZZLE_128B boxes of 64 channels),
// half the mbarrier hand-offs and wgmma waits per FLOP of the BK 32 form, rings of about the same bytes:
// 128 x 128 6 x 32 KB, 128 x 64 4 x 24 KB (2 blocks per SM), 256 x 128 4 x 48 KB.
template <int Kind> struct Tma64For;
template <> struct Tma64For<TILE_WGMMA_TMA> { typedef WgmmaTileConfig<128, 2, 6, 1, 128, 64> type; };
template <> struct Tma64For<TILE_WGMMA_TMA_N64> { typedef WgmmaTileConfig<64, 2, 4, 2, 128, 64> type; };
template <> struct Tma64For<TILE_WGMMA_TMA_M256> { typedef WgmmaTileConfig<128, 2, 4, 1, 256, 64> type; };
// ... its 192-row form for TILE_WGMMA_TMA (tc_wgmma.cu: where fewer, taller tiles fill the SMs in fewer waves,
// tma_m192_better): three consumer warpgroups of one m64 block, 5 x 40 KB.
typedef WgmmaTileConfig<128, 2, 5, 1, 192, 64> Tma64M192;
// TF32 (f32 tensors): BK 32 fp32 = the same 128-byte rows under the 128-byte swizzle as the TMA64 form, so one form
// per tile -- 128 x 128 6 x 32 KB and 128 x 64 6 x 24 KB (the warp-specialized kernel's tf32 rings; the block adds a
// rounding warpgroup: 416 threads, 1 block per SM), the 192-row form 5 x 40 KB (544 threads). No 256-row tf32 tile
// (ws_tile picks it for f16 only).
template <> struct TileFor<TILE_WGMMA_TMA, 4> : TileFor<TILE_WGMMA_WS, 4> {};
template <> struct TileFor<TILE_WGMMA_TMA_N64, 4> : TileFor<TILE_WGMMA_WS_N64, 4> {};
typedef WgmmaTileConfig<128, 4, 5, 1, 192, 32> TmaTf32M192;
// ... and its persistent form (FASTCONV_CUDA_TMA_PERSISTENT=1; one block per SM walking the tiles, its own
// epilogue stage after the ring, so one stage fewer: 5 x 32 KB / 6 x 24 KB / 3 x 48 KB + 37 / 19 / 71 KB).
template <int Kind> struct TmaPersistFor;
template <> struct TmaPersistFor<TILE_WGMMA_TMA> { typedef WgmmaTileConfig<128, 2, 5, 1, 128, 64> type; };
template <> struct TmaPersistFor<TILE_WGMMA_TMA_N64> { typedef WgmmaTileConfig<64, 2, 6, 1, 128, 64> type; };
template <> struct TmaPersistFor<TILE_WGMMA_TMA_M256> { typedef WgmmaTileConfig<128, 2, 3, 1, 256, 64> type; };

}  // namespace cuda
}  // namespace fc
#endif
