// simt.cpp -- runtime of the host SIMT emulation (see simt.h for the model).
#include "simt/simt.h"
#include "simt/smem_banks.h"

#include <cxxabi.h>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <tuple>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>

#if defined(__SANITIZE_ADDRESS__)
#define FC_SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FC_SIMT_ASAN 1
#endif
#endif
#ifndef FC_SIMT_ASAN
#define FC_SIMT_ASAN 0
#endif

#if FC_SIMT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__x86_64__) && !defined(FC_SIMT_USE_UCONTEXT)
#define FC_SIMT_ASM_SWITCH 1
#else
#define FC_SIMT_ASM_SWITCH 0
#include <ucontext.h>
#endif

// ---------------------------------------------------------------------------
// x86-64 context switch: save callee-saved registers + MXCSR/x87 control word
// on the current stack, store sp in *save_sp, load new_sp, restore, return.
// A fresh fiber's stack is prepared so that the first switch "returns" into
// fc_simt_trampoline with r12 = argument and r13 = entry function.
// ---------------------------------------------------------------------------
#if FC_SIMT_ASM_SWITCH
extern "C" void fc_simt_switch(void** save_sp, void* new_sp);
extern "C" void fc_simt_trampoline();
__asm__(R"(
    .text
    .p2align 4
    .globl fc_simt_switch
    .hidden fc_simt_switch
    .type fc_simt_switch,@function
fc_simt_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fc_simt_switch,.-fc_simt_switch

    .p2align 4
    .globl fc_simt_trampoline
    .hidden fc_simt_trampoline
    .type fc_simt_trampoline,@function
fc_simt_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r12, %rdi
    andq $-16, %rsp
    callq *%r13
    ud2
    .cfi_endproc
    .size fc_simt_trampoline,.-fc_simt_trampoline
)");
#endif

namespace fc_simt {

namespace {
ThreadCtx g_host_ctx;  // what threadIdx & co. read outside kernels (all zero)
}
__thread ThreadCtx* g_current = &g_host_ctx;

namespace {

constexpr uint64_t kCanary = 0xC0FFEE5EEDF00D17ull;

enum class FState : int { Runnable, AtBarrier, AtWarp, AtNamed, AtMbar, AtCluster, Exited };

enum Op : int {
    OpNone = 0,
    OpSyncwarp,
    OpShflIdx, OpShflUp, OpShflDown, OpShflBfly,
    OpBallot, OpAny, OpAll,
    OpLdm1, OpLdm2, OpLdm4, OpLdm1T, OpLdm2T, OpLdm4T,
    OpMmaTf32, OpMmaF16,
    OpWgmmaFence, OpWgmmaCommit, OpWgmmaWait, OpWgmmaF16, OpWgmmaF16Rs, OpWgmmaTf32,
};

const char* op_name(int op) {
    switch (op) {
        case OpSyncwarp: return "__syncwarp";
        case OpShflIdx: return "__shfl_sync";
        case OpShflUp: return "__shfl_up_sync";
        case OpShflDown: return "__shfl_down_sync";
        case OpShflBfly: return "__shfl_xor_sync";
        case OpBallot: return "__ballot_sync";
        case OpAny: return "__any_sync";
        case OpAll: return "__all_sync";
        case OpLdm1: return "ldmatrix_x1";
        case OpLdm2: return "ldmatrix_x2";
        case OpLdm4: return "ldmatrix_x4";
        case OpLdm1T: return "ldmatrix_x1_trans";
        case OpLdm2T: return "ldmatrix_x2_trans";
        case OpLdm4T: return "ldmatrix_x4_trans";
        case OpMmaTf32: return "mma_m16n8k8_tf32";
        case OpMmaF16: return "mma_m16n8k16_f16";
        case OpWgmmaFence: return "wgmma_fence";
        case OpWgmmaCommit: return "wgmma_commit";
        case OpWgmmaWait: return "wgmma_wait";
        case OpWgmmaF16: return "wgmma_m64k16_f16";
        case OpWgmmaF16Rs: return "wgmma_m64k16_f16_rs";
        case OpWgmmaTf32: return "wgmma_m64k8_tf32";
        default: return "?";
    }
}

struct Slot {
    uint32_t in[10];
    uint32_t out[4];
    const void* ptr;
    const void* ptr2;  // wgmma with A from registers: the lane's A fragment
    const char* file;  // ldmatrix: call site
    int line;
    int b;
    int width;
};

struct SmemRec {  // one lane's recorded shared-memory access, waiting to be scored
    const char* file;  // call site
    int line;
    uint64_t seg;      // cp.async groups the lane had committed before it
    uint32_t idx;      // the lane's accesses before it since the warp last stood together
    uint32_t off;
    uint8_t bytes;
    uint8_t kind;
};

// One issued wgmma.mma_async of a warp (its 16 rows of the warpgroup's m64 tile), performed at the
// wgmma_wait that retires its group: shared memory is read then, as late as the hardware may read it.
struct WgmmaOp {
    uint64_t group;    // commit group (the warp's open group when issued)
    uint64_t desc_a, desc_b;
    int n;             // N of m64nNk16
    float* d[32];      // each lane's accumulator fragment d[N / 8][4]
    const uint32_t* a[32];  // A from registers: each lane's fragment a[4] (read at the wait); else null
    bool tf32;              // m64nNk8 tf32 (fp32 operands, 128-byte swizzle) instead of m64nNk16 f16
    uint64_t operand_hash;  // of the shared bytes it reads, at issue: they must not change before it is performed
    std::vector<uint32_t> chunks;  // the shared offsets of the 16-byte chunks it reads (a TMA load into one races)
};

// One warpgroup-wide instruction (wgmma.fence / commit_group / wait_group / mma_async: .sync.aligned, so
// every warp of the warpgroup must execute the same sequence of them): its op and operands.
struct WgInstr {
    int op;
    int n;  // wait: N; mma: N of the shape
    uint64_t desc_a, desc_b;
    bool operator==(const WgInstr& o) const {
        return op == o.op && n == o.n && desc_a == o.desc_a && desc_b == o.desc_b;
    }
};

struct Warp {
    std::vector<WgmmaOp> wgmma;  // issued, not yet performed (issue order)
    size_t wg_seq = 0;           // warpgroup instructions this warp has executed (Block::wg_log)
    uint64_t wgmma_open = 0;     // id of the open (uncommitted) wgmma group
    bool wgmma_fenced = false;   // a wgmma_fence since the last wgmma_wait
    unsigned exist = 0;    // lanes that exist in this warp
    unsigned exited = 0;   // lanes that have exited
    unsigned arrived = 0;  // lanes waiting in the pending collective
    unsigned mask = 0;     // participants of the pending collective
    int op = OpNone;
    Slot slot[32];
    std::vector<SmemRec> rec[32];  // per lane, in program order, since the warp last stood together
};

struct CpCopy {
    void* dst;
    const void* src;
    uint64_t group;
    uint32_t size;
    uint32_t src_bytes;
};

struct Stack {
    char* map = nullptr;  // mapping start (guard page)
    size_t map_size = 0;
    char* lo = nullptr;   // lowest usable byte (canary here)
    size_t size = 0;      // usable bytes
};

}  // namespace

struct Fiber {
    ThreadCtx ctx;
    FState state = FState::Runnable;
#if FC_SIMT_ASM_SWITCH
    void* sp = nullptr;
#else
    ucontext_t uc;
#endif
    Stack* stack = nullptr;
    void* asan_fake = nullptr;
    std::vector<CpCopy> cp;  // pending copies, in issue order
    uint64_t cp_open = 0;    // id of the open (uncommitted) group
    // this thread's last generic-proxy shared write (for messages): an sts's file and line, or line -1
    // for cp.async data a wait landed
    const char* last_write_file = nullptr;
    int last_write_line = 0;
    const void* mbar = nullptr;  // AtMbar: the mbarrier waited on, and the parity of the awaited phase
    unsigned mbar_parity = 0;
    unsigned named_id = 0;       // AtNamed: the barrier id
    unsigned gid = 0;            // index among the fibers of the running cluster (Runtime::fibers, t_epoch)
    bool cl_arrived = false;     // cluster_arrive done, its cluster_wait not yet
    uint64_t cl_phase = 0;       // the cluster barrier phase of that arrival
};

namespace {
struct TmaChunk {  // 16 bytes of a TMA load, landing at a dynamic-shared-memory offset
    uint32_t off;
    unsigned char b[16];
};
struct MBar {  // an mbarrier's state (simt.h "mbarrier", "TMA")
    unsigned count = 0;    // arrivals per phase
    unsigned pending = 0;  // arrivals the current phase still needs
    uint64_t phase = 0;    // phases completed
    int64_t tx = 0;        // transaction bytes announced (expect_tx) minus bytes of the loads issued
    std::vector<TmaChunk> landing;  // the current phase's issued loads' bytes
    std::vector<TmaChunk> landed;   // a completed phase's bytes, written when a waiter observes the phase
};
}  // namespace

// The fibers of one block: a slice of Runtime::fibers (a cluster's blocks are consecutive slices).
struct FiberSpan {
    Fiber* first = nullptr;
    unsigned n = 0;
    Fiber* begin() const { return first; }
    Fiber* end() const { return first + n; }
    Fiber& operator[](size_t i) const { return first[i]; }
};
struct Cluster;

struct Block {
    const char* kernel = "";
    unsigned nthreads = 0;
    FiberSpan fibers;
    unsigned rank = 0;       // in its cluster
    size_t wr_base = 0;      // this block's first entry in Runtime::wr_thread / wr_epoch
    uint64_t remote_epoch = 0;  // marks this run of the block's remote (cluster_store) writes in wr_epoch
    Cluster* cluster = nullptr;
    std::vector<Warp> warps;
    unsigned barrier_arrived = 0;
    unsigned exited = 0;
    int first_exited = -1;
    std::string error;  // set when a fiber failed in throw mode
    unsigned char* smem = nullptr;
    size_t smem_size = 0;
    std::vector<std::vector<WgInstr>> wg_log;  // per warpgroup: its instructions in order, as first executed
    std::map<const void*, MBar> mbars;         // initialized mbarriers of this block
    unsigned named_arrived[16] = {};           // named barriers: threads waiting, and the round's count
    unsigned named_count[16] = {};
};

// A thread block cluster's state (simt.h "Thread block clusters"); a launch without clusters runs clusters of one.
struct Cluster {
    Block* blocks = nullptr;  // size of them, by rank
    unsigned size = 1;
    unsigned threads = 0;     // of all its blocks
    unsigned arrived = 0;     // threads arrived in the current phase of the cluster barrier
    uint64_t phase = 0;       // phases completed
    unsigned exited = 0;      // threads of the cluster that have exited
    std::string first_exit;   // which, for messages
};

namespace {

// ---- per-OS-thread runtime state ----
struct Runtime {
#if FC_SIMT_ASM_SWITCH
    void* sched_sp = nullptr;
#else
    ucontext_t sched_uc;
#endif
    void* sched_fake = nullptr;
    const void* main_bottom = nullptr;
    size_t main_size = 0;
    std::vector<Stack> stacks;
    size_t stack_size = 0;  // requested usable size
    std::vector<Fiber> fibers;
    Block* block = nullptr;
    void (*thunk)(void*) = nullptr;
    void* thunk_arg = nullptr;
    uint64_t switches = 0;
    uint32_t fp_ctrl[2] = {0x1f80u, 0x037fu};
    Schedule schedule = Schedule::Forward;
    std::mt19937_64 rng{1};
    bool schedule_from_env_done = false;
    SmemTotals smem;
    // Async-proxy visibility (wgmma operands, see simt.h): per shared byte, 1 + the thread that last wrote
    // it through the generic proxy and that thread's fence epoch then; per thread, its current epoch. A
    // byte is unfenced while its writer's epoch is unchanged; fence_proxy_async and each block start give
    // the thread a new epoch from one counter that never repeats, so stale entries (earlier blocks and
    // launches) never match and the arrays need no clearing.
    std::vector<uint16_t> wr_thread;
    std::vector<uint64_t> wr_epoch;
    std::vector<uint64_t> t_epoch;
    uint64_t epoch_counter = 0;
    struct SiteCount {
        SmemCount count;
        std::string example;
    };
    std::map<std::tuple<const char*, int, int, unsigned>, SiteCount> smem_sites;  // (file, line, kind, bytes)
    // Kept from launch to launch so that a launch allocates nothing once they have grown (under ASan every
    // allocation is slow and a freed one is quarantined, so the next launch's would be fresh pages): the
    // blocks (their warps -- access records and wgmma queues -- and warpgroup logs), the dynamic shared memory
    // (its bytes past each block's size poisoned under ASan) and smem_score_warp's per-site scratch.
    std::vector<Block> blocks;  // a cluster's blocks (one without clusters), with their warps and warpgroup logs
    unsigned char* smem_buf = nullptr;
    size_t smem_cap = 0;
    struct ScoreSite {
        const char* file;
        int line;
        uint64_t seg;
        std::array<std::vector<const SmemRec*>, 32> per_lane;
    };
    std::vector<float> wgmma_b;          // wgmma_perform's B operand
    std::vector<ScoreSite> score_sites;  // smem_score_warp's; only the ones a call fills are valid
    Runtime() = default;
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;
    ~Runtime() { std::free(smem_buf); }
};

// Reached through a trivially initialized thread_local pointer: a thread_local object with a constructor
// would cost a TLS-wrapper call on every access (the emulation's hottest paths use it).
thread_local Runtime* g_rt_ptr = nullptr;
[[gnu::noinline]] Runtime& make_runtime() {
    thread_local std::unique_ptr<Runtime> owner;  // destroys it when the thread exits
    owner.reset(new Runtime);
    return *(g_rt_ptr = owner.get());
}
inline Runtime& rt_state() {
    Runtime* r = g_rt_ptr;
    return r ? *r : make_runtime();
}
bool g_throw = false;
uint32_t g_smem_base = 0;  // set_smem_base
bool g_warn = std::getenv("FC_SIMT_WARN") != nullptr;

size_t page_size() {
    static size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return p;
}

size_t default_stack_size() {
    if (const char* e = std::getenv("FC_SIMT_STACK_KB")) {
        long kb = std::atol(e);
        if (kb > 0) return static_cast<size_t>(kb) * 1024;
    }
    return FC_SIMT_ASAN ? 256 * 1024 : 64 * 1024;
}

std::string dim_str(const dim3& d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "(%u,%u,%u)", d.x, d.y, d.z);
    return buf;
}

std::string where(const ThreadCtx& c) {
    std::string s = "fc_simt: kernel ";
    s += c.block ? c.block->kernel : "<host>";
    if (c.block) {
        s += " block " + dim_str(c.block_idx) + " thread " + dim_str(c.thread_idx);
        char buf[64];
        std::snprintf(buf, sizeof buf, " (warp %u lane %u)", c.warp, c.lane);
        s += buf;
    }
    return s + ": ";
}

void ensure_stacks(unsigned n) {
    Runtime& rt = rt_state();
    const size_t want = (rt.stack_size ? rt.stack_size : default_stack_size());
    const size_t ps = page_size();
    const size_t usable = (want + ps - 1) / ps * ps;
    if (!rt.stacks.empty() && rt.stacks[0].size != usable) {
        for (Stack& s : rt.stacks) munmap(s.map, s.map_size);
        rt.stacks.clear();
    }
    while (rt.stacks.size() < n) {
        Stack s;
        s.map_size = usable + ps;
        void* m = mmap(nullptr, s.map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            std::fprintf(stderr, "fc_simt: mmap of a fiber stack failed\n");
            std::abort();
        }
        s.map = static_cast<char*>(m);
        mprotect(s.map, ps, PROT_NONE);  // guard page below the stack
        s.lo = s.map + ps;
        s.size = usable;
        rt.stacks.push_back(s);
    }
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "%s\n", msg.c_str());
    std::fflush(stderr);
    std::abort();
}

