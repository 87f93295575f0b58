// simt.h -- host (g++) SIMT emulation of the CUDA subset used by fastconv kernels.
//
// ============================================================================
//  WHAT THIS IS
// ============================================================================
//  The CUDA kernels of fastconv (native/src/cuda/*.cuh) are compiled twice:
//  by nvcc for the GPU, and by g++ for ctest on machines without a GPU.  Under
//  g++, cuda/intrinsics.cuh includes only this header, which provides
//    * the CUDA language surface (__global__, __shared__, threadIdx, dim3,
//      __syncthreads, warp shuffles/votes, atomics, bit casts, float4, ...),
//    * the fc::cuda intrinsics (tf32/f16 conversion, cp.async, ldmatrix, mma)
//      with the exact semantics / per-lane fragment layouts of the PTX ISA,
//    * fc_simt::launch(grid, block, dynamic_smem_bytes, kernel, args...).
//
// ============================================================================
//  EXECUTION MODEL
// ============================================================================
//  * One OS thread.  Blocks of the grid run one after another (x fastest, then
//    y, then z) -- in a cluster launch the blocks of one cluster together (see
//    "Thread block clusters"); fc_simt::launch_blocks() runs only the blocks a
//    predicate selects (use it to keep big-grid tests fast).
//  * Inside a block every CUDA thread is a cooperative fiber with its own
//    stack (default 64 KiB, 256 KiB under ASan; FC_SIMT_STACK_KB overrides;
//    a PROT_NONE guard page below each stack and a canary checked at exit).
//    Context switches are a hand-written x86-64 switch (callee-saved regs +
//    MXCSR/x87 CW; no syscalls); other architectures use ucontext.
//  * Scheduling is deterministic round-robin and NON-preemptive: a fiber runs
//    until it blocks in __syncthreads(), a warp-collective operation
//    (shuffle, vote, __syncwarp, ldmatrix, mma) or exits.  Consequence: code
//    that spins on memory written by another thread of the block (without a
//    barrier) hangs -- CUDA does not guarantee that either.  The order in
//    which runnable fibers are resumed can be reversed / shuffled
//    (fc_simt::set_schedule or FC_SIMT_SCHEDULE=forward|reverse|random[:seed])
//    to shake out missing barriers; those two schedules reverse / shuffle the
//    order in which the blocks of a grid run as well.
//  * Lane = linear thread index % 32, warp = linear index / 32, with
//    linear = x + y*blockDim.x + z*blockDim.x*blockDim.y (as CUDA).
//  * __syncthreads(): a block barrier.  Completes when every thread of the
//    block has arrived.  A thread that reaches a barrier after another thread
//    of the block has exited, or a thread that exits while others wait at a
//    barrier, is a divergent barrier -> error.  If no fiber can run (e.g. some
//    threads at a barrier, others of the same warp in a shuffle) -> deadlock
//    error listing what every waiting thread waits for.
//  * Warp collectives: each lane deposits its operands and waits until all
//    lanes of its mask have arrived (the mask is intersected with the lanes
//    that exist in a partial last warp); the last one to arrive computes the
//    result for everybody from all lanes' operands using the PTX per-lane
//    layouts.  Lanes of one rendezvous must call the same operation with the
//    same mask, and the calling lane must be in its mask; a mask lane that has
//    exited, or reading (shuffle) from a non-participating lane, is an error.
//  * Errors print "fc_simt: <kernel> block (x,y,z) thread (x,y,z): ..." and
//    abort(); after fc_simt::set_throw_on_error(true) launch() instead throws
//    fc_simt::SimtError from the launching (host) context (the block is
//    abandoned).  Kernel names: use FC_SIMT_LAUNCH(kernel, ...) or
//    launch_named(); plain launch() prints the kernel's address.
//  * Memory:
//      - __shared__ is `static`: blocks never run concurrently (but those of a
//        cluster: see there), so a function-local static IS per-block shared memory.  It is NOT reset
//        between blocks/launches: kernels must not rely on shared memory being
//        zero (as on hardware).  Not safe if two OS threads launch at once.
//      - Dynamic shared memory (FC_DYNAMIC_SHARED(type, name)) is a 128-byte
//        aligned buffer of exactly the launch's size, filled with 0xFF bytes
//        (float NaN) at the start of every block.
//      - Global memory is host memory; atomics are plain read-modify-writes
//        (only one fiber runs at a time).
//  * cp.async is DEFERRED: each thread records its copies in its open group;
//    cp_async_commit() closes the group; cp_async_wait<N>() performs every
//    copy of all but the N newest committed groups of that thread (in issue
//    order); cp_async_wait_all() = commit + wait<0>.  The source is read when
//    the copy is performed.  A kernel that reads shared memory before waiting
//    sees the old contents.  Pending copies are performed at thread exit
//    (FC_SIMT_WARN=1 prints a warning).
//  * mma: operands are gathered into the full A/B/C matrices; tf32 operands
//    have their low 13 bits cleared; every product is exact in fp32 and
//    D[i][j] = (((C[i][j] + A[i][0]*B[0][j]) + A[i][1]*B[1][j]) + ...) in fp32
//    with round-to-nearest-even, k ascending (hardware order is unspecified,
//    so results may differ from the GPU in the last bits).
//  * wgmma (sm_90a wgmma.mma_async m64nNk16 f16 -> f32, both operands from
//    shared memory through matrix descriptors): each warp of the warpgroup
//    issues its part as a warp collective (its 16 accumulator rows need only
//    its 16 A rows and all of B; the issuing warp's warpgroup -- 4 warps from a rank % 4 == 0 -- must
//    exist whole; further warps may follow). Like
//    cp.async the op is DEFERRED: wgmma_commit() closes the warp's group and
//    wgmma_wait<N>() performs all but the N newest groups -- shared memory is
//    read at that moment, so a kernel that overwrites an operand tile before
//    waiting for the wgmma that reads it computes garbage here too. A wgmma
//    needs a wgmma_fence() since the warp's last wait (stricter than PTX),
//    the "RS" form (A from registers: the mma.m16n8k16 A fragment) reads the
//    lanes' A registers at the wait too, so rewriting them early shows,
//    and a thread that exits with its warp's wgmma never waited for is an
//    error. Also m64nNk8 tf32 (fp32 bit patterns, low 13 bits ignored as by
//    the tensor cores). Descriptors: K-major layouts -- the kernels' 64-byte
//    swizzle for f16 rows of 32 and 128-byte swizzle for f16 rows of 64 (the
//    TMA64 tiles) and tf32, and no swizzle (8-row x
//    16-byte core matrices, LBO / SBO apart: the probe's shifted-start case)
//    (wgmma_operand_offset in simt.cpp spells them out); addresses are
//    byte offsets in the block's dynamic shared memory (smem_addr_).
//    The shared bytes a wgmma reads are hashed at its issue and again when it
//    is performed: any write into them while it is in flight (a stage
//    refilled or rewritten before the wait that retires its reader) is an
//    error, whichever bytes the late read would have seen.
//    wgmma reads shared memory through the async proxy: generic-proxy writes
//    (cp.async data that a cp_async_wait landed, sts) must be followed by the
//    writer's fence_proxy_async_smem() (fence.proxy.async.shared::cta) before
//    a wgmma may read them: every operand byte a warp's wgmma reads is checked
//    when it is issued, and one whose last generic writer has not fenced since
//    is an error. The wgmma instructions are .aligned: the 4 warps of a
//    warpgroup must execute the same sequence of fences, mma (same shape and
//    descriptors), commits and waits; a warp that differs, or ends the block
//    with fewer of them, is an error (each warp's part alone would compute).
//  * mbarrier (mbarrier.init / arrive / try_wait.parity on a 64-bit object in
//    shared memory, static or dynamic): the emulation keeps the object's state
//    (expected count, pending arrivals, phase) beside it, keyed by address and
//    reset at every block start. init(count) starts phase 0 with count pending
//    arrivals; each arrive takes one, the last completes the phase (the next
//    starts with count pending again); wait_parity(P) returns once the phase of
//    parity P has completed -- i.e. at once if the current phase's parity is
//    not P, else it blocks the fiber until that phase completes (what the
//    kernels' try_wait loop does). Arrive or wait on an object no init set up
//    in this block is an error; so is a count outside [1, 2^20 - 1]. Blocked
//    waiters show in the deadlock report.
//  * TMA (cp.async.bulk.tensor, sm_90): tma_encode_tiled / tma_encode_im2col build a TensorMap (the
//    emulation's CUtensorMap) from the arguments of cuTensorMapEncodeTiled / cuTensorMapEncodeIm2col,
//    checking the driver's documented rules (16-byte aligned base and strides, box / channel / pixel
//    limits, element strides 1..8, corner ranges, the inner box within the swizzle span); a violation
//    returns nonzero with the reason. tma_load_2d / tma_load_4d (tiled) / tma_load_im2col_4d issue one load
//    whose completion is signalled on an mbarrier (complete_tx): the box is read from global memory at
//    issue (elements outside the tensor read as zero) and DEFERRED like the hardware's: the barrier's phase completes once
//    all arrivals are in and the transaction count that mbarrier_arrive_expect_tx announced is covered by
//    issued loads (more announced than issued: the phase never completes -> deadlock report; loads still
//    outstanding when the block ends: an error), and its bytes land in shared memory when the first
//    waiter observes that phase (or the barrier's next phase completes) -- so a thread that reads a
//    stage without waiting on its barrier sees the old contents. The landing is an async-proxy write (no
//    fence needed before a wgmma reads it). Rows of the box are written row after row (row bytes = inner
//    box extent x element size) with the swizzle of the map applied to the absolute shared address (the
//    16-byte chunk bits [4, 4+log2(S/16)) XOR bits [7, 7+log2(S/16)) for S = 32, 64, 128) -- the layout
//    wgmma's descriptors read. im2col (4-D tensors {C, W, H, N}): the box is `pixels` rows of
//    `channels` elements; the instruction's coordinates {c, w, h, n} name the first pixel and its
//    offsets {ow, oh} the filter tap; pixel i is channel c.. of x[n][h + oh][w + ow], then w advances by
//    the W element stride, wrapping to the bounding box's lower W corner past W - 1 + upper W corner
//    (and so h, wrapping to the lower H corner, then n). The corner arrays are indexed {W, H} -- what the
//    H200 did in tma_probe's asymmetric-padding case (cuda.h's comment lists them as {D, H, W}).
//  * Thread block clusters (sm_90; launch_cluster*): the blocks of one cluster run CONCURRENTLY -- all their
//    threads are fibers of one scheduler round, each block with its own dynamic shared memory (and its own
//    warps, barriers and mbarriers) -- and clusters one after another (grid order; the reverse / random
//    schedules reverse / shuffle clusters and fibers). The cluster's dims must divide the grid's, at most
//    8 blocks (the portable size). cluster_ctarank / cluster_nctarank: the block's rank in its cluster
//    (x fastest) and the cluster's size. cluster_arrive / cluster_wait (barrier.cluster.arrive.release /
//    .wait.acquire, per thread): a phase completes when every thread of every block of the cluster has
//    arrived; wait blocks until the phase of the thread's last arrival has completed. Stricter than PTX
//    (whose rule for exited threads is not spelled out): a thread that exits while another thread of the
//    cluster has arrived and not yet been released, or that arrives after a thread of the cluster exited,
//    is an error; so are two arrivals without a wait between them and a wait without an arrival.
//    Distributed shared memory: cluster_map_shared(addr, rank) (mapa.shared::cluster) maps a shared-window
//    address of this block (smem_addr_) to the same offset in block `rank`'s dynamic shared memory -- the
//    emulation encodes it as (rank + 1) << 24 | address, and a plain shared-window address (< 2^24) names
//    the calling block's own memory, as in PTX; cluster_store (st.shared::cluster, 4 / 8 / 16 bytes,
//    naturally aligned) writes there. The target offset must lie inside the launch's dynamic shared memory,
//    and the target block must not have exited (PTX: a block's shared memory may not be accessed after it
//    exits) -- each of these is an error. The remote write is a generic-proxy write that the writer never
//    fences for the target's async proxy: a wgmma reading those bytes is an error.
//    mbarrier_arrive_cluster(bar, rank) (mbarrier.arrive.release.cluster.shared::cluster on the mapa'd address)
//    arrives on block `rank`'s mbarrier at the same address; tma_copy_2d_multicast and
//    tma_copy_im2col_4d_multicast(..., cta_mask) (cp.async.bulk.tensor ... .multicast::cluster) land the
//    same box at the same offset in every block of the mask and complete the transaction bytes on each one's
//    mbarrier at the same address. Each fails if a target has exited or has no such initialized barrier. A
//    multicast box counts once in SmemTotals::tma_bytes (it is read from L2 once).
//    Static __shared__ variables are process statics here, NOT per block: in a cluster launch every block
//    of the cluster sees the same object. mbarriers are the exception (their state is kept per block, keyed
//    by address; the object itself is never read), so a cluster kernel may keep mbarriers in static shared
//    memory but must keep all other shared data in dynamic shared memory.
//  * named_barrier_sync(id, count) = bar.sync id, count: ids 1..15 (0 is
//    __syncthreads'), count a multiple of 32; completes when count threads have
//    arrived at that id. Every arrival of one round must give the same count.
//  * Conversions are bit-exact software implementations of cvt.rna.tf32.f32,
//    cvt.rn.f16.f32 and f16->f32 (no FTZ).  NaN -> canonical NaN with the
//    sign kept (tf32: sign|0x7FFFE000, f16: sign|0x7FFF).
// ============================================================================
#ifndef FC_SIMT_SIMT_H
#define FC_SIMT_SIMT_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
// NOTE: <memory> (bits/shared_ptr_base.h) spells __attribute__((__noinline__));
// it is included above, before the __noinline__ macro below is defined, so its
// include guard keeps later includes safe.  Include std headers that use
// __noinline__ (<memory>, <stacktrace>, <experimental/simd>) before simt.h.

