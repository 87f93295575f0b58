// wgmma_probe.cu — the sm_90a wgmma instructions on the GPU, one at a time, before any kernel uses them.
//
// The wgmma kernels (tc_wgmma.cu) were written and proven against the host emulation only; the emulation
// implements the PTX ISA as read here. If that reading is wrong somewhere, the convolution tests on a GPU
// only say "wrong result". This probe runs the emulation's own single-instruction cases
// (tests/simt/wgmma_cases.h, the same kernel and the same expectations test_simt_wgmma checks the
// emulation with) on the device and says which reading holds:
//   f16 m64n64k16 / m64n128k16, both operands from 64-byte-swizzled shared memory, 1 and 2 warpgroups;
//   f16 m64n64k16 with A from registers (the halo kernel's RS form);
//   tf32 m64n64k8 / m64n128k8 from 128-byte-swizzled shared memory;
//   unswizzled tiles under the same descriptors must give wrong products (the swizzle is real);
//   f16 n64 / n128 in 128-byte swizzled rows from starts shifted by whole rows inside a 1024-byte atom, with
//   the ISA's base offset (start >> 7) & 7 and SBO 1024 (what the WIDE halo form's taps describe);
//   informational, not counted as a failure: f16 n64 / n128 in the no-swizzle core-matrix layout from starts
//   shifted by 16-byte rows (the 16-byte halo form's layout, proven in the twelfth session's run), and two
//   readings of a shifted swizzled start that no kernel uses -- base offset 0 (does the hardware take the
//   XOR's phase from the address alone?) and groups 10 rows apart (SBO 1280: an unpadded 3 x 3 halo row).
// For a failing case it sweeps the descriptor fields (swizzle mode, stride and leading byte offsets)
// and prints every encoding that does give the ISA product, and dumps the accumulators
// (warp lane register value) to <dump_dir>/wgmma_probe_<case>.txt for offline reading.
// It also reports the dynamic shared memory's address (informational: the swizzle is a function of the
// absolute address, so the kernels and these cases start their tiles at the first atom boundary
// after it, align_smem) and measures the wgmma
// throughput ceiling (f16 m64n128k16 and tf32 m64n128k8, 2 warpgroups x 2 blocks per SM, operands
// from shared memory, no loads in the loop), the number the ">= 70 % of dense peak" target needs, and checks the
// profile's shared-memory model (f16 n64; n128 and n64 beside a warp streaming ld.shared).
// Usage: wgmma_probe [dump_dir]. Exit 0: all cases pass (or no sm_90 device: skipped); 1: a case
// failed; 2: a CUDA error.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda_ck.h"
#include "simt/wgmma_cases.h"

static const char* const kProgram = "wgmma_probe";

using namespace wgmma_cases;

namespace {

constexpr size_t kImageBytes = 40 * 1024;  // every case's image, zero-padded: room for swept strides
const char* g_dump_dir = ".";
unsigned char* g_image = nullptr;  // device
Frags* g_frags = nullptr;          // device
void* g_out = nullptr;             // device, sizeof(Out<128>)
int g_failed = 0;

// Runs one case on the device; returns the mismatch count against the ISA product.
template <int N>
int run(int wgs, std::vector<unsigned char> img, Args<N> a, Out<N>* host, bool quiet) {
    img.resize(kImageBytes, 0);
    CK(cudaMemcpy(g_image, img.data(), img.size(), cudaMemcpyHostToDevice));
    a.image = g_image;
    a.image_bytes = static_cast<uint32_t>(img.size());
    a.out = static_cast<Out<N>*>(g_out);
    if (a.frags) a.frags = g_frags;
    CK(cudaMemset(g_out, 0, sizeof(Out<N>)));
    wgmma_case_kernel<N><<<1, 128 * wgs, kImageBytes + kAlignSlack>>>(a);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(host, g_out, sizeof(Out<N>), cudaMemcpyDeviceToHost));
    return check_product(*host, wgs, false, quiet);
}