void fiber_entry(void* arg);

// ---- context switching (with ASan fiber annotations) ----
inline void switch_to_fiber(Fiber* f) {
    Runtime& rt = rt_state();
    ++rt.switches;
    g_current = &f->ctx;
#if FC_SIMT_ASAN
    __sanitizer_start_switch_fiber(&rt.sched_fake, f->stack->lo, f->stack->size);
#endif
#if FC_SIMT_ASM_SWITCH
    fc_simt_switch(&rt.sched_sp, f->sp);
#else
    swapcontext(&rt.sched_uc, &f->uc);
#endif
#if FC_SIMT_ASAN
    __sanitizer_finish_switch_fiber(rt.sched_fake, nullptr, nullptr);
#endif
}

// From a fiber back to the scheduler. final: the fiber never resumes.
inline void switch_to_scheduler(Fiber* f, bool final) {
    Runtime& rt = rt_state();
    ++rt.switches;
#if FC_SIMT_ASAN
    __sanitizer_start_switch_fiber(final ? nullptr : &f->asan_fake, rt.main_bottom, rt.main_size);
#else
    (void)final;
#endif
#if FC_SIMT_ASM_SWITCH
    fc_simt_switch(&f->sp, rt.sched_sp);
#else
    swapcontext(&f->uc, &rt.sched_uc);
#endif
#if FC_SIMT_ASAN
    __sanitizer_finish_switch_fiber(f->asan_fake, nullptr, nullptr);
#endif
}

#if !FC_SIMT_ASM_SWITCH
void uc_entry(unsigned hi, unsigned lo) {
    fiber_entry(reinterpret_cast<void*>((static_cast<uintptr_t>(hi) << 32) | lo));
}
#endif

void init_fiber_context(Fiber* f) {
    Stack* s = f->stack;
#if FC_SIMT_ASAN
    __asan_unpoison_memory_region(s->lo, s->size);
#endif
    *reinterpret_cast<uint64_t*>(s->lo) = kCanary;
#if FC_SIMT_ASM_SWITCH
    uintptr_t top = (reinterpret_cast<uintptr_t>(s->lo) + s->size) & ~uintptr_t(15);
    uint64_t* w = reinterpret_cast<uint64_t*>(top) - 8;
    const Runtime& rt = rt_state();
    w[0] = static_cast<uint64_t>(rt.fp_ctrl[0]) | (static_cast<uint64_t>(rt.fp_ctrl[1]) << 32);
    w[1] = 0;                                             // r15
    w[2] = 0;                                             // r14
    w[3] = reinterpret_cast<uint64_t>(&fiber_entry);      // r13: entry
    w[4] = reinterpret_cast<uint64_t>(f);                 // r12: argument
    w[5] = 0;                                             // rbx
    w[6] = 0;                                             // rbp
    w[7] = reinterpret_cast<uint64_t>(&fc_simt_trampoline);  // return address
    f->sp = w;
#else
    getcontext(&f->uc);
    f->uc.uc_stack.ss_sp = s->lo;
    f->uc.uc_stack.ss_size = s->size;
    f->uc.uc_link = nullptr;
    uintptr_t p = reinterpret_cast<uintptr_t>(f);
    makecontext(&f->uc, reinterpret_cast<void (*)()>(&uc_entry), 2, static_cast<unsigned>(p >> 32),
                static_cast<unsigned>(p & 0xffffffffu));
#endif
}

Fiber* cur_fiber(const char* what) {
    ThreadCtx* c = g_current;
    if (!c->block) {
        std::string m = "fc_simt: ";
        m += what;
        m += " called outside a kernel launched by fc_simt::launch";
        if (g_throw) throw SimtError(m);
        die(m);
    }
    return c->fiber;
}

// Runtime::wr_thread's mark for a byte another block of the cluster wrote (cluster_store).
constexpr uint16_t kRemoteWriter = 0xFFFFu;

// Perform copies of groups with id < limit (in issue order).
// Generic-proxy write of [p, p + bytes) by f (sts, or cp.async data landing): unfenced until f's next
// fence_proxy_async (see Runtime::wr_thread).
void note_generic_write(Fiber* f, const void* p, uint32_t bytes) {
    const Block& b = *f->ctx.block;
    const uintptr_t a = reinterpret_cast<uintptr_t>(p), base = reinterpret_cast<uintptr_t>(b.smem);
    if (!b.smem || a < base || a + bytes > base + b.smem_size) return;
    const size_t off = b.wr_base + (a - base);
    const uint16_t who = static_cast<uint16_t>(f->ctx.linear + 1);
    Runtime& rt = rt_state();
    const uint64_t ep = rt.t_epoch[f->gid];
    for (uint32_t i = 0; i < bytes; ++i) {
        rt.wr_thread[off + i] = who;
        rt.wr_epoch[off + i] = ep;
    }
}

void cp_complete(Fiber* f, uint64_t limit) {
    size_t k = 0;
    for (; k < f->cp.size() && f->cp[k].group < limit; ++k) {
        const CpCopy& c = f->cp[k];
        if (c.src_bytes) std::memcpy(c.dst, c.src, c.src_bytes);
        if (c.src_bytes < c.size) std::memset(static_cast<char*>(c.dst) + c.src_bytes, 0, c.size - c.src_bytes);
        note_generic_write(f, c.dst, c.size);
    }
    f->cp.erase(f->cp.begin(), f->cp.begin() + static_cast<std::ptrdiff_t>(k));
    if (k) {
        f->last_write_file = "cp.async data landed by a cp_async_wait";
        f->last_write_line = -1;
    }
}

std::string lanes_str(unsigned m) {
    std::string s = "{";
    bool first = true;
    for (int l = 0; l < 32; ++l)
        if (m & (1u << l)) {
            if (!first) s += ",";
            s += std::to_string(l);
            first = false;
        }
    return s + "}";
}

// Thrown inside a failing fiber in throw mode: unwinds the fiber's own stack
// (running destructors) up to fiber_entry, which then hands control back to
// the scheduler for good.  Not derived from std::exception on purpose.
struct FiberAbort {};

[[noreturn]] void fiber_fail(Fiber* f, const std::string& msg) {
    std::string full = where(f->ctx) + msg;
    if (!g_throw) die(full);
    f->ctx.block->error = std::move(full);
    throw FiberAbort{};
}

void fiber_exit_checks(Fiber* f) {
    Block* b = f->ctx.block;
    Warp& w = b->warps[f->ctx.warp];
    const unsigned bit = 1u << f->ctx.lane;
    if (b->barrier_arrived > 0) {
        fiber_fail(f, "divergent barrier: thread exits while " + std::to_string(b->barrier_arrived) +
                          " other thread(s) of the block wait at __syncthreads()");
    }
    if (w.arrived && (w.mask & bit)) {
        fiber_fail(f, std::string("lane exits while lanes ") + lanes_str(w.arrived) + " wait for it in " +
                          op_name(w.op));
    }
    Cluster& cl = *b->cluster;
    if (cl.arrived > 0)
        fiber_fail(f, "divergent cluster barrier: thread exits while " + std::to_string(cl.arrived) +
                          " thread(s) of the cluster wait at the cluster barrier (cluster_arrive / cluster_wait)");
    w.exited |= bit;
    if (b->exited++ == 0) b->first_exited = static_cast<int>(f->ctx.linear);
    if (cl.exited++ == 0 && cl.size > 1) cl.first_exit = where(f->ctx);
}

void fiber_body(Fiber* f) {  // may throw FiberAbort
    Runtime& rt = rt_state();
    std::string escaped;
    try {
        rt.thunk(rt.thunk_arg);
    } catch (FiberAbort&) {
        throw;
    } catch (const std::exception& e) {
        escaped = std::string("exception escaped the kernel: ") + e.what();
    } catch (...) {
        escaped = "exception escaped the kernel";
    }
    if (!escaped.empty()) fiber_fail(f, escaped);
    if (!f->cp.empty()) {
        if (g_warn)
            std::fprintf(stderr, "%sthread exits with %zu cp.async copies never waited for (performed now)\n",
                         where(f->ctx).c_str(), f->cp.size());
        cp_complete(f, UINT64_MAX);
    }
    if (!f->ctx.block->warps[f->ctx.warp].wgmma.empty())
        fiber_fail(f, "thread exits with " + std::to_string(f->ctx.block->warps[f->ctx.warp].wgmma.size()) +
                          " wgmma of its warp never waited for (wgmma_wait<0> missing: the accumulators would be "
                          "undefined)");
    if (*reinterpret_cast<uint64_t*>(f->stack->lo) != kCanary)
        fiber_fail(f, "fiber stack overflow (canary overwritten); raise FC_SIMT_STACK_KB");
    fiber_exit_checks(f);
}

void fiber_entry(void* arg) {
    Fiber* f = static_cast<Fiber*>(arg);
#if FC_SIMT_ASAN
    Runtime& rt = rt_state();
    __sanitizer_finish_switch_fiber(nullptr, &rt.main_bottom, &rt.main_size);
#endif
    try {
        fiber_body(f);
    } catch (FiberAbort&) {
    }
    f->state = FState::Exited;
    switch_to_scheduler(f, true);
    die("fc_simt: internal error: exited fiber resumed");
}

inline void block_wait(Fiber* f, FState st) {
    f->state = st;
    switch_to_scheduler(f, false);
}

// ---- warp collectives ----
void compute_collective(Warp& w, Fiber* caller);

// ---- shared-memory bank accounting ----
// Byte offset of p for the bank model: relative to the block's dynamic shared memory, else (a static
// __shared__ variable) the host address.
uint32_t smem_offset(const Block& b, const void* p) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p), base = reinterpret_cast<uintptr_t>(b.smem);
    if (b.smem && a >= base && a < base + b.smem_size) return static_cast<uint32_t>(a - base);
    return static_cast<uint32_t>(a);
}

// Adds one scored warp instruction to the totals; the first conflict of a kind becomes its example.
void smem_score(const Block& b, unsigned warp, int kind, const LaneAccess* lanes, unsigned active,
                const char* file = nullptr, int line = 0) {
    const Wavefronts wf = smem_wavefronts(lanes, active);
    uint32_t bytes = 0;
    for (int l = 0; l < 32; ++l)
        if (active >> l & 1u) bytes = lanes[l].bytes;
    Runtime& rt = rt_state();
    Runtime::SiteCount& site = rt.smem_sites[std::make_tuple(file, line, kind, bytes)];
    for (SmemCount* c : {&rt.smem.kind[kind], &site.count}) {
        ++c->instr;
        c->ideal += static_cast<uint64_t>(wf.ideal);
        c->wavefronts += static_cast<uint64_t>(wf.actual);
        c->conflicted += wf.actual > wf.ideal;
    }
    if (wf.actual <= wf.ideal) return;
    std::string& ex = site.example;
    if (!ex.empty()) return;
    std::ostringstream o;
    const dim3 bi = b.fibers[warp * 32].ctx.block_idx;
    o << b.kernel << " block (" << bi.x << "," << bi.y << "," << bi.z << ") warp " << warp << ": ";
    if (file) o << file << ":" << line << ": ";
    o << smem_kind_name(kind) << " of " << bytes << " B/lane, " << wf.actual << " wavefronts (ideal " << wf.ideal
      << "); lane:offset";
    for (int l = 0; l < 32; ++l)
        if (active >> l & 1u) o << " " << l << ":" << lanes[l].off;
    ex = o.str();
}

