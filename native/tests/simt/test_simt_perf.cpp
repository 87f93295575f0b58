// Performance sanity of the fiber scheduler (prints switches/s) and a
// GEMM-like block (cp.async + ldmatrix + mma, 100 k-steps) that kernel tests
// need to run well under a second.
#include "simt/simt.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "simt_test_util.h"

__global__ void barrier_loop_kernel(int iters, int* out) {
    long long v = 0;
    for (int i = 0; i < iters; ++i) {
        __syncthreads();
        v += i;
    }
    out[threadIdx.x] = static_cast<int>(v);
}

__global__ void shfl_loop_kernel(int iters, int* out) {
    unsigned v = threadIdx.x;
    for (int i = 0; i < iters; ++i) v += __shfl_xor_sync(0xffffffffu, v, 1 + (i & 15));
    out[threadIdx.x] = static_cast<int>(v);
}

// 4 warps; per k-step: every thread cp.asyncs 16 B of A (64x16 f16) and of B
// (16x32 f16 as 32 rows of k), waits, barrier, ldmatrix_x4 A and ldmatrix_x2 B
// per warp tile, 4 mma, barrier.
__global__ void gemm_like_kernel(const uint16_t* A, const uint16_t* B, int ksteps, float* out) {
    FC_DYNAMIC_SHARED(uint16_t, smem);
    uint16_t* sA = smem;            // 64 rows x 16 (+8 pad) halves
    uint16_t* sB = smem + 64 * 24;  // 32 rows (n) x 16 (+8 pad) halves
    const int t = static_cast<int>(threadIdx.x), lane = t % 32, warp = t / 32;
    float acc[4][4] = {};
    for (int ks = 0; ks < ksteps; ++ks) {
        const int r = t / 2, c = (t % 2) * 8;  // 128 threads x 8 halves = 64x16
        fc::cuda::cp_async_cg_16(&sA[r * 24 + c], &A[(ks % 4) * 1024 + r * 16 + c], 16);
        if (t < 64) fc::cuda::cp_async_cg_16(&sB[r * 24 + c], &B[(ks % 4) * 512 + r * 16 + c], 16);
        fc::cuda::cp_async_commit();
        fc::cuda::cp_async_wait<0>();
        __syncthreads();
        uint32_t a[4];
        const int mat = lane / 8;
        fc::cuda::ldmatrix_x4(a, &sA[(warp * 16 + (lane % 8) + (mat % 2) * 8) * 24 + (mat / 2) * 8]);
        for (int nt = 0; nt < 4; ++nt) {
            uint32_t b[2];
            fc::cuda::ldmatrix_x2(b, &sB[(nt * 8 + (lane % 8)) * 24 + ((lane / 8) % 2) * 8]);
            fc::cuda::mma_m16n8k16_f16(acc[nt], a, b, acc[nt]);
        }
        __syncthreads();
    }
    for (int nt = 0; nt < 4; ++nt)
        for (int i = 0; i < 4; ++i) out[(t * 4 + nt) * 4 + i] = acc[nt][i];
}

int main() {
    using clk = std::chrono::steady_clock;
    std::vector<int> out(1024);
    {
        const int iters = 4000;
        auto st = fc_simt::launch(dim3(1), dim3(256), 0, barrier_loop_kernel, iters, out.data());
        std::printf("barrier loop: 256 threads x %d __syncthreads: %.3f s, %llu switches, %.1f M switches/s\n", iters,
                    st.seconds, static_cast<unsigned long long>(st.context_switches), st.context_switches / st.seconds / 1e6);
        CHECK(out[5] == iters * (iters - 1) / 2);
    }
    {
        const int iters = 4000;
        auto st = fc_simt::launch(dim3(1), dim3(256), 0, shfl_loop_kernel, iters, out.data());
        std::printf("shuffle loop: 256 threads x %d shuffles: %.3f s, %.1f M switches/s, %.2f M warp-shuffles/s\n", iters,
                    st.seconds, st.context_switches / st.seconds / 1e6, 8.0 * iters / st.seconds / 1e6);
    }
    {
        std::vector<uint16_t> A(4 * 1024), B(4 * 512);
        for (size_t i = 0; i < A.size(); ++i) A[i] = fc::cuda::f32_to_f16_bits(static_cast<float>(i % 7) - 3.f);
        for (size_t i = 0; i < B.size(); ++i) B[i] = fc::cuda::f32_to_f16_bits(static_cast<float>(i % 5) - 2.f);
        std::vector<float> o(128 * 16);
        const int ksteps = 100;
        const auto t0 = clk::now();
        auto st = fc_simt::launch(dim3(1), dim3(128), (64 + 32) * 24 * sizeof(uint16_t), gemm_like_kernel,
                                  static_cast<const uint16_t*>(A.data()), static_cast<const uint16_t*>(B.data()), ksteps,
                                  o.data());
        const double s = std::chrono::duration<double>(clk::now() - t0).count();
        std::printf("gemm-like block: 128 threads, %d k-steps (cp.async+ldmatrix+4 mma each): %.4f s, %llu switches\n",
                    ksteps, s, static_cast<unsigned long long>(st.context_switches));
        CHECK(s < 1.0);
        // spot check: sum over all outputs equals a host reference
        double ref = 0, got = 0;
        for (float f : o) got += f;
        for (int ks = 0; ks < ksteps; ++ks)
            for (int m = 0; m < 64; ++m)
                for (int n = 0; n < 32; ++n)
                    for (int k = 0; k < 16; ++k)
                        ref += static_cast<double>(fc::cuda::f16_bits_to_f32(A[(ks % 4) * 1024 + m * 16 + k])) *
                               fc::cuda::f16_bits_to_f32(B[(ks % 4) * 512 + n * 16 + k]);
        CHECK_MSG(got == ref, "got %f ref %f", got, ref);
    }
    return simt_test_result("test_simt_perf");
}