template <int N>
void dump(const char* name, const Out<N>& o, int wgs) {
    const std::string path = std::string(g_dump_dir) + "/wgmma_probe_" + name + ".txt";
    FILE* f = fopen(path.c_str(), "w");
    if (!f) return;
    fprintf(f, "# warp lane reg value (reg = 4 j + e of d[j][e]); expected: see tests/simt/wgmma_cases.h\n");
    for (int w = 0; w < 4 * wgs; ++w)
        for (int l = 0; l < 32; ++l)
            for (int j = 0; j < N / 8; ++j)
                for (int e = 0; e < 4; ++e) fprintf(f, "%d %d %d %g\n", w, l, 4 * j + e, o.d[w][l][j][e]);
    fclose(f);
    printf("wgmma-probe %s: accumulators written to %s\n", name, path.c_str());
}

// One named case that must give the ISA product; on failure, the descriptor sweep and the dump.
template <int N>
void expect_pass(const char* name, int wgs, const std::vector<unsigned char>& img, Args<N> a) {
    static Out<N> host;
    const int bad = run<N>(wgs, img, a, &host, false);
    printf("wgmma-probe %-28s %s", name, bad ? "FAILED" : "ok");
    if (bad) printf(" (%d of %d accumulators wrong)", bad, 64 * wgs * N);
    printf("  [smem base 0x%x]\n", host.smem_base);
    if (!bad) return;
    ++g_failed;
    dump<N>(name, host, wgs);
    int found = 0;
    static Out<N> trial;
    // (+ the case's own LBO, also as SBO: the core-matrix planes, in case the two fields are the other way round)
    const uint32_t lbos[] = {16u, 64u, 128u, 256u, 512u, 1024u, 2048u, a.lbo};
    const uint32_t sbos[] = {128u, 256u, 512u, 1024u, 2048u, a.lbo};
    for (unsigned mode = 0; mode < 4; ++mode)
        for (uint32_t sbo : sbos)
            for (uint32_t lbo : lbos) {
                // every operand byte the encoding can reach (8-row groups sbo apart, rows of 64 / 128
                // bytes in a group, or lbo between the k halves without swizzle) must lie in the image:
                // a read past the block's shared memory would end the probe
                const uint32_t span = 7u * (a.tf32 ? 128u : 64u) + 32u + lbo + a.kstep + a.a_shift;
                if (a.b_off + static_cast<uint32_t>((N - 1) / 8) * sbo + span > kImageBytes ||
                    static_cast<uint32_t>((64 * wgs - 1) / 8) * sbo + span > kImageBytes)
                    continue;
                Args<N> t = a;
                t.desc_mode = mode;
                t.sbo = sbo;
                t.lbo = lbo;
                if (run<N>(wgs, img, t, &trial, true) == 0) {
                    printf("wgmma-probe %s: passes with swizzle mode %u, stride byte offset %u, leading byte offset %u\n",
                           name, mode, sbo, lbo);
                    ++found;
                }
            }
    if (!found) printf("wgmma-probe %s: no descriptor encoding of the sweep gives the ISA product\n", name);
}

// A case that must NOT give the ISA product (the layout differs from what the descriptor says).
template <int N>
void expect_wrong(const char* name, int wgs, const std::vector<unsigned char>& img, Args<N> a) {
    static Out<N> host;
    const int bad = run<N>(wgs, img, a, &host, true);
    printf("wgmma-probe %-28s %s\n", name, bad ? "ok (wrong product, as it must be)" : "FAILED (the product is right)");
    if (!bad) ++g_failed;
}