// Scores the per-lane records of warp wi (called where the whole warp stands together): per call
// site, the i-th record of each lane is one instruction of the lanes that have an i-th record there.
// Records of one site and index whose kind or size differ between lanes are left unscored.
void smem_score_warp(Block& b, unsigned wi) {
    Warp& w = b.warps[wi];
    bool any = false;
    for (int l = 0; l < 32 && !any; ++l) any = !w.rec[l].empty();
    if (!any) return;
    // (site, commit count, lane) -> that lane's records there, in program order. The commit count
    // separates two runs of one site (a loop with per-lane trip counts issued for two tiles between the
    // same barriers): lanes commit cp.async groups at the same program points.
    // Sites are few per window: a linear search from the last one found (a lane's records mostly come
    // from one site in a row) into scratch that keeps its capacity; their order does not matter.
    Runtime& rt = rt_state();
    std::vector<Runtime::ScoreSite>& sites = rt.score_sites;
    size_t used = 0, last = 0;
    for (int l = 0; l < 32; ++l)
        for (const SmemRec& r : w.rec[l]) {
            size_t s = last;
            if (s >= used || sites[s].file != r.file || sites[s].line != r.line || sites[s].seg != r.seg) {
                for (s = 0; s < used; ++s)
                    if (sites[s].file == r.file && sites[s].line == r.line && sites[s].seg == r.seg) break;
                if (s == used) {
                    if (used == sites.size()) sites.emplace_back();
                    Runtime::ScoreSite& n = sites[used++];
                    n.file = r.file;
                    n.line = r.line;
                    n.seg = r.seg;
                    for (auto& v : n.per_lane) v.clear();
                }
            }
            last = s;
            sites[s].per_lane[static_cast<size_t>(l)].push_back(&r);
        }
    LaneAccess acc[32] = {};
    for (size_t si = 0; si < used; ++si) {
        const Runtime::ScoreSite& site = sites[si];
        const auto& per_lane = site.per_lane;
        size_t n = 0;
        for (const auto& v : per_lane) n = std::max(n, v.size());
        for (size_t i = 0; i < n; ++i) {
            unsigned todo = 0;
            for (int l = 0; l < 32; ++l)
                if (per_lane[static_cast<size_t>(l)].size() > i) todo |= 1u << l;
            // Lanes that got here after different numbers of accesses (divergent code earlier in the
            // window, e.g. a branch inside a loop) ran different instances: scored apart. That can
            // hide a conflict, never invent one.
            while (todo) {
                const SmemRec* r0 = per_lane[static_cast<size_t>(__builtin_ctz(todo))][i];
                unsigned lanes = 0;
                bool same = true;
                for (unsigned m = todo; m; m &= m - 1) {
                    const int l = __builtin_ctz(m);
                    const SmemRec* r = per_lane[static_cast<size_t>(l)][i];
                    if (r->idx != r0->idx) continue;
                    same &= r->kind == r0->kind && r->bytes == r0->bytes;
                    acc[l] = LaneAccess{r->off, r->bytes};
                    lanes |= 1u << l;
                }
                todo &= ~lanes;
                if (same)
                    smem_score(b, wi, r0->kind, acc, lanes, site.file, site.line);
                else
                    for (unsigned m = lanes; m; m &= m - 1)
                        ++rt.smem.kind[per_lane[static_cast<size_t>(__builtin_ctz(m))][i]->kind].unscored;
            }
        }
    }
    for (auto& r : w.rec) r.clear();
}

void smem_score_block(Block& b) {
    for (unsigned wi = 0; wi < b.warps.size(); ++wi) smem_score_warp(b, wi);
}

// Deposit done by caller into w.slot[lane]; returns when the collective is complete.
void rendezvous(Fiber* f, int op, unsigned mask) {
    Block* b = f->ctx.block;
    Warp& w = b->warps[f->ctx.warp];
    const unsigned bit = 1u << f->ctx.lane;
    mask &= w.exist;
    if (!(mask & bit))
        fiber_fail(f, std::string(op_name(op)) + ": calling lane is not in the member mask");
    if (w.arrived == 0) {
        w.op = op;
        w.mask = mask;
    } else if (w.op != op || w.mask != mask) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "0x%08x", mask);
        char buf2[64];
        std::snprintf(buf2, sizeof buf2, "0x%08x", w.mask);
        fiber_fail(f, std::string("inconsistent warp collective: this lane calls ") + op_name(op) + " mask " + buf +
                          " while lanes " + lanes_str(w.arrived) + " wait in " + op_name(w.op) + " mask " + buf2);
    }
    if (mask & w.exited)
        fiber_fail(f, std::string(op_name(op)) + ": member lanes " + lanes_str(mask & w.exited) + " have exited");
    w.arrived |= bit;
    if (w.arrived == mask) {
        if (mask == (w.exist & ~w.exited)) smem_score_warp(*b, f->ctx.warp);  // program order: before this op
        compute_collective(w, f);
        w.arrived = 0;
        w.op = OpNone;
        const FiberSpan fib = b->fibers;
        const unsigned base = f->ctx.warp * 32;
        for (unsigned m = mask & ~bit; m; m &= m - 1) fib[base + static_cast<unsigned>(__builtin_ctz(m))].state = FState::Runnable;
    } else {
        block_wait(f, FState::AtWarp);
    }
}

inline uint32_t f2u(float x) { uint32_t u; std::memcpy(&u, &x, 4); return u; }
inline float u2f(uint32_t u) { float x; std::memcpy(&x, &u, 4); return x; }
inline uint32_t tf32_operand(uint32_t u) {
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu)) return u | 0x00400000u;  // keep NaN a NaN
    return u & 0xffffe000u;
}

// Offset in the dynamic shared memory of byte kb (of the instruction's 32-byte k slice) in row `row` of a K-major
// operand described by a wgmma matrix descriptor (PTX ISA, "Matrix Descriptor Format"): start address
// bits 0-13, leading byte offset 16-29, stride byte offset 32-45, base offset 49-51, swizzle mode 62-63
// (addresses >> 4). Accepted: swizzle mode 2 (64 bytes: f16 rows of 32) or 1 (128 bytes: fp32 rows of
// 32, f16 rows of 64), base offset 0, the matrix starting at row 0 of a swizzle atom (8 rows of W = 64 / 128 bytes) + a
// multiple of 32 bytes, the 32-byte k slice (k16 f16 / k8 tf32) inside the row -- or, 128-byte swizzle only, at
// any row of an atom (the WIDE halo form's taps) with the ISA's base offset for such a start, (start >> 7) & 7,
// and an SBO of whole 1024-byte atoms: the two readings of the ISA (the phase of the XOR from the row's absolute
// address, or from the base offset + the row in its group) then agree, and the emulation refuses every other
// start inside an atom, where they would not. Rows 8i..8i+7 lie SBO
// bytes after rows 8(i-1)..; inside an atom row r is at W r, and the 16-byte chunk c of a row is stored
// at c ^ ((address >> 7) & (W / 16 - 1)) -- the XOR applied to the absolute address (set_smem_base),
// which is why atoms must be aligned (the kernels align their buffers: align_smem). LBO is unused by
// swizzled K-major layouts. And mode 0 (no swizzle, the ISA's canonical K-major layout
// ((8,m),(T,2k)):((1T,SBO),(1,LBO)) in 16-byte units): "core matrices" of 8 rows x 16 bytes stored as
// 128 contiguous bytes, row r of one at 16 r; the next 8 rows SBO bytes on, the next 16 bytes of k LBO
// bytes on; the start needs only 16-byte alignment (a probe case: shifted starts, as halo rows would be).
uint32_t wgmma_operand_offset(uint64_t desc, int row, int kb, Fiber* caller) {
    const uint32_t start = static_cast<uint32_t>(desc & 0x3fffu) << 4;
    const uint32_t lbo = static_cast<uint32_t>((desc >> 16) & 0x3fffu) << 4;
    const uint32_t sbo = static_cast<uint32_t>((desc >> 32) & 0x3fffu) << 4;
    const unsigned base_offset = static_cast<unsigned>((desc >> 49) & 7u), mode = static_cast<unsigned>(desc >> 62);
    if (mode != 0 && mode != 1 && mode != 2)
        fiber_fail(caller, "wgmma descriptor: swizzle mode " + std::to_string(mode) +
                               " (the emulation implements no swizzle and the 64- and 128-byte swizzles, modes 0, 2 "
                               "and 1)");
    if (base_offset && mode != 1)
        fiber_fail(caller, "wgmma descriptor: base offset " + std::to_string(base_offset) + " != 0");
    if (mode == 0) {
        const uint32_t addr = start + static_cast<uint32_t>(row / 8) * sbo + static_cast<uint32_t>(row % 8) * 16u +
                              static_cast<uint32_t>(kb / 16) * lbo + static_cast<uint32_t>(kb % 16);
        if (addr < g_smem_base)
            fiber_fail(caller, "wgmma operand at shared address " + std::to_string(addr) +
                                   ", below the dynamic shared memory (base " + std::to_string(g_smem_base) + ")");
        return addr - g_smem_base;
    }
    const uint32_t W = mode == 2 ? 64u : 128u;
    if (mode == 1 && (start & (7u * W)) && !(start & 31u)) {  // a start inside a 128-byte swizzle atom
        if (base_offset != ((start >> 7) & 7u) || sbo % 1024u)
            fiber_fail(caller, "wgmma descriptor: start address " + std::to_string(start) + " is row " +
                                   std::to_string((start >> 7) & 7u) + " of a 1024-byte swizzle atom with base offset " +
                                   std::to_string(base_offset) + " and stride byte offset " + std::to_string(sbo) +
                                   " (the emulation implements a start inside an atom only with the ISA's base offset "
                                   "(start >> 7) & 7 and a stride of whole atoms)");
    } else if ((start & (7u * W)) || (start & 31u)) {
        fiber_fail(caller, "wgmma descriptor: start address " + std::to_string(start) + " is not row 0 of a " +
                               std::to_string(8 * W) + "-byte swizzle atom + a multiple of 32 bytes");
    } else if (base_offset) {
        fiber_fail(caller, "wgmma descriptor: base offset " + std::to_string(base_offset) +
                               " for a start at row 0 of a swizzle atom (must be 0)");
    }
    const uint32_t lin = start + static_cast<uint32_t>(row / 8) * sbo + static_cast<uint32_t>(row % 8) * W +
                         static_cast<uint32_t>(kb);
    const uint32_t addr = lin ^ (((lin >> 7) & (W / 16u - 1u)) << 4);  // the swizzle of the absolute address
    if (addr < g_smem_base)
        fiber_fail(caller, "wgmma operand at shared address " + std::to_string(addr) +
                               ", below the dynamic shared memory (base " + std::to_string(g_smem_base) + ")");
    return addr - g_smem_base;
}

// A hash (FNV-1a steps over 8-byte words) of the shared bytes a warp's part of a wgmma reads through its descriptors: A's 16 rows of the warp
// (unless A comes from registers) and B's n rows, the k slice's two 16-byte chunks of each. Taken at issue and
// again when the op is performed: the hardware may read its operands at any time in between, so a write into
// them while the wgmma is in flight (a stage refilled, or rewritten, before the wait that retires its reader)
// is a race even where the emulation's late read happens to see the intended bytes.
uint64_t wgmma_operand_hash(const Block& b, unsigned warp, const WgmmaOp& op, Fiber* caller,
                            std::vector<uint32_t>* chunks = nullptr) {
    const int es = op.tf32 ? 4 : 2, K = op.tf32 ? 8 : 16, wr = static_cast<int>(warp % 4);
    uint64_t h = 1469598103934665603ull;
    auto add = [&](uint64_t desc, int row) {
        for (int half = 0; half < 2; ++half) {
            const uint32_t off = wgmma_operand_offset(desc, row, half * K / 2 * es, caller);
            if (off + 16 > b.smem_size) continue;  // (reported when the op is performed)
            if (chunks) chunks->push_back(off);
            uint64_t w[2];  // the 16-byte chunk as two words: FNV-1a steps per word, not per byte
            std::memcpy(w, b.smem + off, 16);
            h = (h ^ w[0]) * 1099511628211ull;
            h = (h ^ w[1]) * 1099511628211ull;
        }
    };
    if (!op.a[0])
        for (int i = 0; i < 16; ++i) add(op.desc_a, 16 * wr + i);
    for (int j = 0; j < op.n; ++j) add(op.desc_b, j);
    return h;
}

void wgmma_perform(const Block& b, unsigned warp, const WgmmaOp& op, Fiber* caller) {
    if (wgmma_operand_hash(b, warp, op, caller) != op.operand_hash)
        fiber_fail(caller, std::string(op.tf32 ? "wgmma_m64k8_tf32" : op.a[0] ? "wgmma_m64k16_f16_rs" : "wgmma_m64k16_f16") +
                               " of warp " + std::to_string(warp) +
                               ": shared memory it reads changed between its issue and the wgmma_wait that retired it "
                               "(a write raced with the in-flight wgmma: wait for it before the stage is rewritten)");
    const int n = op.n, wr = static_cast<int>(warp % 4);  // this warp's 16 rows of the m64 tile
    const int K = op.tf32 ? 8 : 16;
    auto load = [&](uint64_t desc, int row, int k) {
        const int es = op.tf32 ? 4 : 2;
        const uint32_t off = wgmma_operand_offset(desc, row, k * es, caller);
        if (op.tf32 && static_cast<unsigned>(desc >> 62) == 2)
            fiber_fail(caller, "wgmma descriptor: tf32 operands in the kernels' layout use the 128-byte swizzle");
        if (off + static_cast<uint32_t>(es) > b.smem_size)
            fiber_fail(caller, "wgmma operand element at byte " + std::to_string(off) + " runs past the " +
                                   std::to_string(b.smem_size) + " bytes of dynamic shared memory");
        if (op.tf32) {
            uint32_t u;
            std::memcpy(&u, b.smem + off, 4);
            return u2f(tf32_operand(u));  // the tensor cores read the tf32 bits
        }
        uint16_t h;
        std::memcpy(&h, b.smem + off, 2);
        return fc::cuda::f16_bits_to_f32(h);
    };
    float A[16][16];
    if (op.a[0]) {  // registers: the mma.m16n8k16 A fragment of the warp's 16 rows, as the lanes hold it now
        for (int t = 0; t < 32; ++t)
            for (int r = 0; r < 4; ++r)
                for (int h = 0; h < 2; ++h) {
                    const int i = t / 4 + 8 * (r & 1), k = 2 * (t % 4) + 8 * (r >> 1) + h;
                    A[i][k] = fc::cuda::f16_bits_to_f32(static_cast<uint16_t>(op.a[t][r] >> (16 * h)));
                }
    } else {
        for (int i = 0; i < 16; ++i)
            for (int k = 0; k < K; ++k) A[i][k] = load(op.desc_a, 16 * wr + i, k);
    }
    std::vector<float>& B = rt_state().wgmma_b;  // n x 16, kept between calls (no allocation per wgmma)
    B.resize(static_cast<size_t>(n) * 16);
    for (int j = 0; j < n; ++j)
        for (int k = 0; k < K; ++k) B[static_cast<size_t>(j) * 16 + static_cast<size_t>(k)] = load(op.desc_b, j, k);
    for (int t = 0; t < 32; ++t)
        for (int j8 = 0; j8 < n / 8; ++j8)
            for (int e = 0; e < 4; ++e) {
                const int i = t / 4 + 8 * (e >> 1), j = j8 * 8 + 2 * (t % 4) + (e & 1);
                float acc = op.d[t][j8 * 4 + e];
                for (int k = 0; k < K; ++k) acc = acc + A[i][k] * B[static_cast<size_t>(j) * 16 + static_cast<size_t>(k)];
                op.d[t][j8 * 4 + e] = acc;
            }
}

