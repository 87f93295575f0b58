// tma_probe.cu — the Hopper tensor memory accelerator (TMA, cp.async.bulk.tensor) on the GPU, before any
// kernel uses it: does the encoding an implicit-GEMM convolution would use load exactly the operand tiles
// the wgmma kernels read?
//
// Why: the wgmma kernels gather their im2col A tiles with one 16-byte cp.async per thread and chunk, and Nsight Compute
// on an H200 showed them issue- and latency-bound on exactly that (an estimated ~140 warp instructions per warp and
// k-slice; docs/cuda-development-log.md, "The wgmma kernels on the H200"). TMA's im2col mode moves a whole 128-pixel x
// 64-channel tile per instruction. Nothing here can run TMA (no GPU on the build machines), and its im2col semantics
// (bounding box from the map's corners plus the instruction's offsets, traversal stride, rows wrapping across W, H and
// N) are easy to misread. So, as wgmma_probe did for wgmma, this probe runs the planned encodings on the device and
// compares every byte with the definition of the tile a kernel needs; on a mismatch it decodes what the TMA loaded
// instead (each input element holds its own index), so one device call tells the next kernel how to encode.
//
// Cases: tma_cases.h, shared with the emulation's own test (test_simt_tma.cpp), so the hardware and the
// emulation's TMA model answer the same table. The im2col cases use the kernels' map and coordinates
// (tma_im2col.cuh: tma_x_map / tma_x_coords) -- 64-channel boxes in the 128-byte swizzle and the f16
// kernels' 32-channel boxes in the 64-byte swizzle -- on shapes with stride, dilation, asymmetric padding
// (which corner entry is W and which H: the first run of this probe, on an H200, loaded the {H, W}
// reading of cuda.h's comment wrongly -- index 0 is W -- and the emulation reproduces that result), a
// second channel chunk, C = 40 (zero fill), 1-D and 1x1 stride 2; the tiled cases the B tiles.
// uint16 elements stand for f16 (TMA moves bytes); each holds its own index + 1, 0 marks a fill.
// A failing case prints its first mismatching rows, expected vs loaded (n, h, w, c of the element or
// "0"). Usage: tma_probe. Exit 0: all cases pass (or no compute capability 9.0 device: skipped);
// 1: a case failed; 2: a CUDA error (a missing driver entry point included).
#include <cuda.h>  // CUtensorMap and its enums (types only: the functions come through the runtime)
#include <cuda_runtime.h>
#include <cudaTypedefs.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda_ck.h"
#include "simt/tma_cases.h"

static const char* const kProgram = "tma_probe";