template <int N>
void f16_cases() {
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_f16_image<N>(wgs, sw64_offset, &b_off);
        const std::string name = "f16_ss_n" + std::to_string(N) + "_wg" + std::to_string(wgs);
        expect_pass<N>(name.c_str(), wgs, img, Args<N>{nullptr, 0, b_off, 2u, 0, nullptr});
    }
    uint32_t b_off = 0;
    const std::vector<unsigned char> plain = make_f16_image<N>(1, plain_offset, &b_off);
    const std::string name = "f16_unswizzled_n" + std::to_string(N);
    expect_wrong<N>(name.c_str(), 1, plain, Args<N>{nullptr, 0, b_off, 2u, 0, nullptr});
    // f16 in 128-byte rows under the 128-byte swizzle (the TMA64 kernel's BK = 64 tiles)
    for (int wgs = 1; wgs <= 2; ++wgs) {
        Args<N> a{nullptr, 0, 0, 1u, 0, nullptr};
        const std::vector<unsigned char> img = make_f16_image128<N>(wgs, sw128_f16_offset, &a);
        const std::string n128 = "f16_sw128_n" + std::to_string(N) + "_wg" + std::to_string(wgs);
        expect_pass<N>(n128.c_str(), wgs, img, a);
    }
    Args<N> a{nullptr, 0, 0, 1u, 0, nullptr};
    const std::vector<unsigned char> plain128 = make_f16_image128<N>(1, plain128_f16_offset, &a);
    const std::string nplain = "f16_unswizzled128_n" + std::to_string(N);
    expect_wrong<N>(nplain.c_str(), 1, plain128, a);
}

// The no-swizzle K-major layout (core matrices, LBO / SBO) from starts shifted by whole 16-byte rows: not
// used by a kernel yet -- the layout an SS-wgmma halo kernel would need (A rows = halo pixels shifted by the
// filter tap, which no swizzled descriptor can start at), checked here so that design rests on the hardware.
template <int N>
void core_cases() {
    for (int wgs = 1; wgs <= 2; ++wgs)
        for (int shift : {0, 1, 3}) {
            Args<N> a{nullptr, 0, 0, 0u, 0, nullptr};
            const std::vector<unsigned char> img = make_f16_core_image<N>(wgs, shift, &a);
            const std::string name =
                "f16_core_n" + std::to_string(N) + "_wg" + std::to_string(wgs) + "_shift" + std::to_string(shift);
            expect_pass<N>(name.c_str(), wgs, img, a);
        }
}

// 128-byte swizzled f16 rows from starts shifted inside an atom (make_f16_shifted128_image): the WIDE halo
// form's taps. info: the readings no kernel uses, printed as "holds" / "does not hold", never a failure.
template <int N>
void sw128_shifted_cases(bool info) {
    for (int wgs = 1; wgs <= 2 && !info; ++wgs)
        for (int shift : {1, 3, 7, 9}) {
            Args<N> a{nullptr, 0, 0, 1u, 0, nullptr};
            const std::vector<unsigned char> img = make_f16_shifted128_image<N>(wgs, shift, &a);
            const std::string name =
                "f16_sw128_n" + std::to_string(N) + "_wg" + std::to_string(wgs) + "_shift" + std::to_string(shift);
            expect_pass<N>(name.c_str(), wgs, img, a);
        }
    if (!info) return;
    static Out<N> host;
    for (int shift : {1, 3}) {
        Args<N> a{nullptr, 0, 0, 1u, 0, nullptr};
        std::vector<unsigned char> img = make_f16_shifted128_image<N>(1, shift, &a);
        Args<N> t = a;
        t.a_base_offset = false;
        int bad = run<N>(1, img, t, &host, true);
        printf("wgmma-probe info: 128-byte swizzle n%d, start shifted %d rows, base offset 0: %s\n", N, shift,
               bad ? "does not hold" : "holds (the phase comes from the address)");
        img = make_f16_shifted128_image<N>(1, shift, &t, 10);
        bad = run<N>(1, img, t, &host, true);
        printf("wgmma-probe info: 128-byte swizzle n%d, start shifted %d rows, ISA base offset, SBO 1280: %s\n", N,
               shift, bad ? "does not hold" : "holds (an unpadded halo row would do)");
    }
}

void rs_cases() {
    static Frags frags;
    for (int wgs = 1; wgs <= 2; ++wgs) {
        frags = Frags{};
        make_frags(wgs, &frags);
        CK(cudaMemcpy(g_frags, &frags, sizeof frags, cudaMemcpyHostToDevice));
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_f16_image<64>(wgs, sw64_offset, &b_off);
        const std::string name = "f16_rs_n64_wg" + std::to_string(wgs);
        expect_pass<64>(name.c_str(), wgs, img, Args<64>{nullptr, 0, b_off, 2u, 0, nullptr, &frags});
    }
}

