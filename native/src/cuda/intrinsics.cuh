// intrinsics.cuh — the fc::cuda device intrinsics every fastconv kernel uses.
//
// Under nvcc they are inline PTX (sm_80+: cvt.rna.tf32, cp.async, ldmatrix,
// mma.sync). Under g++ (no __CUDACC__) this header only includes the host SIMT
// emulation (native/tests/simt/simt.h), which provides the same functions with
// the PTX ISA's semantics and per-lane fragment layouts, plus the CUDA language
// surface (threadIdx, __syncthreads, ...). Kernels include nothing else CUDA.
#ifndef FASTCONV_CUDA_INTRINSICS_CUH
#define FASTCONV_CUDA_INTRINSICS_CUH

#ifndef __CUDACC__
#include "simt/simt.h"
#define FC_SM90A_ONLY(...) __VA_ARGS__  // the emulation runs the sm_90a kernels (nvcc branch below)
#else
#include <cuda.h>  // CUtensorMap (a type only: the encode functions come through the runtime's driver entry points)
#include <stdint.h>

// Block's dynamic shared memory, typed.
#define FC_DYNAMIC_SHARED(type, name)                          \
    extern __shared__ __align__(16) unsigned char fc_dyn_smem_[]; \
    type* name = reinterpret_cast<type*>(fc_dyn_smem_)

namespace fc {
namespace cuda {

__device__ __forceinline__ uint32_t smem_addr_(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ uint32_t f32_to_tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}
__device__ __forceinline__ uint16_t f32_to_f16_bits(float x) {
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    return h;
}
__device__ __forceinline__ float f16_bits_to_f32(uint16_t h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(static_cast<unsigned short>(h)));
    return f;
}
// d = {hi -> bits 16..31, lo -> bits 0..15}: PTX puts operand a in the upper half.
__device__ __forceinline__ uint32_t pack_f16x2(float lo, float hi) {
    uint32_t r;
    asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

__device__ __forceinline__ void cp_async_ca_4(void* smem_dst, const void* gmem_src, int src_bytes) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(smem_addr_(smem_dst)), "l"(gmem_src),
                 "r"(src_bytes)
                 : "memory");
}
__device__ __forceinline__ void cp_async_ca_8(void* smem_dst, const void* gmem_src, int src_bytes) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;\n" ::"r"(smem_addr_(smem_dst)), "l"(gmem_src),
                 "r"(src_bytes)
                 : "memory");
}
__device__ __forceinline__ void cp_async_cg_16(void* smem_dst, const void* gmem_src, int src_bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_addr_(smem_dst)), "l"(gmem_src),
                 "r"(src_bytes)
                 : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

// Shared-memory loads / stores of fragments and stages: plain accesses here; under emulation the
// bank model scores them (native/tests/simt/smem_banks.h).
template <class T>
__device__ __forceinline__ T lds(const T* p) { return *p; }
template <class T>
__device__ __forceinline__ void sts(T* p, const T& v) { *p = v; }

__device__ __forceinline__ void ldmatrix_x1(uint32_t (&r)[1], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.shared.b16 {%0}, [%1];\n" : "=r"(r[0]) : "r"(smem_addr_(p)) : "memory");
}
__device__ __forceinline__ void ldmatrix_x2(uint32_t (&r)[2], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
                 : "=r"(r[0]), "=r"(r[1])
                 : "r"(smem_addr_(p))
                 : "memory");
}
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr_(p))
                 : "memory");
}
__device__ __forceinline__ void ldmatrix_x1_trans(uint32_t (&r)[1], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x1.trans.shared.b16 {%0}, [%1];\n"
                 : "=r"(r[0])
                 : "r"(smem_addr_(p))
                 : "memory");
}
__device__ __forceinline__ void ldmatrix_x2_trans(uint32_t (&r)[2], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x2.trans.shared.b16 {%0, %1}, [%2];\n"
                 : "=r"(r[0]), "=r"(r[1])
                 : "r"(smem_addr_(p))
                 : "memory");
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(smem_addr_(p))
                 : "memory");
}

__device__ __forceinline__ void mma_m16n8k8_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2],
                                                 const float (&c)[4]) {
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]),
          "f"(c[3]));
}
__device__ __forceinline__ void mma_m16n8k16_f16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2],
                                                 const float (&c)[4]) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%10, %11, %12, %13};\n"
        : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]),
          "f"(c[3]));
}

