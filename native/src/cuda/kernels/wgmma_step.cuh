// wgmma_step.cuh — the warpgroup MMA steps of the sm_90a kernels (implicit_gemm_wgmma.cuh,
// implicit_gemm_halo.cuh's wgmma variant): for one BK = 32 slice in shared memory, each warpgroup (4 warps)
// issues asynchronous wgmma.mma_async -- m64nBNk16 f16 x f16 -> fp32 (BK / 16 of them), or m64nBNk8
// tf32 (BK / 8) -- that read both operands straight from shared memory through matrix descriptors: no
// ldmatrix, no operand registers; the registers hold only the accumulators, and the tensor cores run
// while the warps go on issuing loads.
//
// Operand layouts: the f16 tiles are exactly the mma.sync kernels' SmemRows tiles (64-byte rows of 32
// f16, 16-byte chunk c of row r stored at chunk c ^ ((r >> 1) & 3)) -- which is the PTX ISA's K-major
// "64-byte swizzle" canonical layout: 8-row x 64-byte atoms of 512 bytes, consecutive atoms 512 bytes
// apart (stride byte offset), the swizzle applied to the absolute shared address bits [4,6) ^ [7,9).
// So the loaders, the stage ring and the layout checks are shared with the mma.sync kernels. The fp32
// tiles use SmemRows' kSw128 form instead of the mma.sync kernels' padded rows: 128-byte rows, chunk c
// of row r at c ^ (r & 7) = the "128-byte swizzle" (atoms of 1024 bytes, bits [4,7) ^ [7,10)). Tiles
// must start on atom boundaries of the absolute shared address (the kernels align their buffers with
// align_smem, launched with an atom of slack). A k step inside a row (32 bytes: k16
// f16 / k8 tf32) moves the descriptor's start address; the swizzle (a function of the address) follows.
#ifndef FASTCONV_CUDA_KERNELS_WGMMA_STEP_CUH
#define FASTCONV_CUDA_KERNELS_WGMMA_STEP_CUH

#include "cuda/kernels/common.cuh"