// ---------------------------------------------------------------------------
// CUDA language surface
// ---------------------------------------------------------------------------
#ifndef __CUDACC__
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static
#define __constant__
#define __grid_constant__
#endif

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
};

// CUDA vector types (the subset kernels typically use).
struct __attribute__((aligned(8))) float2 { float x, y; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct __attribute__((aligned(8))) int2 { int x, y; };
struct __attribute__((aligned(16))) int4 { int x, y, z, w; };
struct __attribute__((aligned(8))) uint2 { unsigned int x, y; };
struct __attribute__((aligned(16))) uint4 { unsigned int x, y, z, w; };
inline float2 make_float2(float x, float y) { return float2{x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }
inline int2 make_int2(int x, int y) { return int2{x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return int4{x, y, z, w}; }
inline uint2 make_uint2(unsigned x, unsigned y) { return uint2{x, y}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return uint4{x, y, z, w}; }

namespace fc_simt {

class SimtError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Block;
struct Fiber;

// Per-CUDA-thread state visible to the kernel through threadIdx & co.
struct ThreadCtx {
    dim3 thread_idx{0, 0, 0};
    dim3 block_idx{0, 0, 0};
    dim3 block_dim{1, 1, 1};
    dim3 grid_dim{1, 1, 1};
    unsigned linear = 0;  // linear thread index in the block
    unsigned lane = 0;
    unsigned warp = 0;
    Block* block = nullptr;  // null outside a kernel
    Fiber* fiber = nullptr;
};

// The running fiber's context (a dummy "host" context outside kernels).
extern __thread ThreadCtx* g_current;
inline const ThreadCtx& current() { return *g_current; }

// ---- runtime entry points (simt.cpp) ----
void syncthreads();
void syncwarp(unsigned mask);
unsigned activemask();
enum class ShflMode : int { Idx = 0, Up = 1, Down = 2, Bfly = 3 };
uint32_t shfl32(ShflMode mode, unsigned mask, uint32_t value, int b, int width);
enum class VoteMode : int { Ballot = 0, Any = 1, All = 2 };
unsigned vote(VoteMode mode, unsigned mask, bool pred);
void ldmatrix(int num, bool trans, uint32_t* r, const void* row_addr, const char* file = __builtin_FILE(),
              int line = __builtin_LINE());
void mma_tf32_m16n8k8(float* d, const uint32_t* a, const uint32_t* b, const float* c);
void mma_f16_m16n8k16(float* d, const uint32_t* a, const uint32_t* b, const float* c);
// wgmma (sm_90a warpgroup MMA): see "wgmma" below.
uint32_t smem_address(const void* p);  // shared-window address: smem base (below) + offset in the dynamic smem
void fence_proxy_async();
void wgmma_fence();
void wgmma_commit();
void wgmma_wait(int n);
void wgmma_f16(int n, float* d, uint64_t desc_a, uint64_t desc_b);
void wgmma_f16_rs(int n, float* d, const uint32_t* a, uint64_t desc_b);
void wgmma_tf32(int n, float* d, uint64_t desc_a, uint64_t desc_b);
// mbarrier (the 64-bit shared-memory barrier object) and named barriers (bar.sync id, count): see
// "mbarrier" above.
void mbarrier_init(uint64_t* bar, unsigned count);
void mbarrier_arrive(uint64_t* bar);
void mbarrier_wait_parity(uint64_t* bar, unsigned parity);
void named_barrier_sync(unsigned id, unsigned count);
// Thread block clusters and distributed shared memory: see "Thread block clusters" above.
unsigned cluster_ctarank();
unsigned cluster_nctarank();
void cluster_arrive();
void cluster_wait();
uint32_t cluster_map_shared(uint32_t smem_window_addr, unsigned rank);
void cluster_store(uint32_t cluster_addr, const void* src, unsigned bytes);
void mbarrier_arrive_cluster(uint64_t* bar, unsigned rank);
// TMA: see "TMA" above. The map holds what the encode calls were given (validated).
struct alignas(64) TensorMap {
    const unsigned char* base = nullptr;
    int im2col = 0, rank = 0, elem_bytes = 0, swizzle = 0;  // swizzle span in bytes: 0, 32, 64 or 128
    uint64_t dims[5] = {}, strides[5] = {};                  // strides[i]: bytes between consecutive indices of dim i
    uint32_t box[5] = {}, estr[5] = {};
    int lower[3] = {}, upper[3] = {};  // im2col bounding box corners, {W, H, D} order
    uint32_t channels = 0, pixels = 0;
};
int tma_encode_tiled(TensorMap* m, int elem_bytes, unsigned rank, const void* base, const uint64_t* dims,
                     const uint64_t* strides, const uint32_t* box, const uint32_t* estr, int swizzle_bytes,
                     std::string* why = nullptr);
int tma_encode_im2col(TensorMap* m, int elem_bytes, unsigned rank, const void* base, const uint64_t* dims,
                      const uint64_t* strides, const int* lower, const int* upper, unsigned channels,
                      unsigned pixels, const uint32_t* estr, int swizzle_bytes, std::string* why = nullptr);
void mbarrier_arrive_expect_tx(uint64_t* bar, unsigned bytes);
void tma_copy_2d(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1);
void tma_copy_2d_multicast(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, uint16_t cta_mask);
void tma_copy_4d(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, int c2, int c3);
void tma_copy_im2col_4d(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, int c2, int c3, uint16_t ow,
                        uint16_t oh);
void tma_copy_im2col_4d_multicast(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, int c2, int c3,
                                  uint16_t ow, uint16_t oh, uint16_t cta_mask);
// file / line: the call site (the bank model groups a warp's accesses by call site).
void cp_async(void* dst, const void* src, int cp_size, int src_bytes, const char* file = __builtin_FILE(),
              int line = __builtin_LINE());
void cp_async_commit();
void cp_async_wait_group(int n);
void cp_async_wait_all();
void* dynamic_smem();
size_t dynamic_smem_size();
[[noreturn]] void fail(const std::string& msg);  // error from kernel code

// ---- shared-memory bank accounting (the model: simt/smem_banks.h) ----
//  Every warp-wide shared-memory access is scored: ldmatrix at its rendezvous
//  (exact: the 8 row addresses of each matrix), and per-lane accesses --
//  fc::cuda::lds / sts (the kernels' fragment reads and stage writes) and
//  cp.async destinations -- grouped into warp instructions by call site
//  (file:line of the kernel source): between two points where the whole warp
//  stands together (a full-warp collective, a block barrier, the block's end),
//  the i-th access of every lane at one call site is one instruction, with the
//  lanes that got there (a lane with fewer accesses at a site is predicated
//  off for the later ones, as in `for (e = tid; e < n; e += threads)`); runs
//  of a site separated by a cp.async commit count apart (a loader called for
//  two tiles between the same barriers), and lanes that reached an occurrence
//  after different numbers of accesses (divergent code before it) are scored
//  as separate instructions -- that can hide a conflict, never invent one.
//  Accesses of one site and index whose kind or size differ between lanes
//  are not scored but counted as unscored.
//  Offsets are relative to the block's dynamic shared memory (128-byte
//  aligned, as on the GPU when a kernel has no static shared memory);
//  static __shared__ variables are scored at their host addresses.
enum SmemKind : int { SmemLdmatrix = 0, SmemLoad = 1, SmemStore = 2, SmemCpAsync = 3, kSmemKinds = 4 };
struct SmemCount {
    uint64_t instr = 0;       // warp instructions scored
    uint64_t ideal = 0;       // wavefronts they need without bank conflicts
    uint64_t wavefronts = 0;  // wavefronts the bank model charges
    uint64_t conflicted = 0;  // instructions with wavefronts > ideal
    uint64_t unscored = 0;    // lane accesses left unscored (divergent)
};
struct SmemTotals {
    SmemCount kind[kSmemKinds];
    // Warp mma.sync instructions executed (to relate shared-memory wavefronts to tensor-core work).
    uint64_t mma_m16n8k16 = 0, mma_m16n8k8 = 0, wgmma_m64k16 = 0;  // wgmma: per warp (16 of its 64 rows)
    // Bytes TMA loads wrote into shared memory (whole boxes, zero-filled parts too; a multicast box once): a TMA
    // kernel's L2 -> SM traffic.
    uint64_t tma_bytes = 0;
    // The sm_90 shared-memory traffic model (test_cuda_kernels profile): bytes wgmma read from shared memory (per
    // warpgroup instruction: A's 64 rows unless A comes from registers, B's N rows once -- one read serves the four
    // warps' tensor cores), the multiply-adds they did (f16 m64nNk16 / tf32 m64nNk8), bytes TMA loads wrote into
    // shared memory (per destination: a multicast box in each block of its mask), and bytes generic accesses moved
    // (lds, sts, ldmatrix rows, cp.async stores).
    uint64_t wgmma_smem_bytes = 0, wgmma_macs_f16 = 0, wgmma_macs_tf32 = 0, tma_smem_bytes = 0, generic_bytes = 0;
};
const char* smem_kind_name(int kind);
// Cumulative over this OS thread's launches.
const SmemTotals& smem_totals();
// The same per call site ("file:line", kind, size), in site order, with the site's first conflicting
// instruction (kernel, block, warp, wavefronts and every lane's offset; empty if none).
struct SmemSite {
    std::string where;
    int kind;
    unsigned bytes;  // per-lane access size (ldmatrix: 16, a row)
    SmemCount count;
    std::string example;
};
std::vector<SmemSite> smem_sites();
// Records one lane's shared-memory access (fc::cuda::lds / sts); p must lie in shared memory.
void smem_access(const void* p, unsigned bytes, SmemKind kind, const char* file, int line);

// ---- launching ----
using BlockPredicate = std::function<bool(const dim3& block_idx)>;

struct LaunchStats {
    uint64_t blocks_run = 0;
    uint64_t context_switches = 0;
    double seconds = 0;
};

// cluster: the thread block cluster's dims (1, 1, 1: none); see "Thread block clusters" above.
LaunchStats launch_impl(const char* name, const void* kernel_addr, dim3 grid, dim3 cluster, dim3 block, size_t smem,
                        const BlockPredicate* pred, void (*thunk)(void*), void* thunk_arg);

// The shared-window address at which the blocks' dynamic shared memory begins (default 0; a multiple of
// 16). What smem_addr_ returns and wgmma descriptors hold is base + offset, and the wgmma swizzle is
// applied to that absolute address as on the GPU -- where the driver decides the base, so kernels whose
// layouts depend on it must align themselves (align_smem); tests run them with other bases.
void set_smem_base(uint32_t base);
uint32_t smem_base();
// Error handling: default prints and abort()s; true -> launch throws SimtError.
void set_throw_on_error(bool enable);
bool throw_on_error();
// Order in which runnable fibers are resumed in each scheduling round.
enum class Schedule : int { Forward = 0, Reverse = 1, Random = 2 };
void set_schedule(Schedule s, uint64_t seed = 1);
// Fiber stack size in bytes (rounded up to pages); takes effect at next launch.
void set_stack_size(size_t bytes);
// Total fiber context switches performed by this OS thread so far.
uint64_t total_context_switches();

namespace detail {
template <class F>
void thunk_call(void* p) { (*static_cast<F*>(p))(); }
template <class Kernel, class... Args>
LaunchStats launch_any(const char* name, const BlockPredicate* pred, dim3 grid, dim3 cluster, dim3 block,
                       size_t smem, Kernel kernel, Args... args) {
    // Each call copies args again: every CUDA thread gets its own parameter copies.
    auto body = [&]() { kernel(args...); };
    const void* addr = nullptr;
    if constexpr (std::is_pointer_v<Kernel>) addr = reinterpret_cast<const void*>(kernel);
    return launch_impl(name, addr, grid, cluster, block, smem, pred, &thunk_call<decltype(body)>, &body);
}
}  // namespace detail

// Run `kernel(args...)` over the whole grid.
template <class Kernel, class... Args>
LaunchStats launch(dim3 grid, dim3 block, size_t dynamic_smem_bytes, Kernel kernel, Args... args) {
    return detail::launch_any(nullptr, nullptr, grid, dim3(1, 1, 1), block, dynamic_smem_bytes, kernel, args...);
}
template <class Kernel, class... Args>
LaunchStats launch_named(const char* name, dim3 grid, dim3 block, size_t dynamic_smem_bytes, Kernel kernel,
                         Args... args) {
    return detail::launch_any(name, nullptr, grid, dim3(1, 1, 1), block, dynamic_smem_bytes, kernel, args...);
}
// Run only the blocks for which pred(blockIdx) is true (gridDim stays `grid`).
template <class Kernel, class... Args>
LaunchStats launch_blocks(dim3 grid, dim3 block, size_t dynamic_smem_bytes, const BlockPredicate& pred,
                          Kernel kernel, Args... args) {
    return detail::launch_any(nullptr, &pred, grid, dim3(1, 1, 1), block, dynamic_smem_bytes, kernel, args...);
}
template <class Kernel, class... Args>
LaunchStats launch_blocks_named(const char* name, dim3 grid, dim3 block, size_t dynamic_smem_bytes,
                                const BlockPredicate& pred, Kernel kernel, Args... args) {
    return detail::launch_any(name, &pred, grid, dim3(1, 1, 1), block, dynamic_smem_bytes, kernel, args...);
}
// Run `kernel(args...)` over the whole grid in thread block clusters of `cluster` blocks (the cudaLaunchKernelEx
// cluster-dimension attribute); pred (may be null) selects blocks -- a cluster runs when any of its blocks is
// selected, and then all of them.
template <class Kernel, class... Args>
LaunchStats launch_cluster_named(const char* name, dim3 grid, dim3 cluster, dim3 block, size_t dynamic_smem_bytes,
                                 const BlockPredicate* pred, Kernel kernel, Args... args) {
    return detail::launch_any(name, pred, grid, cluster, block, dynamic_smem_bytes, kernel, args...);
}

}  // namespace fc_simt

#define FC_SIMT_LAUNCH(kernel, grid, block, smem, ...) \
    ::fc_simt::launch_named(#kernel, grid, block, smem, kernel, ##__VA_ARGS__)

#define threadIdx (::fc_simt::current().thread_idx)
#define blockIdx (::fc_simt::current().block_idx)
#define blockDim (::fc_simt::current().block_dim)
#define gridDim (::fc_simt::current().grid_dim)
#ifndef warpSize
#define warpSize 32
#endif

#define FC_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(::fc_simt::dynamic_smem())

inline void __syncthreads() { ::fc_simt::syncthreads(); }
[[noreturn]] inline void __trap() { ::fc_simt::fail("__trap()"); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { ::fc_simt::syncwarp(mask); }
inline unsigned __activemask() { return ::fc_simt::activemask(); }
inline void __threadfence() {}
inline void __threadfence_block() {}

template <class T>
inline T __ldg(const T* p) { return *p; }
template <class T>
inline T __ldcg(const T* p) { return *p; }

// ---- bit casts / math ----
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }

// ---- atomics (single OS thread, one fiber runs at a time) ----
inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }
inline double atomicAdd(double* p, double v) { double o = *p; *p = o + v; return o; }
inline int atomicAdd(int* p, int v) { int o = *p; *p = static_cast<int>(static_cast<unsigned>(o) + static_cast<unsigned>(v)); return o; }
inline unsigned atomicAdd(unsigned* p, unsigned v) { unsigned o = *p; *p = o + v; return o; }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) { unsigned long long o = *p; *p = o + v; return o; }
inline int atomicMax(int* p, int v) { int o = *p; if (v > o) *p = v; return o; }
inline int atomicMin(int* p, int v) { int o = *p; if (v < o) *p = v; return o; }
inline unsigned atomicMax(unsigned* p, unsigned v) { unsigned o = *p; if (v > o) *p = v; return o; }
inline unsigned atomicMin(unsigned* p, unsigned v) { unsigned o = *p; if (v < o) *p = v; return o; }
inline int atomicExch(int* p, int v) { int o = *p; *p = v; return o; }
inline unsigned atomicExch(unsigned* p, unsigned v) { unsigned o = *p; *p = v; return o; }
inline float atomicExch(float* p, float v) { float o = *p; *p = v; return o; }
inline int atomicCAS(int* p, int cmp, int v) { int o = *p; if (o == cmp) *p = v; return o; }
inline unsigned atomicCAS(unsigned* p, unsigned cmp, unsigned v) { unsigned o = *p; if (o == cmp) *p = v; return o; }

// ---- warp shuffles / votes ----
namespace fc_simt {
namespace detail {
template <class T>
inline T shfl_any(ShflMode mode, unsigned mask, T var, int b, int width) {
    static_assert(std::is_trivially_copyable_v<T>, "shuffle of a non-trivially-copyable type");
    if constexpr (sizeof(T) == 4) {
        uint32_t u;
        std::memcpy(&u, &var, 4);
        u = shfl32(mode, mask, u, b, width);
        T r;
        std::memcpy(&r, &u, 4);
        return r;
    } else if constexpr (sizeof(T) == 8) {
        uint32_t u[2];
        std::memcpy(u, &var, 8);
        u[0] = shfl32(mode, mask, u[0], b, width);
        u[1] = shfl32(mode, mask, u[1], b, width);
        T r;
        std::memcpy(&r, u, 8);
        return r;
    } else if constexpr (std::is_integral_v<T> && sizeof(T) < 4) {
        return static_cast<T>(shfl32(mode, mask, static_cast<uint32_t>(static_cast<int32_t>(var)), b, width));
    } else {
        static_assert(sizeof(T) == 4 || sizeof(T) == 8, "shuffle supports 4- and 8-byte types");
        return var;
    }
}
}  // namespace detail
}  // namespace fc_simt

template <class T>
inline T __shfl_sync(unsigned mask, T var, int srcLane, int width = 32) {
    return ::fc_simt::detail::shfl_any(::fc_simt::ShflMode::Idx, mask, var, srcLane, width);
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = 32) {
    return ::fc_simt::detail::shfl_any(::fc_simt::ShflMode::Up, mask, var, static_cast<int>(delta), width);
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32) {
    return ::fc_simt::detail::shfl_any(::fc_simt::ShflMode::Down, mask, var, static_cast<int>(delta), width);
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = 32) {
    return ::fc_simt::detail::shfl_any(::fc_simt::ShflMode::Bfly, mask, var, laneMask, width);
}
inline unsigned __ballot_sync(unsigned mask, int pred) { return ::fc_simt::vote(::fc_simt::VoteMode::Ballot, mask, pred != 0); }
inline int __any_sync(unsigned mask, int pred) { return static_cast<int>(::fc_simt::vote(::fc_simt::VoteMode::Any, mask, pred != 0)); }
inline int __all_sync(unsigned mask, int pred) { return static_cast<int>(::fc_simt::vote(::fc_simt::VoteMode::All, mask, pred != 0)); }

// ---------------------------------------------------------------------------
// fc::cuda intrinsics (the g++ side of native/src/cuda/intrinsics.cuh)
// ---------------------------------------------------------------------------
namespace fc {
namespace cuda {

// cvt.rna.tf32.f32: round to nearest, ties away from zero, keep 10 mantissa
// bits; low 13 bits of the result are zero.  Overflow rounds to Inf; NaN ->
// 0x7FFFE000 (sign kept).  Subnormals are rounded, not flushed.
inline uint32_t f32_to_tf32(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) {            // Inf or NaN
        if (u & 0x007fffffu) return (u & 0x80000000u) | 0x7fffe000u;
        return u;
    }
    return (u + 0x1000u) & 0xffffe000u;                // magnitude + half ulp, truncate
}

// cvt.rn.f16.f32: round to nearest even; |x| >= 65520 -> Inf; NaN -> 0x7FFF
// (sign kept); f16 subnormals produced exactly.
inline uint16_t f32_to_f16_bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    const uint32_t sign = (u >> 16) & 0x8000u;
    const uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7fffu);  // NaN
    if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 (or Inf) -> Inf
    if (a >= 0x38800000u) {                                              // normal f16 (>= 2^-14)
        const uint32_t r = a + 0x0fffu + ((a >> 13) & 1u);               // RNE at bit 13
        return static_cast<uint16_t>(sign | ((r - 0x38000000u) >> 13)); // rebias 127 -> 15
    }
    if (a <= 0x33000000u) return static_cast<uint16_t>(sign);            // <= 2^-25 (tie -> even 0)
    const uint32_t e = a >> 23;                                          // 102..112
    const uint32_t m = (a & 0x007fffffu) | 0x00800000u;
    const uint32_t shift = 126u - e;                                     // 14..24: units of 2^-24
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (r & 1u))) ++r;                    // may carry into the normal range: correct
    return static_cast<uint16_t>(sign | r);
}

