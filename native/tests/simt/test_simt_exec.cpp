// Execution-model tests of the SIMT emulation: indices, barriers, shuffles,
// votes, a reduction, error detection (divergent barrier, deadlock,
// inconsistent collectives) and cp.async deferral.
#include "simt/simt.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "simt_test_util.h"

using fc_simt::Schedule;

// ---------------------------------------------------------------------------
__global__ void index_kernel(unsigned* out) {
    const unsigned bl = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    const unsigned tl = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    const unsigned nthr = blockDim.x * blockDim.y * blockDim.z;
    out[bl * nthr + tl] = (threadIdx.x) | (threadIdx.y << 4) | (threadIdx.z << 8) | (blockIdx.x << 12) |
                          (blockIdx.y << 16) | (blockIdx.z << 20) | ((tl % warpSize) << 24);
}

static void test_indices() {
    const dim3 grid(3, 2, 2), block(8, 4, 2);
    std::vector<unsigned> out(12 * 64, 0xffffffffu);
    fc_simt::launch(grid, block, 0, index_kernel, out.data());
    for (unsigned bz = 0; bz < 2; ++bz)
        for (unsigned by = 0; by < 2; ++by)
            for (unsigned bx = 0; bx < 3; ++bx)
                for (unsigned tz = 0; tz < 2; ++tz)
                    for (unsigned ty = 0; ty < 4; ++ty)
                        for (unsigned tx = 0; tx < 8; ++tx) {
                            const unsigned bl = bx + 3 * (by + 2 * bz), tl = tx + 8 * (ty + 4 * tz);
                            const unsigned want = tx | (ty << 4) | (tz << 8) | (bx << 12) | (by << 16) | (bz << 20) |
                                                  ((tl % 32) << 24);
                            CHECK(out[bl * 64 + tl] == want);
                        }
    // launch_blocks: only the selected blocks run, gridDim unchanged
    std::fill(out.begin(), out.end(), 0xffffffffu);
    auto st = fc_simt::launch_blocks(grid, block, 0, [](const dim3& b) { return b.x == 1 && b.z == 1; }, index_kernel,
                                     out.data());
    CHECK(st.blocks_run == 2);
    unsigned written = 0;
    for (unsigned v : out) written += v != 0xffffffffu;
    CHECK(written == 2 * 64);
}

// ---------------------------------------------------------------------------
// Barrier: 1024 threads exchange through shared memory, several phases.
template <bool kBarrier>
__global__ void barrier_kernel(int* out) {
    __shared__ int s[1024];
    const int t = static_cast<int>(threadIdx.x);
    int v = t * 7 + static_cast<int>(blockIdx.x);
    for (int phase = 0; phase < 4; ++phase) {
        s[t] = v;
        if (kBarrier) __syncthreads();
        v = s[(t * 5 + 3 + phase) % 1024] + 1;  // read another thread's value
        if (kBarrier) __syncthreads();
    }
    out[blockIdx.x * 1024 + t] = v;
}

static std::vector<int> barrier_reference(int blocks) {
    std::vector<int> ref(static_cast<size_t>(blocks) * 1024);
    for (int b = 0; b < blocks; ++b) {
        std::vector<int> v(1024), s(1024);
        for (int t = 0; t < 1024; ++t) v[t] = t * 7 + b;
        for (int phase = 0; phase < 4; ++phase) {
            s = v;
            for (int t = 0; t < 1024; ++t) v[t] = s[(t * 5 + 3 + phase) % 1024] + 1;
        }
        for (int t = 0; t < 1024; ++t) ref[static_cast<size_t>(b) * 1024 + t] = v[t];
    }
    return ref;
}