template <int N>
void tf32_cases() {
    for (int wgs = 1; wgs <= 2; ++wgs) {
        uint32_t b_off = 0;
        const std::vector<unsigned char> img = make_tf32_image<N>(wgs, sw128_offset, &b_off);
        Args<N> a{nullptr, 0, b_off, 1u, 0, nullptr};
        a.tf32 = true;
        const std::string name = "tf32_ss_n" + std::to_string(N) + "_wg" + std::to_string(wgs);
        expect_pass<N>(name.c_str(), wgs, img, a);
    }
    uint32_t b_off = 0;
    const std::vector<unsigned char> plain = make_tf32_image<N>(1, plain128_offset, &b_off);
    Args<N> a{nullptr, 0, b_off, 1u, 0, nullptr};
    a.tf32 = true;
    const std::string name = "tf32_unswizzled_n" + std::to_string(N);
    expect_wrong<N>(name.c_str(), 1, plain, a);
}

// ---- throughput ceiling: wgmma m64nN from shared memory, nothing else in the loop ----
// N 128: the number the ">= 70 % of dense peak" target needs. N 64 and the streamer: a check of the profile's
// shared-memory model (test_cuda_kernels profile), which assumes one 128-byte-per-clock port per SM that wgmma
// operand reads (A's 64 rows and B's N rows once per warpgroup instruction), TMA writes and generic accesses all
// share. m64n128k16 reads 96 B per tensor clock, m64n64k16 128: the model allows both at the peak. kStream adds
// a ninth warp that streams 16-byte ld.shared from its own region until both warpgroups are done: where the model
// holds, wgmma's and the streamer's bytes per clock together stay near 128 and the wgmma rate drops accordingly.
constexpr int kPeakIters = 4096;
constexpr int kPeakSteps = 4;  // wgmma per group: one 32-element k slice's worth (f16 2 x k16 -> 4 = 2 slices)
constexpr uint32_t kPeakOperandBytes = 32 * 1024, kStreamBytes = 16 * 1024;