inline float f16_bits_to_f32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1fu;
    const uint32_t m = h & 0x3ffu;
    uint32_t u;
    if (e == 0x1f) {
        u = sign | 0x7f800000u | (m << 13);
    } else if (e != 0) {
        u = sign | ((e + 112u) << 23) | (m << 13);
    } else if (m == 0) {
        u = sign;
    } else {  // subnormal: m * 2^-24, exact in f32
        float f = static_cast<float>(m) * 0x1p-24f;
        std::memcpy(&u, &f, 4);
        u |= sign;
    }
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline uint32_t pack_f16x2(float lo, float hi) {
    return static_cast<uint32_t>(f32_to_f16_bits(lo)) | (static_cast<uint32_t>(f32_to_f16_bits(hi)) << 16);
}

inline void cp_async_ca_4(void* smem_dst, const void* gmem_src, int src_bytes, const char* file = __builtin_FILE(),
                         int line = __builtin_LINE()) {
    ::fc_simt::cp_async(smem_dst, gmem_src, 4, src_bytes, file, line);
}
inline void cp_async_ca_8(void* smem_dst, const void* gmem_src, int src_bytes, const char* file = __builtin_FILE(),
                         int line = __builtin_LINE()) {
    ::fc_simt::cp_async(smem_dst, gmem_src, 8, src_bytes, file, line);
}
inline void cp_async_cg_16(void* smem_dst, const void* gmem_src, int src_bytes, const char* file = __builtin_FILE(),
                          int line = __builtin_LINE()) {
    ::fc_simt::cp_async(smem_dst, gmem_src, 16, src_bytes, file, line);
}
inline void cp_async_commit() { ::fc_simt::cp_async_commit(); }
template <int N>
inline void cp_async_wait() {
    static_assert(N >= 0, "cp.async.wait_group N needs N >= 0");
    ::fc_simt::cp_async_wait_group(N);
}
inline void cp_async_wait_all() { ::fc_simt::cp_async_wait_all(); }

