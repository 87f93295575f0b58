// device_ceiling.cu — what this GPU can do at most, measured, for the bench's "% of peak" columns.
//
// The bench (gpu_check --bench) reports % of the datasheet peaks (peaks_for in gpu_check.cpp). This
// program measures the ceilings the kernels can actually reach with the instructions they use, so
// a miss can be attributed: to the instruction class (mma.sync on Hopper cannot reach the wgmma
// datasheet peak) or to the kernel.
//   fp16  mma.sync.m16n8k16 f32-accumulate: 8 independent accumulator chains per warp, 8 warps per
//         block, 4 blocks per SM, no memory traffic in the loop.
//   tf32  mma.sync.m16n8k8, same structure.
//   ffma  fp32 FFMA: 16 independent chains per thread.
//   copy  device-to-device float4 copy of 1 GiB (read + write bytes / time), and cudaMemcpy D2D.
//   write float4 stores of 1 GiB (the note shape moves 84 % of its bytes as output writes).
//   l2    16-byte ld.global.cg reads of a 16 MiB buffer (L2-resident on H100/H200's 50 MB L2) 16 times
//         over: the L2 -> SM bandwidth that the GEMM tiles' stage loads (cp.async.cg, also L2 only) share,
//         against which a tile's FLOP per staged byte is judged (implicit_gemm_wgmma_ws.cuh).
// Each is the median of 7 timed launches (CUDA events) after a warm-up. Output: one line each,
// "ceiling <name> <value> <unit>", then the same against the datasheet peak the bench uses.
// Not a test: nothing is asserted; scripts/gpu-check.sh runs it and keeps the output.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cuda/intrinsics.cuh"
#include "cuda_ck.h"

static const char* const kProgram = "device_ceiling";

using namespace fc::cuda;

constexpr int kChains = 8;
constexpr int kIters = 4096;

// The operands are loaded from memory the compiler cannot see through (so the loop is not folded)
// and the accumulators are written out if a flag that is never set at run time is set.
// F16: mma.sync.m16n8k16 f16 inputs; else m16n8k8 tf32 (same fragment register counts).
template <bool F16>
__global__ void __launch_bounds__(256) mma_loop(const uint32_t* in, float* out, int flag) {
    uint32_t a[4], b[2];
    for (int i = 0; i < 4; ++i) a[i] = in[(threadIdx.x + i) & 63];
    for (int i = 0; i < 2; ++i) b[i] = in[(threadIdx.x + 7 + i) & 63];
    float acc[kChains][4] = {};
    for (int it = 0; it < kIters; ++it) {
#pragma unroll
        for (int c = 0; c < kChains; ++c) {
            if constexpr (F16) mma_m16n8k16_f16(acc[c], a, b, acc[c]);
            else mma_m16n8k8_tf32(acc[c], a, b, acc[c]);
        }
    }
    if (flag) {
        float s = 0.f;
        for (int c = 0; c < kChains; ++c) s += acc[c][0] + acc[c][1] + acc[c][2] + acc[c][3];
        out[blockIdx.x * blockDim.x + threadIdx.x] = s;
    }
}

constexpr int kFmaChains = 16;
__global__ void __launch_bounds__(256) ffma_loop(const float* in, float* out, int flag) {
    float x = in[threadIdx.x & 63], y = in[(threadIdx.x + 1) & 63];
    float acc[kFmaChains];
#pragma unroll
    for (int c = 0; c < kFmaChains; ++c) acc[c] = in[(threadIdx.x + c) & 63];
    for (int it = 0; it < kIters; ++it) {
#pragma unroll
        for (int c = 0; c < kFmaChains; ++c) acc[c] = __fmaf_rn(acc[c], x, y);
    }
    if (flag) {
        float s = 0.f;
        for (int c = 0; c < kFmaChains; ++c) s += acc[c];
        out[blockIdx.x * blockDim.x + threadIdx.x] = s;
    }
}

__global__ void write4(float4* __restrict__ dst, size_t n) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        dst[i] = make_float4(0.f, 0.f, 0.f, (float)i);
}