static void test_barrier() {
    const auto ref = barrier_reference(2);
    for (Schedule s : {Schedule::Forward, Schedule::Reverse, Schedule::Random}) {
        fc_simt::set_schedule(s, 42);
        std::vector<int> out(2048, -1);
        fc_simt::launch(dim3(2), dim3(1024), 0, barrier_kernel<true>, out.data());
        CHECK_MSG(out == ref, "schedule %d", static_cast<int>(s));
    }
    // Without the barriers the result must differ (the check above can fail).
    fc_simt::set_schedule(Schedule::Forward);
    std::vector<int> out(2048, -1);
    fc_simt::launch(dim3(2), dim3(1024), 0, barrier_kernel<false>, out.data());
    CHECK(out != ref);
}

// ---------------------------------------------------------------------------
// Shuffles against the CUDA programming-guide definitions (not the PTX formula
// used by the implementation).
struct ShflOut {
    int idx[32][4], up[32][4], down[32][4], bfly[32][4], bfly_hi[32];
    float fidx[32];
    double didx[32];
    long long ldown[32];
    unsigned uxor[32];
};

__global__ void shfl_kernel(ShflOut* o, int src, unsigned delta, int lmask) {
    const int lane = static_cast<int>(threadIdx.x);
    const int v = 1000 + lane * 3;
    const int widths[4] = {32, 16, 8, 4};
    for (int wi = 0; wi < 4; ++wi) {
        const int w = widths[wi];
        o->idx[lane][wi] = __shfl_sync(0xffffffffu, v, src + lane / 3, w);
        o->up[lane][wi] = __shfl_up_sync(0xffffffffu, v, delta, w);
        o->down[lane][wi] = __shfl_down_sync(0xffffffffu, v, delta, w);
        o->bfly[lane][wi] = __shfl_xor_sync(0xffffffffu, v, lmask, w);
    }
    o->bfly_hi[lane] = __shfl_xor_sync(0xffffffffu, v, 16, 16);  // reaches into other segment
    o->fidx[lane] = __shfl_sync(0xffffffffu, 0.5f * static_cast<float>(lane), 31 - lane);
    o->didx[lane] = __shfl_sync(0xffffffffu, 1e300 + static_cast<double>(lane), (lane + 1) % 32);
    o->ldown[lane] = __shfl_down_sync(0xffffffffu, (1ll << 40) + lane, 1);
    o->uxor[lane] = __shfl_xor_sync(0xffffffffu, 0x80000000u + static_cast<unsigned>(lane), 1);
}

static void test_shuffles() {
    const int src = 5;
    const unsigned delta = 3;
    const int lmask = 5;
    ShflOut o;
    std::memset(&o, 0, sizeof o);
    fc_simt::launch(dim3(1), dim3(32), 0, shfl_kernel, &o, src, delta, lmask);
    const int widths[4] = {32, 16, 8, 4};
    auto val = [](int l) { return 1000 + l * 3; };
    for (int lane = 0; lane < 32; ++lane) {
        for (int wi = 0; wi < 4; ++wi) {
            const int w = widths[wi];
            const int base = (lane / w) * w;
            const int s = src + lane / 3;
            CHECK_MSG(o.idx[lane][wi] == val(base + s % w), "idx lane %d w %d", lane, w);
            const int up = (lane - base) >= static_cast<int>(delta) ? val(lane - static_cast<int>(delta)) : val(lane);
            CHECK_MSG(o.up[lane][wi] == up, "up lane %d w %d", lane, w);
            const int dn = (lane - base) + static_cast<int>(delta) < w ? val(lane + static_cast<int>(delta)) : val(lane);
            CHECK_MSG(o.down[lane][wi] == dn, "down lane %d w %d", lane, w);
            const int j = lane ^ lmask;
            const int bf = j < base + w ? val(j) : val(lane);
            CHECK_MSG(o.bfly[lane][wi] == bf, "xor lane %d w %d", lane, w);
        }
        // width 16, laneMask 16: upper half reads the lower half, lower half keeps its own
        CHECK(o.bfly_hi[lane] == (lane >= 16 ? val(lane - 16) : val(lane)));
        CHECK(o.fidx[lane] == 0.5f * static_cast<float>(31 - lane));
        CHECK(o.didx[lane] == 1e300 + static_cast<double>((lane + 1) % 32));
        CHECK(o.ldown[lane] == (1ll << 40) + (lane < 31 ? lane + 1 : lane));
        CHECK(o.uxor[lane] == 0x80000000u + static_cast<unsigned>(lane ^ 1));
    }
}