// ---- sm_90a warpgroup MMA (wgmma; implicit_gemm_wgmma.cuh) ----
// Only an arch-specific sm_90a compile has the instructions (__CUDA_ARCH_FEAT_SM90_ALL): elsewhere
// (sm_80..sm_90 SASS, compute_90 PTX) these bodies are traps and the backend never launches them.
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define FC_WGMMA_PTX 1
#else
#define FC_WGMMA_PTX 0
#endif
// The body of an sm_90a-only kernel: FC_SM90A_ONLY(body call) is the call in the sm_90a compile (and
// under the emulation) and a trap in every other device compile, which the backend never launches.
#if defined(__CUDA_ARCH__) && !FC_WGMMA_PTX
#define FC_SM90A_ONLY(...) __trap()
#else
#define FC_SM90A_ONLY(...) __VA_ARGS__
#endif
// Generic-proxy writes to shared memory (cp.async, st.shared) -> visible to the async proxy that
// wgmma reads through; each writer fences after its writes, then the block barrier.
__device__ __forceinline__ void fence_proxy_async_smem() {
#if FC_WGMMA_PTX
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
}
// mbarrier: a 64-bit barrier object in shared memory with a phase (the warp-specialized kernels'
// producer / consumer hand-offs). init: `count` arrivals complete a phase (one thread inits, then a
// block barrier publishes it); arrive: this thread's arrival (release: its prior writes -- the
// producer's landed and fenced stage -- are visible to whoever observes the phase complete); wait:
// returns once the phase of parity `parity` has completed (acquire), spinning on try_wait.
__device__ __forceinline__ void mbar_init(uint64_t* bar, unsigned count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(smem_addr_(bar)), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint64_t* bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(smem_addr_(bar)) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint64_t* bar, unsigned parity) {
    uint32_t done = 0;
    do {
#if __CUDA_ARCH__ >= 900
        asm volatile(
            "{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
            : "=r"(done)
            : "r"(smem_addr_(bar)), "r"(parity)
            : "memory");
#else
        asm volatile(
            "{\n .reg .pred p;\n mbarrier.test_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
            : "=r"(done)
            : "r"(smem_addr_(bar)), "r"(parity)
            : "memory");
#endif
    } while (!done);
}
// TMA (cp.async.bulk.tensor, sm_90; tma_im2col.cuh): the tensor map is the driver's CUtensorMap, passed
// to the kernel as a __grid_constant__ parameter (its address is then a generic address of the param
// space, which the bulk-tensor instructions accept). The load's bytes complete on an mbarrier: the
// issuing thread announces them first (mbar_arrive_expect_tx = arrive + transaction count), the
// consumers wait for the phase as for any arrival. fence_mbarrier_init: barrier inits visible to the
// async proxy (the TMA unit) before the first load signals one.
typedef CUtensorMap TmaDesc;
__device__ __forceinline__ void fence_mbarrier_init() {
#if FC_WGMMA_PTX
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void mbar_arrive_expect_tx(uint64_t* bar, unsigned bytes) {
#if FC_WGMMA_PTX
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem_addr_(bar)), "r"(bytes)
                 : "memory");
#else
    (void)bar, (void)bytes;
