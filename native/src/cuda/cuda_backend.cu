// cuda_backend.cu — the CUDA backend table (core/backend.h): devices, memory,
// copies, streams, events, plans and launches. Host code only (nvcc).
//
// cudart is linked statically; with no driver or no device, device_count() is
// 0 and fc_cuda_backend_status() says why (cudaGetDeviceCount's error), so the
// library loads and works everywhere. Every entry point selects its device
// (cudaSetDevice) first: plans, streams and events remember theirs.
#include <cuda_runtime.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>
#include <vector>
#include <new>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "cuda/conv_params.h"
#include "cuda/heuristic.h"
#include "cuda/launch.cuh"

namespace {

using namespace fc::cuda;

std::once_flag g_once;
int g_count = 0;
char g_status[512] = "CUDA backend not initialised";

void init_once() {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        snprintf(g_status, sizeof g_status, "CUDA not available: cudaGetDeviceCount failed: %s (%s)",
                 cudaGetErrorString(e), cudaGetErrorName(e));
        (void)cudaGetLastError();
        g_count = 0;
        return;
    }
    int rt = 0, drv = 0;
    cudaRuntimeGetVersion(&rt);
    cudaDriverGetVersion(&drv);
    if (n == 0) {
        snprintf(g_status, sizeof g_status, "CUDA driver present (driver %d, runtime %d) but no CUDA device", drv, rt);
        g_count = 0;
        return;
    }
    cudaDeviceProp prop;
    char first[256] = "";
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
        snprintf(first, sizeof first, "; device 0: %.160s (sm_%d%d%s)", prop.name, prop.major, prop.minor,
                 cuda_cc_supported(prop.major) ? "" : ", below the kernels' compute capability 8.0: no plans on it");
    snprintf(g_status, sizeof g_status, "CUDA available: %d device(s), driver %d, runtime %d%s", n, drv, rt, first);
    g_count = n;
}

int32_t cuda_device_count() {
    std::call_once(g_once, init_once);
    return g_count;
}

fc_status cuda_err(cudaError_t e, const char* what) {
    (void)cudaGetLastError();  // clear non-sticky errors
    if (e == cudaErrorMemoryAllocation)
        return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "CUDA %s: %s", what, cudaGetErrorString(e));
    return fc_set_error(FC_ERROR_DEVICE, "CUDA %s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
}

#define CU(call, what)                              \
    do {                                            \
        cudaError_t e_ = (call);                    \
        if (e_ != cudaSuccess) return cuda_err(e_, what); \
    } while (0)

fc_status set_dev(int32_t local) {
    if (local < 0 || local >= cuda_device_count())
        return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "CUDA local device %d out of range", local);
    CU(cudaSetDevice(local), "cudaSetDevice");
    return FC_SUCCESS;
}

// set_dev for what launches kernels (plans, fc_unfold): also refuses a device the kernels cannot run on
// (cuda_cc_supported), saying what to do instead.
fc_status set_kernel_dev(int32_t local) {
    fc_status st = set_dev(local);
    if (st) return st;
    int major = 0, minor = 0;
    CU(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, local), "cudaDeviceGetAttribute");
    CU(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, local), "cudaDeviceGetAttribute");
    if (!cuda_cc_supported(major))
        return fc_set_error(FC_ERROR_UNSUPPORTED,
                            "CUDA device %d has compute capability %d.%d; fastconv's CUDA kernels need %d.0 or newer "
                            "(Ampere, Ada, Hopper and later): run this convolution on the CPU device instead",
                            local, major, minor, kMinComputeMajor);
    return FC_SUCCESS;
}

struct Stream {
    cudaStream_t s;
    int dev;
};
struct Event {
    cudaEvent_t e;
    int dev;
};
struct Plan {
    fc_conv_desc desc;
    ConvParams p;
    KernelChoice k;
    int dev;
    int num_sms;
    int direct_tile_bps;  // direct_tile_kernel: resident blocks per SM (persistent grid size)
    bool has_wgmma;       // compute capability 9.0 and the sm_90a image loaded: the wgmma kernels run
};