// ---------------------------------------------------------------------------
__global__ void vote_kernel(unsigned* out) {
    const unsigned lane = threadIdx.x % 32;
    const unsigned w = threadIdx.x / 32;
    const unsigned b = __ballot_sync(0xffffffffu, (lane % 3 == 0) || w == 1);
    const int any = __any_sync(0xffffffffu, lane == 7 && w == 0);
    const int all = __all_sync(0xffffffffu, lane < 31 || w == 1);
    __syncwarp();
    out[threadIdx.x * 3 + 0] = b;
    out[threadIdx.x * 3 + 1] = static_cast<unsigned>(any);
    out[threadIdx.x * 3 + 2] = static_cast<unsigned>(all);
}

static void test_votes() {
    std::vector<unsigned> out(64 * 3, 7);
    fc_simt::launch(dim3(1), dim3(64), 0, vote_kernel, out.data());
    unsigned want0 = 0;
    for (int l = 0; l < 32; l += 3) want0 |= 1u << l;
    for (int t = 0; t < 64; ++t) {
        const bool w1 = t >= 32;
        CHECK(out[t * 3 + 0] == (w1 ? 0xffffffffu : want0));
        CHECK(out[t * 3 + 1] == (w1 ? 0u : 1u));
        CHECK(out[t * 3 + 2] == (w1 ? 1u : 0u));
    }
}

// ---------------------------------------------------------------------------
// Tiny reduction: warp shuffle + shared memory across warps + atomicAdd.
__global__ void reduce_kernel(const float* in, int n, float* total, float* per_block) {
    __shared__ float warp_sums[32];
    const int t = static_cast<int>(threadIdx.x);
    float v = 0.f;
    for (int i = static_cast<int>(blockIdx.x * blockDim.x) + t; i < n; i += static_cast<int>(gridDim.x * blockDim.x))
        v += in[i];
    for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
    if (t % 32 == 0) warp_sums[t / 32] = v;
    __syncthreads();
    if (t < 32) {
        v = t < static_cast<int>(blockDim.x / 32) ? warp_sums[t] : 0.f;
        for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
        if (t == 0) {
            per_block[blockIdx.x] = v;
            atomicAdd(total, v);
        }
    }
}

static void test_reduction() {
    const int n = 5000;
    std::vector<float> in(n);
    double ref = 0;
    for (int i = 0; i < n; ++i) {
        in[i] = static_cast<float>((i * 37) % 101) - 50.f;  // integers: exact sums
        ref += in[i];
    }
    float total = 0.f;
    std::vector<float> per_block(4, 0.f);
    fc_simt::launch(dim3(4), dim3(256), 0, reduce_kernel, in.data(), n, &total, per_block.data());
    CHECK_MSG(total == static_cast<float>(ref), "total %f ref %f", total, ref);
    double sum_blocks = 0;
    for (float f : per_block) sum_blocks += f;
    CHECK(sum_blocks == ref);
}

// ---------------------------------------------------------------------------
// Error detection (throw mode = the test hook; plus one forked abort).
__global__ void early_exit_barrier_kernel(int* out) {
    if (threadIdx.x == 0) return;  // thread 0 leaves, the rest hit a barrier
    __syncthreads();
    out[threadIdx.x] = 1;
}

__global__ void shfl_vs_barrier_kernel(int* out) {
    int v = static_cast<int>(threadIdx.x);
    if (threadIdx.x % 32 < 16) v = __shfl_xor_sync(0xffffffffu, v, 1);
    else __syncthreads();
    out[threadIdx.x] = v;
}