template <bool TF32, int N, bool kStream>
__global__ void __launch_bounds__(288, 2) wgmma_peak_kernel(float* sink, unsigned long long* counters, int flag) {
    FC_DYNAMIC_SHARED(unsigned char, raw);
    unsigned char* const sm = fc::cuda::align_smem<1024>(raw);  // operands on swizzle atoms, as the kernels
    __shared__ int done;
    const int tid = static_cast<int>(threadIdx.x), wg = tid / 128;
    for (uint32_t i = static_cast<uint32_t>(tid); i < kPeakOperandBytes + kStreamBytes; i += blockDim.x) sm[i] = 0;
    if (tid == 0) done = 0;
    fc::cuda::fence_proxy_async_smem();
    __syncthreads();
    const long long t0 = clock64();
    if (wg == 2) {  // the streamer warp (kStream), else idle
        if (!kStream) return;
        const int lane = tid & 31;
        const uint4* const st = reinterpret_cast<const uint4*>(sm + kPeakOperandBytes);
        uint4 v = make_uint4(0, 0, 0, 0);
        unsigned long long rounds = 0;
        while (*static_cast<volatile int*>(&done) < 2) {
#pragma unroll 8
            for (int i = 0; i < 32; ++i) {  // consecutive lanes, consecutive 16-byte chunks: no bank conflicts
                uint4 u;  // (volatile: every round loads again)
                asm volatile("ld.shared.v4.u32 {%0, %1, %2, %3}, [%4];"
                             : "=r"(u.x), "=r"(u.y), "=r"(u.z), "=r"(u.w)
                             : "r"(fc::cuda::smem_addr_(st + ((i * 32 + lane) & (kStreamBytes / 16 - 1)))));
                v.x ^= u.x, v.y ^= u.y, v.z ^= u.z, v.w ^= u.w;
            }
            ++rounds;
        }
        if (lane == 0) {
            atomicAdd(&counters[0], rounds * 32ull * 32ull * 16ull);                      // streamed bytes
            atomicAdd(&counters[1], static_cast<unsigned long long>(clock64() - t0));  // streamer clocks
        }
        if (flag) sink[blockIdx.x * blockDim.x + tid] = static_cast<float>(v.x ^ v.y ^ v.z ^ v.w);
        return;
    }
    float acc[N / 8][4];
    for (auto& r : acc)
        for (float& v : r) v = 0.0f;
    const uint32_t base = fc::cuda::smem_addr_(sm);
    const uint32_t a0 = base + static_cast<uint32_t>(wg) * 8192u, b0 = base + 16384u;
    const uint32_t sbo = TF32 ? 1024u : 512u;
    const unsigned mode = TF32 ? 1u : 2u;
    for (int it = 0; it < kPeakIters; ++it) {
        fc::cuda::wgmma_fence();  // per group, as the kernels' warpgroup_mma_slice does
#pragma unroll
        for (int s = 0; s < kPeakSteps; ++s) {
            const uint32_t ko = static_cast<uint32_t>(s % 2) * 32u;  // the two 32-byte k steps of a row
            if constexpr (TF32)
                fc::cuda::wgmma_m64k8_tf32<N>(acc, isa_desc(a0 + ko, 16, sbo, mode), isa_desc(b0 + ko, 16, sbo, mode));
            else
                fc::cuda::wgmma_m64k16_f16<N>(acc, isa_desc(a0 + ko, 16, sbo, mode), isa_desc(b0 + ko, 16, sbo, mode));
        }
        fc::cuda::wgmma_commit();
        fc::cuda::wgmma_wait<1>();
    }
    fc::cuda::wgmma_wait<0>();
    if ((tid & 127) == 0) {
        atomicAdd(&done, 1);  // the streamer stops once both warpgroups are through
        atomicAdd(&counters[2], static_cast<unsigned long long>(clock64() - t0));  // a warpgroup's clocks
    }
    if (flag)
        for (int j = 0; j < N / 8; ++j)
            for (int e = 0; e < 4; ++e) sink[(blockIdx.x * blockDim.x + tid) * 64 + j * 4 + e] = acc[j][e];
}