namespace {

constexpr int kMaxBoxBytes = 128 * 128;  // the largest box below: 128 rows x 128 bytes
constexpr int kSlack = 1024;             // the 128-byte swizzle repeats every 1024 bytes of the address

PFN_cuTensorMapEncodeIm2col_v12000 g_encode_im2col = nullptr;
PFN_cuTensorMapEncodeTiled_v12000 g_encode_tiled = nullptr;
int g_failed = 0;

__device__ __forceinline__ uint32_t saddr(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

// One TMA load by thread 0 into a 1024-byte-aligned shared buffer, completion through an mbarrier
// (expect_tx = the box's bytes, out-of-bounds fill included), then the buffer's `bytes` copied to out.
// A load that never completes is reported through *timed_out instead of hanging the probe.
template <int kKind>  // 0: 2-D tiled, 1: 4-D im2col, 2: 4-D tiled (the halo form's boxes)
__global__ void tma_load_kernel(const __grid_constant__ CUtensorMap map, int c0, int c1, int c2, int c3,
                                unsigned short off_w, unsigned short off_h, int bytes, uint16_t* out,
                                int* timed_out) {
    extern __shared__ unsigned char raw[];
    unsigned char* buf = raw + ((0u - saddr(raw)) & (kSlack - 1u));
    __shared__ alignas(8) uint64_t bar;
    const uint32_t b = saddr(&bar), dst = saddr(buf);
    if (threadIdx.x == 0) {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n" ::"r"(b) : "memory");
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(b), "r"(bytes) : "memory");
        const uint64_t m = reinterpret_cast<uint64_t>(&map);
        if constexpr (kKind == 2)
            asm volatile(
                "cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                " [%0], [%1, {%2, %3, %4, %5}], [%6];\n" ::"r"(dst),
                "l"(m), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(b)
                : "memory");
        else if constexpr (kKind == 1)
            asm volatile(
                "cp.async.bulk.tensor.4d.shared::cluster.global.im2col.mbarrier::complete_tx::bytes"
                " [%0], [%1, {%2, %3, %4, %5}], [%6], {%7, %8};\n" ::"r"(dst),
                "l"(m), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(b), "h"(off_w), "h"(off_h)
                : "memory");
        else
            asm volatile(
                "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
                " [%0], [%1, {%2, %3}], [%4];\n" ::"r"(dst),
                "l"(m), "r"(c0), "r"(c1), "r"(b)
                : "memory");
    }
    uint32_t done = 0;
    for (int i = 0; i < (1 << 24) && !done; ++i)
        asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], 0;\n selp.u32 %0, 1, 0, p;\n}\n"
                     : "=r"(done)
                     : "r"(b)
                     : "memory");
    if (!done) {
        if (threadIdx.x == 0) *timed_out = 1;
        return;
    }
    for (int i = threadIdx.x; i < bytes / 2; i += blockDim.x) out[i] = reinterpret_cast<const uint16_t*>(buf)[i];
}

struct Tensor {  // NHWC uint16, element e holds e + 1 (0 is reserved for out-of-bounds fills)
    int N, H, W, C;
    uint16_t* dev = nullptr;
    size_t count() const { return (size_t)N * H * W * C; }
};

Tensor make_tensor(int N, int H, int W, int C) {
    Tensor t{N, H, W, C};
    if (t.count() >= 65535) {
        fprintf(stderr, "%s: tensor too large for 16-bit self-indexing\n", kProgram);
        exit(2);
    }
    std::vector<uint16_t> h(t.count());
    for (size_t i = 0; i < h.size(); ++i) h[i] = (uint16_t)(i + 1);
    CK(cudaMalloc(&t.dev, h.size() * 2));
    CK(cudaMemcpy(t.dev, h.data(), h.size() * 2, cudaMemcpyHostToDevice));
    return t;
}

uint16_t* g_out = nullptr;
int* g_timeout = nullptr;

// Runs one load and returns the buffer (bytes / 2 elements); false on a timeout.
bool run_load(int kind, const CUtensorMap& map, const int (&c)[4], unsigned short ow, unsigned short oh, int bytes,
              std::vector<uint16_t>* got) {
    CK(cudaMemset(g_out, 0xff, kMaxBoxBytes));
    CK(cudaMemset(g_timeout, 0, sizeof(int)));
    if (kind == 2)
        tma_load_kernel<2><<<1, 128, kMaxBoxBytes + kSlack>>>(map, c[0], c[1], c[2], c[3], ow, oh, bytes, g_out,
                                                              g_timeout);
    else if (kind == 1)
        tma_load_kernel<1><<<1, 128, kMaxBoxBytes + kSlack>>>(map, c[0], c[1], c[2], c[3], ow, oh, bytes, g_out,
                                                              g_timeout);
    else
        tma_load_kernel<0><<<1, 128, kMaxBoxBytes + kSlack>>>(map, c[0], c[1], c[2], c[3], ow, oh, bytes, g_out,
                                                              g_timeout);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    int to = 0;
    CK(cudaMemcpy(&to, g_timeout, sizeof(int), cudaMemcpyDeviceToHost));
    got->assign(bytes / 2, 0);
    CK(cudaMemcpy(got->data(), g_out, bytes, cudaMemcpyDeviceToHost));
    return to == 0;
}