__global__ void mixed_collective_kernel(int* out) {
    int v = static_cast<int>(threadIdx.x);
    if (threadIdx.x % 2) v = __shfl_xor_sync(0xffffffffu, v, 1);
    else v = static_cast<int>(__ballot_sync(0xffffffffu, 1));
    out[threadIdx.x] = v;
}

__global__ void partial_warp_shfl_kernel(int* out) {
    // block of 48 threads: warp 1 has 16 lanes; shfl_down by 16 reads a missing lane
    out[threadIdx.x] = __shfl_down_sync(0xffffffffu, static_cast<int>(threadIdx.x), 16);
}

__global__ void partial_warp_ok_kernel(int* out) {
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, static_cast<int>(threadIdx.x), 1);
}


static bool contains(const std::string& s, const char* sub) { return s.find(sub) != std::string::npos; }

static void test_errors() {
    fc_simt::set_throw_on_error(true);
    std::vector<int> out(1024, 0);
    std::string e = expect_error([&] { FC_SIMT_LAUNCH(early_exit_barrier_kernel, dim3(2), dim3(64), 0, out.data()); });
    CHECK_MSG(contains(e, "divergent barrier") && contains(e, "early_exit_barrier_kernel") && contains(e, "block (0,0,0)"),
              "got '%s'", e.c_str());
    fc_simt::set_schedule(Schedule::Reverse);  // now thread 0 exits while the others wait
    e = expect_error([&] { fc_simt::launch(dim3(1), dim3(64), 0, early_exit_barrier_kernel, out.data()); });
    CHECK_MSG(contains(e, "divergent barrier") && contains(e, "thread (0,0,0)"), "got '%s'", e.c_str());
    fc_simt::set_schedule(Schedule::Forward);

    e = expect_error([&] { FC_SIMT_LAUNCH(shfl_vs_barrier_kernel, dim3(1), dim3(64), 0, out.data()); });
    CHECK_MSG(contains(e, "deadlock") && contains(e, "__shfl_xor_sync"), "got '%s'", e.c_str());

    e = expect_error([&] { FC_SIMT_LAUNCH(mixed_collective_kernel, dim3(1), dim3(32), 0, out.data()); });
    CHECK_MSG(contains(e, "inconsistent warp collective"), "got '%s'", e.c_str());

    e = expect_error([&] { FC_SIMT_LAUNCH(partial_warp_shfl_kernel, dim3(1), dim3(48), 0, out.data()); });
    CHECK_MSG(contains(e, "does not participate"), "got '%s'", e.c_str());

    // after errors the runtime still works; partial warps with in-range shuffles are fine
    e = expect_error([&] { fc_simt::launch(dim3(1), dim3(48), 0, partial_warp_ok_kernel, out.data()); });
    CHECK_MSG(e.empty(), "got '%s'", e.c_str());
    for (int t = 0; t < 48; ++t) CHECK(out[t] == (t ^ 1));

    e = expect_error([&] { fc_simt::launch(dim3(1), dim3(2048), 0, partial_warp_ok_kernel, out.data()); });
    CHECK(contains(e, "invalid block"));
    e = expect_error([] { __syncthreads(); });
    CHECK(contains(e, "outside a kernel"));
    fc_simt::set_throw_on_error(false);

    // Default mode aborts with a message: run it in a child process.
    int pipefd[2];
    CHECK(pipe(pipefd) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        std::vector<int> o(64);
        FC_SIMT_LAUNCH(early_exit_barrier_kernel, dim3(1), dim3(64), 0, o.data());
        _exit(0);  // not reached
    }
    close(pipefd[1]);
    std::string msg;
    char buf[512];
    ssize_t k;
    while ((k = read(pipefd[0], buf, sizeof buf)) > 0) msg.append(buf, static_cast<size_t>(k));
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %d", status);
    CHECK_MSG(contains(msg, "divergent barrier") && contains(msg, "early_exit_barrier_kernel"), "child said '%s'",
              msg.c_str());
}