fc_status cuda_device_info(int32_t local, fc_device_info* info) {
    fc_status st = set_dev(local);
    if (st) return st;
    cudaDeviceProp prop;
    CU(cudaGetDeviceProperties(&prop, local), "cudaGetDeviceProperties");
    memset(info, 0, sizeof *info);
    info->kind = FC_DEVICE_CUDA;
    snprintf(info->name, sizeof info->name, "%.127s", prop.name);
    info->compute_capability_major = prop.major;
    info->compute_capability_minor = prop.minor;
    info->total_memory = (int64_t)prop.totalGlobalMem;
    info->multiprocessor_count = prop.multiProcessorCount;
    return FC_SUCCESS;
}

fc_status cuda_mem_alloc(int32_t local, size_t bytes, void** ptr) {
    fc_status st = set_dev(local);
    if (st) return st;
    *ptr = nullptr;
    CU(cudaMalloc(ptr, bytes ? bytes : 256), "cudaMalloc");  // bytes == 0: a unique freeable pointer
    return FC_SUCCESS;
}

fc_status cuda_mem_free(int32_t local, void* ptr) {
    fc_status st = set_dev(local);
    if (st) return st;
    CU(cudaFree(ptr), "cudaFree");
    return FC_SUCCESS;
}

// Pinned host memory: not tied to a device (portable across all of them).
fc_status cuda_host_alloc(size_t bytes, void** ptr) {
    *ptr = nullptr;
    CU(cudaHostAlloc(ptr, bytes ? bytes : 64, cudaHostAllocPortable), "cudaHostAlloc");
    return FC_SUCCESS;
}

fc_status cuda_host_free(void* ptr) {
    CU(cudaFreeHost(ptr), "cudaFreeHost");
    return FC_SUCCESS;
}

fc_status cuda_mem_copy(int32_t local, void* stream, void* dst, int32_t dst_kind, const void* src, int32_t src_kind,
                        size_t bytes) {
    fc_status st = set_dev(local);
    if (st) return st;
    if (bytes == 0) return FC_SUCCESS;
    cudaMemcpyKind kind = dst_kind == FC_DEVICE_CPU ? cudaMemcpyDeviceToHost
                          : src_kind == FC_DEVICE_CPU ? cudaMemcpyHostToDevice
                                                      : cudaMemcpyDeviceToDevice;
    if (stream) {
        CU(cudaMemcpyAsync(dst, src, bytes, kind, static_cast<Stream*>(stream)->s), "cudaMemcpyAsync");
    } else {
        // NULL stream: the legacy default stream, and done when the call returns.
        CU(cudaMemcpy(dst, src, bytes, kind), "cudaMemcpy");
    }
    return FC_SUCCESS;
}

fc_status cuda_stream_create(int32_t local, void** out) {
    fc_status st = set_dev(local);
    if (st) return st;
    Stream* s = new (std::nothrow) Stream();
    if (!s) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_stream_create: out of host memory");
    s->dev = local;
    cudaError_t e = cudaStreamCreateWithFlags(&s->s, cudaStreamNonBlocking);
    if (e != cudaSuccess) {
        delete s;
        return cuda_err(e, "cudaStreamCreate");
    }
    *out = s;
    return FC_SUCCESS;
}

fc_status cuda_stream_destroy(void* stream) {
    Stream* s = static_cast<Stream*>(stream);
    if (!s) return FC_SUCCESS;
    fc_status st = set_dev(s->dev);
    if (st) return st;
    CU(cudaStreamDestroy(s->s), "cudaStreamDestroy");
    delete s;
    return FC_SUCCESS;
}

fc_status cuda_stream_synchronize(void* stream) {
    Stream* s = static_cast<Stream*>(stream);
    if (s) {
        fc_status st = set_dev(s->dev);
        if (st) return st;
        CU(cudaStreamSynchronize(s->s), "cudaStreamSynchronize");
        return FC_SUCCESS;
    }
    for (int d = 0; d < cuda_device_count(); ++d) {  // NULL: every device's default stream
        CU(cudaSetDevice(d), "cudaSetDevice");
        CU(cudaStreamSynchronize(0), "cudaStreamSynchronize");
    }
    return FC_SUCCESS;
}

