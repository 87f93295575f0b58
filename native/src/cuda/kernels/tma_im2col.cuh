// tma_im2col.cuh — the TMA (Hopper tensor memory accelerator) view of an implicit-GEMM convolution: the
// tensor maps that describe x (im2col mode) and the weights (tiled mode), and the coordinates that load
// the A and B tiles of one BK slice. The im2col address iterator of wgmma_tma_conv_kernel
// (implicit_gemm_wgmma_tma.cuh), in the hardware's own terms: where ConvAIterator computes an address
// per 16-byte chunk per thread, the TMA unit walks the 128 pixels of a tile itself.
//
// GEMM view (conv_params.h, NHWC): row m = output pixel (n, p, q), column k = (r*S + s)*C + c. With
// C % BK == 0 a BK = 32 slice k0 .. k0 + 31 lies inside one filter tap (r, s) and one channel chunk c0:
// its A tile, rows m0 .. m0 + 127, is x[n][p*sh - ph + r*dh][q*sw - pw + s*dw][c0 .. c0 + 31] (zero in
// the padding) -- exactly what one im2col load returns:
//  * map: x as a 4-D tensor {C, W, H, N} (byte strides of W, H, N from ConvParams), box = 128 pixels
//    x 32 channels (64-byte rows, SWIZZLE_64B = the f16 wgmma tiles' layout), element strides
//    {1, sw, sh, 1}; bounding box corners {W, H} (index 0 is W: tma_probe's asymmetric-padding case on
//    an H200; cuda.h's comment lists them as {D, H, W}): lower {-pw, -ph}, upper chosen so the box
//    visits exactly Q x P positions: upper_w = (Q - 1)*sw - pw - (W - 1) (and so for H) -- any trailing
//    padding, symmetric or not, follows from Q;
//  * load: coordinates {c0, q0*sw - pw, p0*sh - ph, n0} for the tile's first pixel (n0, p0, q0) =
//    m0, offsets {s*dw, r*dh}; the walk wraps rows across q, p and images like the GEMM's m, and pixels
//    past the last image are zeros (the epilogue discards rows >= M).
// B (weights [K][Kgemm], row pitch Kgemm): a 2-D tiled map {Kgemm, K}, box {32, BN}, SWIZZLE_64B, loaded
// at {k0, n0}; rows >= K are zeros. The TMA64 form (C % 64 == 0): BK = 64, boxes of 64 channels / 64
// columns in 128-byte rows under SWIZZLE_128B (the wgmma 128-byte-swizzle layout).
// f32 tensors (TF32 precision: the kernel's rounding warpgroup applies cvt.rna to each landed stage): the same
// maps with 4-byte elements, BK = 32 channels = 128-byte rows under SWIZZLE_128B (C % 32 == 0).
// What TMA cannot express falls back to the cp.async kernels (tma_conv_unsupported says why): NCHW,
// groups, 3-D, C % 32 != 0, strides or pointers off 16 bytes, element strides > 8, corners outside
// [-128, 127].
#ifndef FASTCONV_CUDA_KERNELS_TMA_IM2COL_CUH
#define FASTCONV_CUDA_KERNELS_TMA_IM2COL_CUH

#include <stddef.h>
#include <stdint.h>

#include "cuda/conv_params.h"

#ifdef __CUDACC__
#define FC_TMA_HD __host__ __device__
#else
#define FC_TMA_HD  // g++: host code (the emulation's kernels included)
#endif