// ---------------------------------------------------------------------------
// cp.async deferral.
struct CpOut {
    float before[64], after_wait1_a[64], after_wait1_b[64], after_wait0_b[64];
    unsigned char zf[64][16];
    unsigned char zf0[64][16];
    float c8[64][2];
    float uncommitted[64];
};

__global__ void cp_async_kernel(const float* g, CpOut* o) {
    FC_DYNAMIC_SHARED(float, s);  // layout: a[64] b[64] z[64*4] z0[64*4] c8[128] u[64]
    float* a = s;
    float* b = s + 64;
    float* z = s + 128;
    float* z0 = s + 128 + 256;
    float* c8 = s + 128 + 512;
    float* u = s + 128 + 512 + 128;
    const int t = static_cast<int>(threadIdx.x);
    a[t] = -1.f;
    b[t] = -2.f;
    fc::cuda::cp_async_ca_4(&a[t], &g[t], 4);
    fc::cuda::cp_async_commit();
    fc::cuda::cp_async_ca_4(&b[t], &g[64 + t], 4);
    fc::cuda::cp_async_commit();
    o->before[t] = a[t];
    fc::cuda::cp_async_wait<1>();
    o->after_wait1_a[t] = a[t];
    o->after_wait1_b[t] = b[t];
    fc::cuda::cp_async_wait<0>();
    o->after_wait0_b[t] = b[t];
    // zero fill: t % 17 source bytes of 16
    const int nb = t % 17;
    fc::cuda::cp_async_cg_16(&z[4 * t], &g[4 * t], nb);
    fc::cuda::cp_async_cg_16(&z0[4 * t], nullptr, 0);  // src not read
    fc::cuda::cp_async_ca_8(&c8[2 * t], &g[2 * t], t % 2 ? 8 : 4);
    fc::cuda::cp_async_commit();
    fc::cuda::cp_async_commit();  // empty group
    fc::cuda::cp_async_wait<1>();  // the data group is older than the empty one -> complete
    std::memcpy(o->zf[t], &z[4 * t], 16);
    std::memcpy(o->zf0[t], &z0[4 * t], 16);
    o->c8[t][0] = c8[2 * t];
    o->c8[t][1] = c8[2 * t + 1];
    u[t] = -3.f;
    fc::cuda::cp_async_ca_4(&u[t], &g[t], 4);  // never committed: wait_all completes it
    fc::cuda::cp_async_wait_all();
    o->uncommitted[t] = u[t];
}

__global__ void cp_async_exit_kernel(const float* g, float* out) {
    FC_DYNAMIC_SHARED(float, s);
    // Each thread issues a copy it never waits for; it is still performed at
    // thread exit.  Another block then cannot observe it, so copy to global.
    fc::cuda::cp_async_ca_4(&out[threadIdx.x], &g[threadIdx.x], 4);
    s[threadIdx.x] = 0.f;
}

static void test_cp_async() {
    std::vector<float> g(512);
    for (int i = 0; i < 512; ++i) g[i] = static_cast<float>(i) + 0.25f;
    CpOut o;
    std::memset(&o, 0, sizeof o);
    fc_simt::launch(dim3(1), dim3(64), (128 + 512 + 128 + 64) * sizeof(float), cp_async_kernel, g.data(), &o);
    for (int t = 0; t < 64; ++t) {
        CHECK(o.before[t] == -1.f);
        CHECK(o.after_wait1_a[t] == g[t]);
        CHECK(o.after_wait1_b[t] == -2.f);
        CHECK(o.after_wait0_b[t] == g[64 + t]);
        const int nb = t % 17;
        const unsigned char* src = reinterpret_cast<const unsigned char*>(&g[4 * t]);
        for (int k = 0; k < 16; ++k) {
            CHECK(o.zf[t][k] == (k < nb ? src[k] : 0));
            CHECK(o.zf0[t][k] == 0);
        }
        CHECK(o.c8[t][0] == g[2 * t]);
        CHECK(o.c8[t][1] == (t % 2 ? g[2 * t + 1] : 0.f));
        CHECK(o.uncommitted[t] == g[t]);
    }
    std::vector<float> out(32, 0.f);
    fc_simt::launch(dim3(1), dim3(32), 32 * sizeof(float), cp_async_exit_kernel, g.data(), out.data());
    for (int t = 0; t < 32; ++t) CHECK(out[t] == g[t]);
}