fc_status cuda_event_create(int32_t local, void** out) {
    fc_status st = set_dev(local);
    if (st) return st;
    Event* ev = new (std::nothrow) Event();
    if (!ev) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_event_create: out of host memory");
    ev->dev = local;
    cudaError_t e = cudaEventCreate(&ev->e);
    if (e != cudaSuccess) {
        delete ev;
        return cuda_err(e, "cudaEventCreate");
    }
    *out = ev;
    return FC_SUCCESS;
}

fc_status cuda_event_destroy(void* event) {
    Event* ev = static_cast<Event*>(event);
    if (!ev) return FC_SUCCESS;
    fc_status st = set_dev(ev->dev);
    if (st) return st;
    CU(cudaEventDestroy(ev->e), "cudaEventDestroy");
    delete ev;
    return FC_SUCCESS;
}

fc_status cuda_event_record(void* event, void* stream) {
    Event* ev = static_cast<Event*>(event);
    fc_status st = set_dev(ev->dev);
    if (st) return st;
    CU(cudaEventRecord(ev->e, stream ? static_cast<Stream*>(stream)->s : 0), "cudaEventRecord");
    return FC_SUCCESS;
}

fc_status cuda_event_synchronize(void* event) {
    Event* ev = static_cast<Event*>(event);
    fc_status st = set_dev(ev->dev);
    if (st) return st;
    CU(cudaEventSynchronize(ev->e), "cudaEventSynchronize");
    return FC_SUCCESS;
}

fc_status cuda_event_elapsed_ms(void* start, void* end, float* ms) {
    Event* a = static_cast<Event*>(start);
    Event* b = static_cast<Event*>(end);
    fc_status st = set_dev(a->dev);
    if (st) return st;
    CU(cudaEventElapsedTime(ms, a->e, b->e), "cudaEventElapsedTime");
    return FC_SUCCESS;
}

// Raise the dynamic shared memory limit of the plan's GEMM kernel (once per plan);
// direct_tile_kernel: its resident blocks/SM, which size its persistent grid.
cudaError_t prepare_kernel(Plan* pl) {
    const KernelChoice& k = pl->k;
    if (k.kind == KK_DIRECT)
        return k.direct_tile ? direct_tile_occupancy(pl->desc.dtype == FC_DTYPE_F16, k.round_mode, k.direct_tile,
                                                     pl->p, &pl->direct_tile_bps)
                             : cudaSuccess;
    const bool impl = k.kind == KK_IMPLICIT;
    switch (k.math) {
    case MATH_TF32: return tc_tf32(k.tile, impl, pl->p, nullptr, 0);
    case MATH_F16_F32IO: return tc_f16_f32io(k.tile, impl, pl->p, nullptr, 0);
    case MATH_3XTF32: return tc_3xtf32(k.tile, impl, pl->p, nullptr, 0);
    case MATH_F16: return tc_f16(k.tile, impl, pl->p, nullptr, 0);
    default: return simt_gemm(impl, pl->p, nullptr, 0);
    }
}

KernelChoice autotune(const Plan* pl, const KernelChoice& heur, size_t optin);  // below