std::string wg_instr_str(const WgInstr& i) {
    char b[160];
    std::snprintf(b, sizeof b, "%s n=%d desc_a=0x%llx desc_b=0x%llx", op_name(i.op), i.n,
                  static_cast<unsigned long long>(i.desc_a), static_cast<unsigned long long>(i.desc_b));
    return b;
}

// The warp executes its next warpgroup instruction: the first of the warpgroup's warps to get there
// records it, the others must execute the same (".aligned": a warpgroup whose warps diverge here is
// undefined on the GPU, though each warp's part would compute alone in the emulation).
void wg_aligned(Fiber* caller, Warp& w, const WgInstr& in) {
    Block& b = *caller->ctx.block;
    const size_t wg = caller->ctx.warp / 4;
    if (b.wg_log.size() <= wg) b.wg_log.resize(wg + 1);
    std::vector<WgInstr>& log = b.wg_log[wg];
    if (w.wg_seq == log.size())
        log.push_back(in);
    else if (!(log[w.wg_seq] == in))
        fiber_fail(caller, "warpgroup " + std::to_string(wg) + ": warp " + std::to_string(caller->ctx.warp) +
                               " executes " + wg_instr_str(in) + " where another warp of its warpgroup executed " +
                               wg_instr_str(log[w.wg_seq]) +
                               " (wgmma instructions are .aligned: every warp of the warpgroup executes the same ones)");
    ++w.wg_seq;
}

void compute_collective(Warp& w, Fiber* caller) {
    const unsigned mask = w.mask;
    switch (w.op) {
        case OpSyncwarp: break;
        case OpShflIdx: case OpShflUp: case OpShflDown: case OpShflBfly: {
            uint32_t res[32];
            for (unsigned m = mask; m; m &= m - 1) {
                const int lane = __builtin_ctz(m);
                const Slot& s = w.slot[lane];
                const int width = s.width;
                if (width < 1 || width > 32 || (width & (width - 1)))
                    fiber_fail(caller, "shuffle width " + std::to_string(width) + " is not a power of two in [1,32]");
                const int segmask = (32 - width) & 0x1f;
                const int cval = (w.op == OpShflUp) ? 0 : 0x1f;
                const int bval = s.b & 0x1f;
                const int minLane = lane & segmask;
                const int maxLane = minLane | (cval & ~segmask);
                int j = 0;
                bool pval = false;
                switch (w.op) {
                    case OpShflUp: j = lane - bval; pval = j >= maxLane; break;
                    case OpShflDown: j = lane + bval; pval = j <= maxLane; break;
                    case OpShflBfly: j = lane ^ bval; pval = j <= maxLane; break;
                    default: j = minLane | (bval & ~segmask); pval = j <= maxLane; break;
                }
                if (!pval) j = lane;
                if (!(mask & (1u << j)))
                    fiber_fail(caller, std::string(op_name(w.op)) + ": lane " + std::to_string(lane) + " reads lane " +
                                           std::to_string(j) + " which does not participate");
                res[lane] = w.slot[j].in[0];
            }
            for (unsigned m = mask; m; m &= m - 1) w.slot[__builtin_ctz(m)].out[0] = res[__builtin_ctz(m)];
            break;
        }
        case OpBallot: case OpAny: case OpAll: {
            unsigned ballot = 0;
            for (unsigned m = mask; m; m &= m - 1)
                if (w.slot[__builtin_ctz(m)].in[0]) ballot |= 1u << __builtin_ctz(m);
            const unsigned r = w.op == OpBallot ? ballot : w.op == OpAny ? (ballot != 0) : (ballot == mask);
            for (unsigned m = mask; m; m &= m - 1) w.slot[__builtin_ctz(m)].out[0] = r;
            break;
        }
        case OpLdm1: case OpLdm2: case OpLdm4: case OpLdm1T: case OpLdm2T: case OpLdm4T: {
            if (mask != 0xffffffffu) fiber_fail(caller, std::string(op_name(w.op)) + " needs a full warp of 32 lanes");
            const bool trans = w.op >= OpLdm1T;
            const int k = w.op - (trans ? OpLdm1T : OpLdm1);
            const int num = k == 0 ? 1 : k == 1 ? 2 : 4;
            uint16_t M[4][8][8];
            const Block& blk = *caller->ctx.block;
            LaneAccess rows[32] = {};
            for (int i = 0; i < num; ++i)
                for (int r = 0; r < 8; ++r) {
                    const void* p = w.slot[i * 8 + r].ptr;
                    if (reinterpret_cast<uintptr_t>(p) & 15u) {
                        char buf[96];
                        std::snprintf(buf, sizeof buf, ": row address %p of lane %d is not 16-byte aligned", p, i * 8 + r);
                        fiber_fail(caller, op_name(w.op) + std::string(buf));
                    }
                    const uint32_t off = smem_offset(blk, p);
                    if (p == blk.smem + off && off + 16 > blk.smem_size)
                        fiber_fail(caller, op_name(w.op) + std::string(": row of lane ") + std::to_string(i * 8 + r) +
                                               " at byte " + std::to_string(off) + " runs past the " +
                                               std::to_string(blk.smem_size) + " bytes of dynamic shared memory");
                    rows[i * 8 + r] = LaneAccess{off, 16};
                    std::memcpy(M[i][r], p, 16);
                }
            smem_score(blk, caller->ctx.warp, SmemLdmatrix, rows, num == 4 ? 0xffffffffu : (1u << (8 * num)) - 1u,
                       w.slot[0].file, w.slot[0].line);
            rt_state().smem.generic_bytes += 128u * static_cast<unsigned>(num);  // num 8 x 16-byte matrices
            for (int t = 0; t < 32; ++t)
                for (int i = 0; i < num; ++i) {
                    uint32_t lo, hi;
                    if (!trans) {
                        lo = M[i][t / 4][2 * (t % 4)];
                        hi = M[i][t / 4][2 * (t % 4) + 1];
                    } else {
                        lo = M[i][2 * (t % 4)][t / 4];
                        hi = M[i][2 * (t % 4) + 1][t / 4];
                    }
                    w.slot[t].out[i] = lo | (hi << 16);
                }
            break;
        }
        case OpMmaTf32: {
            if (mask != 0xffffffffu) fiber_fail(caller, "mma_m16n8k8_tf32 needs a full warp of 32 lanes");
            ++rt_state().smem.mma_m16n8k8;
            float A[16][8], B[8][8], C[16][8];
            for (int t = 0; t < 32; ++t) {
                const int g = t >> 2, q = t & 3;
                const uint32_t* in = w.slot[t].in;
                A[g][q] = u2f(tf32_operand(in[0]));
                A[g + 8][q] = u2f(tf32_operand(in[1]));
                A[g][q + 4] = u2f(tf32_operand(in[2]));
                A[g + 8][q + 4] = u2f(tf32_operand(in[3]));
                B[q][g] = u2f(tf32_operand(in[4]));
                B[q + 4][g] = u2f(tf32_operand(in[5]));
                C[g][2 * q] = u2f(in[6]);
                C[g][2 * q + 1] = u2f(in[7]);
                C[g + 8][2 * q] = u2f(in[8]);
                C[g + 8][2 * q + 1] = u2f(in[9]);
            }
            float D[16][8];
            for (int i = 0; i < 16; ++i)
                for (int j = 0; j < 8; ++j) {
                    float acc = C[i][j];
                    for (int k = 0; k < 8; ++k) acc = acc + A[i][k] * B[k][j];  // products exact in fp32
                    D[i][j] = acc;
                }
            for (int t = 0; t < 32; ++t) {
                const int g = t >> 2, q = t & 3;
                uint32_t* out = w.slot[t].out;
                out[0] = f2u(D[g][2 * q]);
                out[1] = f2u(D[g][2 * q + 1]);
                out[2] = f2u(D[g + 8][2 * q]);
                out[3] = f2u(D[g + 8][2 * q + 1]);
            }
            break;
        }
        case OpMmaF16: {
            if (mask != 0xffffffffu) fiber_fail(caller, "mma_m16n8k16_f16 needs a full warp of 32 lanes");
            ++rt_state().smem.mma_m16n8k16;
            float A[16][16], B[16][8], C[16][8];
            auto lo = [](uint32_t u) { return fc::cuda::f16_bits_to_f32(static_cast<uint16_t>(u & 0xffffu)); };
            auto hi = [](uint32_t u) { return fc::cuda::f16_bits_to_f32(static_cast<uint16_t>(u >> 16)); };
            for (int t = 0; t < 32; ++t) {
                const int g = t >> 2, q = t & 3;
                const uint32_t* in = w.slot[t].in;
                A[g][2 * q] = lo(in[0]);         A[g][2 * q + 1] = hi(in[0]);
                A[g + 8][2 * q] = lo(in[1]);     A[g + 8][2 * q + 1] = hi(in[1]);
                A[g][2 * q + 8] = lo(in[2]);     A[g][2 * q + 9] = hi(in[2]);
                A[g + 8][2 * q + 8] = lo(in[3]); A[g + 8][2 * q + 9] = hi(in[3]);
                B[2 * q][g] = lo(in[4]);         B[2 * q + 1][g] = hi(in[4]);
                B[2 * q + 8][g] = lo(in[5]);     B[2 * q + 9][g] = hi(in[5]);
                C[g][2 * q] = u2f(in[6]);
                C[g][2 * q + 1] = u2f(in[7]);
                C[g + 8][2 * q] = u2f(in[8]);
                C[g + 8][2 * q + 1] = u2f(in[9]);
            }
            float D[16][8];
            for (int i = 0; i < 16; ++i)
                for (int j = 0; j < 8; ++j) {
                    float acc = C[i][j];
                    for (int k = 0; k < 16; ++k) acc = acc + A[i][k] * B[k][j];
                    D[i][j] = acc;
                }
            for (int t = 0; t < 32; ++t) {
                const int g = t >> 2, q = t & 3;
                uint32_t* out = w.slot[t].out;
                out[0] = f2u(D[g][2 * q]);
                out[1] = f2u(D[g][2 * q + 1]);
                out[2] = f2u(D[g + 8][2 * q]);
                out[3] = f2u(D[g + 8][2 * q + 1]);
            }
            break;
        }
        case OpWgmmaFence:
            wg_aligned(caller, w, WgInstr{OpWgmmaFence, 0, 0, 0});
            w.wgmma_fenced = true;
            break;
        case OpWgmmaCommit:
            wg_aligned(caller, w, WgInstr{OpWgmmaCommit, 0, 0, 0});
            ++w.wgmma_open;
            break;
        case OpWgmmaWait: {
            const int n = w.slot[__builtin_ctz(mask)].b;
            wg_aligned(caller, w, WgInstr{OpWgmmaWait, n, 0, 0});
            for (unsigned m = mask; m; m &= m - 1)
                if (w.slot[__builtin_ctz(m)].b != n) fiber_fail(caller, "wgmma_wait: lanes wait for different counts");
            // committed groups have ids < wgmma_open; all but the n most recent complete
            const uint64_t limit = w.wgmma_open >= static_cast<uint64_t>(n) ? w.wgmma_open - static_cast<uint64_t>(n) : 0;
            size_t keep = 0;
            for (size_t i = 0; i < w.wgmma.size(); ++i) {
                if (w.wgmma[i].group < limit)
                    wgmma_perform(*caller->ctx.block, caller->ctx.warp, w.wgmma[i], caller);
                else
                    w.wgmma[keep++] = w.wgmma[i];
            }
            w.wgmma.resize(keep);
            w.wgmma_fenced = false;
            break;
        }
        case OpWgmmaF16:
        case OpWgmmaF16Rs:
        case OpWgmmaTf32: {
            if (mask != 0xffffffffu) fiber_fail(caller, std::string(op_name(w.op)) + " needs a full warp of 32 lanes");
            // PTX: a warpgroup is 4 contiguous warps, the first of rank % 4 == 0 -- all 4 must exist (a block
            // may have further warps that issue no wgmma, e.g. a TMA producer warp)
            if ((caller->ctx.warp / 4 + 1) * 128 > caller->ctx.block->nthreads)
                fiber_fail(caller, std::string(op_name(w.op)) + ": warp " + std::to_string(caller->ctx.warp) +
                                       " is not in a whole warpgroup (4 warps, 128 threads) of the block's " +
                                       std::to_string(caller->ctx.block->nthreads) + " threads");
            if (!w.wgmma_fenced)
                fiber_fail(caller, std::string(op_name(w.op)) + " without a wgmma_fence since the last wgmma_wait (the emulation "
                                   "requires one before each run of wgmma that follows register accesses)");
            WgmmaOp op;
            op.group = w.wgmma_open;
            std::memcpy(&op.desc_a, w.slot[0].in, 8);
            std::memcpy(&op.desc_b, w.slot[0].in + 2, 8);
            op.n = static_cast<int>(w.slot[0].in[4]);
            for (int t = 0; t < 32; ++t) {
                if (std::memcmp(w.slot[t].in, w.slot[0].in, 20))
                    fiber_fail(caller, std::string(op_name(w.op)) + ": descriptors / N differ between lanes (must be warp-uniform)");
                op.d[t] = static_cast<float*>(const_cast<void*>(w.slot[t].ptr));
                op.a[t] = w.op == OpWgmmaF16Rs ? static_cast<const uint32_t*>(w.slot[t].ptr2) : nullptr;
            }
            op.tf32 = w.op == OpWgmmaTf32;
            op.operand_hash = wgmma_operand_hash(*caller->ctx.block, caller->ctx.warp, op, caller, &op.chunks);
            wg_aligned(caller, w, WgInstr{w.op, op.n, op.desc_a, op.desc_b});
            w.wgmma.push_back(op);
            SmemTotals& st = rt_state().smem;
            ++st.wgmma_m64k16;
            {
                const uint64_t k = op.tf32 ? 8 : 16, es = op.tf32 ? 4 : 2, n = static_cast<uint64_t>(op.n);
                (op.tf32 ? st.wgmma_macs_tf32 : st.wgmma_macs_f16) += 16 * n * k;  // this warp's 16 rows
                st.wgmma_smem_bytes += (op.a[0] ? 0 : 16 * k * es) + (caller->ctx.warp % 4 == 0 ? n * k * es : 0);
            }
            break;
        }
        default: fiber_fail(caller, "internal error: unknown collective");
    }
}