// ---------------------------------------------------------------------------
// mbarrier + named barriers: a producer warp hands ROUNDS values through a 2-slot ring to two consumer
// warps (full[s]: 32 producer arrivals; empty[s]: 64 consumer arrivals), parities as the warp-specialized
// kernel uses them; then the consumers alone meet at named barrier 1 (64 threads) after the producer warp
// has exited. kMode 1: the producer skips waiting for "empty" (overruns the ring: wrong values or a
// deadlock must show); 2: consumers wait for the wrong parity (deadlock); 3: arrive on a barrier
// nobody initialized; 4: init count 0; 5: named barrier id 0; 6: two counts for one named barrier round.
constexpr int kRounds = 7;
template <int kMode>
__global__ void mbar_ring_kernel(int* out) {
    __shared__ int ring[2][64];
    __shared__ uint64_t full[2], empty[2], stray;
    __shared__ int sum[64];
    const int t = static_cast<int>(threadIdx.x);
    if (t == 0) {
        for (int s = 0; s < 2; ++s) {
            fc::cuda::mbar_init(&full[s], 32);
            fc::cuda::mbar_init(&empty[s], kMode == 4 ? 0 : 64);
        }
    }
    __syncthreads();
    if (kMode == 3) fc::cuda::mbar_arrive(&stray);
    if (t < 32) {  // producer warp
        for (int r = 0; r < kRounds; ++r) {
            const int s = r % 2;
            if (r >= 2 && kMode != 1) fc::cuda::mbar_wait(&empty[s], static_cast<unsigned>(r / 2 - 1) & 1u);
            ring[s][2 * t] = 1000 * r + 2 * t;
            ring[s][2 * t + 1] = 1000 * r + 2 * t + 1;
            fc::cuda::mbar_arrive(&full[s]);
        }
        return;
    }
    const int c = t - 32;  // consumers 0..63
    int acc = 0;
    for (int r = 0; r < kRounds; ++r) {
        const int s = r % 2;
        fc::cuda::mbar_wait(&full[s], (static_cast<unsigned>(r / 2) & 1u) ^ (kMode == 2 ? 1u : 0u));
        acc += ring[s][c];
        fc::cuda::mbar_arrive(&empty[s]);
    }
    sum[c] = acc;
    fc::cuda::bar_sync_named(kMode == 5 ? 0u : 1u, kMode == 6 && c >= 32 ? 32u : 64u);
    out[c] = sum[63 - c];  // another warp's value: needs the named barrier
}