// The common part of a case: a refused encode (er) or a load that never completed fails the case (false,
// reported as "tma-probe TAG NAME FAIL: ..."); else the loaded box is in *got.
bool loaded(const char* tag, const char* name, const char* encoder, CUresult er, int kind, const CUtensorMap& map,
            const int (&c)[4], unsigned short ow, unsigned short oh, int bytes, std::vector<uint16_t>* got) {
    if (er != CUDA_SUCCESS)
        printf("tma-probe %-6s %-32s FAIL: %s returned %d\n", tag, name, encoder, (int)er);
    else if (!run_load(kind, map, c, ow, oh, bytes, got))
        printf("tma-probe %-6s %-32s FAIL: the load never completed (mbarrier timeout)\n", tag, name);
    else
        return true;
    ++g_failed;
    return false;
}

// One im2col case of tma_cases.h: the kernels' own map (tma_x_map, with the case's channel count and
// swizzle) and coordinates (tma_x_coords), one load, every judged row against the definition.
void im2col_case(const tma_cases::ConvCase& k) {
    const Tensor x = make_tensor(k.N, k.H, k.W, k.C);
    const fc::cuda::TmaIm2colMap m = tma_cases::map(k);
    CUtensorMap map;
    const CUresult er = g_encode_im2col(&map, k.es == 4 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT32 : CU_TENSOR_MAP_DATA_TYPE_UINT16,
                                        4, x.dev, m.dims, m.strides, m.lower,
                                        m.upper, m.channels, m.pixels, m.estr, CU_TENSOR_MAP_INTERLEAVE_NONE,
                                        k.channels == 64 ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_64B,
                                        CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    int c[4];
    uint16_t off[2];
    tma_cases::coords(k, c, off);
    std::vector<uint16_t> got;
    if (loaded("im2col", k.name, "cuTensorMapEncodeIm2col", er, 1, map, c, off[0], off[1], 128 * k.channels * 2,
               &got)) {
        const int bad = tma_cases::check(k, got.data(), "");
        if (bad) ++g_failed;
        printf("tma-probe im2col %-32s %s (M %d, tile rows %d..%d, tap r%d s%d, c0 %d, %d ch; %d of %d judged rows "
               "wrong)\n",
               k.name, bad ? "FAIL" : "ok", tma_cases::params(k).M, k.m0, k.m0 + 127, k.r, k.s, k.c0, k.channels, bad,
               tma_cases::rows_judged(k));
    }
    CK(cudaFree(x.dev));
}

// One tiled case of tma_cases.h: box box_cols x 128 rows, zeros past the matrix's edges.
void tiled_case(const tma_cases::TiledCase& t) {
    const Tensor m = make_tensor(1, 1, t.rows, t.cols);  // W = rows, C = cols: element (r, c) at r * cols + c
    const cuuint64_t dims[2] = {(cuuint64_t)t.cols, (cuuint64_t)t.rows};
    const cuuint64_t strides[1] = {(cuuint64_t)t.cols * 2};
    const cuuint32_t box[2] = {(cuuint32_t)t.box_cols, 128}, estr[2] = {1, 1};
    CUtensorMap map;
    const CUresult er = g_encode_tiled(&map, CU_TENSOR_MAP_DATA_TYPE_UINT16, 2, m.dev, dims, strides, box, estr,
                                       CU_TENSOR_MAP_INTERLEAVE_NONE,
                                       t.box_cols == 64 ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_64B,
                                       CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    const int c[4] = {t.col0, t.row0, 0, 0};
    std::vector<uint16_t> got;
    if (loaded("tiled", t.name, "cuTensorMapEncodeTiled", er, 0, map, c, 0, 0, 128 * t.box_cols * 2, &got)) {
        const int bad = tma_cases::check_tiled(t, got.data());
        if (bad) ++g_failed;
        printf("tma-probe tiled  %-32s %s (%d x %d matrix, box %d x 128 at (%d, %d); %d wrong elements)\n", t.name,
               bad ? "FAIL" : "ok", t.rows, t.cols, t.box_cols, t.row0, t.col0, bad);
    }
    CK(cudaFree(m.dev));
}

// One halo case of tma_cases.h: the halo form's 4-D tiled box {8, HW, HH, 1} (tma_halo_map, no swizzle) at
// tma_halo_coords -- negative coordinates for the padding -- every pixel and channel against the definition.
void halo_case(const tma_cases::HaloCase& h) {
    const Tensor x = make_tensor(h.N, h.H, h.W, h.C);
    const fc::cuda::ConvParams p = tma_cases::halo_params(h);
    const fc::cuda::TmaTiled4Map m = fc::cuda::tma_halo_map(p);
    CUtensorMap map;
    const CUresult er = g_encode_tiled(&map, CU_TENSOR_MAP_DATA_TYPE_UINT16, 4, x.dev, m.dims, m.strides, m.box, m.estr,
                                       CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_NONE,
                                       CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    int c[4];
    fc::cuda::tma_halo_coords(p, fc::cuda::tma_halo_geom(p), h.u, h.c0, c);
    std::vector<uint16_t> got;
    if (loaded("halo", h.name, "cuTensorMapEncodeTiled (4-D)", er, 2, map, c, 0, 0, tma_cases::halo_box_bytes(h),
               &got)) {
        const int bad = tma_cases::check_halo(h, got.data());
        if (bad) ++g_failed;
        printf("tma-probe halo   %-32s %s (box {8, %u, %u, 1} at (%d, %d, %d, %d); %d wrong elements)\n", h.name,
               bad ? "FAIL" : "ok", m.box[1], m.box[2], c[0], c[1], c[2], c[3], bad);
    }
    CK(cudaFree(x.dev));
}

}  // namespace

int main() {
    cudaDeviceProp prop;
    if (!sm90a_device(kProgram, "this sm_90a build", &prop)) return 0;
    cudaDriverEntryPointQueryResult q1, q2;
    CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeIm2col", reinterpret_cast<void**>(&g_encode_im2col), 12000,
                                        cudaEnableDefault, &q1));
    CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", reinterpret_cast<void**>(&g_encode_tiled), 12000,
                                        cudaEnableDefault, &q2));
    if (q1 != cudaDriverEntryPointSuccess || q2 != cudaDriverEntryPointSuccess || !g_encode_im2col || !g_encode_tiled) {
        fprintf(stderr, "%s: the driver has no cuTensorMapEncodeIm2col / cuTensorMapEncodeTiled\n", kProgram);
        return 2;
    }
    printf("tma_probe on %s (%d SMs)\n", prop.name, prop.multiProcessorCount);
    CK(cudaMalloc(&g_out, kMaxBoxBytes));
    CK(cudaMalloc(&g_timeout, sizeof(int)));
    CK(cudaFuncSetAttribute(tma_load_kernel<0>, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxBoxBytes + kSlack));
    CK(cudaFuncSetAttribute(tma_load_kernel<1>, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxBoxBytes + kSlack));
    CK(cudaFuncSetAttribute(tma_load_kernel<2>, cudaFuncAttributeMaxDynamicSharedMemorySize, kMaxBoxBytes + kSlack));
    for (const tma_cases::ConvCase& k : tma_cases::conv_cases()) im2col_case(k);
    for (const tma_cases::TiledCase& t : tma_cases::tiled_cases()) tiled_case(t);
    for (const tma_cases::HaloCase& h : tma_cases::halo_cases()) halo_case(h);
    printf("tma_probe: %s\n", g_failed ? "FAILED cases above" : "all cases pass");
    return g_failed ? 1 : 0;
}