void apply_env_schedule() {
    Runtime& rt = rt_state();
    if (rt.schedule_from_env_done) return;
    rt.schedule_from_env_done = true;
    const char* e = std::getenv("FC_SIMT_SCHEDULE");
    if (!e) return;
    std::string s(e);
    if (s == "reverse") rt.schedule = Schedule::Reverse;
    else if (s.rfind("random", 0) == 0) {
        rt.schedule = Schedule::Random;
        uint64_t seed = 1;
        if (s.size() > 7 && s[6] == ':') seed = std::strtoull(s.c_str() + 7, nullptr, 10);
        rt.rng.seed(seed);
    }
}

std::string kernel_name(const char* name, const void* addr) {
    if (name) return name;
    if (addr) {
        Dl_info info;
        if (dladdr(addr, &info) && info.dli_sname) {
            int st = 0;
            char* dm = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &st);
            std::string r = (st == 0 && dm) ? dm : info.dli_sname;
            std::free(dm);
            return r;
        }
        char buf[48];
        std::snprintf(buf, sizeof buf, "kernel@%p", addr);
        return buf;
    }
    return "<kernel>";
}

std::string deadlock_report(Block& b) {
    std::ostringstream o;
    o << "deadlock: no thread can make progress.";
    const FiberSpan fib = b.fibers;
    if (b.barrier_arrived) {
        o << " " << b.barrier_arrived << " thread(s) wait at __syncthreads() (e.g. thread ";
        for (unsigned i = 0; i < b.nthreads; ++i)
            if (fib[i].state == FState::AtBarrier) { o << dim_str(fib[i].ctx.thread_idx); break; }
        o << ");";
    }
    for (size_t wi = 0; wi < b.warps.size(); ++wi) {
        const Warp& w = b.warps[wi];
        if (!w.arrived) continue;
        o << " warp " << wi << ": lanes " << lanes_str(w.arrived) << " wait in " << op_name(w.op) << " for lanes "
          << lanes_str(w.mask & ~w.arrived);
        unsigned at_bar = 0;
        for (unsigned m = w.mask & ~w.arrived; m; m &= m - 1) {
            unsigned t = static_cast<unsigned>(wi) * 32 + static_cast<unsigned>(__builtin_ctz(m));
            if (fib[t].state == FState::AtBarrier) at_bar |= 1u << __builtin_ctz(m);
        }
        if (at_bar) o << " (lanes " << lanes_str(at_bar) << " are at __syncthreads())";
        o << ";";
    }
    for (unsigned id = 1; id < 16; ++id)
        if (b.named_arrived[id])
            o << " " << b.named_arrived[id] << " of " << b.named_count[id] << " thread(s) wait at named barrier " << id
              << ";";
    std::map<std::pair<const void*, unsigned>, std::pair<unsigned, unsigned>> mwait;  // -> (count, first thread)
    for (const Fiber& f : fib)
        if (f.state == FState::AtMbar) {
            auto& e = mwait[{f.mbar, f.mbar_parity}];
            if (e.first++ == 0) e.second = f.ctx.linear;
        }
    for (const auto& e : mwait) {
        const MBar& m = b.mbars.at(e.first.first);
        o << " " << e.second.first << " thread(s) (first: linear id " << e.second.second << ") wait for phase parity "
          << e.first.second << " of mbarrier " << e.first.first << " (phases completed " << m.phase
          << ", arrivals pending " << m.pending << " of " << m.count;
        if (m.tx) o << ", transaction bytes outstanding " << m.tx << " (expect_tx minus issued TMA loads)";
        o << ");";
    }
    unsigned at_cluster = 0;
    for (const Fiber& f : fib) at_cluster += f.state == FState::AtCluster;
    if (at_cluster)
        o << " " << at_cluster << " thread(s) wait at the cluster barrier (the cluster's arrivals: " << b.cluster->arrived
          << " of " << b.cluster->threads << ");";
    if (b.exited) o << " " << b.exited << " thread(s) have exited (first: linear id " << b.first_exited << ")";
    return o.str();
}

}  // namespace

// ---------------------------------------------------------------------------
// public runtime functions
// ---------------------------------------------------------------------------
void set_throw_on_error(bool enable) { g_throw = enable; }
void set_smem_base(uint32_t base) {
    if (base % 16) {
        std::fprintf(stderr, "fc_simt: set_smem_base(%u): not a multiple of 16\n", base);
        std::abort();
    }
    g_smem_base = base;
}
uint32_t smem_base() { return g_smem_base; }
bool throw_on_error() { return g_throw; }
void set_schedule(Schedule s, uint64_t seed) {
    Runtime& rt = rt_state();
    rt.schedule_from_env_done = true;
    rt.schedule = s;
    rt.rng.seed(seed);
}
void set_stack_size(size_t bytes) { rt_state().stack_size = bytes; }
uint64_t total_context_switches() { return rt_state().switches; }

void fail(const std::string& msg) {
    ThreadCtx* c = g_current;
    if (!c->block) {
        std::string m = "fc_simt: " + msg;
        if (g_throw) throw SimtError(m);
        die(m);
    }
    fiber_fail(c->fiber, msg);
}

void syncthreads() {
    Fiber* f = cur_fiber("__syncthreads");
    Block* b = f->ctx.block;
    if (b->exited) {
        const Fiber& ex = b->fibers[static_cast<size_t>(b->first_exited)];
        fiber_fail(f, "divergent barrier: __syncthreads() reached after thread " + dim_str(ex.ctx.thread_idx) +
                          " of the block exited");
    }
    if (++b->barrier_arrived == b->nthreads) {
        b->barrier_arrived = 0;
        smem_score_block(*b);
        for (Fiber& o : b->fibers)
            if (o.state == FState::AtBarrier) o.state = FState::Runnable;
        return;
    }
    block_wait(f, FState::AtBarrier);
}

void named_barrier_sync(unsigned id, unsigned count) {
    Fiber* f = cur_fiber("named_barrier_sync");
    Block* b = f->ctx.block;
    if (id < 1 || id > 15)
        fiber_fail(f, "named barrier id " + std::to_string(id) + ": 1..15 (0 is __syncthreads())");
    if (count == 0 || count % 32 || count > b->nthreads)
        fiber_fail(f, "named barrier " + std::to_string(id) + ": thread count " + std::to_string(count) +
                          " (a multiple of 32, at most the block's " + std::to_string(b->nthreads) + ")");
    if (b->named_arrived[id] && b->named_count[id] != count)
        fiber_fail(f, "named barrier " + std::to_string(id) + ": this thread gives count " + std::to_string(count) +
                          ", the " + std::to_string(b->named_arrived[id]) + " waiting there gave " +
                          std::to_string(b->named_count[id]));
    b->named_count[id] = count;
    if (++b->named_arrived[id] == count) {
        b->named_arrived[id] = 0;
        std::vector<bool> warps(b->warps.size(), false);
        warps[f->ctx.warp] = true;
        for (Fiber& o : b->fibers)
            if (o.state == FState::AtNamed && o.named_id == id) {
                o.state = FState::Runnable;
                warps[o.ctx.warp] = true;
            }
        for (unsigned wi = 0; wi < warps.size(); ++wi)  // the arriving warps stand together here
            if (warps[wi]) smem_score_warp(*b, wi);
        return;
    }
    f->named_id = id;
    block_wait(f, FState::AtNamed);
}

// ---- thread block clusters (simt.h "Thread block clusters") ----
unsigned cluster_ctarank() { return cur_fiber("cluster_ctarank")->ctx.block->rank; }
unsigned cluster_nctarank() { return cur_fiber("cluster_nctarank")->ctx.block->cluster->size; }

void cluster_arrive() {
    Fiber* f = cur_fiber("cluster_arrive");
    Cluster& cl = *f->ctx.block->cluster;
    if (f->cl_arrived) fiber_fail(f, "cluster_arrive twice without a cluster_wait between them");
    if (cl.exited)
        fiber_fail(f, "divergent cluster barrier: cluster_arrive after a thread of the cluster exited (" +
                          cl.first_exit + "every thread of every block of the cluster must arrive)");
    f->cl_arrived = true;
    f->cl_phase = cl.phase;
    if (++cl.arrived == cl.threads) {  // the phase completes: release its waiters
        cl.arrived = 0;
        ++cl.phase;
        for (unsigned r = 0; r < cl.size; ++r)
            for (Fiber& o : cl.blocks[r].fibers)
                if (o.state == FState::AtCluster) o.state = FState::Runnable;
    }
}

void cluster_wait() {
    Fiber* f = cur_fiber("cluster_wait");
    if (!f->cl_arrived) fiber_fail(f, "cluster_wait without a cluster_arrive before it");
    f->cl_arrived = false;
    if (f->ctx.block->cluster->phase > f->cl_phase) return;
    block_wait(f, FState::AtCluster);
}

uint32_t cluster_map_shared(uint32_t addr, unsigned rank) {
    Fiber* f = cur_fiber("cluster_map_shared");
    const Block& b = *f->ctx.block;
    if (rank >= b.cluster->size)
        fiber_fail(f, "cluster_map_shared: rank " + std::to_string(rank) + " outside the cluster's " +
                          std::to_string(b.cluster->size) + " blocks");
    if (addr >> 24)
        fiber_fail(f, "cluster_map_shared: address " + std::to_string(addr) +
                          " is not a shared-window address of this block (smem_addr_)");
    return (rank + 1u) << 24 | addr;
}

void cluster_store(uint32_t caddr, const void* src, unsigned bytes) {
    Fiber* f = cur_fiber("cluster_store");
    Block& me = *f->ctx.block;
    const unsigned tag = caddr >> 24;
    const unsigned rank = tag ? tag - 1 : me.rank;
    const uint32_t addr = caddr & 0xFFFFFFu;
    if (rank >= me.cluster->size)
        fiber_fail(f, "cluster_store: address " + std::to_string(caddr) + " names rank " + std::to_string(rank) +
                          ", outside the cluster's " + std::to_string(me.cluster->size) + " blocks");
    if ((bytes != 4 && bytes != 8 && bytes != 16) || addr % bytes)
        fiber_fail(f, "cluster_store: " + std::to_string(bytes) + " bytes at shared address " + std::to_string(addr) +
                          " (4, 8 or 16 bytes, naturally aligned)");
    Block& t = me.cluster->blocks[rank];
    if (addr < g_smem_base || addr - g_smem_base + bytes > t.smem_size)
        fiber_fail(f, "cluster_store: shared address " + std::to_string(addr) + " + " + std::to_string(bytes) +
                          " bytes outside block rank " + std::to_string(rank) + "'s dynamic shared memory (" +
                          std::to_string(t.smem_size) + " bytes from " + std::to_string(g_smem_base) + ")");
    if (t.exited == t.nthreads)
        fiber_fail(f, "cluster_store into the shared memory of block rank " + std::to_string(rank) +
                          ", which has exited (a block's shared memory may not be accessed after it exits)");
    const uint32_t off = addr - g_smem_base;
    std::memcpy(t.smem + off, src, bytes);
    if (&t == &me) {  // this block's own memory: a generic write of this thread
        note_generic_write(f, t.smem + off, bytes);
        return;
    }
    Runtime& rt = rt_state();
    for (uint32_t i = 0; i < bytes; ++i) {
        rt.wr_thread[t.wr_base + off + i] = kRemoteWriter;
        rt.wr_epoch[t.wr_base + off + i] = t.remote_epoch;
    }
}

namespace {
MBar& mbar_of(Fiber* f, const void* bar, const char* what) {
    auto it = f->ctx.block->mbars.find(bar);
    if (it == f->ctx.block->mbars.end()) {
        std::ostringstream o;
        o << what << " on mbarrier " << bar
          << ", which no mbarrier_init set up in this block (one thread inits, then a barrier before any use)";
        fiber_fail(f, o.str());
    }
    return it->second;
}
}  // namespace

void mbarrier_init(uint64_t* bar, unsigned count) {
    Fiber* f = cur_fiber("mbarrier_init");
    if (reinterpret_cast<uintptr_t>(bar) % 8) fiber_fail(f, "mbarrier_init: the object is not 8-byte aligned");
    if (count < 1 || count > (1u << 20) - 1)
        fiber_fail(f, "mbarrier_init: count " + std::to_string(count) + " outside [1, 2^20 - 1]");
    MBar& m = f->ctx.block->mbars[bar];
    m.count = m.pending = count;
    m.phase = 0;
    *bar = 0;  // the hardware keeps its state in the object; no kernel may read or write it otherwise
}

namespace {
// Completes the phase once every arrival is in and the announced transaction bytes are all issued: the
// TMA loads' bytes land (async proxy: no generic writer to fence), waiters of that parity wake up.
// A completed phase's TMA bytes reach shared memory (async proxy: no generic writer left to fence) when the
// first waiter observes the phase -- or the next phase completes: a thread that reads the tile without
// waiting on the barrier sees the old contents, as it may on hardware.
void mbar_land(Block& b, MBar& m) {
    std::vector<uint16_t>& wr_thread = rt_state().wr_thread;
    for (const TmaChunk& c : m.landed) {
        std::memcpy(b.smem + c.off, c.b, 16);
        for (int i = 0; i < 16; ++i) wr_thread[b.wr_base + c.off + i] = 0;
    }
    m.landed.clear();
}
// An arrival (a release, typically) by a thread whose warp still has wgmma in flight hands the processor over
// before the thread goes on: whoever the arrival woke -- a producer about to refill the stage -- runs before this
// warp reaches its next wgmma_wait, as it may on hardware. A stage released before the wgmma_wait that retires its
// reader is then refilled while that wgmma is still in flight, which tma_issue reports in every schedule, not only
// in the shuffled orders that happened to interleave there.
void yield_if_wgmma_in_flight(Fiber* f) {
    if (!f->ctx.block->warps[f->ctx.warp].wgmma.empty()) switch_to_scheduler(f, false);
}
void mbar_try_complete(Block& b, const void* bar, MBar& m) {
    if (m.pending || m.tx) return;
    mbar_land(b, m);
    m.landed.swap(m.landing);
    const unsigned done = static_cast<unsigned>(m.phase & 1u);  // the parity of the phase completing now
    ++m.phase;
    m.pending = m.count;
    for (Fiber& o : b.fibers)
        if (o.state == FState::AtMbar && o.mbar == bar && o.mbar_parity == done) o.state = FState::Runnable;
}
}  // namespace