namespace fc {
namespace cuda {

// Matrix descriptor (PTX ISA "Matrix Descriptor Format") of a K-major f16 operand in the 64-byte
// swizzle layout whose row 0, element k0 is at p: start address >> 4 (bits 0-13), leading byte
// offset 16 B (bits 16-29; unused by swizzled K-major layouts), stride byte offset 512 B between
// 8-row atoms (bits 32-45), base offset 0 (bits 49-51), swizzle mode 2 = 64 bytes (bits 62-63).
__device__ __forceinline__ uint64_t wgmma_desc_sw64(const half_t* p) {
    const uint32_t a = smem_addr_(p);
    return (uint64_t)((a >> 4) & 0x3fffu) | ((uint64_t)(16 >> 4) << 16) | ((uint64_t)(512 >> 4) << 32) |
           ((uint64_t)2 << 62);
}

// The same for a K-major fp32 operand in the 128-byte swizzle layout (SmemRows<4, 32, true>: 128-byte rows,
// 8-row atoms of 1024 bytes, chunk c of row r at c ^ (r & 7)): stride byte offset 1024, mode 1 = 128 bytes.
// A tf32 k8 step is 32 bytes of the row: the start address moves by 32 bytes per step. The same for f16 in
// 128-byte rows of 64 (the TMA64 tiles): a k16 step is 32 bytes too.
__device__ __forceinline__ uint64_t wgmma_desc_sw128(const void* p) {
    const uint32_t a = smem_addr_(p);
    return (uint64_t)((a >> 4) & 0x3fffu) | ((uint64_t)(16 >> 4) << 16) | ((uint64_t)(1024 >> 4) << 32) |
           ((uint64_t)1 << 62);
}

// The same 128-byte-swizzled rows, but the operand may start at any row of an atom (+ 32-byte k steps) and its
// 8-row groups lie sbo bytes apart (whole atoms: a multiple of 1024): the WIDE halo form's taps
// (implicit_gemm_wgmma_halo_tma.cuh). The ISA's "matrix base offset" (bits 49-51) for a start that is not
// at a 1024-byte pattern boundary: (start >> 7) & 7.
__device__ __forceinline__ uint64_t wgmma_desc_sw128_rows(const void* p, uint32_t sbo) {
    const uint32_t a = smem_addr_(p);
    return (uint64_t)((a >> 4) & 0x3fffu) | ((uint64_t)(16 >> 4) << 16) | ((uint64_t)((sbo >> 4) & 0x3fffu) << 32) |
           ((uint64_t)((a >> 7) & 7u) << 49) | ((uint64_t)1 << 62);
}

// ... of a K-major f16 operand in the no-swizzle layout (mode 0) of 8-row x 16-byte core matrices: row i's
// 8 elements k .. k + 7 at p + (i / 8) sbo + (i % 8) 16 + (k / 8) lbo -- the halo form's planes
// (implicit_gemm_wgmma_halo_tma.cuh: lbo = the plane pitch, sbo = a halo row), valid from any 16-byte start,
// which is what lets a filter tap's shifted rows be read in place (wgmma_probe's core-matrix cases).
__device__ __forceinline__ uint64_t wgmma_desc_core(const void* p, uint32_t lbo, uint32_t sbo) {
    const uint32_t a = smem_addr_(p);
    return (uint64_t)((a >> 4) & 0x3fffu) | ((uint64_t)((lbo >> 4) & 0x3fffu) << 16) |
           ((uint64_t)((sbo >> 4) & 0x3fffu) << 32);
}

// This warpgroup's accumulators (per m64 row block mi: its warp's 16 rows x BN as m16n8 fragments) +=
// At[64 mi .. 64 mi + 63][BK] x Bt[BN][BK]^T. At: the warpgroup's first A row (Cfg::MI row blocks of 64,
// consecutive); Bt: the B tile; both Cfg's unpadded swizzled tiles (f16: 64-byte rows, k16 steps; fp32:
// 128-byte rows, tf32 k8 steps on values the caller rounded with cvt.rna). Issues and commits one wgmma
// group; the caller waits (wgmma_wait) before the stage is overwritten or acc is read.
template <class Cfg, class Elem>
__device__ __forceinline__ void warpgroup_mma_slice(const Elem* At, const Elem* Bt, float (&acc)[Cfg::MI][Cfg::NI][4]) {
    static_assert((Cfg::BK == 32 || (Cfg::BK == 64 && sizeof(Elem) == 2)) && Cfg::kElemBytes == (int)sizeof(Elem),
                  "rows of 32 elements, or f16 rows of 64 (128-byte swizzle)");
    wgmma_fence();  // the accumulators were last touched by other instructions (zeroing) or a wait
#pragma unroll
    for (int mi = 0; mi < Cfg::MI; ++mi) {
        const Elem* Am = At + mi * 64 * Cfg::LD;  // whole swizzle atoms (64 rows) further
        if constexpr (sizeof(Elem) == 2 && Cfg::kSw128) {
#pragma unroll
            for (int kk = 0; kk < Cfg::BK; kk += 16)
                wgmma_m64k16_f16<Cfg::BN>(acc[mi], wgmma_desc_sw128(Am + kk), wgmma_desc_sw128(Bt + kk));
        } else if constexpr (sizeof(Elem) == 2) {
#pragma unroll
            for (int kk = 0; kk < Cfg::BK; kk += 16)
                wgmma_m64k16_f16<Cfg::BN>(acc[mi], wgmma_desc_sw64(Am + kk), wgmma_desc_sw64(Bt + kk));
        } else {
#pragma unroll
            for (int kk = 0; kk < Cfg::BK; kk += 8)
                wgmma_m64k8_tf32<Cfg::BN>(acc[mi], wgmma_desc_sw128(Am + kk), wgmma_desc_sw128(Bt + kk));
        }
    }
    wgmma_commit();
}

// One 16-byte chunk of a tile rounded to tf32 in place (cvt.rna per element).
__device__ __forceinline__ void round_tf32_chunk(float4* c) {
    float4 v = lds(c);
    v.x = __uint_as_float(f32_to_tf32(v.x));
    v.y = __uint_as_float(f32_to_tf32(v.y));
    v.z = __uint_as_float(f32_to_tf32(v.z));
    v.w = __uint_as_float(f32_to_tf32(v.w));
    sts(c, v);
}

// TF32 rounding of a slice in place: the tensor cores would ignore the low 13 bits of each fp32 value
// (truncation), while TF32 precision means cvt.rna (what the mma.sync kernels apply per fragment). Each
// thread rounds the 16-byte chunks its own loader (ChunkMap Map) wrote, once its copies have landed.
template <class Map>
__device__ __forceinline__ void round_tf32_chunks(float* tile, int tid) {
    const int r0 = Map::row0(tid), kcs = Map::kcs(tid);
#pragma unroll
    for (int i = 0; i < Map::kIters; ++i)
        round_tf32_chunk(reinterpret_cast<float4*>(tile + (r0 + i * Map::kRowsPerPass) * Map::LD + kcs));
}

// The halo kernel's step with A from registers ("RS"): tc_halo_kernel's A rows are halo pixels whose
// m16 tiles start anywhere (a0 at run time, AMI rows apart), which no descriptor can describe, so each
// warp ldmatrix-loads its A fragments as mma_step.cuh does (the m16n8k16 A fragment is wgmma's A
// register fragment) and the warpgroup (the block's 4 warps) issues, per k16 and m16 tile mi, one
// m64n64k16 whose 64 rows are the 4 warps' tile mi: warp w's acc[mi] is exactly its rows of it. B (64
// channels) comes from the stage through a descriptor. All A fragments of the slice are loaded before
// the fence; the group is waited for before returning (wgmma_wait<0>): the A registers and the B stage
// are free again when the caller moves on (no register double-buffering needed).
template <class Cfg, int AMI>
__device__ __forceinline__ void warpgroup_mma_slice_rs(const half_t* At, int a0, const half_t* Bt,
                                                       float (&acc)[Cfg::MI][Cfg::NI][4], int lane) {
    constexpr int MI = Cfg::MI, BK = Cfg::BK;
    static_assert(Cfg::kThreads == 128 && Cfg::kWarpsN == 1 && Cfg::WN == 64 && Cfg::NI == 8 && BK == 32 &&
                      Cfg::kElemBytes == 2,
                  "one warpgroup, 64 channels (m64n64k16), 64-byte f16 rows");
    uint32_t a[BK / 16][MI][4];
#pragma unroll
    for (int ks = 0; ks < BK / 16; ++ks)
#pragma unroll
        for (int mi = 0; mi < MI; ++mi)
            ldmatrix_x4(a[ks][mi], At + smem_at<2, BK>(a0 + mi * AMI + (lane & 15), ks * 16 + (lane >> 4) * 8));
    wgmma_fence();
#pragma unroll
    for (int ks = 0; ks < BK / 16; ++ks) {
        const uint64_t db = wgmma_desc_sw64(Bt + ks * 16);
#pragma unroll
        for (int mi = 0; mi < MI; ++mi) wgmma_m64k16_f16_rs<64>(acc[mi], a[ks][mi], db);
    }
    wgmma_commit();
    wgmma_wait<0>();
}

}  // namespace cuda
}  // namespace fc
#endif