fc_status cuda_plan_create(const fc_conv_desc* desc, int32_t local, void** plan, size_t* workspace_bytes,
                           int32_t* algorithm) {
    fc_status st = set_kernel_dev(local);
    if (st) return st;
    Plan* pl = new (std::nothrow) Plan();
    if (!pl) return fc_set_error(FC_ERROR_OUT_OF_MEMORY, "fc_conv_plan_create: out of host memory");
    pl->desc = *desc;
    pl->dev = local;
    const char* why = make_conv_params(desc, &pl->p);
    if (why) {
        delete pl;
        return fc_set_error(FC_ERROR_UNSUPPORTED, "CUDA backend: %s", why);
    }
    int sms = 0, optin = 0;
    cudaError_t e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, local);
    if (e == cudaSuccess) e = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, local);
    if (e != cudaSuccess) {
        delete pl;
        return cuda_err(e, "cudaDeviceGetAttribute");
    }
    pl->num_sms = sms;
    {  // FASTCONV_CUDA_IMPLICIT_KERNEL=gather: never tc_halo_kernel (benchmarks compare both);
       // =wgmma: f16 and TF32 implicit GEMMs on the sm_90a wgmma kernels where the device runs them,
       // =wgmma_ws: on the warp-specialized one, =wgmma_sk: on wgmma_conv_kernel's stream-K form,
       // =wgmma_tma: f16 and TF32 ones TMA can load on wgmma_tma_conv_kernel
       // (verification and timing on a GPU; see force_wgmma)
        const char* ik = getenv("FASTCONV_CUDA_IMPLICIT_KERNEL");
        int major = 0, minor = 0;
        pl->has_wgmma = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, local) == cudaSuccess &&
                        cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, local) == cudaSuccess &&
                        major == 9 && minor == 0 && wgmma_available();
        const bool gather = ik && !strcmp(ik, "gather");  // tc_conv_kernel only: neither halo nor wgmma
        pl->k = choose_kernel(desc, pl->p, sms, (size_t)optin, !gather, pl->has_wgmma && !gather);
        const bool ws = ik && !strcmp(ik, "wgmma_ws"), sk = ik && !strcmp(ik, "wgmma_sk"),
                   tma = ik && !strcmp(ik, "wgmma_tma");
        if (ik && (ws || sk || tma || !strcmp(ik, "wgmma")))
            pl->k = force_wgmma(desc, pl->p, pl->k, sms, (size_t)optin, pl->has_wgmma, ws, sk, tma);
    }
    const char* dk = getenv("FASTCONV_CUDA_DIRECT_KERNEL");
    {  // FASTCONV_CUDA_DIRECT_KERNEL=strip: the previous direct kernel instead of direct_tile_kernel;
       // =ffma: direct_tile_kernel's FFMA step instead of its tensor-core step (benchmarks)
        if (dk && !strcmp(dk, "strip")) pl->k.direct_tile = 0;
        if (dk && !strcmp(dk, "ffma") && pl->k.direct_tile == 2) pl->k.direct_tile = 1;
    }
    const ConvParams& p = pl->p;
    if (p.G > 65535 || p.N > 65535 || (int64_t)p.G * cdiv(p.Kg, 4) > 65535) {
        const int G = p.G, N = p.N;
        delete pl;
        return fc_set_error(FC_ERROR_UNSUPPORTED,
                            "CUDA backend: groups (%d) or batch (%d) exceed the grid limits (65535)", G, N);
    }
    // FASTCONV_AUTOTUNE=1: time the candidates instead (not while a kernel is forced for a comparison)
    if (fc_autotune_on() && !dk && !getenv("FASTCONV_CUDA_IMPLICIT_KERNEL"))
        pl->k = autotune(pl, pl->k, (size_t)optin);
    const size_t need = pl->k.kind != KK_DIRECT ? tile_smem_bytes(pl->k.math, pl->k.tile) : 0;
    if (need > (size_t)optin) {
        delete pl;
        return fc_set_error(FC_ERROR_UNSUPPORTED,
                            "CUDA backend: kernel needs %zu bytes of shared memory, device allows %d", need, optin);
    }
    e = prepare_kernel(pl);
    if (e != cudaSuccess) {
        delete pl;
        return cuda_err(e, "cudaFuncSetAttribute");
    }
    if (fc_env_on("FASTCONV_CUDA_VERBOSE")) {  // which kernel this plan runs (benchmarks: did a forcing apply?)
        char name[96];
        describe_choice(pl->k, name, sizeof name);
        fprintf(stderr, "fastconv cuda plan [%s]: %s\n", tune_key(&pl->desc, pl->dev).c_str(), name);
    }
    *plan = pl;
    *workspace_bytes = pl->k.workspace;
    *algorithm = pl->k.algorithm;
    return FC_SUCCESS;
}