void mbarrier_arrive(uint64_t* bar) {
    Fiber* f = cur_fiber("mbarrier_arrive");
    MBar& m = mbar_of(f, bar, "mbarrier_arrive");
    if (m.pending == 0)
        fiber_fail(f, "mbarrier_arrive: every arrival of the current phase is in, the phase still waits for "
                      "transaction bytes (expect_tx announced more than the loads issued)");
    --m.pending;
    mbar_try_complete(*f->ctx.block, bar, m);
    yield_if_wgmma_in_flight(f);
}

void mbarrier_arrive_cluster(uint64_t* bar, unsigned rank) {
    Fiber* f = cur_fiber("mbarrier_arrive_cluster");
    const Cluster& cl = *f->ctx.block->cluster;
    if (rank >= cl.size)
        fiber_fail(f, "mbarrier_arrive_cluster: rank " + std::to_string(rank) + " outside the cluster's " +
                          std::to_string(cl.size) + " blocks");
    Block& t = cl.blocks[rank];
    if (t.exited == t.nthreads)
        fiber_fail(f, "mbarrier_arrive_cluster on block rank " + std::to_string(rank) +
                          ", which has exited (a block's shared memory may not be accessed after it exits)");
    auto it = t.mbars.find(bar);
    if (it == t.mbars.end())
        fiber_fail(f, "mbarrier_arrive_cluster on block rank " + std::to_string(rank) +
                          ": no mbarrier_init set up its barrier at this address");
    MBar& m = it->second;
    if (m.pending == 0)
        fiber_fail(f, "mbarrier_arrive_cluster: every arrival of block rank " + std::to_string(rank) +
                          "'s current phase is in, the phase still waits for transaction bytes");
    --m.pending;
    mbar_try_complete(t, bar, m);
    yield_if_wgmma_in_flight(f);
}

void mbarrier_arrive_expect_tx(uint64_t* bar, unsigned bytes) {
    Fiber* f = cur_fiber("mbarrier_arrive_expect_tx");
    MBar& m = mbar_of(f, bar, "mbarrier_arrive_expect_tx");
    if (m.pending == 0)
        fiber_fail(f, "mbarrier_arrive_expect_tx: every arrival of the current phase is already in");
    m.tx += bytes;
    --m.pending;
    mbar_try_complete(*f->ctx.block, bar, m);
}

// ---- TMA (simt.h "TMA") ----
namespace {
bool tma_bad(std::string* why, const std::string& msg) {
    if (why) *why = msg;
    return true;
}
// The rules cuTensorMapEncodeTiled / cuTensorMapEncodeIm2col document (those the kernels can meet).
bool tma_common_bad(int elem_bytes, unsigned rank, const void* base, const uint64_t* dims, const uint64_t* strides,
                    const uint32_t* estr, int swizzle, uint32_t inner_bytes, std::string* why) {
    if (elem_bytes != 1 && elem_bytes != 2 && elem_bytes != 4 && elem_bytes != 8)
        return tma_bad(why, "element size " + std::to_string(elem_bytes));
    if (rank < 1 || rank > 5) return tma_bad(why, "tensor rank " + std::to_string(rank) + " outside [1, 5]");
    if (reinterpret_cast<uintptr_t>(base) % 16) return tma_bad(why, "global address not 16-byte aligned");
    for (unsigned i = 0; i < rank; ++i) {
        if (dims[i] == 0 || dims[i] > (1ull << 32)) return tma_bad(why, "globalDim[" + std::to_string(i) + "] = " + std::to_string(dims[i]));
        if (estr[i] < 1 || estr[i] > 8) return tma_bad(why, "elementStrides[" + std::to_string(i) + "] outside [1, 8]");
    }
    for (unsigned i = 0; i + 1 < rank; ++i)
        if (strides[i] % 16 || strides[i] >= (1ull << 40))
            return tma_bad(why, "globalStrides[" + std::to_string(i) + "] = " + std::to_string(strides[i]) +
                                    " (a multiple of 16 below 2^40)");
    if (swizzle != 0 && swizzle != 32 && swizzle != 64 && swizzle != 128)
        return tma_bad(why, "swizzle " + std::to_string(swizzle));
    if (inner_bytes % 16) return tma_bad(why, "inner box extent " + std::to_string(inner_bytes) + " bytes, not a multiple of 16");
    if (swizzle && inner_bytes > static_cast<uint32_t>(swizzle))
        return tma_bad(why, "inner box extent " + std::to_string(inner_bytes) + " bytes exceeds the " +
                                std::to_string(swizzle) + "-byte swizzle");
    return false;
}
void tma_fill(TensorMap* m, int elem_bytes, unsigned rank, const void* base, const uint64_t* dims,
              const uint64_t* strides, const uint32_t* estr, int swizzle) {
    *m = TensorMap{};
    m->base = static_cast<const unsigned char*>(base);
    m->rank = static_cast<int>(rank);
    m->elem_bytes = elem_bytes;
    m->swizzle = swizzle;
    for (unsigned i = 0; i < rank; ++i) {
        m->dims[i] = dims[i];
        m->estr[i] = estr[i];
        m->strides[i] = i == 0 ? static_cast<uint64_t>(elem_bytes) : strides[i - 1];
    }
}
}  // namespace

int tma_encode_tiled(TensorMap* m, int elem_bytes, unsigned rank, const void* base, const uint64_t* dims,
                     const uint64_t* strides, const uint32_t* box, const uint32_t* estr, int swizzle_bytes,
                     std::string* why) {
    if (tma_common_bad(elem_bytes, rank, base, dims, strides, estr, swizzle_bytes,
                       box[0] * static_cast<uint32_t>(elem_bytes), why))
        return 1;
    for (unsigned i = 0; i < rank; ++i)
        if (box[i] == 0 || box[i] > 256) return tma_bad(why, "boxDim[" + std::to_string(i) + "] outside [1, 256]"), 1;
    for (unsigned i = 0; i < rank; ++i)
        if (estr[i] != 1) return tma_bad(why, "the emulation implements element strides 1 for tiled maps"), 1;
    tma_fill(m, elem_bytes, rank, base, dims, strides, estr, swizzle_bytes);
    for (unsigned i = 0; i < rank; ++i) m->box[i] = box[i];
    return 0;
}

int tma_encode_im2col(TensorMap* m, int elem_bytes, unsigned rank, const void* base, const uint64_t* dims,
                      const uint64_t* strides, const int* lower, const int* upper, unsigned channels,
                      unsigned pixels, const uint32_t* estr, int swizzle_bytes, std::string* why) {
    if (rank != 4) return tma_bad(why, "the emulation implements 4-D im2col maps (rank " + std::to_string(rank) + ")"), 1;
    if (tma_common_bad(elem_bytes, rank, base, dims, strides, estr, swizzle_bytes,
                       channels * static_cast<uint32_t>(elem_bytes), why))
        return 1;
    if (channels < 1 || channels > 256) return tma_bad(why, "channelsPerPixel outside [1, 256]"), 1;
    if (pixels < 1 || pixels > 1024) return tma_bad(why, "pixelsPerColumn outside [1, 1024]"), 1;
    for (int i = 0; i < 2; ++i) {
        if (lower[i] < -128 || lower[i] > 127 || upper[i] < -128 || upper[i] > 127)
            return tma_bad(why, "a 4-D map's corner " + std::to_string(i) + " outside [-128, 127]"), 1;
        // a non-empty bounding box: lower <= dim - 1 + upper ({W, H} = dims 1, 2)
        if (lower[i] > static_cast<int64_t>(dims[i + 1]) - 1 + upper[i])
            return tma_bad(why, "empty bounding box along dim " + std::to_string(i + 1)), 1;
    }
    tma_fill(m, elem_bytes, rank, base, dims, strides, estr, swizzle_bytes);
    m->im2col = 1;
    m->lower[0] = lower[0];
    m->lower[1] = lower[1];
    m->upper[0] = upper[0];
    m->upper[1] = upper[1];
    m->channels = channels;
    m->pixels = pixels;
    return 0;
}

namespace {
// Common part of a TMA load: checks, then queues `rows` rows of row_bytes (element (r, e) from get(r, e, out))
// at dst with the map's swizzle on the barrier; completes the phase if that was the last piece.
template <class Get>
void tma_issue(const char* what, void* dst, const TensorMap* m, uint64_t* bar, uint32_t rows, uint32_t row_elems,
               Get get, uint16_t cta_mask = 0) {
    Fiber* f = cur_fiber(what);
    Block& b = *f->ctx.block;
    MBar& mb = mbar_of(f, bar, what);
    if (!m || !m->rank) fiber_fail(f, std::string(what) + ": the tensor map was never encoded");
    const uint32_t row_bytes = row_elems * static_cast<uint32_t>(m->elem_bytes), bytes = rows * row_bytes;
    const uintptr_t a = reinterpret_cast<uintptr_t>(dst), base = reinterpret_cast<uintptr_t>(b.smem);
    if (!b.smem || a < base || a + bytes > base + b.smem_size)
        fiber_fail(f, std::string(what) + ": destination outside the block's dynamic shared memory");
    const uint32_t off0 = static_cast<uint32_t>(a - base);
    if ((g_smem_base + off0) % 128)
        fiber_fail(f, std::string(what) + ": shared destination " + std::to_string(g_smem_base + off0) +
                          " not 128-byte aligned");
    const uint32_t sw = static_cast<uint32_t>(m->swizzle);
    // A load into shared bytes that an issued, not yet retired wgmma reads is a race on hardware whenever the copy
    // lands: the stage was handed back before its reader's wgmma_wait. (The box lands in [off0, off0 + bytes): the
    // swizzle permutes chunks within their 128-byte row.) Checked at issue, in every block the load writes.
    auto check_inflight = [&](const Block& t) {
        for (unsigned wi = 0; wi < t.warps.size(); ++wi)
            for (const WgmmaOp& op : t.warps[wi].wgmma)
                for (uint32_t c : op.chunks)
                    if (c >= off0 && c < off0 + bytes)
                        fiber_fail(f, std::string(what) + " into shared bytes " + std::to_string(off0) + ".." +
                                          std::to_string(off0 + bytes - 1) + " of block rank " +
                                          std::to_string(t.rank) + ", which an in-flight wgmma of its warp " +
                                          std::to_string(wi) + " reads (byte " + std::to_string(c) +
                                          "): the stage was released before the wgmma_wait that retires its reader");
    };
    if (!cta_mask) {
        check_inflight(b);
    } else {
        for (unsigned r = 0; r < b.cluster->size; ++r)
            if (cta_mask >> r & 1u) check_inflight(b.cluster->blocks[r]);
    }
    std::vector<unsigned char> row(row_bytes);
    for (uint32_t r = 0; r < rows; ++r) {
        for (uint32_t e = 0; e < row_elems; ++e) get(r, e, row.data() + e * m->elem_bytes);
        for (uint32_t c = 0; c < row_bytes / 16; ++c) {
            const uint32_t lin = g_smem_base + off0 + r * row_bytes + c * 16;
            const uint32_t addr = sw ? lin ^ (((lin >> 7) & (sw / 16u - 1u)) << 4) : lin;
            TmaChunk ch;
            ch.off = addr - g_smem_base;
            std::memcpy(ch.b, row.data() + c * 16, 16);
            mb.landing.push_back(ch);
        }
    }
    rt_state().smem.tma_bytes += bytes;  // (read from L2 once, however many blocks it lands in)
    rt_state().smem.tma_smem_bytes += bytes * (cta_mask ? static_cast<unsigned>(__builtin_popcount(cta_mask)) : 1u);
    if (!cta_mask) {
        mb.tx -= bytes;
        mbar_try_complete(b, bar, mb);
        return;
    }
    // .multicast::cluster: the same bytes at the same offset in every block of the mask, each completing its
    // own mbarrier at the same address (initialized there; the block still running)
    const Cluster& cl = *b.cluster;
    if (cta_mask >> cl.size)
        fiber_fail(f, std::string(what) + ": multicast mask " + std::to_string(cta_mask) + " names blocks outside the "
                          "cluster's " + std::to_string(cl.size));
    for (unsigned r = 0; r < cl.size; ++r) {
        if (!(cta_mask >> r & 1u)) continue;
        Block& t = cl.blocks[r];
        if (t.exited == t.nthreads)
            fiber_fail(f, std::string(what) + ": multicast into block rank " + std::to_string(r) + ", which has exited");
        auto it = t.mbars.find(bar);
        if (it == t.mbars.end())
            fiber_fail(f, std::string(what) + ": multicast to block rank " + std::to_string(r) +
                              ", whose mbarrier at this address no mbarrier_init set up (a cluster barrier after the "
                              "inits, before the first load)");
        MBar& tm = it->second;
        if (&tm != &mb) tm.landing.insert(tm.landing.end(), mb.landing.end() - (ptrdiff_t)(rows * (row_bytes / 16)),
                                          mb.landing.end());
        tm.tx -= bytes;
    }
    if (!(cta_mask >> b.rank & 1u))  // the issuing block not in the mask: its own barrier got nothing
        mb.landing.erase(mb.landing.end() - (ptrdiff_t)(rows * (row_bytes / 16)), mb.landing.end());
    for (unsigned r = 0; r < cl.size; ++r)
        if (cta_mask >> r & 1u) mbar_try_complete(cl.blocks[r], bar, cl.blocks[r].mbars.find(bar)->second);
}
}  // namespace

void tma_copy_2d(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1) {
    tma_copy_2d_multicast(dst, m, bar, c0, c1, 0);
}