namespace fc {
namespace cuda {

constexpr int kTmaPixels = 128;  // rows of one im2col load (BM = 128 / 256 tiles: 1 / 2 loads; 192: 3 of 64)

// Bytes of the persistent TMA kernel's own epilogue stage of a bm x bn f16 tile (after its ring: the ring
// keeps filling with the next tile's slices while the consumers write this one out), whole KB.
constexpr size_t tma_epi_bytes(int bm, int bn) { return ((size_t)(bm + 8) * (bn + 8) * 2 + 1023) / 1024 * 1024; }
// The B-resident form's dynamic shared memory (wgmma_tma_bres_kernel, implicit_gemm_wgmma_tma_bres.cuh) for a
// problem of ktiles 64-channel slices: one 1024-byte atom of alignment slack, the A ring of kTmaBresStages
// 128 x 64 f16 stages, B (ktiles slices of 64 x 64 f16, at most kTmaBresMaxSlices: Kgemm <= 576), one 128 x 64
// epilogue stage per consumer warpgroup. Here so that the plan's shared-memory check (heuristic.h) counts it.
constexpr int kTmaBresStages = 6, kTmaBresMaxSlices = 9;
constexpr size_t tma_bres_smem_bytes(int ktiles) {
    return 1024 + (size_t)kTmaBresStages * 128 * 64 * 2 + (size_t)ktiles * 64 * 64 * 2 + 2 * tma_epi_bytes(128, 64);
}

struct TmaIm2colMap {  // the arguments of cuTensorMapEncodeIm2col (4-D), less the base address and data type
    uint64_t dims[4], strides[3];
    int lower[2], upper[2];
    uint32_t channels, pixels, estr[4];
};
struct TmaTiledMap {  // ... of cuTensorMapEncodeTiled (2-D)
    uint64_t dims[2], strides[1];
    uint32_t box[2], estr[2];
};

// Null if wgmma_tma_conv_kernel can run p with elements of es bytes (2: f16 tensors; 4: f32 tensors with TF32
// precision; x and w 16-byte aligned, checked at launch); else why not, for the fallback and the forced-kernel
// messages.
inline const char* tma_conv_unsupported(const ConvParams& p, int es = 2) {
    const int vec = 16 / es;  // elements per 16 bytes
    if (!p.chlast) return "NCHW input (TMA im2col needs channels last)";
    if (p.G != 1) return "grouped convolution";
    if (p.D != 1 || p.T != 1) return "3-D convolution";
    if (p.C % kGemmBK) return "C not a multiple of 32";
    if (p.xs_c != 1 || p.xs_w % vec || p.xs_h % vec || p.xs_n % vec) return "x strides not 16-byte multiples";
    if (p.Kgemm % vec) return "weight rows not 16-byte multiples";
    if (p.sh > 8 || p.sw > 8) return "stride > 8";
    const int up_w = (p.Q - 1) * p.sw - p.pw - (p.W - 1), up_h = (p.P - 1) * p.sh - p.ph - (p.H - 1);
    if (p.pw > 128 || p.ph > 128 || up_w < -128 || up_w > 127 || up_h < -128 || up_h > 127)
        return "padding outside the im2col corner range [-128, 127]";
    if (p.dw * (p.S - 1) > 127 || p.dh * (p.R - 1) > 127) return "dilated filter span > 127";
    return nullptr;
}

// x as the 4-D tensor {C, W, H, N} of both maps (im2col and the halo form's tiled one): sizes, byte strides
// (es: bytes per element).
inline void tma_x_dims(const ConvParams& p, uint64_t (&dims)[4], uint64_t (&strides)[3], int es = 2) {
    dims[0] = (uint64_t)p.C;
    dims[1] = (uint64_t)p.W;
    dims[2] = (uint64_t)p.H;
    dims[3] = (uint64_t)p.N;
    strides[0] = (uint64_t)p.xs_w * es;
    strides[1] = (uint64_t)p.xs_h * es;
    strides[2] = (uint64_t)p.xs_n * es;
}

// bk: channels per load = the kernel's BK (f16 32: 64-byte rows, SWIZZLE_64B; f16 64 / f32 32: 128-byte rows,
// SWIZZLE_128B); pixels: rows per load (the 192-row tiles: 64); es: bytes per element.
inline TmaIm2colMap tma_x_map(const ConvParams& p, int bk = kGemmBK, int pixels = kTmaPixels, int es = 2) {
    TmaIm2colMap m;
    tma_x_dims(p, m.dims, m.strides, es);
    m.lower[0] = -p.pw;
    m.lower[1] = -p.ph;
    m.upper[0] = (p.Q - 1) * p.sw - p.pw - (p.W - 1);
    m.upper[1] = (p.P - 1) * p.sh - p.ph - (p.H - 1);
    m.channels = (uint32_t)bk;
    m.pixels = (uint32_t)pixels;
    m.estr[0] = 1;
    m.estr[1] = (uint32_t)p.sw;
    m.estr[2] = (uint32_t)p.sh;
    m.estr[3] = 1;
    return m;
}

inline TmaTiledMap tma_w_map(const ConvParams& p, int bn, int bk = kGemmBK, int es = 2) {
    TmaTiledMap m;
    m.dims[0] = (uint64_t)p.Kgemm;
    m.dims[1] = (uint64_t)p.K;
    m.strides[0] = (uint64_t)p.Kgemm * es;
    m.box[0] = (uint32_t)bk;
    m.box[1] = (uint32_t)bn;
    m.estr[0] = m.estr[1] = 1;
    return m;
}

// The im2col load of GEMM rows m0 .. m0 + 127 at slice k0: coordinates {c, w, h, n} and offsets {w, h}.
FC_TMA_HD inline void tma_x_coords(const ConvParams& p, int m0, int k0, int (&c)[4], uint16_t (&off)[2]) {
    const int n0 = m0 / p.PQ, pq = m0 - n0 * p.PQ, p0 = pq / p.Q, q0 = pq - p0 * p.Q;
    const int tap = k0 / p.C, c0 = k0 - tap * p.C, r = tap / p.S, s = tap - r * p.S;
    c[0] = c0;
    c[1] = q0 * p.sw - p.pw;
    c[2] = p0 * p.sh - p.ph;
    c[3] = n0;
    off[0] = (uint16_t)(s * p.dw);
    off[1] = (uint16_t)(r * p.dh);
}

// The 192-row form of a 128 x 128 TMA64 tile (Tma64M192: three consumer warpgroups): taken where its taller
// tiles fill the device's SMs in fewer waves of blocks -- one block per SM either way, a 192-row tile ~1.5x the
// time of a 128-row one -- i.e. where ceil(units / SMs) x rows is smaller (ResNet-50 batch 32: 128@28 196 ->
// 131 tiles, 256@14 with 2 splits 196 -> 132, 512@7 with 3 splits 156 -> 108, on 132 SMs).
inline bool tma_m192_better(const ConvParams& p, int n_tiles, int splits, int sms) {
    if (sms <= 0) return false;
    const long long u128 = (long long)((p.M + 127) / 128) * n_tiles * splits;
    const long long u192 = (long long)((p.M + 191) / 192) * n_tiles * splits;
    return (u192 + sms - 1) / sms * 192 < (u128 + sms - 1) / sms * 128;
}

// ---- The halo form (wgmma_halo_tma_kernel, implicit_gemm_wgmma_halo_tma.cuh; stride 1) ----
// A block's GEMM rows are units of 8 x 8 output pixels (one m64 row block each: row 8 i + j = pixel
// (p0 + i, q0 + j)); per 64-channel slice each unit's A operand for all R x S taps is ONE halo of
// HH x HW = (8 + (R-1) dh) x (8 + (S-1) dw) input pixels, loaded as 8 planes of 8 channels by a 4-D tiled
// TMA box {8, HW, HH, 1} at {c, q0 - pw, p0 - ph, n} (zeros outside x = the padding): plane pixel (i, j) at
// byte (i HW + j) 16 -- wgmma's no-swizzle K-major layout, whose 8-row core matrices are 8 consecutive
// pixels of a halo row wherever they start, so tap (r, s) is the same planes read from (r dh HW + s dw)
// pixels on (stride byte offset HW 16 between a unit's pixel rows, leading byte offset = the plane pitch).
// The WIDE form (128-byte halo rows) loads the unit's 64 channels as ONE box {64, pitch, HH, 1} under the
// 128-byte swizzle: pixel (i, j) is the 128-byte row i pitch + j, its 16-byte chunk c at c ^ (row & 7) of the
// absolute address (the TMA64 tiles' layout). pitch = HW rounded up to 8 pixels (the box reads the extra
// columns; they are never multiplied), so a halo row is whole 1024-byte swizzle atoms: tap (r, s) is the
// swizzled K-major operand that starts (r dh pitch + s dw) rows into the unit -- a start inside an atom, which
// the descriptor's base offset field ((start >> 7) & 7, PTX ISA "Matrix Descriptor Format") describes, with
// the stride byte offset one halo row (pitch 128 bytes, whole atoms: row 8 i + j of the operand is then
// halo row (i + r dh) pitch + j + s dw whether the hardware takes the swizzle phase from the address or
// from the base offset).
struct TmaHaloGeom {
    int HH, HW;    // halo rows / columns (pixels) that the taps read
    int pitch;     // pixels per halo row in shared memory = the box's width (HW; WIDE: HW rounded up to 8)
    int plane;     // bytes per 8-channel plane in shared memory (HH HW 16 rounded up to the 128 a TMA
                   // destination needs; WIDE: unused, 0)
    int unit;      // bytes of one unit's halo per 64-channel slice: 8 planes, or WIDE HH pitch 128 (whole atoms)
    int ux, uy;    // units per image: ceil(Q / 8) across, ceil(P / 8) down
    int units;     // N ux uy
};
constexpr int kHaloUnitPix = 8;  // a unit is 8 x 8 output pixels

FC_TMA_HD inline TmaHaloGeom tma_halo_geom(const ConvParams& p, bool wide = false) {
    TmaHaloGeom g;
    g.HH = kHaloUnitPix + (p.R - 1) * p.dh;
    g.HW = kHaloUnitPix + (p.S - 1) * p.dw;
    g.pitch = wide ? (g.HW + 7) / 8 * 8 : g.HW;
    g.plane = wide ? 0 : (g.HH * g.HW * 16 + 127) / 128 * 128;
    g.unit = wide ? g.HH * g.pitch * 128 : 8 * g.plane;
    g.ux = (p.Q + kHaloUnitPix - 1) / kHaloUnitPix;
    g.uy = (p.P + kHaloUnitPix - 1) / kHaloUnitPix;
    g.units = p.N * g.ux * g.uy;
    return g;
}
// Shared memory of the halo form: the B ring (ring_bytes), the halo buffers of mu units -- two where there are
// two or more 64-channel slices (slice cs in buffer cs % 2), one where C = 64 (64@56: 80 KB less for the WIDE
// form's 256-row blocks, 40 KB for its 128-row ones, which then fit two per SM) -- and a 1024-byte atom of
// slack for the 128-byte-swizzle alignment (the ring's, and the WIDE halos' after it).
inline size_t tma_halo_smem_bytes(const ConvParams& p, size_t ring_bytes, int mu, bool wide = false) {
    const int buffers = p.C > 64 ? 2 : 1;
    return ring_bytes + (size_t)buffers * mu * tma_halo_geom(p, wide).unit + 1024;
}
// The halo form's dynamic shared memory limit: sm_90's 227 KB opt-in per block less 1 KB for the kernel's static
// mbarriers (cudaFuncSetAttribute refuses a dynamic size that leaves no room for them).
constexpr size_t kTmaHaloSmemMax = 226 * 1024;

// Null if the halo form (wide: its WIDE form) can run p with mu units per block and a ring of ring_bytes;
// else why not.
inline const char* tma_halo_unsupported(const ConvParams& p, size_t ring_bytes, int mu, bool wide = false) {
    if (const char* why = tma_conv_unsupported(p)) return why;
    if (p.sh != 1 || p.sw != 1) return "stride > 1 (a unit's 8 pixels must be consecutive input pixels)";
    if (p.C % 64) return "C not a multiple of 64";
    const TmaHaloGeom g = tma_halo_geom(p, wide);
    if (g.HH > 256 || g.pitch > 256) return "halo box over 256 pixels";
    if (tma_halo_smem_bytes(p, ring_bytes, mu, wide) > kTmaHaloSmemMax) return "halo buffers over the shared memory";
    return nullptr;
}
// The halo form's block height in units of 64 rows (tc_wgmma.cu HaloTmaPick; big_ring / small_ring: the 256- and
// 128-row configs' rings): 4 (256 rows) where their waves fill the SMs at least as well as 128-row blocks' would
// (one block per SM for either: a wave is num_sms blocks), else 2; 0 where neither config takes p. 256 rows read each
// B slice for twice the pixels (the profile's L2 floors at 28^2, WIDE: 86 % against 53 %), so where both fill alike
// -- 28^2 at batch 32: 128 blocks in one wave or 256 in two, 97 % of 132 SMs either way -- the larger block wins.
// force 4 / 2 (FASTCONV_CUDA_TMA_HALO_MU): that height wherever its config takes p, else 0.
inline int tma_halo_mu(const ConvParams& p, int num_sms, int bn, bool wide, size_t big_ring, size_t small_ring,
                       int force = 0) {
    const bool big_ok = !tma_halo_unsupported(p, big_ring, 4, wide);
    const bool small_ok = !tma_halo_unsupported(p, small_ring, 2, wide);
    if (force == 4 || force == 2) return (force == 4 ? big_ok : small_ok) ? force : 0;
    const int64_t units = tma_halo_geom(p, wide).units, ntiles = (p.Kg + bn - 1) / bn;
    const int64_t sms = num_sms > 0 ? num_sms : 1;
    auto fill = [&](int64_t mu) {  // blocks over the SM slots of their waves
        const int64_t blocks = (units + mu - 1) / mu * ntiles;
        return (double)blocks / (double)((blocks + sms - 1) / sms * sms);
    };
    if (big_ok && (!small_ok || fill(4) >= fill(2))) return 4;
    return small_ok ? 2 : 0;
}
struct TmaTiled4Map {  // ... of cuTensorMapEncodeTiled (f16, 4-D)
    uint64_t dims[4], strides[3];
    uint32_t box[4], estr[4];
};
// The x map's box: {8, HW, HH, 1} (no swizzle), WIDE {64, pitch, HH, 1} (the caller encodes the 128-byte swizzle).
inline TmaTiled4Map tma_halo_map(const ConvParams& p, bool wide = false) {
    const TmaHaloGeom g = tma_halo_geom(p, wide);
    TmaTiled4Map m;
    tma_x_dims(p, m.dims, m.strides);
    m.box[0] = wide ? 64 : 8;
    m.box[1] = (uint32_t)g.pitch;
    m.box[2] = (uint32_t)g.HH;
    m.box[3] = 1;
    m.estr[0] = m.estr[1] = m.estr[2] = m.estr[3] = 1;
    return m;
}
// The B-resident form's WIDE-halo variant (wgmma_tma_bres_halo_kernel, implicit_gemm_wgmma_tma_bres.cuh): the
// slack atom, kTmaBresHaloStages ring stages of two WIDE halo units (a 128-row tile), B (Kgemm / 64 slices of
// 64 x 64 f16) and the two epilogue stages -- 3 x 3, C = 64: 1 + 80 + 72 + 40 KB.
constexpr int kTmaBresHaloStages = 2;
inline size_t tma_bres_halo_smem_bytes(const ConvParams& p) {
    return 1024 + (size_t)kTmaBresHaloStages * 2 * tma_halo_geom(p, true).unit +
           (size_t)((p.Kgemm + 63) / 64) * 64 * 64 * 2 + 2 * tma_epi_bytes(128, 64);
}

// Unit u's image and first output pixel, and the coordinates {c, w, h, n} of its halo at channel c.
FC_TMA_HD inline void tma_halo_unit(const TmaHaloGeom& g, int u, int* n, int* p0, int* q0) {
    const int per = g.ux * g.uy, img = u / per, rem = u - img * per, ry = rem / g.ux;
    *n = img;
    *p0 = ry * kHaloUnitPix;
    *q0 = (rem - ry * g.ux) * kHaloUnitPix;
}
FC_TMA_HD inline void tma_halo_coords(const ConvParams& p, const TmaHaloGeom& g, int u, int c0, int (&c)[4]) {
    int n, p0, q0;
    tma_halo_unit(g, u, &n, &p0, &q0);
    c[0] = c0;
    c[1] = q0 - p.pw;
    c[2] = p0 - p.ph;
    c[3] = n;
}

}  // namespace cuda
}  // namespace fc
#endif