fc_status cuda_plan_destroy(void* plan) {
    delete static_cast<Plan*>(plan);
    return FC_SUCCESS;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

// Enqueues the plan's kernels on s (the plan's device is current).
fc_status run_plan(const Plan* pl, cudaStream_t s, const void* x, const void* w, const void* bias, void* y,
                   void* workspace) {
    const ConvParams& p = pl->p;
    const KernelChoice& k = pl->k;
    const int f16 = pl->desc.dtype == FC_DTYPE_F16;
    const int vec = f16 ? 8 : 4;
    const void* b = p.has_bias ? bias : nullptr;
    if (p.has_bias && !bias) return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "bias must not be NULL (has_bias = 1)");
    cudaError_t e;
    if (k.kind == KK_DIRECT) {
        e = direct_conv(f16, k.direct_kb, k.round_mode, k.direct_tile, pl->num_sms, pl->direct_tile_bps, p, x, w, b,
                        y, s);
        if (e != cudaSuccess) return cuda_err(e, "direct convolution kernel launch");
        return FC_SUCCESS;
    }
    GemmArgs args;
    args.w = w;
    args.bias = b;
    args.y = y;
    args.vec_b = (p.Kgemm % vec == 0) && aligned16(w);
    args.splits = 1;
    args.stream_k = 0;
    args.partial = nullptr;
    args.num_sms = pl->num_sms;
    args.vec_y = aligned16(y);
    args.tf32_rounded = 0;
    if (k.kind == KK_UNFOLD_GEMM) {
        if (!workspace && k.workspace)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "workspace must not be NULL (plan needs %zu bytes)", k.workspace);
        e = unfold(f16, UNFOLD_WORKSPACE, p, x, workspace, pl->num_sms, s);
        if (e != cudaSuccess) return cuda_err(e, "unfold kernel launch");
        args.a = workspace;
        args.vec_a = (p.Kgemm % vec == 0) && aligned16(workspace);
    } else {
        args.a = x;
        args.vec_a = p.chlast && (p.Cg % vec == 0) && aligned16(x);
        if (k.workspace && !workspace)
            return fc_set_error(FC_ERROR_INVALID_ARGUMENT, "workspace must not be NULL (plan needs %zu bytes)",
                                k.workspace);
        unsigned char* wsb = static_cast<unsigned char*>(workspace);
        if (k.to_nhwc == NHWC_TRANSPOSE) {  // x (and w) -> NHWC in the workspace, then the NHWC kernel
            // (TF32 on the TMA kernel: rounded to tf32 on the way, w too -- tf32_round_in_transform; the plan's
            // workspace holds w's copy; FASTCONV_CUDA_TF32_ROUND_IN_TRANSFORM=0 keeps the kernel's own rounding
            // warpgroup, for comparisons)
            static const bool allow = [] {
                const char* ev = getenv("FASTCONV_CUDA_TF32_ROUND_IN_TRANSFORM");
                return !ev || !*ev || fc_env_on("FASTCONV_CUDA_TF32_ROUND_IN_TRANSFORM");
            }();
            const bool round = allow && tf32_round_in_transform(k.math, k.tile, k.to_nhwc);
            e = transpose(f16, x, wsb, p.N, p.C, p.D * p.H * p.W, s, round);
            if (e == cudaSuccess && (p.TRS > 1 || round))
                e = transpose(f16, w, wsb + k.ws_w, p.K, p.Cg, p.TRS, s, round);
            if (e != cudaSuccess) return cuda_err(e, "NCHW -> NHWC transform kernel launch");
            args.a = wsb;
            args.vec_a = aligned16(wsb);
            args.tf32_rounded = round;
            if (p.TRS > 1 || round) {
                args.w = wsb + k.ws_w;
                args.vec_b = (p.Kgemm % vec == 0) && aligned16(args.w);
            }
        } else if (k.to_nhwc == NHWC_PAD) {  // x, w -> NHWC with zero-padded channels
            e = pad_nhwc(f16, p, k.cgp, x, wsb, pl->num_sms, s);
            if (e == cudaSuccess) e = pad_weights(f16, p, k.cgp, w, wsb + k.ws_w, pl->num_sms, s);
            if (e != cudaSuccess) return cuda_err(e, "channel padding kernel launch");
            args.a = wsb;
            args.vec_a = aligned16(wsb);
            args.w = wsb + k.ws_w;
            args.vec_b = aligned16(args.w);
        }
        if (k.splits > 1) {
            args.splits = k.splits;
            args.partial = reinterpret_cast<float*>(wsb + k.ws_partial);
        }
        if (k.stream_k > 0) {  // the slots, then the tickets (stream_k_slot_bytes)
            args.stream_k = k.stream_k;
            args.partial = reinterpret_cast<float*>(wsb + k.ws_partial);
        }
    }
    const bool impl = k.kind == KK_IMPLICIT;
    const ConvParams pg = k.kind == KK_IMPLICIT ? gemm_view(p, k.to_nhwc, k.cgp) : p;
    switch (k.math) {
    case MATH_TF32: e = tc_tf32(k.tile, impl, pg, &args, s); break;
    case MATH_F16_F32IO: e = tc_f16_f32io(k.tile, impl, pg, &args, s); break;
    case MATH_3XTF32: e = tc_3xtf32(k.tile, impl, pg, &args, s); break;
    case MATH_F16: e = tc_f16(k.tile, impl, pg, &args, s); break;
    default: e = simt_gemm(impl, pg, &args, s); break;
    }
    if (e != cudaSuccess) return cuda_err(e, "convolution GEMM kernel launch");
    return FC_SUCCESS;
}