void tma_copy_2d_multicast(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, uint16_t cta_mask) {
    if (!m || !m->rank || m->im2col || m->rank != 2) fail("tma_load_2d: the map is not an encoded 2-D tiled map");
    const char* what = cta_mask ? "tma_load_2d_multicast" : "tma_load_2d";
    if (cta_mask && !cur_fiber(what)->ctx.block->cluster) fail("tma_load_2d_multicast outside a kernel");
    tma_issue(what, dst, m, bar, m->box[1], m->box[0], [&](uint32_t r, uint32_t e, unsigned char* out) {
        const int64_t i0 = static_cast<int64_t>(c0) + e, i1 = static_cast<int64_t>(c1) + r;
        if (i0 < 0 || i1 < 0 || i0 >= static_cast<int64_t>(m->dims[0]) || i1 >= static_cast<int64_t>(m->dims[1]))
            std::memset(out, 0, m->elem_bytes);
        else
            std::memcpy(out, m->base + i0 * m->strides[0] + i1 * m->strides[1], m->elem_bytes);
    }, cta_mask);
}

// A 4-D tiled box: box[1] x box[2] x box[3] rows of box[0] elements, dim 1 fastest (the halo form's
// {8 channels, HW, HH, 1} boxes: one 16-byte row per pixel, the halo's rows one after another).
void tma_copy_4d(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, int c2, int c3) {
    if (!m || !m->rank || m->im2col || m->rank != 4) fail("tma_load_4d: the map is not an encoded 4-D tiled map");
    const uint32_t b1 = m->box[1], b2 = m->box[2];
    tma_issue("tma_load_4d", dst, m, bar, b1 * b2 * m->box[3], m->box[0],
              [&](uint32_t r, uint32_t e, unsigned char* out) {
                  const int64_t i[4] = {static_cast<int64_t>(c0) + e, static_cast<int64_t>(c1) + r % b1,
                                        static_cast<int64_t>(c2) + r / b1 % b2, static_cast<int64_t>(c3) + r / b1 / b2};
                  int64_t off = 0;
                  for (int d = 0; d < 4; ++d) {
                      if (i[d] < 0 || i[d] >= static_cast<int64_t>(m->dims[d])) {
                          std::memset(out, 0, m->elem_bytes);
                          return;
                      }
                      off += i[d] * static_cast<int64_t>(m->strides[d]);
                  }
                  std::memcpy(out, m->base + off, m->elem_bytes);
              });
}

void tma_copy_im2col_4d(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, int c2, int c3, uint16_t ow,
                        uint16_t oh) {
    tma_copy_im2col_4d_multicast(dst, m, bar, c0, c1, c2, c3, ow, oh, 0);
}

void tma_copy_im2col_4d_multicast(void* dst, const TensorMap* m, uint64_t* bar, int c0, int c1, int c2, int c3,
                                  uint16_t ow, uint16_t oh, uint16_t cta_mask) {
    if (!m || !m->rank || !m->im2col || m->rank != 4)
        fail("tma_load_im2col_4d: the map is not an encoded 4-D im2col map");
    const int64_t W = static_cast<int64_t>(m->dims[1]), H = static_cast<int64_t>(m->dims[2]);
    const int64_t w_lo = m->lower[0], w_hi = W - 1 + m->upper[0], h_lo = m->lower[1], h_hi = H - 1 + m->upper[1];
    // pixel i's (w, h, n): the traversal from the instruction's start, wrapping inside the bounding box
    std::vector<int64_t> pw(m->pixels), ph(m->pixels), pn(m->pixels);
    int64_t w = c1, h = c2, n = c3;
    for (uint32_t i = 0; i < m->pixels; ++i) {
        pw[i] = w;
        ph[i] = h;
        pn[i] = n;
        w += m->estr[1];
        if (w > w_hi) {
            w = w_lo;
            h += m->estr[2];
            if (h > h_hi) {
                h = h_lo;
                n += m->estr[3];
            }
        }
    }
    tma_issue(cta_mask ? "tma_load_im2col_4d_multicast" : "tma_load_im2col_4d", dst, m, bar, m->pixels, m->channels,
              [&](uint32_t r, uint32_t e, unsigned char* out) {
                  const int64_t c = static_cast<int64_t>(c0) + e, x = pw[r] + ow, y = ph[r] + oh, b = pn[r];
                  if (c < 0 || x < 0 || y < 0 || b < 0 || c >= static_cast<int64_t>(m->dims[0]) || x >= W || y >= H ||
                      b >= static_cast<int64_t>(m->dims[3]))
                      std::memset(out, 0, m->elem_bytes);
                  else
                      std::memcpy(out, m->base + c * m->strides[0] + x * m->strides[1] + y * m->strides[2] +
                                           b * m->strides[3],
                                  m->elem_bytes);
              }, cta_mask);
}

void mbarrier_wait_parity(uint64_t* bar, unsigned parity) {
    Fiber* f = cur_fiber("mbarrier_wait_parity");
    MBar& m = mbar_of(f, bar, "mbarrier_wait_parity");
    if ((m.phase & 1u) != (parity & 1u)) {  // the phase of that parity has completed
        mbar_land(*f->ctx.block, m);
        return;
    }
    f->mbar = bar;
    f->mbar_parity = parity & 1u;
    block_wait(f, FState::AtMbar);
    mbar_land(*f->ctx.block, mbar_of(f, bar, "mbarrier_wait_parity"));
}

void syncwarp(unsigned mask) {
    Fiber* f = cur_fiber("__syncwarp");
    rendezvous(f, OpSyncwarp, mask);
}

unsigned activemask() {
    Fiber* f = cur_fiber("__activemask");
    const Warp& w = f->ctx.block->warps[f->ctx.warp];
    return w.exist & ~w.exited;
}

uint32_t shfl32(ShflMode mode, unsigned mask, uint32_t value, int b, int width) {
    Fiber* f = cur_fiber("__shfl_*_sync");
    Slot& s = f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane];
    s.in[0] = value;
    s.b = b;
    s.width = width;
    rendezvous(f, OpShflIdx + static_cast<int>(mode), mask);
    return s.out[0];
}

unsigned vote(VoteMode mode, unsigned mask, bool pred) {
    Fiber* f = cur_fiber("__ballot/__any/__all_sync");
    Slot& s = f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane];
    s.in[0] = pred ? 1u : 0u;
    rendezvous(f, OpBallot + static_cast<int>(mode), mask);
    return s.out[0];
}

void ldmatrix(int num, bool trans, uint32_t* r, const void* row_addr, const char* file, int line) {
    Fiber* f = cur_fiber("ldmatrix");
    Slot& s = f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane];
    s.ptr = row_addr;
    s.file = file;
    s.line = line;
    const int k = num == 1 ? 0 : num == 2 ? 1 : 2;
    rendezvous(f, (trans ? OpLdm1T : OpLdm1) + k, 0xffffffffu);
    for (int i = 0; i < num; ++i) r[i] = s.out[i];
}

void mma_tf32_m16n8k8(float* d, const uint32_t* a, const uint32_t* b, const float* c) {
    Fiber* f = cur_fiber("mma_m16n8k8_tf32");
    Slot& s = f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane];
    std::memcpy(s.in, a, 16);
    std::memcpy(s.in + 4, b, 8);
    std::memcpy(s.in + 6, c, 16);
    rendezvous(f, OpMmaTf32, 0xffffffffu);
    std::memcpy(d, s.out, 16);
}

void mma_f16_m16n8k16(float* d, const uint32_t* a, const uint32_t* b, const float* c) {
    Fiber* f = cur_fiber("mma_m16n8k16_f16");
    Slot& s = f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane];
    std::memcpy(s.in, a, 16);
    std::memcpy(s.in + 4, b, 8);
    std::memcpy(s.in + 6, c, 16);
    rendezvous(f, OpMmaF16, 0xffffffffu);
    std::memcpy(d, s.out, 16);
}

uint32_t smem_address(const void* p) {
    Fiber* f = cur_fiber("smem address (cvta.to.shared)");
    const Block& b = *f->ctx.block;
    const uintptr_t a = reinterpret_cast<uintptr_t>(p), base = reinterpret_cast<uintptr_t>(b.smem);
    if (!b.smem || a < base || a > base + b.smem_size)
        fiber_fail(f, "smem address of a pointer outside the block's dynamic shared memory");
    return g_smem_base + static_cast<uint32_t>(a - base);
}

void fence_proxy_async() {
    Fiber* f = cur_fiber("fence_proxy_async_smem");
    rt_state().t_epoch[f->gid] = ++rt_state().epoch_counter;
}

void wgmma_fence() { rendezvous(cur_fiber("wgmma_fence"), OpWgmmaFence, 0xffffffffu); }
void wgmma_commit() { rendezvous(cur_fiber("wgmma_commit"), OpWgmmaCommit, 0xffffffffu); }
void wgmma_wait(int n) {
    Fiber* f = cur_fiber("wgmma_wait");
    f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane].b = n;
    rendezvous(f, OpWgmmaWait, 0xffffffffu);
}
// A warp's part of one wgmma: deposits the descriptors, N and the lane's accumulator (and, "RS", A
// fragment) pointers; the rendezvous records the op (compute_collective) for its wait.
// The 16 bytes of a wgmma operand chunk at shared offset off must have no generic-proxy write that its
// writer has not yet followed by fence_proxy_async.
void check_async_visible(Fiber* f, uint32_t off, int op) {
    const Block& b = *f->ctx.block;
    const Runtime& rt = rt_state();
    for (uint32_t i = off; i < off + 16 && i < b.smem_size; ++i) {
        const uint16_t w = rt.wr_thread[b.wr_base + i];
        if (w == kRemoteWriter) {  // (a mark left by an earlier block or launch has another epoch)
            if (rt.wr_epoch[b.wr_base + i] != b.remote_epoch) continue;
            fiber_fail(f, std::string(op_name(op)) + " reads shared byte " + std::to_string(i) +
                              ", which another block of the cluster wrote through distributed shared memory "
                              "(cluster_store): a generic-proxy write wgmma's async proxy may not see");
        }
        if (!w || rt.wr_epoch[b.wr_base + i] != rt.t_epoch[b.fibers[w - 1u].gid]) continue;
        const Fiber& o = b.fibers[w - 1u];
        const std::string what = !o.last_write_file ? std::string("?")
                                 : o.last_write_line < 0 ? std::string(o.last_write_file)
                                 : "last: sts at " + std::string(o.last_write_file) + ":" + std::to_string(o.last_write_line);
        fiber_fail(f, std::string(op_name(op)) + " reads shared byte " + std::to_string(i) + ", which thread " +
                          std::to_string(w - 1u) + " wrote through the generic proxy (" + what +
                          ") without a fence_proxy_async_smem since: wgmma reads through the async proxy");
    }
}

void wgmma_issue(int op, float* d, const uint32_t* a, uint64_t desc_a, uint64_t desc_b, int n) {
    Fiber* f = cur_fiber(op_name(op));
    if (n % 8 || n < 8 || n > 256)
        fiber_fail(f, std::string(op_name(op)) + ": N = " + std::to_string(n) + " (8..256, multiple of 8)");
    if (f->ctx.lane == 0) {  // the operand bytes this warp's part reads must be visible to the async proxy
        const int K = op == OpWgmmaTf32 ? 8 : 16, es = op == OpWgmmaTf32 ? 4 : 2;
        for (int half = 0; half < 2; ++half) {  // the slice's two 16-byte chunks of a row
            if (op != OpWgmmaF16Rs)
                for (int i = 0; i < 16; ++i)
                    check_async_visible(f, wgmma_operand_offset(desc_a, 16 * static_cast<int>(f->ctx.warp % 4) + i,
                                                                half * K / 2 * es, f), op);
            for (int j = 0; j < n; ++j) check_async_visible(f, wgmma_operand_offset(desc_b, j, half * K / 2 * es, f), op);
        }
    }
    Slot& s = f->ctx.block->warps[f->ctx.warp].slot[f->ctx.lane];
    std::memcpy(s.in, &desc_a, 8);
    std::memcpy(s.in + 2, &desc_b, 8);
    s.in[4] = static_cast<uint32_t>(n);
    s.ptr = d;
    s.ptr2 = a;
    rendezvous(f, op, 0xffffffffu);
}
void wgmma_f16(int n, float* d, uint64_t desc_a, uint64_t desc_b) { wgmma_issue(OpWgmmaF16, d, nullptr, desc_a, desc_b, n); }
void wgmma_tf32(int n, float* d, uint64_t desc_a, uint64_t desc_b) { wgmma_issue(OpWgmmaTf32, d, nullptr, desc_a, desc_b, n); }
void wgmma_f16_rs(int n, float* d, const uint32_t* a, uint64_t desc_b) { wgmma_issue(OpWgmmaF16Rs, d, a, 0, desc_b, n); }

void cp_async(void* dst, const void* src, int cp_size, int src_bytes, const char* file, int line) {
    Fiber* f = cur_fiber("cp_async");
    if (src_bytes < 0 || src_bytes > cp_size)
        fiber_fail(f, "cp.async: src_bytes " + std::to_string(src_bytes) + " outside [0," + std::to_string(cp_size) + "]");
    if (reinterpret_cast<uintptr_t>(dst) % static_cast<uintptr_t>(cp_size))
        fiber_fail(f, "cp.async: shared destination not aligned to " + std::to_string(cp_size) + " bytes");
    if (src_bytes > 0 && reinterpret_cast<uintptr_t>(src) % static_cast<uintptr_t>(cp_size))
        fiber_fail(f, "cp.async: global source not aligned to " + std::to_string(cp_size) + " bytes");
    f->cp.push_back(CpCopy{dst, src, f->cp_open, static_cast<uint32_t>(cp_size), static_cast<uint32_t>(src_bytes)});
    Block& b = *f->ctx.block;
    std::vector<SmemRec>& rec = b.warps[f->ctx.warp].rec[f->ctx.lane];
    rec.push_back(SmemRec{file, line, f->cp_open, static_cast<uint32_t>(rec.size()), smem_offset(b, dst),
                          static_cast<uint8_t>(cp_size), static_cast<uint8_t>(SmemCpAsync)});
    rt_state().smem.generic_bytes += cp_size;
}