template <bool TF32, int N, bool kStream>
void peak(const cudaDeviceProp& prop) {
    const int blocks = 2 * prop.multiProcessorCount;
    float* sink = nullptr;
    unsigned long long* counters = nullptr;
    CK(cudaMalloc(&sink, sizeof(float) * 64 * 288 * blocks));
    CK(cudaMalloc(&counters, 3 * sizeof(unsigned long long)));
    const int smem = static_cast<int>(kPeakOperandBytes + kStreamBytes + kAlignSlack);
    CK(cudaFuncSetAttribute(wgmma_peak_kernel<TF32, N, kStream>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    wgmma_peak_kernel<TF32, N, kStream><<<blocks, 288, smem>>>(sink, counters, 0);  // warm-up (clocks up)
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    std::vector<float> ms;
    std::vector<double> stream_bpc, wg_clk;
    for (int r = 0; r < 7; ++r) {
        CK(cudaMemset(counters, 0, 3 * sizeof(unsigned long long)));
        CK(cudaEventRecord(e0));
        wgmma_peak_kernel<TF32, N, kStream><<<blocks, 288, smem>>>(sink, counters, 0);
        CK(cudaEventRecord(e1));
        CK(cudaEventSynchronize(e1));
        float t = 0;
        CK(cudaEventElapsedTime(&t, e0, e1));
        ms.push_back(t);
        unsigned long long c[3];
        CK(cudaMemcpy(c, counters, sizeof c, cudaMemcpyDeviceToHost));
        // per SM (2 blocks at once): the two streamers' bytes over one streamer's clocks
        if (kStream) stream_bpc.push_back(c[1] ? 2.0 * (double)c[0] / (double)c[1] : 0);
        wg_clk.push_back((double)c[2] / (2.0 * blocks));  // mean clocks of a warpgroup's loop
    }
    std::sort(ms.begin(), ms.end());
    std::sort(stream_bpc.begin(), stream_bpc.end());
    std::sort(wg_clk.begin(), wg_clk.end());
    const double k = TF32 ? 8 : 16, es = TF32 ? 4 : 2;
    const double flop_per_inst = 2.0 * 64 * N * k;
    const double flops = flop_per_inst * kPeakSteps * kPeakIters * 2.0 /*warpgroups*/ * blocks;
    const double tflops = flops / (ms[3] * 1e-3) / 1e12;
    const double datasheet = TF32 ? 494.7 : 989.4;  // H100 / H200 SXM dense (gpu_check's peaks table)
    // the model's operand bytes per SM and clock: 4 warpgroups (2 blocks) each (64 + N) k es bytes per instruction
    const double wg_bpc = 4.0 * kPeakSteps * kPeakIters * (64 + N) * k * es / wg_clk[3];
    if (N == 128 && !kStream)  // (the line gpu-check's summary and the README quote)
        printf("ceiling wgmma_%s %.1f TFLOP/s (%.1f %% of the %.1f dense datasheet peak; median of 7, %d blocks)\n",
               TF32 ? "tf32" : "f16", tflops, 100.0 * tflops / datasheet, datasheet, blocks);
    printf("ceiling wgmma_%s n%d%s: %.1f TFLOP/s (%.1f %% of dense); per SM and clock: wgmma operands %.0f B%s",
           TF32 ? "tf32" : "f16", N, kStream ? " + lds.128 streamer" : "", tflops, 100.0 * tflops / datasheet, wg_bpc,
           kStream ? "" : "\n");
    if (kStream)
        printf(" + streamer %.0f B = %.0f B (the profile's model: one 128 B/clock port)\n", stream_bpc[3],
               wg_bpc + stream_bpc[3]);
    CK(cudaFree(sink));
    CK(cudaFree(counters));
    CK(cudaEventDestroy(e0));
    CK(cudaEventDestroy(e1));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) g_dump_dir = argv[1];
    cudaDeviceProp prop;
    if (!sm90a_device(kProgram, "wgmma (sm_90a)", &prop)) return 0;
    printf("wgmma_probe on %s (%d SMs)\n", prop.name, prop.multiProcessorCount);
    CK(cudaMalloc(&g_image, kImageBytes));
    CK(cudaMalloc(&g_frags, sizeof(Frags)));
    CK(cudaMalloc(&g_out, sizeof(Out<128>)));
    CK(cudaFuncSetAttribute(wgmma_case_kernel<64>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                            (int)(kImageBytes + kAlignSlack)));
    CK(cudaFuncSetAttribute(wgmma_case_kernel<128>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                            (int)(kImageBytes + kAlignSlack)));
    f16_cases<64>();
    f16_cases<128>();
    rs_cases();
    tf32_cases<64>();
    tf32_cases<128>();
    sw128_shifted_cases<64>(false);
    sw128_shifted_cases<128>(false);
    sw128_shifted_cases<64>(true);
    sw128_shifted_cases<128>(true);
    {  // informational (no kernel uses the layout yet): reported, not counted as the probe's failure
        const int before = g_failed;
        core_cases<64>();
        core_cases<128>();
        printf("wgmma-probe core-matrix layout (no swizzle, shifted starts; for a future SS halo kernel): %s\n",
               g_failed == before ? "ok" : "FAILED");
        g_failed = before;
    }
    peak<false, 128, false>(prop);
    peak<true, 128, false>(prop);
    peak<false, 64, false>(prop);
    peak<false, 128, true>(prop);
    peak<false, 64, true>(prop);
    CK(cudaFree(g_image));
    CK(cudaFree(g_frags));
    CK(cudaFree(g_out));
    printf("wgmma_probe: %s\n", g_failed ? "FAILED" : "all cases pass");
    return g_failed ? 1 : 0;
}