// Shared-memory loads / stores the bank model scores (under nvcc: plain accesses).
template <class T>
inline T lds(const T* p, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    ::fc_simt::smem_access(p, sizeof(T), ::fc_simt::SmemLoad, file, line);
    return *p;
}
template <class T>
inline void sts(T* p, const T& v, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
    ::fc_simt::smem_access(p, sizeof(T), ::fc_simt::SmemStore, file, line);
    *p = v;
}

inline void ldmatrix_x1(uint32_t (&r)[1], const void* smem_row, const char* file = __builtin_FILE(),
                       int line = __builtin_LINE()) {
    ::fc_simt::ldmatrix(1, false, r, smem_row, file, line);
}
inline void ldmatrix_x2(uint32_t (&r)[2], const void* smem_row, const char* file = __builtin_FILE(),
                       int line = __builtin_LINE()) {
    ::fc_simt::ldmatrix(2, false, r, smem_row, file, line);
}
inline void ldmatrix_x4(uint32_t (&r)[4], const void* smem_row, const char* file = __builtin_FILE(),
                       int line = __builtin_LINE()) {
    ::fc_simt::ldmatrix(4, false, r, smem_row, file, line);
}
inline void ldmatrix_x1_trans(uint32_t (&r)[1], const void* smem_row, const char* file = __builtin_FILE(),
                             int line = __builtin_LINE()) {
    ::fc_simt::ldmatrix(1, true, r, smem_row, file, line);
}
inline void ldmatrix_x2_trans(uint32_t (&r)[2], const void* smem_row, const char* file = __builtin_FILE(),
                             int line = __builtin_LINE()) {
    ::fc_simt::ldmatrix(2, true, r, smem_row, file, line);
}
inline void ldmatrix_x4_trans(uint32_t (&r)[4], const void* smem_row, const char* file = __builtin_FILE(),
                             int line = __builtin_LINE()) {
    ::fc_simt::ldmatrix(4, true, r, smem_row, file, line);
}