fc_status cuda_conv_forward(void* plan, void* stream, const void* x, const void* w, const void* bias, void* y,
                            void* workspace) {
    const Plan* pl = static_cast<const Plan*>(plan);
    fc_status st = set_dev(pl->dev);
    if (st) return st;
    return run_plan(pl, stream ? static_cast<Stream*>(stream)->s : 0, x, w, bias, y, workspace);
}

// ---- Autotuning (fc_set_autotune / FASTCONV_AUTOTUNE=1, like cudnn.benchmark / the CPU backend's cpu_autotune.c) ----
// At plan creation, every candidate kernel of the requested algorithm (candidate_kernels, heuristic.h:
// AUTO spans DIRECT, UNFOLD_GEMM and IMPLICIT_GEMM, each of those its tiles / split-K / transforms) runs
// on scratch tensors of the plan's shapes on a private stream, timed with CUDA events over batches of
// launches (time_candidate). The fastest wins if it beats the heuristic's choice by more than 2 % (noise
// must not flip a plan between equal kernels). Results are cached per (device, problem) for the
// process, so only the first plan of a shape pays (a few forward passes of every candidate); one tuning
// runs at a time. The heuristic's choice stands when tuning is off, a forcing variable (FASTCONV_CUDA_*_KERNEL) is set, the
// scratch tensors would exceed 1 GiB, or anything fails; candidates that fail are skipped.
// FASTCONV_AUTOTUNE_VERBOSE=1 prints every candidate's time to stderr.

std::mutex g_tune_mu;      // the cache
std::mutex g_tune_run_mu;  // one tuning run at a time (taken before g_tune_mu, never after)
std::vector<std::pair<std::string, KernelChoice>> g_tune_cache;  // few entries per process: linear search

struct TuneScratch {  // device buffers, stream and events of one tuning run; freed by the destructor
    void* buf[5] = {nullptr, nullptr, nullptr, nullptr, nullptr};
    cudaStream_t s = nullptr;
    cudaEvent_t ev[2] = {nullptr, nullptr};
    ~TuneScratch() {
        if (s) cudaStreamSynchronize(s);
        for (void* b : buf)
            if (b) cudaFree(b);
        for (cudaEvent_t e : ev)
            if (e) cudaEventDestroy(e);
        if (s) cudaStreamDestroy(s);
        (void)cudaGetLastError();
    }
};