// passes x n float4 L2 reads (__ldcg: cache global, not L1); the sum is written only if flag (never).
__global__ void l2_read4(const float4* __restrict__ src, size_t n, int passes, float* out, int flag) {
    float s = 0.f;
    for (int p = 0; p < passes; ++p)
        for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
            const float4 v = __ldcg(src + i);
            s += v.x + v.y + v.z + v.w;
        }
    if (flag) out[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

__global__ void copy4(const float4* __restrict__ src, float4* __restrict__ dst, size_t n) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        dst[i] = src[i];
}

template <class F>
static double median_ms(F&& launch) {
    cudaEvent_t a, b;
    CK(cudaEventCreate(&a));
    CK(cudaEventCreate(&b));
    launch();
    CK(cudaDeviceSynchronize());
    std::vector<float> t;
    for (int i = 0; i < 7; ++i) {
        CK(cudaEventRecord(a));
        launch();
        CK(cudaEventRecord(b));
        CK(cudaEventSynchronize(b));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, a, b));
        t.push_back(ms);
    }
    CK(cudaGetLastError());
    CK(cudaEventDestroy(a));
    CK(cudaEventDestroy(b));
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

int main() {
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    const int sms = prop.multiProcessorCount;
    printf("device_ceiling: %s, sm_%d%d, %d SMs\n", prop.name, prop.major, prop.minor, sms);
    uint32_t* in;
    float* out;
    CK(cudaMalloc(&in, 64 * sizeof(uint32_t)));
    CK(cudaMemset(in, 0, 64 * sizeof(uint32_t)));  // zeros: no denormal or Inf slow paths
    const int blocks = sms * 4, threads = 256;
    CK(cudaMalloc(&out, (size_t)sms * 16 * 512 * sizeof(float)));  // the largest grid below (l2_read4)

    // per warp per iteration: kChains mma of m*n*k MACs = 2*m*n*k flops
    const double warps = (double)blocks * threads / 32;
    const double f16_flops = warps * kIters * kChains * 2.0 * 16 * 8 * 16;
    const double tf32_flops = warps * kIters * kChains * 2.0 * 16 * 8 * 8;
    const double ffma_flops = (double)blocks * threads * kIters * kFmaChains * 2.0;
    const double t16 = median_ms([&] { mma_loop<true><<<blocks, threads>>>(in, out, 0); });
    const double t32 = median_ms([&] { mma_loop<false><<<blocks, threads>>>(in, out, 0); });
    const double tff = median_ms([&] { ffma_loop<<<blocks, threads>>>(reinterpret_cast<const float*>(in), out, 0); });
    printf("ceiling mma_f16  %8.1f TFLOP/s (mma.sync.m16n8k16 f32 acc)\n", f16_flops / t16 / 1e9);
    printf("ceiling mma_tf32 %8.1f TFLOP/s (mma.sync.m16n8k8)\n", tf32_flops / t32 / 1e9);
    printf("ceiling ffma     %8.1f TFLOP/s (fp32 FFMA)\n", ffma_flops / tff / 1e9);

    const size_t bytes = (size_t)1 << 30, n4 = bytes / 16;
    float4 *src, *dst;
    CK(cudaMalloc(&src, bytes));
    CK(cudaMalloc(&dst, bytes));
    CK(cudaMemset(src, 0, bytes));
    const double tc = median_ms([&] { copy4<<<sms * 16, 512>>>(src, dst, n4); });
    const double tm = median_ms([&] { CK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice)); });
    printf("ceiling copy     %8.3f TB/s (float4 copy kernel, read + write)\n", 2.0 * bytes / tc / 1e9);
    printf("ceiling memcpy   %8.3f TB/s (cudaMemcpy D2D, read + write)\n", 2.0 * bytes / tm / 1e9);
    const double tw = median_ms([&] { write4<<<sms * 16, 512>>>(dst, n4); });
    printf("ceiling write    %8.3f TB/s (float4 store kernel)\n", bytes / tw / 1e9);
    const size_t l2_bytes = (size_t)16 << 20;
    const int passes = 16;
    const double tl2 = median_ms([&] { l2_read4<<<sms * 16, 512>>>(src, l2_bytes / 16, passes, out, 0); });
    printf("ceiling l2_read  %8.3f TB/s (16-byte ld.global.cg over a 16 MiB buffer, %d passes)\n",
           (double)passes * l2_bytes / tl2 / 1e9, passes);
    CK(cudaFree(src));
    CK(cudaFree(dst));
    CK(cudaFree(in));
    CK(cudaFree(out));
    return 0;
}