static void test_mbarrier() {
    std::vector<int> out(64, -1);
    for (Schedule sch : {Schedule::Forward, Schedule::Reverse, Schedule::Random}) {
        fc_simt::set_schedule(sch, 7);
        std::fill(out.begin(), out.end(), -1);
        fc_simt::launch(dim3(2), dim3(96), 0, mbar_ring_kernel<0>, out.data());
        for (int c = 0; c < 64; ++c) {
            int want = 0;
            for (int r = 0; r < kRounds; ++r) want += 1000 * r + (63 - c);
            CHECK_MSG(out[c] == want, "schedule %d consumer %d: %d, want %d", static_cast<int>(sch), c, out[c], want);
        }
    }
    fc_simt::set_schedule(Schedule::Forward);
    fc_simt::set_throw_on_error(true);
    std::string e = expect_error([&] { fc_simt::launch(dim3(1), dim3(96), 0, mbar_ring_kernel<1>, out.data()); });
    int want = 0;
    for (int r = 0; r < kRounds; ++r) want += 1000 * r + 63;
    // (the producer overruns the ring: overwritten values, or phases the consumers then miss -> deadlock)
    CHECK_MSG(!e.empty() || out[0] != want, "no empty wait went unnoticed: out[0] %d", out[0]);
    e = expect_error([&] { FC_SIMT_LAUNCH(mbar_ring_kernel<2>, dim3(1), dim3(96), 0, out.data()); });
    CHECK_MSG(contains(e, "deadlock") && contains(e, "wait for phase parity") && contains(e, "mbarrier"), "got '%s'",
              e.c_str());
    e = expect_error([&] { FC_SIMT_LAUNCH(mbar_ring_kernel<3>, dim3(1), dim3(96), 0, out.data()); });
    CHECK_MSG(contains(e, "mbarrier_arrive") && contains(e, "no mbarrier_init"), "got '%s'", e.c_str());
    e = expect_error([&] { FC_SIMT_LAUNCH(mbar_ring_kernel<4>, dim3(1), dim3(96), 0, out.data()); });
    CHECK_MSG(contains(e, "count 0"), "got '%s'", e.c_str());
    e = expect_error([&] { FC_SIMT_LAUNCH(mbar_ring_kernel<5>, dim3(1), dim3(96), 0, out.data()); });
    CHECK_MSG(contains(e, "named barrier id 0"), "got '%s'", e.c_str());
    e = expect_error([&] { FC_SIMT_LAUNCH(mbar_ring_kernel<6>, dim3(1), dim3(96), 0, out.data()); });
    CHECK_MSG(contains(e, "named barrier 1") && contains(e, "count"), "got '%s'", e.c_str());
    fc_simt::set_throw_on_error(false);
}

// ---------------------------------------------------------------------------
// Block order: forward runs the grid in order (x fastest); reverse and random reorder the blocks too
// (random: a permutation, reproducible per seed, not the grid order) -- a kernel whose blocks assume
// who finishes last (a stream-K fixup) must be able to fail under them.
__global__ void order_kernel(unsigned* seq, unsigned* n) {
    if (threadIdx.x == 0) seq[atomicAdd(n, 1u)] = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
}

static std::vector<unsigned> block_order(Schedule s, uint64_t seed) {
    fc_simt::set_schedule(s, seed);
    std::vector<unsigned> seq(24, ~0u);
    unsigned n = 0;
    fc_simt::launch(dim3(3, 4, 2), dim3(64), 0, order_kernel, seq.data(), &n);
    fc_simt::set_schedule(Schedule::Forward);
    CHECK(n == 24);
    return seq;
}

static void test_block_order() {
    std::vector<unsigned> fwd(24), rev(24);
    for (unsigned i = 0; i < 24; ++i) fwd[i] = i, rev[i] = 23 - i;
    CHECK(block_order(Schedule::Forward, 1) == fwd);
    CHECK(block_order(Schedule::Reverse, 1) == rev);
    const std::vector<unsigned> r1 = block_order(Schedule::Random, 5), r1b = block_order(Schedule::Random, 5),
                                r2 = block_order(Schedule::Random, 6);
    std::vector<unsigned> sorted = r1;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == fwd);          // every block once
    CHECK(r1 != fwd && r1 != rev);  // reordered
    CHECK(r1 == r1b && r1 != r2);   // reproducible per seed
}

int main() {
    test_indices();
    test_block_order();
    test_barrier();
    test_shuffles();
    test_votes();
    test_reduction();
    test_errors();
    test_cp_async();
    test_mbarrier();
    return simt_test_result("test_simt_exec");
}