inline void mma_m16n8k8_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], const float (&c)[4]) {
    ::fc_simt::mma_tf32_m16n8k8(d, a, b, c);
}
inline void mma_m16n8k16_f16(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2], const float (&c)[4]) {
    ::fc_simt::mma_f16_m16n8k16(d, a, b, c);
}

// wgmma: shared-memory addresses are the dynamic shared memory's window base (set_smem_base, default 0) +
// byte offsets in it (what the descriptors encode); the ops are warp collectives of each warp of the warpgroup (a warp's 16
// accumulator rows depend on its 16 A rows and all of B only).
inline uint32_t smem_addr_(const void* p) { return ::fc_simt::smem_address(p); }
inline void fence_proxy_async_smem() { ::fc_simt::fence_proxy_async(); }
inline void wgmma_fence() { ::fc_simt::wgmma_fence(); }
inline void mbar_init(uint64_t* bar, unsigned count) { ::fc_simt::mbarrier_init(bar, count); }
inline void mbar_arrive(uint64_t* bar) { ::fc_simt::mbarrier_arrive(bar); }
inline void mbar_wait(uint64_t* bar, unsigned parity) { ::fc_simt::mbarrier_wait_parity(bar, parity); }
inline void bar_sync_named(unsigned id, unsigned count) { ::fc_simt::named_barrier_sync(id, count); }
inline unsigned cluster_ctarank() { return ::fc_simt::cluster_ctarank(); }
inline unsigned cluster_nctarank() { return ::fc_simt::cluster_nctarank(); }
inline void cluster_arrive() { ::fc_simt::cluster_arrive(); }
inline void cluster_wait() { ::fc_simt::cluster_wait(); }
inline uint32_t cluster_map_shared(uint32_t smem_window_addr, unsigned rank) {
    return ::fc_simt::cluster_map_shared(smem_window_addr, rank);
}
inline void st_cluster_v4(uint32_t cluster_addr, const float4& v) { ::fc_simt::cluster_store(cluster_addr, &v, 16); }
inline void mbar_arrive_cluster(uint64_t* bar, unsigned rank) { ::fc_simt::mbarrier_arrive_cluster(bar, rank); }
typedef ::fc_simt::TensorMap TmaDesc;  // under nvcc: CUtensorMap
inline void fence_mbarrier_init() {}   // the emulation's barriers are visible at init
inline void mbar_arrive_expect_tx(uint64_t* bar, unsigned bytes) { ::fc_simt::mbarrier_arrive_expect_tx(bar, bytes); }
inline void tma_load_2d(void* dst, const TmaDesc* map, uint64_t* bar, int c0, int c1) {
    ::fc_simt::tma_copy_2d(dst, map, bar, c0, c1);
}
inline void tma_load_2d_multicast(void* dst, const TmaDesc* map, uint64_t* bar, int c0, int c1, uint16_t cta_mask) {
    ::fc_simt::tma_copy_2d_multicast(dst, map, bar, c0, c1, cta_mask);
}
inline void tma_load_4d(void* dst, const TmaDesc* map, uint64_t* bar, int c0, int c1, int c2, int c3) {
    ::fc_simt::tma_copy_4d(dst, map, bar, c0, c1, c2, c3);
}
inline void tma_load_im2col_4d(void* dst, const TmaDesc* map, uint64_t* bar, int c, int w, int h, int n, uint16_t ow,
                               uint16_t oh) {
    ::fc_simt::tma_copy_im2col_4d(dst, map, bar, c, w, h, n, ow, oh);
}
inline void tma_load_im2col_4d_multicast(void* dst, const TmaDesc* map, uint64_t* bar, int c, int w, int h, int n,
                                         uint16_t ow, uint16_t oh, uint16_t cta_mask) {
    ::fc_simt::tma_copy_im2col_4d_multicast(dst, map, bar, c, w, h, n, ow, oh, cta_mask);
}
inline void wgmma_commit() { ::fc_simt::wgmma_commit(); }
template <int N>
inline void wgmma_wait() {
    ::fc_simt::wgmma_wait(N);
}
template <int N>
inline void wgmma_m64k16_f16(float (&d)[N / 8][4], uint64_t desc_a, uint64_t desc_b) {
    ::fc_simt::wgmma_f16(N, &d[0][0], desc_a, desc_b);
}
template <int N>
inline void wgmma_m64k16_f16_rs(float (&d)[N / 8][4], const uint32_t (&a)[4], uint64_t desc_b) {
    ::fc_simt::wgmma_f16_rs(N, &d[0][0], a, desc_b);
}
template <int N>
inline void wgmma_m64k8_tf32(float (&d)[N / 8][4], uint64_t desc_a, uint64_t desc_b) {
    ::fc_simt::wgmma_tf32(N, &d[0][0], desc_a, desc_b);
}

}  // namespace cuda
}  // namespace fc

#endif  // FC_SIMT_SIMT_H