// Time (us) of candidate k on the scratch tensors, or a negative value if it cannot run: one run
// (warm-up and first estimate), then 3 batches of back-to-back launches of >= ~200 us each; the
// best batch's mean. Batches, not single launches: a 15 us kernel timed alone swings by 30-50 %
// on the H200 (clock ramp, launch gaps), which a first tuner (median of 5 single runs) showed by
// picking kernels 25 % slower than the heuristic's.
double time_candidate(const Plan* base, const KernelChoice& k, TuneScratch& t) {
    Plan c = *base;
    c.k = k;
    if (prepare_kernel(&c) != cudaSuccess) {
        (void)cudaGetLastError();
        return -1;
    }
    auto timed = [&](int n, double* us) {
        if (cudaEventRecord(t.ev[0], t.s) != cudaSuccess) return false;
        for (int i = 0; i < n; ++i)
            if (run_plan(&c, t.s, t.buf[0], t.buf[1], t.buf[2], t.buf[3], t.buf[4]) != FC_SUCCESS) return false;
        float ms = 0;
        if (cudaEventRecord(t.ev[1], t.s) != cudaSuccess || cudaEventSynchronize(t.ev[1]) != cudaSuccess ||
            cudaEventElapsedTime(&ms, t.ev[0], t.ev[1]) != cudaSuccess)
            return false;
        *us = ms * 1000.0 / n;
        return true;
    };
    double first = 0;
    if (!timed(1, &first)) return -1;
    const int reps = first >= 200.0 ? 1 : first * 64 < 200.0 ? 64 : (int)(200.0 / first) + 1;
    double best = first;
    for (int b = 0; b < 3; ++b) {
        double us = 0;
        if (!timed(reps, &us)) return -1;
        best = us < best ? us : best;
    }
    return best;
}