#endif
}
// One 2-D tiled load: box {box0, box1} of the map at element coordinates {c0, c1} -> dst (128-byte aligned).
__device__ __forceinline__ void tma_load_2d(void* dst, const TmaDesc* map, uint64_t* bar, int c0, int c1) {
#if FC_WGMMA_PTX
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::
            "r"(smem_addr_(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(smem_addr_(bar))
        : "memory");
#else
    (void)dst, (void)map, (void)bar, (void)c0, (void)c1;
#endif
}
// The same load multicast to the blocks of the cluster in cta_mask (bit r: rank r): the box lands at dst's offset in
// each of them and completes the transaction bytes on each one's mbarrier at bar's offset (read from L2 once).
__device__ __forceinline__ void tma_load_2d_multicast(void* dst, const TmaDesc* map, uint64_t* bar, int c0, int c1,
                                                      uint16_t cta_mask) {
#if FC_WGMMA_PTX
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster"
        " [%0], [%1, {%2, %3}], [%4], %5;\n" ::"r"(smem_addr_(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(smem_addr_(bar)), "h"(cta_mask)
        : "memory");
#else
    (void)dst, (void)map, (void)bar, (void)c0, (void)c1, (void)cta_mask;
#endif
}
// One 4-D tiled load: box {box0, box1, box2, box3} of the map at element coordinates {c0, c1, c2, c3} (negative
// or past the end: zeros) -> dst (128-byte aligned), rows of box0 elements in box order (dim 1 fastest).
__device__ __forceinline__ void tma_load_4d(void* dst, const TmaDesc* map, uint64_t* bar, int c0, int c1, int c2,
                                            int c3) {
#if FC_WGMMA_PTX
    asm volatile(
        "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4, %5}], [%6];\n" ::
            "r"(smem_addr_(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(smem_addr_(bar))
        : "memory");
#else
    (void)dst, (void)map, (void)bar, (void)c0, (void)c1, (void)c2, (void)c3;
#endif
}
// One 4-D im2col load: `pixels` rows of `channels` elements from pixel {c, w, h, n} on, filter-tap offsets {ow, oh}.
__device__ __forceinline__ void tma_load_im2col_4d(void* dst, const TmaDesc* map, uint64_t* bar, int c, int w, int h,
                                                   int n, uint16_t ow, uint16_t oh) {
#if FC_WGMMA_PTX
    asm volatile(
        "cp.async.bulk.tensor.4d.shared::cluster.global.im2col.mbarrier::complete_tx::bytes"
        " [%0], [%1, {%2, %3, %4, %5}], [%6], {%7, %8};\n" ::"r"(smem_addr_(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(c), "r"(w), "r"(h), "r"(n), "r"(smem_addr_(bar)), "h"(ow), "h"(oh)
        : "memory");
#else
    (void)dst, (void)map, (void)bar, (void)c, (void)w, (void)h, (void)n, (void)ow, (void)oh;
#endif
}
// The same load multicast to the blocks of the cluster in cta_mask (as tma_load_2d_multicast).
__device__ __forceinline__ void tma_load_im2col_4d_multicast(void* dst, const TmaDesc* map, uint64_t* bar, int c,
                                                             int w, int h, int n, uint16_t ow, uint16_t oh,
                                                             uint16_t cta_mask) {
#if FC_WGMMA_PTX
    asm volatile(
        "cp.async.bulk.tensor.4d.shared::cluster.global.im2col.mbarrier::complete_tx::bytes.multicast::cluster"
        " [%0], [%1, {%2, %3, %4, %5}], [%6], {%7, %8}, %9;\n" ::"r"(smem_addr_(dst)),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(c), "r"(w), "r"(h), "r"(n), "r"(smem_addr_(bar)), "h"(ow), "h"(oh),
        "h"(cta_mask)
        : "memory");
#else
    (void)dst, (void)map, (void)bar, (void)c, (void)w, (void)h, (void)n, (void)ow, (void)oh, (void)cta_mask;
#endif
}
// bar.sync id, count: a barrier of `count` threads (whole warps) on barrier `id` (1..15; 0 is
// __syncthreads'), e.g. the consumer warpgroups alone while the producer warps have left.
__device__ __forceinline__ void bar_sync_named(unsigned id, unsigned count) {
    asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(count) : "memory");
}
// Thread block clusters (sm_90; launched with a cluster dimension): the block's rank in its cluster and the
// cluster's size; the cluster barrier, split in its arrive (release: this thread's prior writes, distributed
// shared memory stores included, are visible to the threads that complete the wait) and wait (acquire), every
// thread of every block of the cluster taking part; distributed shared memory: mapa maps a shared-window address
// of this block to the same variable in block `rank` of the cluster, and st.shared::cluster stores there (the
// writer's block and the target must both still run: the target may not exit before a later cluster barrier).
__device__ __forceinline__ unsigned cluster_ctarank() {
    unsigned r = 0;
#if FC_WGMMA_PTX
    asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(r));
#endif
    return r;
}
__device__ __forceinline__ unsigned cluster_nctarank() {
    unsigned r = 1;
#if FC_WGMMA_PTX
    asm volatile("mov.u32 %0, %%cluster_nctarank;\n" : "=r"(r));
#endif
    return r;
}
__device__ __forceinline__ void cluster_arrive() {
#if FC_WGMMA_PTX
    asm volatile("barrier.cluster.arrive.release;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void cluster_wait() {
#if FC_WGMMA_PTX
    asm volatile("barrier.cluster.wait.acquire;\n" ::: "memory");
#endif
}
__device__ __forceinline__ uint32_t cluster_map_shared(uint32_t smem_window_addr, unsigned rank) {
    uint32_t r = smem_window_addr;
#if FC_WGMMA_PTX
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;\n" : "=r"(r) : "r"(smem_window_addr), "r"(rank));
#else
    (void)rank;
#endif
    return r;
}
// An arrival (release, cluster scope) on block `rank`'s mbarrier at bar's offset.
__device__ __forceinline__ void mbar_arrive_cluster(uint64_t* bar, unsigned rank) {
#if FC_WGMMA_PTX
    asm volatile("mbarrier.arrive.release.cluster.shared::cluster.b64 _, [%0];\n" ::"r"(
                     cluster_map_shared(smem_addr_(bar), rank))
                 : "memory");
#else
    (void)bar, (void)rank;
#endif
}
__device__ __forceinline__ void st_cluster_v4(uint32_t cluster_addr, const float4& v) {
#if FC_WGMMA_PTX
    asm volatile("st.shared::cluster.v4.f32 [%0], {%1, %2, %3, %4};\n" ::"r"(cluster_addr), "f"(v.x), "f"(v.y),
                 "f"(v.z), "f"(v.w)
                 : "memory");
#else
    (void)cluster_addr, (void)v;
#endif
}
// Orders this warpgroup's register accesses before the wgmma that follow (needed before the first one).
__device__ __forceinline__ void wgmma_fence() {
#if FC_WGMMA_PTX
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void wgmma_commit() {
#if FC_WGMMA_PTX
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
#endif
}
// Waits until at most N committed wgmma groups of this warpgroup are pending.
template <int N>
__device__ __forceinline__ void wgmma_wait() {
#if FC_WGMMA_PTX
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
#endif
}
// The accumulator operands of an m64nN wgmma: the register list "%0, ..., %(N/2 - 1)" and the matching
// "+f" constraints on d[N/8][4] (N = 64: 32 registers, N = 128: 64 -- the first 32 are N = 64's).
#define FC_WGMMA_D64_REGS \
    "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15," \
    " %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31}"
#define FC_WGMMA_D64_OUT(d) \
    "+f"(d[0][0]), "+f"(d[0][1]), "+f"(d[0][2]), "+f"(d[0][3]), \
    "+f"(d[1][0]), "+f"(d[1][1]), "+f"(d[1][2]), "+f"(d[1][3]), \
    "+f"(d[2][0]), "+f"(d[2][1]), "+f"(d[2][2]), "+f"(d[2][3]), \
    "+f"(d[3][0]), "+f"(d[3][1]), "+f"(d[3][2]), "+f"(d[3][3]), \
    "+f"(d[4][0]), "+f"(d[4][1]), "+f"(d[4][2]), "+f"(d[4][3]), \
    "+f"(d[5][0]), "+f"(d[5][1]), "+f"(d[5][2]), "+f"(d[5][3]), \
    "+f"(d[6][0]), "+f"(d[6][1]), "+f"(d[6][2]), "+f"(d[6][3]), \
    "+f"(d[7][0]), "+f"(d[7][1]), "+f"(d[7][2]), "+f"(d[7][3])
#define FC_WGMMA_D128_REGS \
    "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15," \
    " %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31," \
    " %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47," \
    " %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}"
#define FC_WGMMA_D128_OUT(d) \
    FC_WGMMA_D64_OUT(d), \
    "+f"(d[8][0]), "+f"(d[8][1]), "+f"(d[8][2]), "+f"(d[8][3]), \
    "+f"(d[9][0]), "+f"(d[9][1]), "+f"(d[9][2]), "+f"(d[9][3]), \
    "+f"(d[10][0]), "+f"(d[10][1]), "+f"(d[10][2]), "+f"(d[10][3]), \
    "+f"(d[11][0]), "+f"(d[11][1]), "+f"(d[11][2]), "+f"(d[11][3]), \
    "+f"(d[12][0]), "+f"(d[12][1]), "+f"(d[12][2]), "+f"(d[12][3]), \
    "+f"(d[13][0]), "+f"(d[13][1]), "+f"(d[13][2]), "+f"(d[13][3]), \
    "+f"(d[14][0]), "+f"(d[14][1]), "+f"(d[14][2]), "+f"(d[14][3]), \
    "+f"(d[15][0]), "+f"(d[15][1]), "+f"(d[15][2]), "+f"(d[15][3])
// D[64][N] (fp32, this warp: rows 16 * (warp % 4) .. + 15 as m16n8 C fragments d[N/8][4]) +=
// A[64][16] * B[N][16]^T, f16 operands in shared memory described by desc_a / desc_b (K-major).
template <int N>
__device__ __forceinline__ void wgmma_m64k16_f16(float (&d)[N / 8][4], uint64_t desc_a, uint64_t desc_b);
// tf32 x tf32 -> fp32, k8, both operands K-major from shared memory (fp32 bit patterns: the tensor
// cores use the tf32 bits, the low 13 are ignored -- the kernels round the tiles with cvt.rna first).
template <int N>
__device__ __forceinline__ void wgmma_m64k8_tf32(float (&d)[N / 8][4], uint64_t desc_a, uint64_t desc_b);
// The f16 one with A from registers ("RS"): a[4] = this warp's 16 rows x k16 in the mma.m16n8k16 A
// fragment layout (ldmatrix.x4 from any shared layout). The registers are read asynchronously: they
// must not be written before the wgmma_wait that retires this wgmma.
template <int N>
__device__ __forceinline__ void wgmma_m64k16_f16_rs(float (&d)[N / 8][4], const uint32_t (&a)[4], uint64_t desc_b);

// The specializations: SHAPE = the instruction's shape and types, TAIL = its operands after D
// (descriptors / A registers, scale-d = 1: accumulate, scales 1, no transposes).
#if FC_WGMMA_PTX
#define FC_WGMMA_SS(FN, N, SHAPE, TAIL)                                                                     \
    template <>                                                                                             \
    __device__ __forceinline__ void FN<N>(float (&d)[N / 8][4], uint64_t desc_a, uint64_t desc_b) {         \
        asm volatile("wgmma.mma_async.sync.aligned." SHAPE " " FC_WGMMA_D##N##_REGS TAIL                    \
                     : FC_WGMMA_D##N##_OUT(d)                                                               \
                     : "l"(desc_a), "l"(desc_b));                                                           \
    }
#define FC_WGMMA_RS(FN, N, SHAPE, TAIL)                                                                     \
    template <>                                                                                             \
    __device__ __forceinline__ void FN<N>(float (&d)[N / 8][4], const uint32_t (&a)[4], uint64_t desc_b) { \
        asm volatile("wgmma.mma_async.sync.aligned." SHAPE " " FC_WGMMA_D##N##_REGS TAIL                    \
                     : FC_WGMMA_D##N##_OUT(d)                                                               \
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(desc_b));                            \
    }
#else
#define FC_WGMMA_SS(FN, N, SHAPE, TAIL)                                                                     \
    template <>                                                                                             \
    __device__ __forceinline__ void FN<N>(float (&d)[N / 8][4], uint64_t desc_a, uint64_t desc_b) {         \
        (void)d, (void)desc_a, (void)desc_b;                                                                \
        __trap();                                                                                           \
    }
#define FC_WGMMA_RS(FN, N, SHAPE, TAIL)                                                                     \
    template <>                                                                                             \
    __device__ __forceinline__ void FN<N>(float (&d)[N / 8][4], const uint32_t (&a)[4], uint64_t desc_b) { \
        (void)d, (void)a, (void)desc_b;                                                                     \
        __trap();                                                                                           \
    }
#endif
FC_WGMMA_SS(wgmma_m64k16_f16, 64, "m64n64k16.f32.f16.f16", ", %32, %33, 1, 1, 1, 0, 0;\n")
FC_WGMMA_SS(wgmma_m64k16_f16, 128, "m64n128k16.f32.f16.f16", ", %64, %65, 1, 1, 1, 0, 0;\n")
FC_WGMMA_SS(wgmma_m64k8_tf32, 64, "m64n64k8.f32.tf32.tf32", ", %32, %33, 1, 1, 1;\n")
FC_WGMMA_SS(wgmma_m64k8_tf32, 128, "m64n128k8.f32.tf32.tf32", ", %64, %65, 1, 1, 1;\n")
FC_WGMMA_RS(wgmma_m64k16_f16_rs, 64, "m64n64k16.f32.f16.f16", ", {%32, %33, %34, %35}, %36, 1, 1, 1, 0;\n")
#undef FC_WGMMA_SS
#undef FC_WGMMA_RS

}  // namespace cuda
}  // namespace fc
#endif  // __CUDACC__
#endif