void smem_access(const void* p, unsigned bytes, SmemKind kind, const char* file, int line) {
    Fiber* f = cur_fiber(kind == SmemStore ? "sts" : "lds");
    Block& b = *f->ctx.block;
    const uint32_t off = smem_offset(b, p);
    if (b.smem && p == b.smem + off && off + bytes > b.smem_size)
        fiber_fail(f, std::string(smem_kind_name(kind)) + " of " + std::to_string(bytes) + " bytes at byte " +
                          std::to_string(off) + " runs past the " + std::to_string(b.smem_size) +
                          " bytes of dynamic shared memory");
    std::vector<SmemRec>& rec = b.warps[f->ctx.warp].rec[f->ctx.lane];
    rec.push_back(SmemRec{file, line, f->cp_open, static_cast<uint32_t>(rec.size()), off, static_cast<uint8_t>(bytes),
                          static_cast<uint8_t>(kind)});
    rt_state().smem.generic_bytes += bytes;
    if (kind == SmemStore) {
        note_generic_write(f, p, bytes);
        f->last_write_file = file ? file : "?";
        f->last_write_line = line;
    }
    // The random schedule also preempts a fiber at one shared-memory access in 8 (before a store takes effect),
    // as the hardware interleaves warps anywhere: a hand-off that only works because a fiber ran its whole
    // stretch between two blocking points (e.g. a stage rewritten before its readers were told) fails under it.
    if (rt_state().schedule == Schedule::Random && (rt_state().rng() & 7u) == 0) switch_to_scheduler(f, false);
}

const char* smem_kind_name(int kind) {
    switch (kind) {
        case SmemLdmatrix: return "ldmatrix";
        case SmemLoad: return "lds";
        case SmemStore: return "sts";
        case SmemCpAsync: return "cp.async store";
        default: return "?";
    }
}

const SmemTotals& smem_totals() { return rt_state().smem; }

std::vector<SmemSite> smem_sites() {
    std::vector<SmemSite> v;
    for (const auto& e : rt_state().smem_sites) {
        const char* file = std::get<0>(e.first);
        std::string where = file ? std::string(file) + ":" + std::to_string(std::get<1>(e.first)) : "?";
        v.push_back(SmemSite{where, std::get<2>(e.first), std::get<3>(e.first), e.second.count, e.second.example});
    }
    return v;
}


void cp_async_commit() {
    Fiber* f = cur_fiber("cp_async_commit");
    ++f->cp_open;
}

void cp_async_wait_group(int n) {
    Fiber* f = cur_fiber("cp_async_wait");
    // committed groups have ids < cp_open; all but the n most recent complete
    const uint64_t limit = f->cp_open >= static_cast<uint64_t>(n) ? f->cp_open - static_cast<uint64_t>(n) : 0;
    cp_complete(f, limit);
}

void cp_async_wait_all() {
    Fiber* f = cur_fiber("cp_async_wait_all");
    ++f->cp_open;  // wait_all = commit_group + wait_group 0
    cp_complete(f, f->cp_open);
}

void* dynamic_smem() {
    Fiber* f = cur_fiber("FC_DYNAMIC_SHARED");
    return f->ctx.block->smem;
}

size_t dynamic_smem_size() {
    Fiber* f = cur_fiber("dynamic_smem_size");
    return f->ctx.block->smem_size;
}

LaunchStats launch_impl(const char* name, const void* kernel_addr, dim3 grid, dim3 cdim, dim3 block, size_t smem,
                        const BlockPredicate* pred, void (*thunk)(void*), void* thunk_arg) {
    Runtime& rt = rt_state();
    const auto t0 = std::chrono::steady_clock::now();
    LaunchStats stats;
    const std::string kname = kernel_name(name, kernel_addr);
    const uint64_t nthreads64 = static_cast<uint64_t>(block.x) * block.y * block.z;
    auto host_fail = [&](const std::string& m) {
        std::string full = "fc_simt: kernel " + kname + ": " + m;
        if (g_throw) throw SimtError(full);
        die(full);
    };
    if (g_current->block) host_fail("launch from inside a kernel is not supported");
    if (nthreads64 == 0 || nthreads64 > 1024 || block.z > 64)
        host_fail("invalid block " + dim_str(block) + " (1..1024 threads, z <= 64)");
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535)
        host_fail("invalid grid " + dim_str(grid));
    const uint64_t csize64 = static_cast<uint64_t>(cdim.x) * cdim.y * cdim.z;
    if (csize64 == 0 || csize64 > 8 || grid.x % cdim.x || grid.y % cdim.y || grid.z % cdim.z)
        host_fail("invalid cluster " + dim_str(cdim) + " for grid " + dim_str(grid) +
                  " (1..8 blocks, each dim dividing the grid's)");
    const unsigned csize = static_cast<unsigned>(csize64);
    if (csize > 1 && g_smem_base + smem >= (1u << 24))
        host_fail("cluster launch: shared-window base + dynamic shared memory must stay below 2^24 (the emulation's "
                  "distributed-shared-memory address encoding)");
    apply_env_schedule();
    const unsigned n = static_cast<unsigned>(nthreads64);
    const unsigned nwarps = (n + 31) / 32;
    ensure_stacks(n * csize);
#if FC_SIMT_ASM_SWITCH
    {
        uint32_t mx = 0;
        uint16_t cw = 0;
        __asm__ volatile("stmxcsr %0" : "=m"(mx));
        __asm__ volatile("fnstcw %0" : "=m"(cw));
        rt.fp_ctrl[0] = mx;
        rt.fp_ctrl[1] = cw;
    }
#endif

    // Each block of a cluster has its own dynamic shared memory: stride bytes apart, with a 128-byte gap
    // between blocks (poisoned under ASan) so that an overrun into the next block's memory is reported.
    const size_t stride = csize == 1 ? smem : (smem + 127) / 128 * 128 + 128;
    const size_t total_smem = stride * csize;
    rt.fibers.resize(static_cast<size_t>(n) * csize);
    if (rt.t_epoch.size() < rt.fibers.size()) rt.t_epoch.resize(rt.fibers.size(), 0);
    if (rt.wr_thread.size() < total_smem) {
        rt.wr_thread.resize(total_smem, 0);
        rt.wr_epoch.resize(total_smem, 0);
    }
    if (rt.blocks.size() < csize) rt.blocks.resize(csize);
    if (total_smem > rt.smem_cap) {
        void* p = nullptr;
        if (posix_memalign(&p, 128, total_smem) != 0) host_fail("cannot allocate dynamic shared memory");
        std::free(rt.smem_buf);
        rt.smem_buf = static_cast<unsigned char*>(p);
        rt.smem_cap = total_smem;
    }
#if FC_SIMT_ASAN
    if (rt.smem_buf) {  // an access past a block's dynamic shared memory stays an ASan error
        ASAN_POISON_MEMORY_REGION(rt.smem_buf, rt.smem_cap);
        for (unsigned r = 0; r < csize; ++r) ASAN_UNPOISON_MEMORY_REGION(rt.smem_buf + r * stride, smem);
    }
#endif
    Cluster cl;
    cl.blocks = rt.blocks.data();
    cl.size = csize;
    cl.threads = n * csize;
    for (unsigned r = 0; r < csize; ++r) {
        Block& b = rt.blocks[r];
        b.kernel = kname.c_str();
        b.nthreads = n;
        b.fibers = FiberSpan{rt.fibers.data() + static_cast<size_t>(r) * n, n};
        b.rank = r;
        b.wr_base = r * stride;
        b.cluster = &cl;
        b.error.clear();
        b.warps.resize(nwarps);
        b.smem = smem ? rt.smem_buf + r * stride : nullptr;
        b.smem_size = smem;
    }
    rt.thunk = thunk;
    rt.thunk_arg = thunk_arg;
    const uint64_t sw0 = rt.switches;

    const unsigned nf = n * csize;
    std::vector<unsigned> order(nf);
    for (unsigned i = 0; i < nf; ++i) order[i] = i;
    if (rt.schedule == Schedule::Reverse) std::reverse(order.begin(), order.end());

    // Cluster order: grid order, or under the reverse / random schedules reversed / shuffled too, so that
    // code relying on one block finishing before another (a stream-K fixup assuming who arrives last)
    // fails there: no order of blocks is guaranteed on a GPU. Without clusters a cluster is one block.
    std::vector<dim3> clusters;
    clusters.reserve((size_t)grid.x * grid.y * grid.z / csize);
    for (unsigned bz = 0; bz < grid.z; bz += cdim.z)
        for (unsigned by = 0; by < grid.y; by += cdim.y)
            for (unsigned bx = 0; bx < grid.x; bx += cdim.x) clusters.push_back(dim3(bx, by, bz));
    if (rt.schedule == Schedule::Reverse) std::reverse(clusters.begin(), clusters.end());
    if (rt.schedule == Schedule::Random) std::shuffle(clusters.begin(), clusters.end(), rt.rng);
    auto block_of = [&](const dim3& c0, unsigned r) {  // rank r of the cluster at c0 (x fastest)
        return dim3(c0.x + r % cdim.x, c0.y + (r / cdim.x) % cdim.y, c0.z + r / (cdim.x * cdim.y));
    };
    auto block_fail = [&](const Block& b, const std::string& m) {
        const dim3 bidx = b.fibers[0].ctx.block_idx;
        std::string full = "fc_simt: kernel " + kname + " block " + dim_str(bidx) + ": " + m;
        if (g_throw) throw SimtError(full);
        die(full);
    };
    for (const dim3& c0 : clusters) {
        if (pred) {
            bool any = false;
            for (unsigned r = 0; r < csize && !any; ++r) any = (*pred)(block_of(c0, r));
            if (!any) continue;
        }
        stats.blocks_run += csize;
        cl.arrived = 0;
        cl.phase = 0;
        cl.exited = 0;
        cl.first_exit.clear();
        for (unsigned r = 0; r < csize; ++r) {  // reset block state
            Block& b = rt.blocks[r];
            const dim3 bidx = block_of(c0, r);
            b.barrier_arrived = 0;
            b.exited = 0;
            b.first_exited = -1;
            b.remote_epoch = ++rt.epoch_counter;  // earlier blocks' remote-write marks no longer match
            for (unsigned wi = 0; wi < nwarps; ++wi) {
                Warp& w = b.warps[wi];
                const unsigned cnt = std::min(32u, n - wi * 32);
                w.exist = cnt == 32 ? 0xffffffffu : ((1u << cnt) - 1u);
                w.exited = 0;
                w.arrived = 0;
                w.mask = 0;
                w.op = OpNone;
                for (auto& rec : w.rec) rec.clear();
                w.wgmma.clear();
                w.wgmma_open = 0;
                w.wgmma_fenced = false;
                w.wg_seq = 0;
            }
            if (smem) std::memset(b.smem, 0xff, smem);
            for (auto& log : b.wg_log) log.clear();  // (keeping their capacity)
            b.mbars.clear();
            for (unsigned id = 0; id < 16; ++id) b.named_arrived[id] = b.named_count[id] = 0;
            for (unsigned i = 0; i < n; ++i) {
                Fiber& f = b.fibers[i];
                f.ctx.thread_idx = dim3(i % block.x, (i / block.x) % block.y, i / (block.x * block.y));
                f.ctx.block_idx = bidx;
                f.ctx.block_dim = block;
                f.ctx.grid_dim = grid;
                f.ctx.linear = i;
                f.ctx.lane = i % 32;
                f.ctx.warp = i / 32;
                f.ctx.block = &b;
                f.ctx.fiber = &f;
                f.gid = r * n + i;
                f.state = FState::Runnable;
                f.stack = &rt.stacks[f.gid];
                f.asan_fake = nullptr;
                f.cp.clear();
                f.cp_open = 0;
                f.last_write_file = nullptr;
                f.cl_arrived = false;
                f.cl_phase = 0;
                rt.t_epoch[f.gid] = ++rt.epoch_counter;  // this block's writes start unfenced afresh
                init_fiber_context(&f);
            }
        }
        unsigned live = nf;
        while (live > 0) {
            bool progressed = false;
            if (rt.schedule == Schedule::Random) std::shuffle(order.begin(), order.end(), rt.rng);
            for (unsigned k = 0; k < nf; ++k) {
                Fiber& f = rt.fibers[order[k]];
                if (f.state != FState::Runnable) continue;
                progressed = true;
                switch_to_fiber(&f);
                g_current = &g_host_ctx;
                if (!f.ctx.block->error.empty()) {
                    std::string e = f.ctx.block->error;
                    throw SimtError(e);  // only reached in throw mode
                }
                if (f.state == FState::Exited) --live;
            }
            if (!progressed && live > 0) {
                std::string m;
                for (unsigned r = 0; r < csize; ++r) {
                    Block& b = rt.blocks[r];
                    if (b.exited == b.nthreads) continue;
                    m += "fc_simt: kernel " + kname + " block " + dim_str(b.fibers[0].ctx.block_idx) + ": " +
                         deadlock_report(b);
                    if (r + 1 < csize) m += "\n";
                }
                if (g_throw) throw SimtError(m);
                die(m);
            }
        }
        for (unsigned r = 0; r < csize; ++r) {
            Block& b = rt.blocks[r];
            for (const auto& mb : b.mbars)  // a TMA load still in flight when the block ends: UB on hardware
                if (!mb.second.landing.empty() || mb.second.tx)
                    block_fail(b, "the block ended with TMA loads on mbarrier " +
                                      std::to_string(reinterpret_cast<uintptr_t>(mb.first)) +
                                      " never completed (transaction bytes outstanding " + std::to_string(mb.second.tx) +
                                      ")");
            for (unsigned wi = 0; wi < nwarps; ++wi) {  // every warp of a warpgroup: the whole sequence
                const size_t wg = wi / 4;
                const size_t want = wg < b.wg_log.size() ? b.wg_log[wg].size() : 0;
                if (b.warps[wi].wg_seq != want)
                    block_fail(b, "warp " + std::to_string(wi) + " executed " + std::to_string(b.warps[wi].wg_seq) +
                                      " wgmma instructions, another warp of its warpgroup " + std::to_string(want) +
                                      " (.aligned: every warp of the warpgroup executes the same ones)");
            }
            smem_score_block(b);
        }
    }
    for (unsigned r = 0; r < csize; ++r) rt.blocks[r].cluster = nullptr;
    stats.context_switches = rt.switches - sw0;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return stats;
}

}  // namespace fc_simt