KernelChoice autotune(const Plan* pl, const KernelChoice& heur, size_t optin) {
    const std::string key = tune_key(&pl->desc, pl->dev);
    const std::vector<KernelChoice> cands = candidate_kernels(&pl->desc, pl->p, pl->num_sms, optin, pl->has_wgmma);
    // A cached pick is used as this problem's own candidate (workspace laid out for it), and only if
    // it is one: a key that matched another problem could never hand over a kernel that cannot run.
    auto cached = [&](KernelChoice* out) {
        std::lock_guard<std::mutex> g(g_tune_mu);
        for (const auto& e : g_tune_cache)
            if (e.first == key)
                for (const KernelChoice& c : cands)
                    if (same_choice(c, e.second)) {
                        *out = c;
                        return true;
                    }
        return false;
    };
    KernelChoice hit;
    if (cached(&hit)) return hit;
    if (cands.size() < 2) return heur;
    // One tuning at a time in the process: plans created concurrently would otherwise time their
    // candidates against each other's launches. Whoever waited finds the problem tuned, or tunes it.
    std::lock_guard<std::mutex> one_at_a_time(g_tune_run_mu);
    if (cached(&hit)) return hit;
    int64_t xe = 0, we = 0, be = 0, ye = 0;
    if (fc_conv_tensor_sizes(&pl->desc, &xe, &we, &be, &ye) != FC_SUCCESS) return heur;
    const size_t es = pl->desc.dtype == FC_DTYPE_F16 ? 2 : 4;
    size_t ws = 0;
    for (const KernelChoice& k : cands) ws = k.workspace > ws ? k.workspace : ws;
    const size_t bytes[5] = {(size_t)xe * es, (size_t)we * es, (size_t)(be > 0 ? be : 1) * es, (size_t)ye * es, ws};
    if ((double)bytes[0] + bytes[1] + bytes[2] + bytes[3] + bytes[4] > (double)(1u << 30)) return heur;
    const bool verbose = fc_env_on("FASTCONV_AUTOTUNE_VERBOSE");
    KernelChoice best = heur;
    {
        TuneScratch t;
        if (cudaStreamCreateWithFlags(&t.s, cudaStreamNonBlocking) != cudaSuccess ||
            cudaEventCreate(&t.ev[0]) != cudaSuccess || cudaEventCreate(&t.ev[1]) != cudaSuccess) {
            (void)cudaGetLastError();
            return heur;
        }
        for (int i = 0; i < 5; ++i) {
            // x, w, bias: 0x2e bytes (f16 ~0.1, f32 ~4e-11; the kernels' speed does not depend on the values)
            if (cudaMalloc(&t.buf[i], bytes[i] ? bytes[i] : 256) != cudaSuccess ||
                (i < 3 && cudaMemsetAsync(t.buf[i], 0x2e, bytes[i], t.s) != cudaSuccess)) {
                (void)cudaGetLastError();
                return heur;
            }
        }
        double best_us = -1, heur_us = -1;
        (void)time_candidate(pl, cands[0], t);  // warm-up: clocks up before the first timing counts
        for (size_t i = 0; i < cands.size(); ++i) {
            const double us = time_candidate(pl, cands[i], t);
            if (us < 0) {
                // a launch-configuration failure skips the candidate; a sticky error ends tuning
                (void)cudaGetLastError();
                if (cudaStreamSynchronize(t.s) != cudaSuccess) return heur;
            }
            if (verbose) {
                char name[96];
                describe_choice(cands[i], name, sizeof name);
                fprintf(stderr, "fastconv autotune [%s]: %-44s %10.1f us%s\n", key.c_str(), name, us,
                        i == 0 ? " (heuristic)" : "");
            }
            if (us < 0) continue;
            if (i == 0) heur_us = us;
            if (best_us < 0 || us < best_us) {
                best_us = us;
                best = cands[i];
            }
        }
        if (heur_us >= 0 && best_us > 0.98 * heur_us) best = heur;
        if (verbose) {
            char name[96];
            describe_choice(best, name, sizeof name);
            fprintf(stderr, "fastconv autotune [%s]: picked %s\n", key.c_str(), name);
        }
    }
    std::lock_guard<std::mutex> g(g_tune_mu);
    g_tune_cache.emplace_back(key, best);
    return best;
}

fc_status cuda_unfold(const fc_conv_desc* desc, int32_t local, void* stream, const void* x, void* cols) {
    fc_status st = set_kernel_dev(local);
    if (st) return st;
    ConvParams p;
    const char* why = make_conv_params(desc, &p, 1);
    if (why) return fc_set_error(FC_ERROR_UNSUPPORTED, "CUDA backend: %s", why);
    int sms = 0;
    CU(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, local), "cudaDeviceGetAttribute");
    cudaStream_t s = stream ? static_cast<Stream*>(stream)->s : 0;
    CU(unfold(desc->dtype == FC_DTYPE_F16, UNFOLD_PUBLIC, p, x, cols, sms, s), "unfold kernel launch");
    return FC_SUCCESS;
}

const fc_backend g_backend = {
    "cuda",
    FC_DEVICE_CUDA,
    cuda_device_count,
    cuda_device_info,
    cuda_mem_alloc,
    cuda_mem_free,
    cuda_mem_copy,
    cuda_stream_create,
    cuda_stream_destroy,
    cuda_stream_synchronize,
    cuda_event_create,
    cuda_event_destroy,
    cuda_event_record,
    cuda_event_synchronize,
    cuda_event_elapsed_ms,
    cuda_plan_create,
    cuda_plan_destroy,
    cuda_conv_forward,
    cuda_unfold,
    cuda_host_alloc,
    cuda_host_free,
};

}  // namespace

extern "C" const fc_backend* fc_cuda_backend(void) { return &g_backend; }

extern "C" const char* fc_cuda_backend_status(void) {
    cuda_device_count();
    return g_status;
}
